"""Who may do what: every role against every registry endpoint, both ways."""

from __future__ import annotations

import pytest

from .conftest import ROLES, register

READ = {"admin", "office", "auditor", "viewer"}
WRITE = {"admin", "office"}
AUDIT = {"admin", "office", "auditor"}
FEED = set(ROLES)

ENDPOINTS = [
    ("GET", "/v1/projects", READ),
    ("GET", "/v1/projects/p1", READ),
    ("GET", "/v1/projects/p1/events", READ),
    ("GET", "/v1/projects/p1/diff?from=2024-03-01&to=2024-03-31", READ),
    ("POST", "/v1/projects/p1/events", WRITE),
    ("POST", "/v1/projects", WRITE),
    ("GET", "/v1/events", FEED),
    ("GET", "/v1/chain", AUDIT),
    ("GET", "/v1/export", AUDIT),
]


def _body(path: str, role: str) -> dict | None:
    if path == "/v1/projects":
        from tests.registry.unit.builders import registration

        return {**registration(f"new-{role}", national_code=None)}
    if path.endswith("/events"):
        return {
            "type": "ProjectSuspended",
            "occurred_at": "2024-03-05T09:00:00Z",
            "payload": {"reason": role},
        }
    return None


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS)
def test_each_role_may_do_exactly_what_it_is_allowed(client, tokens, method, path, allowed):
    register(client, tokens["office"])
    for role in ROLES:
        if method == "POST" and path.endswith("/events"):
            client.post(  # resume so that each allowed role's suspension is valid
                "/v1/projects/p1/events",
                json={
                    "type": "ProjectResumed",
                    "occurred_at": "2024-03-05T09:00:00Z",
                    "payload": {},
                },
                headers=tokens["office"],
            )
        response = client.open(path, method=method, json=_body(path, role), headers=tokens[role])
        if role in allowed:
            assert response.status_code < 400, (role, response.json)
        else:
            assert response.status_code == 403, (role, response.status_code)
            assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "allowed"), ENDPOINTS)
def test_no_token_is_401(client, method, path, allowed):
    response = client.open(path, method=method, json=_body(path, "x"))
    assert response.status_code == 401


def test_ingest_takes_no_bearer_token_only_a_signature(client, tokens):
    response = client.post("/v1/ingest", json={"events": []}, headers=tokens["admin"])
    assert response.status_code == 401
