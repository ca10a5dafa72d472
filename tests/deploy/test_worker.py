"""The worker role: `dramatiq services.worker` finds its broker, waits for Redis at
start, and keeps a heartbeat that `gongjian worker-health` reads."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
import time

import dramatiq
import pytest
import redis
from click.testing import CliRunner
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import BrokerConnectionError

from services.cli import main
from shared.heap import SettledHeap
from shared.heartbeat import Heartbeat, heartbeat_age


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def worker_module():
    """Import services.worker afresh: importing it is the worker's start-up."""
    sys.modules.pop("services.worker", None)
    return importlib.import_module("services.worker")


@pytest.fixture
def wait_for_broker(monkeypatch, container_env, redis_url, redis_namespace, global_broker_restored):
    monkeypatch.setenv("GONGJIAN_REDIS_URL", redis_url)
    monkeypatch.setenv("GONGJIAN_REDIS_NAMESPACE", redis_namespace)
    module = worker_module()
    yield module.wait_for_broker
    module.runtime.close()


def test_broker_start_up_retries_until_redis_answers(wait_for_broker):
    clock = FakeClock()
    answers = iter([redis.ConnectionError("refused")] * 4 + [None])

    def ping(url: str) -> None:
        answer = next(answers)
        if answer is not None:
            raise answer

    attempts = wait_for_broker("redis://x", timeout=60, ping=ping, sleep=clock.sleep, clock=clock)

    assert attempts == 5
    assert clock.pauses == [0.5, 1.0, 2.0, 4.0]


def test_broker_start_up_gives_up_after_the_timeout_with_the_reason(wait_for_broker):
    from services.worker import BrokerUnreachable

    clock = FakeClock()

    def ping(url: str) -> None:
        raise redis.ConnectionError("Connection refused")

    with pytest.raises(BrokerUnreachable, match="Connection refused"):
        wait_for_broker("redis://x", timeout=20, ping=ping, sleep=clock.sleep, clock=clock)
    assert sum(clock.pauses) == pytest.approx(20)
    assert max(clock.pauses) <= 10


def test_importing_the_worker_module_hands_dramatiq_the_redis_broker(
    monkeypatch, container_env, redis_url, redis_namespace, global_broker_restored
):
    monkeypatch.setenv("GONGJIAN_REDIS_URL", redis_url)
    monkeypatch.setenv("GONGJIAN_REDIS_NAMESPACE", redis_namespace)

    module = worker_module()

    broker = dramatiq.get_broker()
    assert broker is module.broker
    assert isinstance(broker, RedisBroker) and broker.namespace == redis_namespace
    assert any(isinstance(m, Heartbeat) for m in broker.middleware)
    assert any(isinstance(m, SettledHeap) for m in broker.middleware)
    module.runtime.close()


def test_the_worker_refuses_to_start_without_a_shared_broker(container_env, global_broker_restored):
    # container_env sets no GONGJIAN_REDIS_URL: an in-memory broker in a process of its
    # own would never see a message from the web services.
    with pytest.raises(RuntimeError, match="GONGJIAN_REDIS_URL"):
        worker_module()


def test_a_running_worker_beats_and_reports_alive(tmp_path, monkeypatch):
    path = tmp_path / "beat"
    monkeypatch.setenv("GONGJIAN_HEARTBEAT_FILE", str(path))
    broker = StubBroker()
    broker.add_middleware(Heartbeat(interval=0.05))
    broker.emit_after("process_boot")
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while heartbeat_age(path) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        result = CliRunner().invoke(main, ["worker-health"])
    finally:
        worker.stop()
        broker.close()

    assert result.exit_code == 0, result.output
    assert "后台任务进程正常" in result.output


def test_a_stale_or_missing_heartbeat_is_reported_dead(tmp_path, monkeypatch):
    path = tmp_path / "beat"
    monkeypatch.setenv("GONGJIAN_HEARTBEAT_FILE", str(path))
    runner = CliRunner()

    missing = runner.invoke(main, ["worker-health"])
    path.touch()
    os.utime(path, (time.time() - 120, time.time() - 120))
    stale = runner.invoke(main, ["worker-health", "--max-age", "60"])

    assert missing.exit_code == 1 and "无心跳文件" in missing.output
    assert stale.exit_code == 1 and "上限60秒" in stale.output


def test_a_worker_waiting_for_redis_stops_at_once_on_sigterm(
    container_env, monkeypatch, global_broker_restored
):
    monkeypatch.setenv("GONGJIAN_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("GONGJIAN_BROKER_CONNECT_TIMEOUT", "60")
    before = signal.getsignal(signal.SIGTERM)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()

    # dramatiq's CLI answers a BrokerConnectionError at start-up with exit status 3.
    with pytest.raises(BrokerConnectionError, match="等待 Redis 时进程被停止"):
        worker_module()

    assert time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGTERM) is before


def test_without_a_timeout_the_worker_waits_for_redis_as_long_as_it_takes(wait_for_broker):
    clock = FakeClock()
    answers = iter([redis.ConnectionError("refused")] * 40 + [None])

    def ping(url: str) -> None:
        answer = next(answers)
        if answer is not None:
            raise answer

    attempts = wait_for_broker("redis://x", timeout=None, ping=ping, sleep=clock.sleep, clock=clock)

    assert attempts == 41
    assert sum(clock.pauses) > 300 and max(clock.pauses) == 10.0
