"""The projects API over SQLite and PostgreSQL: registration, state under the two
clocks, history, comparison, appends with expected versions, errors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from services.composition import create_app, runtime_for
from tests.registry.unit.builders import registration

from .conftest import post_event, register


class Clock:
    """The store's record clock, moved by hand to stage late reports."""

    def __init__(self, runtime, start: str) -> None:
        self.now = datetime.fromisoformat(start).replace(tzinfo=UTC)
        runtime.store.clock = lambda: self.now

    def set(self, instant: str) -> None:
        self.now = datetime.fromisoformat(instant).replace(tzinfo=UTC)


class TestRegistration:
    def test_registering_returns_the_new_state_and_its_version(self, client, office):
        response = register(client, office)
        assert response.json["status"] == "accepted"
        assert response.json["project"]["phase"] == "preliminary"
        assert response.json["project"]["total_investment"] == "500000000.00"
        assert response.headers["ETag"] == '"1"'

    def test_re_sending_a_registration_with_its_event_id_is_a_duplicate(self, client, office):
        first = register(client, office, event_id="6f1c2b9e-3d4a-4c5b-9e8f-0a1b2c3d4e5f")
        again = client.post(
            "/v1/projects",
            json={
                **_registration_body(),
                "event_id": "6f1c2b9e-3d4a-4c5b-9e8f-0a1b2c3d4e5f",
            },
            headers=office,
        )
        assert again.status_code == 200 and again.json["status"] == "duplicate"
        assert again.json["global_position"] == first.json["global_position"]

    def test_a_project_id_is_registered_once(self, client, office):
        register(client, office)
        again = client.post("/v1/projects", json=_registration_body(), headers=office)
        assert again.status_code == 409 and "project_id" in again.json["errors"]

    def test_a_national_code_belongs_to_one_project(self, client, office):
        register(client, office)
        other = client.post(
            "/v1/projects", json=_registration_body(project_id="p2"), headers=office
        )
        assert other.status_code == 409 and "national_code" in other.json["errors"]

    def test_a_malformed_national_code_is_named(self, client, office):
        response = client.post(
            "/v1/projects", json=_registration_body(national_code="123"), headers=office
        )
        assert response.status_code == 422 and "national_code" in response.json["errors"]

    def test_money_as_a_float_is_refused(self, client, office):
        response = client.post(
            "/v1/projects", json=_registration_body(annual_plan=1.5), headers=office
        )
        assert response.status_code == 422 and "annual_plan" in response.json["errors"]


def _registration_body(project_id="p1", **overrides):
    body = registration(project_id, **overrides)
    body["occurred_at"] = "2024-03-01T09:00:00+08:00"
    return body


class TestListing:
    def test_projects_filter_and_page_with_a_cursor(self, client, office):
        for n in range(5):
            register(
                client,
                office,
                f"p{n}",
                national_code=None,
                town="城关镇" if n % 2 else "新城镇",
                lead_unit=f"unit-{n % 2}",
            )
        first = client.get("/v1/projects?town=城关镇&limit=1", headers=office).json
        assert [p["project_id"] for p in first["projects"]] == ["p1"]
        second = client.get(
            f"/v1/projects?town=城关镇&limit=1&cursor={first['next_cursor']}", headers=office
        ).json
        assert [p["project_id"] for p in second["projects"]] == ["p3"]
        assert second["next_cursor"] is None
        by_unit = client.get("/v1/projects?unit=unit-0", headers=office).json
        assert [p["project_id"] for p in by_unit["projects"]] == ["p0", "p2", "p4"]

    def test_the_phase_filter_follows_events(self, client, office):
        register(client, office, "p1", national_code=None)
        register(client, office, "p2", national_code=None)
        post_event(client, office, "p2", "ConstructionStarted", {})
        started = client.get("/v1/projects?phase=started", headers=office).json
        assert [p["project_id"] for p in started["projects"]] == ["p2"]

    def test_an_unknown_filter_value_is_named(self, client, office):
        response = client.get("/v1/projects?phase=flying", headers=office)
        assert response.status_code == 422 and "phase" in response.json["errors"]


