"""A Redis of the test's own that it can stop and start again (``redis-server`` on a
free port, no persistence)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from services.composition import runtime_for
from shared.config import Settings
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """``redis-server`` on its own port; `stop` kills it, `start` brings it back."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is required here (GONGJIAN_REQUIRE_SERVICES=1)")
        pytest.skip("redis-server not installed")
    server = PrivateRedis(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def runtime(settings, private_redis):  # type: ignore[no-untyped-def]
    """The services on the test's own Redis, retrying a lost send after 0.1 s (a test
    module may bring its own ``runtime``)."""
    runtime = runtime_for(dataclasses.replace(settings, redis_url=private_redis.url))
    runtime.bus.retry_pauses = (0.1,)
    yield runtime
    runtime.close()


@pytest.fixture
def postgres_runtime(postgres_url, private_redis, tmp_path):  # type: ignore[no-untyped-def]
    """The services on PostgreSQL and the test's own Redis: for tests whose workers are
    processes of their own (they share the database)."""
    settings = Settings.from_env(database_url=postgres_url, redis_url="", data_dir=tmp_path)
    runtime = runtime_for(dataclasses.replace(settings, redis_url=private_redis.url))
    yield runtime
    runtime.close()


@pytest.fixture(autouse=True)
def fresh_warning_limits() -> None:
    """Each test sees its own first warning (the limits are per process)."""
    import logging

    from shared.logging import OncePerInterval

    for logger in [logging.getLogger(name) for name in logging.root.manager.loggerDict]:
        for found in logger.filters:
            if isinstance(found, OncePerInterval):
                found.reset()


def wait_until(condition, timeout: float = 15.0, every: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


def start_worker(runtime, tmp_path: Path, *modules: str, **env: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GONGJIAN_DATABASE_URL": runtime.settings.database_url,
        "GONGJIAN_REDIS_URL": runtime.settings.redis_url,
        "GONGJIAN_REDIS_NAMESPACE": runtime.settings.redis_namespace,
        "GONGJIAN_DATA_DIR": str(tmp_path),
        "GONGJIAN_JOB_LEASE_SECONDS": "6",
        "GONGJIAN_CATCH_UP_SECONDS": "2",
        "GONGJIAN_HEARTBEAT_FILE": str(tmp_path / f"beat-{len(modules)}"),
        "GONGJIAN_TEST_STALL_MARKER": str(tmp_path / "stalled"),
        "GONGJIAN_LOG_FORMAT": "text",
        **env,
    }
    command = [sys.executable, "-m", "services.worker_main", "services.worker", *modules]
    return subprocess.Popen(
        [*command, "--processes", "1", "--threads", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / f"worker-{len(modules)}.log", "wb"),  # noqa: SIM115
        start_new_session=True,  # its own process group: killed whole, like `docker kill`
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=60)
