"""Redis lost: web processes keep serving and appending (the log is the outbox),
``/readyz`` stays ready and names the broker as degraded, warnings come once a minute,
the scheduler keeps going, and read models catch up on a timer and when Redis returns."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from services.composition import create_app, runtime_for, worker_timer
from services.scheduling.readmodel import queries
from tests.registry.integration.conftest import register
from tests.shared.helpers import note

from .conftest import wait_until


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


def office(runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}


def queued(private_redis_client, runtime) -> int:
    return int(private_redis_client.llen(f"{runtime.settings.redis_namespace}:scheduling"))


def test_with_redis_gone_the_web_process_serves_reads_and_writes_and_stays_ready(
    runtime, client, private_redis, caplog
):
    headers = office(runtime)
    private_redis.stop()

    with caplog.at_level(logging.WARNING, logger="gongjian.broker"):
        for number in range(5):
            register(
                client, headers, f"p{number}", national_code=f"2403-330000-04-01-00000{number}"
            )
        ready = client.get("/readyz")

    assert runtime.store.head().position == 5
    assert client.get("/v1/projects/p3", headers=headers).status_code == 200
    assert ready.status_code == 200
    assert ready.json["status"] == "ready"
    assert "unreachable" in ready.json["degraded"]["broker"]
    assert ready.json["problems"] == {}
    warnings = [r for r in caplog.records if r.name == "gongjian.broker"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert all(r.exc_info is None for r in caplog.records)  # no traceback per append
    assert runtime.bus.held_position == 5


def test_when_redis_returns_the_held_nudge_is_sent_at_once(runtime, client, private_redis):
    import redis

    private_redis.stop()
    runtime.store.append([note("project-a", str(i)) for i in range(3)])
    assert runtime.bus.held_position == 3

    private_redis.start()

    client_ = redis.Redis.from_url(private_redis.url)
    assert wait_until(lambda: runtime.bus.held_position is None, timeout=10)
    assert queued(client_, runtime) == 1  # one nudge for everything held, up to position 3
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["degraded"] == {}


def test_read_models_catch_up_on_the_workers_timer_without_any_nudge(runtime, private_redis):
    from services.scheduling.entrypoints import actors  # noqa: F401 - declared by wiring

    private_redis.stop()
    runtime.store.append([note("project-a", str(i)) for i in range(4)])
    timer = worker_timer(runtime, interval=0.2)

    class Worker:  # what the middleware reads of a dramatiq worker: nothing
        pass

    timer.after_worker_boot(runtime.broker, Worker())
    try:
        assert wait_until(lambda: queries.checkpoint(runtime.store) == 4, timeout=10)
    finally:
        timer.before_worker_shutdown(runtime.broker, Worker())


def test_the_scheduler_keeps_ticking_through_a_redis_outage(runtime, client, private_redis, caplog):
    from datetime import datetime

    from services.scheduling.entrypoints.cli import run_scheduler

    this_year = datetime.now(runtime.settings.zone).year  # periods open: plans to request
    register(
        client,
        office(runtime),
        "p1",
        year=this_year,
        occurred_at=f"{this_year}-01-02T09:00:00+08:00",
    )
    private_redis.stop()
    stop = threading.Event()
    loop = threading.Thread(target=run_scheduler, args=(runtime, stop), kwargs={"interval": 1})
    with caplog.at_level(logging.WARNING):
        loop.start()
        assert wait_until(lambda: queries.checkpoint(runtime.store) == 1, timeout=10)
        stop.wait(2.5)
        alive = loop.is_alive()
        stop.set()
        loop.join(timeout=10)

    assert alive, "the scheduler exited while Redis was away"
    failures = [r for r in caplog.records if r.name == "gongjian.scheduler.outage"]
    assert len(failures) == 1  # a warning a minute, however many ticks failed


def test_a_worker_process_rides_out_a_redis_outage_and_keeps_the_read_model_current(
    postgres_url, private_redis, tmp_path
):
    from shared.config import Settings

    from .conftest import start_worker, stop

    runtime = runtime_for(
        Settings.from_env(database_url=postgres_url, redis_url=private_redis.url, data_dir=tmp_path)
    )
    worker = start_worker(runtime, tmp_path)
    try:
        assert wait_until(lambda: (tmp_path / "beat-0").exists(), timeout=60), "no boot"
        private_redis.stop()
        runtime.store.append([note("project-a", str(i)) for i in range(3)])

        assert wait_until(lambda: queries.checkpoint(runtime.store) == 3, timeout=30)
        time.sleep(8)  # dramatiq's consumers fail and restart every few seconds meanwhile
        alive_through_the_outage = worker.poll() is None

        private_redis.start()
        assert wait_until(lambda: runtime.bus.held_position is None, timeout=15)
        runtime.store.append([note("project-a", "after")])
        assert wait_until(lambda: queries.checkpoint(runtime.store) == 4, timeout=30)
    finally:
        stop(worker)
        runtime.close()
    log = (tmp_path / "worker-0.log").read_text()
    assert alive_through_the_outage
    assert log.count("Consumer encountered a connection error") <= 1  # a line a minute
    assert "Traceback" not in log
