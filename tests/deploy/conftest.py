"""Fixtures for the container roles: the environment a container would get."""

from __future__ import annotations

import uuid

import dramatiq
import dramatiq.broker
import pytest


@pytest.fixture
def container_env(monkeypatch, tmp_path, sqlite_template):
    """A role's configuration from the environment, on a migrated SQLite database."""
    from tests.conftest import copy_sqlite

    url = copy_sqlite(sqlite_template, tmp_path / "role.db")
    for name in ("GONGJIAN_REDIS_URL", "GONGJIAN_SERVICE", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", url)
    monkeypatch.setenv("GONGJIAN_LOG_FORMAT", "text")
    monkeypatch.setenv("GONGJIAN_HEARTBEAT_FILE", str(tmp_path / "worker.heartbeat"))
    return url


@pytest.fixture
def redis_namespace(redis_url):
    """A Redis key prefix of this test's own, deleted afterwards."""
    import redis

    namespace = f"gj-test-deploy-{uuid.uuid4().hex[:8]}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def global_broker_restored():
    """The worker module sets dramatiq's global broker; put the previous one back."""
    previous = dramatiq.broker.global_broker
    yield
    dramatiq.broker.global_broker = previous


@pytest.fixture
def wired_runtime(settings):
    """Every service wired over the test's database (embedded broker)."""
    from services.composition import runtime_for

    runtime = runtime_for(settings)
    yield runtime
    runtime.close()
