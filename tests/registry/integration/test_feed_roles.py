"""The feed shows each role only the event types the role matrix lets it read, both
ways: what a role may read is there, what it may not is neither listed nor served."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.auth import READABLE_TYPES
from shared.eventstore import EventStore, NewEvent

from .conftest import ROLES, register

OTHER_SERVICES = {
    "dispatch-monthly-2024-03": "DispatchPlanned",
    "actions-p1": "ActionAssigned",
    "actions-p2": "ActionReported",
    "rulebooks": "RulebookAdopted",
    "assessment-2024": "AssessmentPublished",
    "assessment-2025": "AssessmentComputed",
}


@pytest.fixture
def log(client, tokens, runtime):
    """A project's events, and one event of each other service's kind beside them."""
    register(client, tokens["office"])
    raw = EventStore(runtime.engine)  # payloads beside the point: the feed is under test
    for stream_id, type_ in OTHER_SERVICES.items():
        raw.append(
            [NewEvent(stream_id, type_, {"summary": "内部"}, datetime(2024, 12, 31, tzinfo=UTC))]
        )


def _types_read(client, headers, query: str = "") -> set[str]:
    response = client.get(f"/v1/events?limit=1000{query}", headers=headers)
    assert response.status_code == 200, response.json
    return {event["type"] for event in response.json["events"]}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_exactly_the_types_the_matrix_gives_it(client, tokens, log, role):
    read = _types_read(client, tokens[role])
    present = {"ProjectRegistered", *OTHER_SERVICES.values()}
    allowed = present if role == "admin" else present & set(READABLE_TYPES[role])
    assert read == allowed


@pytest.mark.parametrize("role", ["viewer", "integration"])
def test_viewers_and_integrations_never_read_assessment_drafts(client, tokens, log, role):
    assert "AssessmentComputed" not in _types_read(client, tokens[role])
    response = client.get("/v1/events?type=AssessmentComputed", headers=tokens[role])
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert "type" in response.json["errors"]


def test_integrations_never_read_published_assessments(client, tokens, log):
    response = client.get("/v1/events?type=AssessmentPublished", headers=tokens["integration"])
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["office", "auditor", "viewer"])
def test_the_office_auditors_and_viewers_read_published_assessments(client, tokens, log, role):
    assert _types_read(client, tokens[role], "&type=AssessmentPublished") == {"AssessmentPublished"}


@pytest.mark.parametrize("role", ["office", "auditor", "approver"])
def test_the_office_auditors_and_the_approver_read_drafts(client, tokens, log, role):
    assert _types_read(client, tokens[role], "&type=AssessmentComputed") == {"AssessmentComputed"}


def test_a_units_token_reads_nothing_of_the_log(client, runtime, log):
    unit = {"Authorization": f"Bearer {runtime.tokens.create('自然资源局', 'unit')}"}
    assert READABLE_TYPES["unit"] == ()
    assert client.get("/v1/events", headers=unit).status_code == 403
