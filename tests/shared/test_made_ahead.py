"""A batch's rows made while the lock's answer is out (`shared/eventstore/meanwhile.py`):
the work that does not depend on the probe is done while the client would wait, never
twice, and an event refused while it is made ahead refuses the batch as it did before,
nothing written."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

import shared.eventstore.store as store_module
from shared.eventstore import InvalidEventPayload, NewEvent
from shared.eventstore.meanwhile import MadeAhead
from shared.eventstore.store import EVENT_LOG_LOCK_KEY

from .helpers import note


def _counted(count: int, made: list[int]) -> Iterator[int]:
    """0 … ``count`` - 1, each noted in ``made`` as it is made."""
    for n in range(count):
        made.append(n)
        yield n


def test_items_come_in_order_whether_made_ahead_or_when_taken():
    made: list[int] = []
    ahead = MadeAhead(_counted(10, made), step=4)
    assert made == []  # nothing is made before it is asked for
    assert ahead.step() and ahead.made == 4
    assert ahead.step() and ahead.made == 8
    assert list(ahead) == list(range(10))
    assert made == list(range(10))  # each made once


def test_a_step_says_when_all_is_made():
    ahead = MadeAhead(iter(range(5)), step=4)
    assert ahead.step()
    assert not ahead.step()  # the fifth made, and the end seen
    assert not ahead.step()
    assert list(ahead) == [0, 1, 2, 3, 4]


def test_what_making_an_item_raises_is_raised_where_it_is_taken():
    def items():
        yield 1
        yield 2
        raise ValueError("the third is refused")

    ahead = MadeAhead(items(), step=8)
    assert not ahead.step()  # no more steps: the error is kept, not raised here
    taken = []
    with pytest.raises(ValueError, match="third"):
        for item in ahead:
            taken.append(item)
    assert taken == [1, 2]


def test_no_more_than_so_many_are_made_ahead():
    made: list[int] = []
    ahead = MadeAhead(_counted(100, made), step=16, at_most=40)
    while ahead.step():
        pass
    assert len(made) == 40 and ahead.made == 40  # the rest wait to be taken
    assert list(ahead) == list(range(100))


def test_items_never_made_ahead_are_made_when_taken():
    assert list(MadeAhead(iter("abc"))) == ["a", "b", "c"]


@pytest.fixture
def lock_holder(other):
    """Another client holding the log's lock until it commits."""
    other.execute("BEGIN")
    other.execute("SELECT pg_advisory_xact_lock(%s)", (EVENT_LOG_LOCK_KEY,))
    yield other
    other.execute("ROLLBACK")


@pytest.fixture
def pieces_made(monkeypatch) -> list[str]:
    """The ids of the events whose row pieces were made, in the order they were."""
    made: list[str] = []
    pieces = store_module._row_pieces

    def counted(event, texts):  # type: ignore[no-untyped-def]
        made.append(event.event_id)
        return pieces(event, texts)

    monkeypatch.setattr(store_module, "_row_pieces", counted)
    return made


def _in_thread(work):  # type: ignore[no-untyped-def]
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _until(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.01)


def test_a_batch_waiting_for_the_lock_has_its_rows_made_meanwhile(
    pg_store, lock_holder, pieces_made
):
    batch = [note("project-a", f"n{i}") for i in range(300)]
    thread, outcome = _in_thread(lambda: pg_store.append(batch))
    # every row's pieces are made while the lock is still another's
    _until(lambda: len(pieces_made) == len(batch))
    assert thread.is_alive()
    lock_holder.execute("COMMIT")
    thread.join(10)
    assert "error" not in outcome
    assert outcome["result"].last_position == 300
    assert pieces_made == [e.event_id for e in batch]  # each made once, in order
    stored = pg_store.read_stream("project-a")
    assert [e.payload["note"] for e in stored] == [f"n{i}" for i in range(300)]
    assert pg_store.verify().ok


def test_an_event_refused_while_made_ahead_refuses_the_batch_and_writes_nothing(
    pg_store, lock_holder, pieces_made
):
    batch = [note("project-a", f"n{i}") for i in range(300)]
    bad = batch[5]
    batch[5] = NewEvent(bad.stream_id, bad.type, {"note": 7}, bad.occurred_at, source="test")
    thread, outcome = _in_thread(lambda: pg_store.append(batch))
    _until(lambda: len(pieces_made) == 5)
    time.sleep(0.2)  # the rest are not made: the error stops the work ahead
    assert len(pieces_made) == 5 and thread.is_alive()
    lock_holder.execute("COMMIT")
    thread.join(10)
    assert isinstance(outcome.get("error"), InvalidEventPayload)
    assert pg_store.head().position == 0
    fine = [note("project-a", f"m{i}") for i in range(300)]
    assert pg_store.append(fine).last_position == 300  # the store goes on
    assert pg_store.verify().ok
