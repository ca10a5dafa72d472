"""The embedded default: all three services and the console in one app over one store."""

from __future__ import annotations

import pytest

from services.composition import create_app, runtime_for


@pytest.fixture
def runtime(settings):
    runtime = runtime_for(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


def bearer(runtime, role: str, name: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.tokens.create(name or role, role)}"}