class TestTwoClocks:
    def test_a_late_report_shows_as_known_at_but_not_before(self, client, office, runtime):
        clock = Clock(runtime, "2024-03-01T02:00:00")
        register(client, office)
        clock.set("2024-03-20T02:00:00")
        granted = post_event(
            client,
            office,
            "p1",
            "ApprovalGranted",
            {"approval_id": "a1", "kind": "eia"},
            occurred_at="2024-03-03T10:00:00+08:00",
        )
        assert granted.status_code == 201, granted.json
        seen_then = client.get(
            "/v1/projects/p1?as_of=2024-03-10&known_at=2024-03-10", headers=office
        )
        seen_now = client.get("/v1/projects/p1?as_of=2024-03-10", headers=office)
        assert seen_then.json["project"]["approvals"] == {}
        assert seen_now.json["project"]["approvals"]["a1"]["status"] == "granted"
        assert seen_then.json["known_at"] == "2024-03-10T15:59:59.999999Z"

    def test_a_correction_changes_the_past_only_as_known_after_it(self, client, office, runtime):
        clock = Clock(runtime, "2024-03-01T02:00:00")
        register(client, office)
        clock.set("2024-04-02T02:00:00")
        report = post_event(
            client,
            office,
            "p1",
            "InvestmentReported",
            {"month": "2024-03", "amount": "100.00"},
            occurred_at="2024-04-01T10:00:00+08:00",
        )
        clock.set("2024-05-02T02:00:00")
        fix = post_event(
            client,
            office,
            "p1",
            "EventCorrected",
            {
                "corrected_event_id": report.json["event_id"],
                "payload": {"month": "2024-03", "amount": "130.50"},
                "reason": "统计口径调整",
            },
            occurred_at="2024-05-02T10:00:00+08:00",
        )
        assert fix.status_code == 201, fix.json
        before = client.get("/v1/projects/p1?as_of=2024-04-30&known_at=2024-04-30", headers=office)
        after = client.get("/v1/projects/p1?as_of=2024-04-30", headers=office)
        assert before.json["project"]["investment"] == {"2024-03": "100.00"}
        assert after.json["project"]["investment"] == {"2024-03": "130.50"}

    def test_history_shows_both_clocks(self, client, office, runtime):
        clock = Clock(runtime, "2024-03-01T02:00:00")
        register(client, office)
        clock.set("2024-03-20T02:00:00")
        post_event(
            client, office, "p1", "ConstructionStarted", {}, occurred_at="2024-03-03T10:00:00+08:00"
        )
        events = client.get("/v1/projects/p1/events", headers=office).json["events"]
        assert [(e["occurred_at"], e["recorded_at"]) for e in events][1] == (
            "2024-03-03T02:00:00.000000Z",
            "2024-03-20T02:00:00.000000Z",
        )
        early = client.get("/v1/projects/p1/events?known_at=2024-03-10", headers=office).json
        assert len(early["events"]) == 1

    def test_the_comparison_names_fields_and_events(self, client, office, runtime):
        Clock(runtime, "2024-03-10T02:00:00")
        register(client, office)
        start = post_event(
            client, office, "p1", "ConstructionStarted", {}, occurred_at="2024-03-05T10:00:00+08:00"
        )
        diff = client.get("/v1/projects/p1/diff?from=2024-03-04&to=2024-03-06", headers=office)
        assert diff.status_code == 200
        changes = {c["field"]: c for c in diff.json["changes"]}
        assert changes["phase"] == {
            "field": "phase",
            "before": "preliminary",
            "after": "started",
            "event_ids": [start.json["event_id"]],
        }
        assert set(changes) == {"phase", "stage", "started_at"}

    def test_a_bad_date_is_named(self, client, office):
        register(client, office)
        response = client.get("/v1/projects/p1?as_of=2024-13-45", headers=office)
        assert response.status_code == 422 and "as_of" in response.json["errors"]
        diff = client.get("/v1/projects/p1/diff?from=2024-03-01", headers=office)
        assert diff.status_code == 422 and "to" in diff.json["errors"]

    def test_an_unknown_project_is_not_found(self, client, office):
        for path in ("/v1/projects/nope", "/v1/projects/nope/events"):
            response = client.get(path, headers=office)
            assert response.status_code == 404
            assert response.content_type == "application/problem+json"


