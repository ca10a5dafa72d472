"""Writers in separate processes (PostgreSQL): the global order stays gapless and chained."""

from __future__ import annotations

import multiprocessing

import pytest

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import ConcurrencyConflict, EventStore

from .helpers import note


def _writer(url: str, worker: int, rounds: int, results) -> None:  # type: ignore[no-untyped-def]
    engine = create_db_engine(url)
    store = EventStore(engine, build_registry(), lock_timeout_ms=10_000)
    wins = conflicts = 0
    for i in range(rounds):
        # Half the appends race for one shared stream, half go to the worker's own.
        stream = "project-shared" if i % 2 else f"project-own-{worker}"
        version = store.stream_version(stream)
        try:
            store.append([note(stream, f"{worker}:{i}")], {stream: version})
            wins += 1
        except ConcurrencyConflict:
            conflicts += 1
    engine.dispose()
    results.put((worker, wins, conflicts))


@pytest.mark.slow
def test_four_processes_appending_leave_positions_one_to_n_and_a_valid_chain(postgres_url):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    rounds = 40
    processes = [
        context.Process(target=_writer, args=(postgres_url, w, rounds, results)) for w in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in processes]
    total_wins = sum(wins for _, wins, _ in outcomes)
    assert sum(wins + conflicts for _, wins, conflicts in outcomes) == 4 * rounds

    engine = create_db_engine(postgres_url)
    store = EventStore(engine, build_registry())
    events = list(store.iter_all())
    assert [e.global_position for e in events] == list(range(1, total_wins + 1))
    shared = [e.stream_version for e in events if e.stream_id == "project-shared"]
    assert shared == list(range(1, len(shared) + 1))
    assert store.verify().ok
    engine.dispose()


def _batch_writer(url: str, worker: int, rounds: int, results) -> None:  # type: ignore[no-untyped-def]
    """Batches by COPY, their lock, probe, rows and COMMIT in one message: half on the
    store's own transaction, half in a transaction of the writer's, ids left to the index
    and the append ending it (the registry's way), racing for one shared stream."""
    engine = create_db_engine(url)
    store = EventStore(engine, build_registry(), lock_timeout_ms=10_000)
    wins = conflicts = 0
    for i in range(rounds):
        stream = "project-shared" if i % 2 else f"project-own-{worker}"
        version = store.stream_version(stream)
        batch = [note(stream, f"{worker}:{i}:{n}") for n in range(30)]
        try:
            if i % 4 < 2:
                store.append(batch, {stream: version})
            else:
                with store.writing() as conn:
                    store.append(
                        batch, {stream: version}, connection=conn, look_up_ids=False, commit=True
                    )
            wins += 1
        except ConcurrencyConflict:
            conflicts += 1
    engine.dispose()
    results.put((worker, wins, conflicts))


@pytest.mark.slow
def test_four_processes_appending_batches_in_one_message_leave_a_gapless_valid_chain(
    postgres_url,
):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    rounds = 24
    processes = [
        context.Process(target=_batch_writer, args=(postgres_url, w, rounds, results))
        for w in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in processes]
    assert sum(wins + conflicts for _, wins, conflicts in outcomes) == 4 * rounds
    assert sum(conflicts for _, _, conflicts in outcomes) < 2 * rounds  # some won the race

    engine = create_db_engine(postgres_url)
    store = EventStore(engine, build_registry())
    events = list(store.iter_all())
    assert [e.global_position for e in events] == list(
        range(1, 30 * sum(w for _, w, _ in outcomes) + 1)
    )
    shared = [e.stream_version for e in events if e.stream_id == "project-shared"]
    assert shared == list(range(1, len(shared) + 1))
    # Each batch whole and in one piece: its 30 events one after another.
    firsts = [e.global_position for e in events if e.payload["note"].endswith(":0")]
    assert all(
        [e.payload["note"].rsplit(":", 1)[0] for e in events[p - 1 : p + 29]]
        == [events[p - 1].payload["note"].rsplit(":", 1)[0]] * 30
        for p in firsts
    )
    assert store.verify().ok
    engine.dispose()
