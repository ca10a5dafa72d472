"""Consumers follow the log from their checkpoint; nudges over dramatiq only wake them."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from shared.eventstore import catch_up, checkpoint_of, reset_checkpoint
from shared.messaging import EventBus, declare_actor, start_worker

from .helpers import note

seen_table = Table(
    "test_seen_events",
    MetaData(),
    Column("global_position", Integer, primary_key=True),
    Column("note", String(100)),
)


class SeenEvents:
    """A read model that records each event once (a duplicate would break its key)."""

    name = "test-seen"
    types = None

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at

    def handle(self, conn, event) -> None:
        if event.global_position == self.fail_at:
            raise RuntimeError("crash half-way through a page")
        conn.execute(
            insert(seen_table).values(
                global_position=event.global_position, note=event.payload["note"]
            )
        )


@pytest.fixture
def read_model(store):
    seen_table.create(store.engine)
    yield SeenEvents()
    seen_table.drop(store.engine)


def seen(store) -> list[int]:
    with store.engine.connect() as conn:
        return list(
            conn.execute(
                select(seen_table.c.global_position).order_by(seen_table.c.global_position)
            ).scalars()
        )


def test_a_consumer_applies_every_event_once_and_saves_its_checkpoint(store, read_model):
    store.append([note(text=str(i)) for i in range(7)])
    result = catch_up(store, read_model, page_size=3)
    assert (result.processed, result.position) == (7, 7)
    assert seen(store) == list(range(1, 8))
    assert checkpoint_of(store, read_model.name) == 7


def test_catching_up_twice_doubles_nothing(store, read_model):
    store.append([note() for _ in range(3)])
    catch_up(store, read_model)
    again = catch_up(store, read_model)
    assert again.processed == 0
    assert seen(store) == [1, 2, 3]


def test_a_crash_mid_page_rolls_back_the_page_and_its_checkpoint(store, read_model):
    store.append([note() for _ in range(6)])
    with pytest.raises(RuntimeError):
        catch_up(store, SeenEvents(fail_at=5), page_size=3)
    assert seen(store) == [1, 2, 3]
    assert checkpoint_of(store, read_model.name) == 3
    catch_up(store, read_model, page_size=3)
    assert seen(store) == list(range(1, 7))


def test_a_reset_checkpoint_replays_from_the_start(store, read_model):
    store.append([note()])
    catch_up(store, read_model)
    reset_checkpoint(store, read_model.name)
    assert checkpoint_of(store, read_model.name) == 0


def _wire(store, broker, read_model, service: str):
    """The pattern every service uses: an actor that catches up, nudged after appends."""

    def catch_up_actor(position: int) -> None:
        if checkpoint_of(store, read_model.name) < position:
            catch_up(store, read_model)

    declare_actor(broker, catch_up_actor, service=service, verb="catch_up", max_retries=3)
    bus = EventBus(broker, subscribers=[service])
    store.on_appended.append(bus.nudge)
    return bus


def _wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_nudges_on_the_in_memory_broker_bring_the_read_model_up_to_date(store, read_model):
    broker = StubBroker()
    broker.emit_after("process_boot")
    bus = _wire(store, broker, read_model, "testsvc")
    worker = start_worker(broker, threads=2)
    try:
        for i in range(5):
            store.append([note(text=str(i))])
        bus.nudge(5)  # a repeated nudge is harmless
        bus.flush()  # the nudge waiting for its spacing, sent now
        broker.join("testsvc")
        worker.join()
        assert seen(store) == [1, 2, 3, 4, 5]
    finally:
        worker.stop()
        broker.close()


def test_nudges_over_redis_with_a_real_worker_lose_and_double_nothing(store, read_model, redis_url):
    from dramatiq.brokers.redis import RedisBroker

    broker = RedisBroker(url=redis_url, namespace=f"gj-test-{uuid.uuid4().hex[:8]}")
    bus = _wire(store, broker, read_model, "testsvc")
    store.on_appended.remove(bus.nudge)
    store.append([note(text="before the worker: its nudge is lost")])
    store.on_appended.append(bus.nudge)
    worker = start_worker(broker, threads=2)
    try:
        for i in range(4):
            store.append([note(text=str(i))])
        bus.nudge(5)
        _wait_for(lambda: seen(store) == [1, 2, 3, 4, 5])
        assert checkpoint_of(store, read_model.name) == 5
    finally:
        worker.stop()
        broker.flush_all()
        broker.close()


def test_nudges_within_the_spacing_are_folded_into_one_with_the_highest_position():
    """A process sends at most one nudge a subscriber every `NUDGE_SPACING_SECONDS`: the
    first at once, those after it within the spacing as one, when it is up."""
    broker = StubBroker()
    bus = EventBus(broker, subscribers=["svc-a", "svc-b"])
    bus.spacing = 0.2
    sent: list[tuple[str, int]] = []
    broker.enqueue = lambda message, **kw: sent.append(  # type: ignore[method-assign]
        (message.queue_name, message.args[0])
    )
    bus.nudge(1)
    assert sent == [("svc-a", 1), ("svc-b", 1)]
    for position in (2, 4, 3):
        bus.nudge(position)
    assert len(sent) == 2  # held back for the spacing
    _wait_for(lambda: len(sent) == 4, timeout=5)
    assert sent[2:] == [("svc-a", 4), ("svc-b", 4)]
    time.sleep(0.3)
    bus.nudge(5)  # the spacing is up: at once
    assert sent[4:] == [("svc-a", 5), ("svc-b", 5)]
    bus.nudge(6)
    bus.close()  # a nudge waiting for its spacing is dropped at shutdown
    time.sleep(0.3)
    assert len(sent) == 6


def test_deferred_nudges_are_sent_by_one_thread_for_the_life_of_the_bus():
    """Each nudge held for its spacing is sent by the bus's one sender thread, not by a
    thread started for it (twenty a second a worker under signed ingest, issue 18); a
    nudge sent at once is sent by the caller's thread."""
    broker = StubBroker()
    bus = EventBus(broker, subscribers=["svc"])
    bus.spacing = 0.05
    senders: list[tuple[int, str]] = []
    broker.enqueue = lambda message, **kw: senders.append(  # type: ignore[method-assign]
        (message.args[0], threading.current_thread().name)
    )
    before = threading.active_count()
    position = 0
    for _ in range(4):
        position += 1
        bus.nudge(position)  # at once: the spacing since the last is up
        position += 1
        bus.nudge(position)  # held for the spacing
        _wait_for(lambda p=position: senders[-1][0] == p, timeout=5)
        time.sleep(0.06)
    assert [p for p, _ in senders] == list(range(1, 9))
    assert {name for p, name in senders if p % 2} == {threading.current_thread().name}
    assert {name for p, name in senders if not p % 2} == {"gongjian-nudge-spacing"}
    assert threading.active_count() <= before + 1
    bus.close()
    _wait_for(lambda: threading.active_count() <= before, timeout=5)
