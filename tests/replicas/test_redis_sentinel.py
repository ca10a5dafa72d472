"""The broker's Redis found through Sentinel: real redis-server processes on free ports (a
master, its replica, one sentinel, ``redis-server --sentinel`` being Debian's
redis-sentinel), nudges enqueued on the master the sentinel names, and on the new master
after a failover."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from dramatiq.message import Message

from shared.config import Settings
from shared.messaging import EventBus, create_broker, redis_client, sentinel_addresses
from tests.conftest import REQUIRE_SERVICES
from tests.outages.conftest import free_port

MASTER = "gj-test"
pytestmark = pytest.mark.redis


class Servers:
    """Redis processes this test started (stopped by their own handles at the end)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.processes: list[subprocess.Popen] = []

    def redis(self, *options: str) -> int:
        port = free_port()
        folder = self.directory / str(port)
        folder.mkdir()
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(folder), *options]
        self.processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        _until(lambda: redis.Redis(port=port).ping())
        return port

    def sentinel(self, master_port: int) -> int:
        port = free_port()
        conf = self.directory / f"sentinel-{port}.conf"
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {master_port} 1\n"
            f"sentinel down-after-milliseconds {MASTER} 1000\n"
            f"sentinel failover-timeout {MASTER} 5000\n"
        )
        command = ["redis-server", str(conf), "--sentinel"]
        self.processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        _until(lambda: redis.Redis(port=port).ping())
        return port

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=10)


def _until(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("Redis did not get there in time")
        time.sleep(0.1)


@pytest.fixture
def servers(tmp_path) -> Iterator[Servers]:
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("Redis Sentinel is tested here but redis-server is not installed")
        pytest.skip("service: no redis-server")
    started = Servers(tmp_path)
    yield started
    started.stop()


def _settings(sentinel_port: int, tmp_path) -> Settings:
    return Settings.from_env(
        redis_url="",
        redis_sentinels=f"127.0.0.1:{sentinel_port}",
        redis_sentinel_master=MASTER,
        redis_namespace="gj-sentinel-test",
        data_dir=tmp_path,
    )


def test_nudges_go_to_the_master_the_sentinel_names(servers, tmp_path):
    master = servers.redis()
    settings = _settings(servers.sentinel(master), tmp_path)
    assert settings.uses_redis
    broker = create_broker(settings)
    EventBus(broker, ["scheduling"]).nudge(7)
    assert redis.Redis(port=master).llen("gj-sentinel-test:scheduling") == 1
    broker.close()


@pytest.mark.slow
def test_after_a_failover_nudges_go_to_the_new_master(servers, tmp_path):
    master = servers.redis()
    replica = servers.redis("--replicaof", "127.0.0.1", str(master))
    sentinel = servers.sentinel(master)
    _until(lambda: redis.Redis(port=replica).info("replication")["master_link_status"] == "up")
    ask = redis.Redis(port=sentinel)
    _until(lambda: ask.sentinel_slaves(MASTER))  # the sentinel has found the replica
    broker = create_broker(_settings(sentinel, tmp_path))
    bus = EventBus(broker, ["scheduling"])
    bus.nudge(1)
    # Replication is asynchronous: fail over once the replica holds the first nudge (a
    # failover before it has would lose it, which is Redis's to lose, not the broker's).
    _until(lambda: redis.Redis(port=replica).llen("gj-sentinel-test:scheduling") == 1)

    ask.execute_command("SENTINEL", "FAILOVER", MASTER)
    _until(lambda: ask.sentinel_get_master_addr_by_name(MASTER)[1] == replica)
    _until(lambda: redis.Redis(port=replica).info("replication")["role"] == "master")
    # Until the sentinel has turned the old master into a replica it still takes writes
    # (Sentinel's window: a nudge sent then is lost, which the timed catch-up covers).
    _until(lambda: redis.Redis(port=master).info("replication")["role"] == "slave")
    _until(lambda: _enqueued(broker, 2), timeout=30)
    assert redis.Redis(port=replica).llen("gj-sentinel-test:scheduling") == 2
    broker.close()


def _enqueued(broker, position: int) -> bool:  # type: ignore[no-untyped-def]
    """Enqueue one nudge; raises while the client still talks to the old master."""
    message = Message(
        queue_name="scheduling",
        actor_name="scheduling.catch_up",
        args=(position,),
        kwargs={},
        options={},
    )
    broker.enqueue(message)
    return True


def test_the_worker_waits_for_the_master_through_the_sentinel(servers, tmp_path):
    settings = _settings(servers.sentinel(servers.redis()), tmp_path)
    assert redis_client(settings).ping()


@pytest.mark.parametrize("text", ["redis-a", "a:b", ":26379", "a:26379,,b:1"])
def test_a_bad_sentinel_list_is_refused_with_its_form(text):
    with pytest.raises(ValueError, match="host:port"):
        sentinel_addresses(text)


def test_sentinel_addresses_are_read_with_ipv6_in_brackets():
    assert sentinel_addresses("10.0.0.5:26379, [::1]:26380") == [
        ("10.0.0.5", 26379),
        ("::1", 26380),
    ]
