"""The scoring API's client and an in-process worker for the integration tests."""

from __future__ import annotations

import pytest

from services.composition import create_app
from shared.messaging import start_worker


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


@pytest.fixture
def worker(runtime):
    worker = start_worker(runtime.broker, threads=1)
    yield worker
    worker.stop()
