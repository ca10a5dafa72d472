"""An app with the registry over each backend, tokens per role, a signed-request client."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from services.composition import create_app, runtime_for
from services.registry.application.signing import sign
from services.registry.wiring import RegistryParts
from tests.registry.unit.builders import registration

ROLES = ("admin", "office", "integration", "auditor", "viewer", "approver")


@pytest.fixture
def runtime(settings):
    runtime = runtime_for(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def app(runtime):
    return create_app(runtime, ("registry",))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(runtime) -> dict[str, dict[str, str]]:
    return {
        role: {"Authorization": f"Bearer {runtime.tokens.create(f'{role}-1', role)}"}
        for role in ROLES
    }


@pytest.fixture
def office(tokens):
    return tokens["office"]


def register(client, headers, project_id="p1", **overrides) -> Any:
    body = registration(project_id, **overrides)
    body.setdefault("occurred_at", "2024-03-01T09:00:00+08:00")
    response = client.post("/v1/projects", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response


def post_event(client, headers, project_id, type_, payload, *, occurred_at=None, **extra):
    body = {
        "type": type_,
        "occurred_at": occurred_at or "2024-03-05T09:00:00+08:00",
        "payload": payload,
        **extra,
    }
    return client.post(f"/v1/projects/{project_id}/events", json=body, headers=headers)


class Integrator:
    """An approval system: signs batches with its secret and posts them."""

    def __init__(self, client, name: str, secret: str) -> None:
        self.client = client
        self.name = name
        self.secret = secret

    def post(self, events: list[dict[str, Any]], *, request_id=None, timestamp=None, secret=None):
        body = json.dumps({"events": events}, ensure_ascii=False).encode()
        return self.post_raw(body, request_id=request_id, timestamp=timestamp, secret=secret)

    def post_raw(self, body: bytes, *, request_id=None, timestamp=None, secret=None):
        request_id = request_id or f"req_{uuid.uuid4().hex}"
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "content-type": "application/json",
            "webhook-id": request_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret or self.secret, request_id, timestamp, body),
            "gongjian-integration": self.name,
        }
        return self.client.post("/v1/ingest", data=body, headers=headers)


@pytest.fixture
def integrator(client, runtime) -> Integrator:
    secret = RegistryParts.of(runtime).integrations.create(
        "provincial-approvals",
        ["ApprovalGranted", "ApprovalRequested", "InvestmentReported", "EventCorrected"],
    )
    return Integrator(client, "provincial-approvals", secret)


def item(type_: str, payload: dict[str, Any], **address: Any) -> dict[str, Any]:
    address = address or {"national_code": "2403-330000-04-01-000001"}
    return {
        "event_id": address.pop("event_id", None) or str(uuid.uuid4()),
        "type": type_,
        "occurred_at": address.pop("occurred_at", "2024-03-03T10:00:00+08:00"),
        "payload": payload,
        **address,
    }
