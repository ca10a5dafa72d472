"""Builders shared by the event-store tests."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.eventstore import NewEvent

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


def note(
    stream: str = "project-p1",
    text: str = "x",
    *,
    event_id: str | None = None,
    occurred_at: datetime = T0,
) -> NewEvent:
    """A small valid event (``ConstructionStarted`` with a note)."""
    kwargs = {"event_id": event_id} if event_id else {}
    return NewEvent(
        stream_id=stream,
        type="ConstructionStarted",
        payload={"note": text},
        occurred_at=occurred_at,
        source="test",
        actor="tester",
        **kwargs,
    )
