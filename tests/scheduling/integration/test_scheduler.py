"""The scheduler claims each period once, also with two of them racing, and catches up
every period missed during downtime; planning runs as the ``scheduling.plan`` actor."""

from __future__ import annotations

import threading

from dramatiq.brokers.stub import StubBroker

from services.scheduling.application import Scheduler

from ..helpers import ZONE, Clock


def scheduler(engine, clock, sent, since="2024-03-01", name="s1"):
    from datetime import date

    return Scheduler(
        engine,
        ZONE,
        lambda cadence, period: sent.append((cadence, period)),
        since=date.fromisoformat(since),
        name=name,
        clock=clock,
    )


def test_each_period_is_claimed_when_it_opens_and_only_once(engine):
    clock, sent = Clock(), []
    clock.set("2024-03-01", hour=1)
    s = scheduler(engine, clock, sent)
    assert s.tick() == [("weekly", "2024-W09"), ("monthly", "2024-03"), ("quarterly", "2024-Q1")]
    assert s.tick() == []
    for cadence, period in sent:
        s.mark_planned(cadence, period)
    clock.set("2024-03-04", hour=0)
    assert s.tick() == [("weekly", "2024-W10")]
    assert sent == [
        ("weekly", "2024-W09"),
        ("monthly", "2024-03"),
        ("quarterly", "2024-Q1"),
        ("weekly", "2024-W10"),
    ]


def test_after_downtime_every_missed_period_is_claimed(engine):
    clock, sent = Clock(), []
    clock.set("2024-03-04")
    s = scheduler(engine, clock, sent)
    for cadence, period in s.tick():
        s.mark_planned(cadence, period)
    sent.clear()
    clock.set("2024-05-07")  # five weeks and two months later
    claimed = s.tick()
    assert claimed == [
        *[("weekly", f"2024-W{w}") for w in range(11, 20)],
        ("monthly", "2024-04"),
        ("monthly", "2024-05"),
        ("quarterly", "2024-Q2"),
    ]
    assert sent == claimed


def test_two_schedulers_racing_claim_each_period_exactly_once(engine):
    clock = Clock()
    clock.set("2024-06-30")
    sent: list = []
    lock = threading.Lock()

    def record(cadence, period):
        with lock:
            sent.append((cadence, period))

    from datetime import date

    racers = [
        Scheduler(engine, ZONE, record, since=date(2024, 1, 1), name=f"s{i}", clock=clock)
        for i in range(2)
    ]
    barrier = threading.Barrier(2)

    errors = []

    def run(s):
        barrier.wait()
        try:
            s.tick()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(sent) == len(set(sent)) == 26 + 6 + 2
    assert racers[0].claims() == len(sent)


def test_a_claim_without_a_plan_is_sent_again_once_it_is_stale(engine):
    clock, sent = Clock(), []
    clock.set("2024-03-01", hour=1)
    s = scheduler(engine, clock, sent)
    s.tick()
    s.mark_planned("monthly", "2024-03")
    s.mark_planned("quarterly", "2024-Q1")
    sent.clear()
    clock.advance(minutes=11)
    assert s.tick() == [] and sent == [("weekly", "2024-W09")]
    sent.clear()
    clock.advance(minutes=1)
    s.tick()
    assert sent == []


def test_the_plan_actor_plans_each_claimed_period_once(service, project, clock):
    from services.scheduling.entrypoints.actors import declare
    from services.scheduling.wiring import SchedulingParts

    project("p1").register(major=True)
    clock.set("2024-03-04", hour=1)
    broker = StubBroker()
    broker.emit_after("process_boot")

    class FakeRuntime:
        store = service.store
        engine = service.store.engine
        settings = type("S", (), {"zone": ZONE})()
        parts: SchedulingParts | None = None

        def part(self, kind):  # type: ignore[no-untyped-def]
            assert kind is SchedulingParts
            return self.parts

    runtime = FakeRuntime()
    runtime.broker = broker  # type: ignore[attr-defined]
    actors = declare(runtime)  # type: ignore[arg-type]
    s = Scheduler(
        service.store.engine,
        ZONE,
        lambda c, p: actors["plan"].send(c, p),
        since=clock.now.astimezone(ZONE).date(),
        clock=clock,
    )
    runtime.parts = SchedulingParts(service.config, service, s, alerts=None)  # type: ignore[arg-type]
    s.tick()
    s.tick()
    from dramatiq import Worker

    worker = Worker(broker, worker_timeout=50)
    worker.start()
    try:
        broker.join("scheduling", timeout=20_000)
    finally:
        worker.stop()
    plans = service.list_plans(None, None)
    assert sorted((p["cadence"], p["period"], p["version"]) for p in plans) == [
        ("monthly", "2024-03", 1),
        ("quarterly", "2024-Q1", 1),
        ("weekly", "2024-W10", 1),
    ]
    assert all(c is not None for c in _planned_at(service.store.engine))


def _planned_at(engine):
    from sqlalchemy import select

    from services.scheduling.readmodel.tables import plan_runs

    with engine.connect() as conn:
        return conn.execute(select(plan_runs.c.planned_at)).scalars().all()
