"""An id stored by a concurrent request between a batch's decision and its append.

The registry appends a batch without looking its ids up under the log's lock: on
PostgreSQL the unique index of the partition written refuses an id stored meanwhile, and
the batch is decided again with its ids looked up (elsewhere the store's own lookup
refuses it). Either way: each event stored once, the stored one answered for what it is,
the rest of the batch accepted."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

import shared.eventstore.store as store_module
from services.registry.application import handlers
from services.registry.application.handlers import Registry
from services.registry.application.submissions import Submission
from services.registry.readmodel import projects as project_list
from shared.db import is_postgres
from shared.eventstore import DuplicateEventConflict, EventStore
from tests.registry.unit.builders import registration

START = datetime(2024, 1, 1, tzinfo=UTC)
BATCH = 20  # written by COPY on PostgreSQL (the store's `_COPY_FROM` is 8)


def inspections(project_id: str, first: int, count: int = BATCH) -> list[Submission]:
    return [
        Submission(
            str(uuid.uuid4()),
            "InspectionCompleted",
            START + timedelta(hours=n),
            {"inspection_id": f"i{n}", "result": "passed"},
            project_id,
        )
        for n in range(first, first + count)
    ]


@pytest.fixture
def registry(store):
    return with_two_projects(store)


def with_two_projects(store: EventStore) -> Registry:
    """A registry that registered p1 and p2 (national codes …000000 and …000001)."""
    registry = Registry(store)
    for n, project_id in enumerate(("p1", "p2")):
        code = f"2403-330000-04-01-00000{n}"
        registry.submit(
            Submission(
                str(uuid.uuid4()),
                "ProjectRegistered",
                START,
                registration(project_id, national_code=code),
                project_id,
            )
        )
    return registry


@pytest.fixture
def probes(monkeypatch):
    """The ``written`` of each lock probe (0: every id looked up under the lock), whether
    sent alone or with the rows (`_locked_copy`)."""
    seen: list[int] = []
    probe, locked_copy = EventStore._lock_and_probe, store_module._locked_copy

    def spy(self, conn, ids, streams, written=0):  # type: ignore[no-untyped-def]
        seen.append(written)
        return probe(self, conn, ids, streams, written)

    def spy_copy(conn, timeout_ms, probed, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(probed[2])
        return locked_copy(conn, timeout_ms, probed, *args, **kwargs)

    monkeypatch.setattr(EventStore, "_lock_and_probe", spy)
    monkeypatch.setattr(store_module, "_locked_copy", spy_copy)
    return seen


def meanwhile(monkeypatch, registry: Registry, write) -> None:  # type: ignore[no-untyped-def]
    """``write()`` once, right after the batch's first decision (before its append)."""
    decide = registry._decide
    calls = [0]

    def decided(*args, **kwargs):  # type: ignore[no-untyped-def]
        batch = decide(*args, **kwargs)
        calls[0] += 1
        if calls[0] == 1:
            write()
        return batch

    monkeypatch.setattr(registry, "_decide", decided)


def test_an_id_taken_in_another_stream_meanwhile_refuses_that_event_alone(
    registry, store, monkeypatch, probes
):
    """The other request stored a different event under one of the batch's ids, in a
    stream the batch does not write: no version check catches it, the id's does."""
    batch = inspections("p1", 0)
    taken = batch[5].event_id
    other = Registry(store)
    meanwhile(
        monkeypatch,
        registry,
        lambda: other.submit(replace(inspections("p2", 100, 1)[0], event_id=taken)),
    )
    commit, refused = registry._commit, []

    def committed(*args):  # type: ignore[no-untyped-def]
        try:
            return commit(*args)
        except Exception as exc:
            refused.append(exc)
            raise

    monkeypatch.setattr(registry, "_commit", committed)
    outcomes = registry.submit_batch(batch)
    # Refused as an id stored meanwhile, not as a national code taken (`submit_batch`).
    assert [type(e) for e in refused] == [DuplicateEventConflict]
    assert refused[0].event_id == taken
    assert [o.status for o in outcomes] == ["accepted"] * 5 + ["rejected"] + ["accepted"] * 14
    assert isinstance(outcomes[5].error, DuplicateEventConflict)
    assert [e.stream_version for e in store.read_stream("project-p1")] == list(range(1, BATCH + 1))
    assert store.get(taken).stream_id == "project-p2"
    assert len(registry.state("p1").inspections) == BATCH - 1
    if is_postgres(store.engine):
        assert probes[0] == BATCH  # the first append left the ids to the index


def test_the_same_event_stored_meanwhile_is_answered_as_a_duplicate(registry, store, monkeypatch):
    batch = inspections("p1", 0)
    other = Registry(store)
    meanwhile(monkeypatch, registry, lambda: other.submit(batch[3]))
    outcomes = registry.submit_batch(batch)
    assert [o.status for o in outcomes].count("duplicate") == 1
    assert outcomes[3].status == "duplicate"
    stored = store.get(batch[3].event_id)
    assert (outcomes[3].stream_version, outcomes[3].global_position) == (
        stored.stream_version,
        stored.global_position,
    )
    assert {o.status for i, o in enumerate(outcomes) if i != 3} == {"accepted"}
    assert [e.stream_version for e in store.read_stream("project-p1")] == list(range(1, BATCH + 2))


def test_a_batch_sent_again_is_answered_with_its_stored_positions(registry, store, probes):
    batch = inspections("p1", 0)
    first = registry.submit_batch(batch)
    assert {o.status for o in first} == {"accepted"}
    again = Registry(store).submit_batch(batch)  # another process: nothing kept
    assert {o.status for o in again} == {"duplicate"}
    assert [(o.stream_version, o.global_position) for o in again] == [
        (o.stream_version, o.global_position) for o in first
    ]
    partly = batch[:10] + inspections("p1", 100, 10)
    outcomes = registry.submit_batch(partly)
    assert [o.status for o in outcomes] == ["duplicate"] * 10 + ["accepted"] * 10
    assert len(store.read_stream("project-p1")) == 1 + BATCH + 10
    if is_postgres(store.engine):
        assert BATCH in probes  # the index, not a lookup, refused the batch sent again


def test_a_registration_stored_meanwhile_is_answered_as_a_duplicate_listed_once(
    registry, store, monkeypatch
):
    """A small batch (its append made on the server, its ids looked up there) whose one
    event was stored after the decision: the project list's row, written before the
    append, is rolled back with it, and the other request's row stands."""
    code = "2403-330000-04-01-000009"
    item = Submission(
        str(uuid.uuid4()), "ProjectRegistered", START, registration("p3", national_code=code), "p3"
    )
    meanwhile(monkeypatch, registry, lambda: Registry(store).submit(item))
    undone = []
    undo = handlers._Undone.__init__

    def spy(self, result):  # type: ignore[no-untyped-def]
        undone.append(result)
        undo(self, result)

    monkeypatch.setattr(handlers._Undone, "__init__", spy)
    (outcome,) = registry.submit_batch([item])
    assert outcome.status == "duplicate" and outcome.global_position is not None
    assert len(undone) == 1 and undone[0].duplicate
    assert [e.type for e in store.read_stream("project-p3")] == ["ProjectRegistered"]
    assert registry.state("p3").registered
    with store.engine.connect() as conn:
        assert project_list.by_national_code(conn, code) == "p3"
