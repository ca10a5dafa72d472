"""Whatever JSON arrives, the answer is a 2xx or a 4xx problem, never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.composition import create_app, runtime_for
from services.registry.wiring import RegistryParts
from shared.config import Settings

from .conftest import Integrator, register

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["ConstructionStarted", "InvestmentReported", "EventCorrected", "Nope"]
        )
        | st.text(max_size=10),
        "occurred_at": st.sampled_from(["2024-03-05T09:00:00Z", "2024-03-05", "x"]) | json_values,
        "payload": json_values,
        "event_id": st.uuids().map(str) | json_values,
        "expected_version": st.integers(-2, 5) | json_values,
        "project_id": st.sampled_from(["p1", "ghost"]) | json_values,
        "national_code": json_values,
    },
)


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory, sqlite_template):
    from tests.conftest import copy_sqlite

    url = copy_sqlite(sqlite_template, tmp_path_factory.mktemp("fuzz") / "g.db")
    runtime = runtime_for(Settings.from_env(database_url=url))
    client = create_app(runtime, ("registry",)).test_client()
    office = {"Authorization": f"Bearer {runtime.tokens.create('office', 'office')}"}
    register(client, office)
    secret = RegistryParts.of(runtime).integrations.create(
        "fuzz", ["InvestmentReported", "EventCorrected"]
    )
    yield client, office, Integrator(client, "fuzz", secret)
    runtime.close()


def _no_server_error(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.content_type == "application/problem+json"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=event_like | json_values)
def test_appending_anything_never_fails_with_a_500(fuzz_target, body):
    client, office, _ = fuzz_target
    _no_server_error(client.post("/v1/projects/p1/events", json=body, headers=office))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(event_like | json_values, min_size=1, max_size=5))
def test_ingesting_anything_never_fails_with_a_500(fuzz_target, events):
    _, _, integrator = fuzz_target
    response = integrator.post_raw(json.dumps({"events": events}).encode())
    _no_server_error(response)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(["as_of", "known_at", "from", "to", "clock", "cursor", "limit", "phase"]),
        st.text(max_size=25),
        max_size=4,
    )
)
def test_querying_with_anything_never_fails_with_a_500(fuzz_target, query):
    client, office, _ = fuzz_target
    for path in (
        "/v1/projects",
        "/v1/projects/p1",
        "/v1/projects/p1/diff",
        "/v1/projects/p1/events",
        "/v1/export",
    ):
        _no_server_error(client.get(path, query_string=query, headers=office))
