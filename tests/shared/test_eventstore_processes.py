"""Writers in separate processes (PostgreSQL): the global order stays gapless and chained."""

from __future__ import annotations

import multiprocessing

import pytest

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import ConcurrencyConflict, EventStore

from .helpers import note


def _writer(url: str, worker: int, rounds: int, batch: int, results) -> None:  # type: ignore[no-untyped-def]
    """Half the appends race for one shared stream, half go to the worker's own. ``batch``
    0: single events; else batches of that many by COPY, their lock, probe, rows and
    COMMIT in one message, half on the store's own transaction and half in one of the
    writer's, ids left to the index and the append ending it (the registry's way)."""
    engine = create_db_engine(url)
    store = EventStore(engine, build_registry(), lock_timeout_ms=10_000)
    wins = conflicts = 0
    for i in range(rounds):
        stream = "project-shared" if i % 2 else f"project-own-{worker}"
        version = store.stream_version(stream)
        events = [note(stream, f"{worker}:{i}:{n}") for n in range(batch or 1)]
        try:
            if not batch or i % 4 < 2:
                store.append(events, {stream: version})
            else:
                with store.writing() as conn:
                    store.append(
                        events, {stream: version}, connection=conn, look_up_ids=False, commit=True
                    )
            wins += 1
        except ConcurrencyConflict:
            conflicts += 1
    engine.dispose()
    results.put((worker, wins, conflicts))


def _four_writers(url: str, rounds: int, batch: int = 0) -> list[tuple[int, int, int]]:
    """Four spawned processes' (worker, wins, conflicts), every append answered."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, w, rounds, batch, results)) for w in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in processes]
    assert sum(wins + conflicts for _, wins, conflicts in outcomes) == 4 * rounds
    return outcomes


def _logged(url: str) -> list:  # type: ignore[type-arg]
    """The whole log, its positions gapless, the shared stream's versions too, the chain
    valid."""
    engine = create_db_engine(url)
    store = EventStore(engine, build_registry())
    try:
        events = list(store.iter_all())
        assert [e.global_position for e in events] == list(range(1, len(events) + 1))
        shared = [e.stream_version for e in events if e.stream_id == "project-shared"]
        assert shared == list(range(1, len(shared) + 1))
        assert store.verify().ok
        return events
    finally:
        engine.dispose()


@pytest.mark.slow
def test_four_processes_appending_leave_positions_one_to_n_and_a_valid_chain(postgres_url):
    outcomes = _four_writers(postgres_url, rounds=40)
    assert len(_logged(postgres_url)) == sum(wins for _, wins, _ in outcomes)


@pytest.mark.slow
def test_four_processes_appending_batches_in_one_message_leave_a_gapless_valid_chain(
    postgres_url,
):
    rounds = 24
    outcomes = _four_writers(postgres_url, rounds, batch=30)
    assert sum(conflicts for _, _, conflicts in outcomes) < 2 * rounds  # some won the race
    events = _logged(postgres_url)
    assert len(events) == 30 * sum(wins for _, wins, _ in outcomes)
    # Each batch whole and in one piece: its 30 events one after another.
    firsts = [e.global_position for e in events if e.payload["note"].endswith(":0")]
    assert all(
        [e.payload["note"].rsplit(":", 1)[0] for e in events[p - 1 : p + 29]]
        == [events[p - 1].payload["note"].rsplit(":", 1)[0]] * 30
        for p in firsts
    )
