"""The watermark (`EventStore.position_known_at`) on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .helpers import note

DAY = timedelta(days=1)
T = datetime(2024, 3, 1, 8, tzinfo=UTC)


def test_the_watermark_is_the_last_position_recorded_by_then(engine):
    from shared.events import build_registry
    from shared.eventstore import EventStore

    # Batches share a record time; the clock stalls once and steps back once.
    clock = iter([T, T + DAY, T + DAY, T + 3 * DAY, T + 2 * DAY, T + 5 * DAY])
    store = EventStore(engine, build_registry(), clock=lambda: next(clock))
    for size in (2, 3, 1, 4, 2, 1):
        store.append([note(f"project-{n}") for n in range(size)])
    recorded = [(e.recorded_at, e.global_position) for e in store.read_all()]

    for known_at in (T - DAY, T, T + DAY / 2, T + DAY, T + 2 * DAY, T + 3 * DAY, T + 9 * DAY):
        expected = max((p for at, p in recorded if at <= known_at), default=0)
        assert store.position_known_at(known_at) == expected, known_at
