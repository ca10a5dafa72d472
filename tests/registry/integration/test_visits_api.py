"""挂点服务 over SQLite and PostgreSQL: a leader's visit is recorded on the project (what
was done, the problems solved) and shows in its state and history; by quarter, which
leaders have not visited their projects; refusals change nothing."""

from __future__ import annotations

from .conftest import post_event, register

VISIT = {
    "services": "现场协调施工用电接入",
    "problems_solved": ["施工临时用电", "进场道路"],
    "occurred_at": "2024-04-10T10:00:00+08:00",
}


def _visit(client, office, project_id="p1", **body):
    return client.post(f"/v1/projects/{project_id}/visits", json={**VISIT, **body}, headers=office)


def _quarter(client, headers, quarter="2024-Q2"):
    response = client.get("/v1/leader-visits", query_string={"quarter": quarter}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


class TestAVisit:
    def test_it_is_on_the_project_with_the_problems_solved_and_in_its_history(self, client, office):
        register(client, office, "p1")
        response = _visit(client, office, visit_id="v1")
        assert response.status_code == 201, response.json
        visit = response.json["project"]["visits"]["v1"]
        assert visit["leader"] == "张副县长"  # the project's own leader by default
        assert visit["problems_solved"] == ["施工临时用电", "进场道路"]
        events = client.get("/v1/projects/p1/events", headers=office).json["events"]
        assert (events[-1]["type"], events[-1]["type_label"]) == ("LeaderVisited", "领导挂点服务")

    def test_a_visit_id_is_used_once_and_what_was_done_is_required(self, client, office, runtime):
        register(client, office, "p1")
        _visit(client, office, visit_id="v1")
        head = runtime.store.head()
        again = _visit(client, office, visit_id="v1", occurred_at="2024-04-12T10:00:00+08:00")
        assert (again.status_code, again.json["code"]) == (422, "duplicate_id")
        empty = _visit(client, office, services="")
        assert empty.status_code == 422
        assert _visit(client, office, "nobody").status_code == 404
        assert runtime.store.head() == head

    def test_only_the_office_records_one(self, client, tokens):
        register(client, tokens["office"], "p1")
        assert _visit(client, tokens["viewer"]).status_code == 403


class TestTheQuarter:
    def test_leaders_who_have_not_visited_their_projects_are_named(self, client, office):
        register(client, office, "p1")
        register(client, office, "p2", national_code=None, leader="王县长")
        register(client, office, "p3", national_code=None, leader="王县长")
        _visit(client, office, "p1")
        _visit(client, office, "p2", leader="王县长")
        body = _quarter(client, office)
        assert body["not_visited"] == ["王县长"]
        by_leader = {r["leader"]: r for r in body["leaders"]}
        assert (by_leader["王县长"]["visited"], by_leader["王县长"]["not_visited"]) == (
            ["p2"],
            ["p3"],
        )
        assert by_leader["张副县长"]["projects"][0]["problems_solved"] == 2
        # by rank: 县长 before 副县长
        assert [r["leader"] for r in body["leaders"]] == ["王县长", "张副县长"]

    def test_a_visit_by_someone_else_or_in_another_quarter_does_not_count(self, client, office):
        register(client, office, "p1")
        _visit(client, office, "p1", leader="李局长")
        _visit(client, office, "p1", occurred_at="2024-03-20T10:00:00+08:00")
        row = _quarter(client, office)["leaders"][0]
        assert row["not_visited"] == ["p1"]
        assert row["projects"][0]["last_visit_on"] == "2024-03-20"
        assert _quarter(client, office, "2024-Q1")["not_visited"] == []

    def test_a_project_commissioned_before_the_quarter_is_not_asked_for(self, client, office):
        register(client, office, "p1")
        for type_, day in (
            ("ConstructionStarted", "2024-03-02"),
            ("ProjectCompleted", "2024-03-10"),
            ("ProjectCommissioned", "2024-03-20"),
        ):
            post_event(client, office, "p1", type_, {}, occurred_at=f"{day}T09:00:00+08:00")
        assert _quarter(client, office)["leaders"] == []

    def test_a_bad_quarter_is_a_problem_in_chinese(self, client, office):
        response = client.get(
            "/v1/leader-visits", query_string={"quarter": "2024-Q5"}, headers=office
        )
        assert response.status_code == 422
        assert "2026-Q4" in str(response.json["errors"])


def test_a_visit_sent_again_with_its_event_id_is_stored_once(client, office, runtime):
    register(client, office, "p1")
    event_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert _visit(client, office, event_id=event_id).status_code == 201
    again = _visit(client, office, event_id=event_id)
    assert again.status_code == 200
    assert list(again.json["project"]["visits"]) == [event_id]
