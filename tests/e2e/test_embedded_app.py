"""The embedded default: all three services in one Flask app over one store."""

from __future__ import annotations

from services.composition import create_app, runtime_for
from tests.shared.helpers import note

from .conftest import bearer


def test_liveness_and_readiness_answer(client):
    assert client.get("/livez").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json


def test_readiness_fails_when_migrations_are_missing(tmp_path):
    from shared.config import Settings

    runtime = runtime_for(Settings.from_env(database_url=f"sqlite:///{tmp_path}/empty.db"))
    try:
        response = create_app(runtime).test_client().get("/readyz")
        assert response.status_code == 503
        assert "migrations" in response.json["problems"]
    finally:
        runtime.close()


def test_the_feed_pages_through_the_log(client, runtime):
    runtime.store.append([note("project-a", str(i)) for i in range(3)])
    headers = bearer(runtime, "auditor")
    page = client.get("/v1/events?after=1&limit=1", headers=headers)
    assert page.status_code == 200
    assert [e["global_position"] for e in page.json["events"]] == [2]
    assert page.json["next_after"] == 2 and page.json["head_position"] == 3


def test_the_feed_needs_a_token_and_answers_with_a_problem(client):
    response = client.get("/v1/events")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 401 and response.json["title"] == "未经认证"


def test_bad_query_parameters_name_the_field(client, runtime):
    response = client.get("/v1/events?limit=abc", headers=bearer(runtime, "auditor"))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "limit" in response.json["errors"]


def test_chain_status_is_served(client, runtime):
    runtime.store.append([note()])
    body = client.get("/v1/chain", headers=bearer(runtime, "auditor")).json
    assert body["ok"] is True and body["head_position"] == 1


def test_openapi_document_is_served(client):
    spec = client.get("/openapi.json").json
    assert "/v1/events" in spec["paths"]


def test_unknown_paths_are_problems_too(client):
    response = client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_openapi_documents_every_event_payload_with_its_chinese_labels(client):
    from shared.events import CATALOGUE

    schemas = client.get("/openapi.json").json["components"]["schemas"]
    for event_type in CATALOGUE:
        payload = schemas[f"{event_type.name}Payload"]
        assert payload["properties"] and "example" in payload
    kind = schemas["IssueRaisedPayload"]["properties"]["kind"]
    assert kind["x-enum-labels"]["land"] == "用地"
