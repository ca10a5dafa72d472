"""The embedded app (all services, one store) on the test clock, for the API tests."""

from __future__ import annotations

import pytest

from services.composition import create_app, runtime_for


@pytest.fixture
def runtime(settings, clock):
    runtime = runtime_for(settings)
    runtime.store.clock = clock
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime):
    return create_app(runtime).test_client()


@pytest.fixture
def role_headers(runtime):
    """An office's and a viewer's bearer header."""
    return {
        role: {"Authorization": f"Bearer {runtime.tokens.create(role, role)}"}
        for role in ("office", "viewer")
    }


@pytest.fixture
def tokens(runtime):
    """Bearer headers of an office, a viewer and an auditor token."""
    return {
        role: {"Authorization": f"Bearer {runtime.tokens.create(role, role)}"}
        for role in ("office", "viewer", "auditor")
    }
