"""A Redis of the test's own that it can stop and start again (``redis-server`` on a
free port, no persistence)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import REQUIRE_SERVICES


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