class TestAppending:
    def test_if_match_with_a_stale_version_is_a_conflict_naming_the_current_one(
        self, client, office
    ):
        register(client, office)
        ok = client.post(
            "/v1/projects/p1/events",
            json={
                "type": "ConstructionStarted",
                "occurred_at": "2024-03-05T09:00:00+08:00",
                "payload": {},
            },
            headers={**office, "If-Match": '"1"'},
        )
        assert ok.status_code == 201 and ok.headers["ETag"] == '"2"'
        stale = client.post(
            "/v1/projects/p1/events",
            json={
                "type": "ProjectSuspended",
                "occurred_at": "2024-03-06T09:00:00+08:00",
                "payload": {"reason": "x"},
            },
            headers={**office, "If-Match": '"1"'},
        )
        assert stale.status_code == 409
        assert stale.json["current_version"] == 2 and stale.json["expected_version"] == 1

    def test_the_expected_version_may_come_in_the_body(self, client, office):
        register(client, office)
        response = post_event(client, office, "p1", "ConstructionStarted", {}, expected_version=0)
        assert response.status_code == 409 and response.json["current_version"] == 1

    def test_writes_record_source_and_actor(self, client, office):
        register(client, office)
        response = post_event(client, office, "p1", "ConstructionStarted", {})
        event = client.get("/v1/projects/p1/events", headers=office).json["events"][-1]
        assert response.status_code == 201
        assert (event["actor"], event["source"]) == ("office-1", "office:office-1")

    def test_a_rule_violation_is_422_naming_the_field(self, client, office):
        register(client, office)
        response = post_event(client, office, "p1", "MilestoneCompleted", {"milestone_id": "m1"})
        assert response.status_code == 422 and "milestone_id" in response.json["errors"]

    def test_an_event_in_the_future_is_refused(self, client, office):
        register(client, office)
        response = post_event(
            client, office, "p1", "ConstructionStarted", {}, occurred_at="2999-01-01T00:00:00Z"
        )
        assert response.status_code == 422 and "occurred_at" in response.json["errors"]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"type": "NoSuchEvent", "occurred_at": "2024-03-05T09:00:00Z", "payload": {}}, "type"),
            (
                {"type": "ConstructionStarted", "occurred_at": "yesterday", "payload": {}},
                "occurred_at",
            ),
            (
                {
                    "type": "ConstructionStarted",
                    "occurred_at": "2024-03-05T09:00:00",
                    "payload": {},
                },
                "occurred_at",
            ),
            (
                {
                    "type": "ConstructionStarted",
                    "occurred_at": "2024-03-05T09:00:00Z",
                    "payload": [],
                },
                "payload",
            ),
            (
                {
                    "type": "ConstructionStarted",
                    "occurred_at": "2024-03-05T09:00:00Z",
                    "payload": {},
                    "colour": 1,
                },
                "colour",
            ),
            (
                {
                    "type": "InvestmentReported",
                    "occurred_at": "2024-03-05T09:00:00Z",
                    "payload": {"month": "2024-3", "amount": "1"},
                },
                "payload",
            ),
            (
                {
                    "type": "ConstructionStarted",
                    "occurred_at": "2024-03-05T09:00:00Z",
                    "payload": {},
                    "expected_version": "one",
                },
                "expected_version",
            ),
        ],
    )
    def test_bad_input_is_a_4xx_naming_the_field(self, client, office, body, field):
        register(client, office)
        response = client.post("/v1/projects/p1/events", json=body, headers=office)
        assert 400 <= response.status_code < 500
        assert response.content_type == "application/problem+json"
        assert field in response.json["errors"], response.json

    def test_malformed_json_is_a_400_problem(self, client, office):
        register(client, office)
        response = client.post(
            "/v1/projects/p1/events",
            data=b'{"type": ',
            headers={**office, "content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.content_type == "application/problem+json"

    def test_a_bad_if_match_is_named(self, client, office):
        register(client, office)
        response = client.post(
            "/v1/projects/p1/events",
            json={
                "type": "ConstructionStarted",
                "occurred_at": "2024-03-05T09:00:00Z",
                "payload": {},
            },
            headers={**office, "If-Match": "banana"},
        )
        assert response.status_code == 400 and "If-Match" in response.json["errors"]

    def test_an_oversized_body_is_413(self, settings):
        runtime = runtime_for(dataclasses.replace(settings, max_body_bytes=2000))
        try:
            client = create_app(runtime, ("registry",)).test_client()
            headers = {"Authorization": f"Bearer {runtime.tokens.create('o', 'office')}"}
            body = {
                "type": "ConstructionStarted",
                "occurred_at": "2024-03-05T09:00:00Z",
                "payload": {"note": "x" * 5000},
            }
            response = client.post("/v1/projects/p1/events", json=body, headers=headers)
            assert response.status_code == 413
            assert response.content_type == "application/problem+json"
        finally:
            runtime.close()


def test_the_openapi_document_lists_the_registry_paths(client):
    paths = client.get("/openapi.json").json["paths"]
    for path in (
        "/v1/projects",
        "/v1/projects/{project_id}",
        "/v1/projects/{project_id}/events",
        "/v1/projects/{project_id}/diff",
        "/v1/ingest",
        "/v1/export",
        "/v1/events",
        "/v1/chain",
    ):
        assert path in paths


def test_history_pages_by_stream_version(client, office):
    register(client, office)
    for n in range(4):
        post_event(
            client,
            office,
            "p1",
            "InspectionCompleted",
            {"inspection_id": f"i{n}", "result": "passed"},
        )
    first = client.get("/v1/projects/p1/events?limit=2", headers=office).json
    second = client.get(
        f"/v1/projects/p1/events?limit=2&after_version={first['next_after_version']}",
        headers=office,
    ).json
    last = client.get("/v1/projects/p1/events?limit=2&after_version=4", headers=office).json
    assert [e["stream_version"] for e in first["events"]] == [1, 2]
    assert [e["stream_version"] for e in second["events"]] == [3, 4]
    assert [e["stream_version"] for e in last["events"]] == [5]
    assert last["next_after_version"] is None


def test_a_state_is_written_as_utf_8_json_and_a_body_orjson_refuses_by_the_standard_library(
    app,
):
    from services.registry.entrypoints.projects import _json

    with app.app_context():
        state = _json({"project": {"name": "城区污水处理厂", "total_investment": "1.00"}})
        keyed = _json({"counts": {1: 2}})
    assert state.mimetype == "application/json"
    assert (
        state.get_data()
        == '{"project":{"name":"城区污水处理厂","total_investment":"1.00"}}'.encode()
    )
    assert keyed.get_data() == b'{"counts":{"1":2}}'
