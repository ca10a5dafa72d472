"""The project pool (项目库) over SQLite and PostgreSQL: a project enters the pool before
any campaign, moves through its stages, enters a campaign from the pool, starts, is
entered into the statistics database (入统), is carried over; the list and the year's
conversions by quarter; every refusal a problem in Chinese that changes nothing."""

from __future__ import annotations

from .conftest import post_event, register

ENTRY = {
    "project_id": "pool-1",
    "name": "智能装备产业园项目",
    "sector": "manufacturing",
    "town": "城关镇",
    "total_investment": "300000000.00",
    "stage": "planning",
    "occurred_at": "2024-01-10T09:00:00+08:00",
}
CAMPAIGN = {
    "year": 2024,
    "category": "new_start",
    "annual_plan": "80000000.00",
    "leader": "李副县长",
    "lead_unit": "县经信局",
    "owner_unit": "某智能装备有限公司",
    "occurred_at": "2024-04-01T09:00:00+08:00",
}


def _stage(client, office, stage, when, project_id="pool-1"):
    body = {"stage": stage, "occurred_at": when}
    return client.post(f"/v1/pool/{project_id}/stage", json=body, headers=office)


def _pooled_and_signed(client, office):
    assert client.post("/v1/pool", json=ENTRY, headers=office).status_code == 201
    assert _stage(client, office, "reserve", "2024-02-01T09:00:00+08:00").status_code == 201
    assert _stage(client, office, "signed", "2024-03-15T09:00:00+08:00").status_code == 201


def _in_campaign_and_started(client, office):
    _pooled_and_signed(client, office)
    entered = client.post("/v1/pool/pool-1/enter-campaign", json=CAMPAIGN, headers=office)
    assert entered.status_code == 201, entered.json
    started = post_event(
        client, office, "pool-1", "ConstructionStarted", {}, occurred_at="2024-05-10T09:00:00+08:00"
    )
    assert started.status_code == 201, started.json


class TestThePoolBeforeACampaign:
    def test_a_pooled_project_has_its_stages_with_their_dates_and_no_campaign(self, client, office):
        _pooled_and_signed(client, office)
        project = client.get("/v1/projects/pool-1", headers=office).json["project"]
        assert (project["pooled"], project["stage"], project["stage_label"]) == (
            True,
            "signed",
            "签约",
        )
        assert set(project["stages"]) == {"planning", "reserve", "signed"}
        rows = client.get("/v1/pool", headers=office).json["projects"]
        assert rows[0]["stage_dates"] == {
            "planning": "2024-01-10",
            "reserve": "2024-02-01",
            "signed": "2024-03-15",
        }
        assert rows[0]["stage_dates_labels"]["signed"] == "签约"
        assert rows[0]["campaign_years"] == []
        # not a key project yet: not on the project list
        assert client.get("/v1/projects", headers=office).json["projects"] == []

    def test_a_stage_moves_only_forward_and_construction_waits_for_a_campaign(
        self, client, office, runtime
    ):
        _pooled_and_signed(client, office)
        head = runtime.store.head()
        back = _stage(client, office, "reserve", "2024-03-20T09:00:00+08:00")
        assert back.status_code == 422
        assert back.json["code"] == "stage_not_forward"
        assert "只能向后推进" in back.json["detail"]
        started = post_event(client, office, "pool-1", "ConstructionStarted", {})
        assert (started.status_code, started.json["code"]) == (422, "not_registered")
        assert runtime.store.head() == head

    def test_a_second_entry_an_unknown_project_and_a_bad_stage_are_refused(self, client, office):
        assert client.post("/v1/pool", json=ENTRY, headers=office).status_code == 201
        again = client.post("/v1/pool", json=ENTRY, headers=office)
        assert again.status_code == 409
        unknown = _stage(client, office, "reserve", "2024-02-01T09:00:00+08:00", "nobody")
        assert unknown.status_code == 404
        bad = _stage(client, office, "started", "2024-02-01T09:00:00+08:00")
        assert bad.status_code == 422
        assert client.post("/v1/pool", json=ENTRY, headers={}).status_code == 401

    def test_a_registered_key_project_is_in_the_pool_too(self, client, office):
        register(client, office, "p1")
        rows = client.get("/v1/pool", headers=office).json["projects"]
        assert [(r["project_id"], r["stage"], r["campaign_years"]) for r in rows] == [
            ("p1", "preliminary", [2024])
        ]


class TestEnteringACampaign:
    def test_the_registration_takes_the_pool_entry_and_the_project_is_listed(self, client, office):
        _in_campaign_and_started(client, office)
        project = client.get("/v1/projects/pool-1", headers=office).json["project"]
        assert (project["name"], project["total_investment"], project["year"]) == (
            "智能装备产业园项目",
            "300000000.00",
            2024,
        )
        assert project["stage"] == "started"
        listed = client.get("/v1/projects", headers=office).json["projects"]
        assert [p["project_id"] for p in listed] == ["pool-1"]
        again = client.post("/v1/pool/pool-1/enter-campaign", json=CAMPAIGN, headers=office)
        assert again.status_code == 409

    def test_a_project_nobody_pooled_cannot_enter_from_the_pool(self, client, office):
        response = client.post("/v1/pool/nobody/enter-campaign", json=CAMPAIGN, headers=office)
        assert response.status_code == 404

    def test_it_is_carried_over_to_next_year_as_any_key_project(self, client, office):
        _in_campaign_and_started(client, office)
        carried = client.post(
            "/v1/projects/pool-1/carry-over",
            json={"to_year": 2025, "reason": "跨年度建设"},
            headers=office,
        )
        assert carried.status_code == 201, carried.json
        rows = client.get("/v1/pool", headers=office).json["projects"]
        assert rows[0]["campaign_years"] == [2024, 2025]


class TestStatistics:
    def test_a_started_project_enters_the_statistics_database_once(self, client, office):
        _in_campaign_and_started(client, office)
        body = {"occurred_at": "2024-06-20T09:00:00+08:00", "statistics_code": "TJ-001"}
        entered = client.post("/v1/pool/pool-1/statistics", json=body, headers=office)
        assert entered.status_code == 201, entered.json
        assert client.get("/v1/pool", headers=office).json["projects"][0]["statistics_on"] == (
            "2024-06-20"
        )
        again = client.post("/v1/pool/pool-1/statistics", json=body, headers=office)
        assert (again.status_code, again.json["code"]) == (422, "already_in_statistics")

    def test_a_project_not_started_cannot_enter_it(self, client, office):
        register(client, office, "p1")
        response = client.post("/v1/pool/p1/statistics", json={}, headers=office)
        assert (response.status_code, response.json["code"]) == (422, "not_started")
        assert "开工后方可入统" in response.json["detail"]


class TestConversions:
    def test_signed_to_started_and_started_to_commissioned_by_quarter(self, client, office):
        _in_campaign_and_started(client, office)
        quarters = client.get(
            "/v1/pool/conversions", query_string={"year": 2024}, headers=office
        ).json["quarters"]
        q1, q2, q3 = (q["conversions"][0] for q in quarters[:3])
        assert (q1["could"], q1["converted"], q1["rate"]) == (1, 0, "0.00")
        assert (q2["could"], q2["converted"], q2["rate"], q2["projects"]) == (
            1,
            1,
            "1.00",
            ["pool-1"],
        )
        assert (q3["could"], q3["rate"]) == (0, None)
        assert q2["source_label"] == "签约" and q2["target_label"] == "开工"
        started_q3 = quarters[2]["conversions"][1]
        assert (started_q3["could"], started_q3["converted"]) == (1, 0)
        assert quarters[0]["entered"]["signed"] == ["pool-1"]
        assert quarters[1]["entered_labels"]["started"] == "开工"

    def test_a_year_is_required(self, client, office):
        response = client.get("/v1/pool/conversions", headers=office)
        assert response.status_code == 422


def test_a_project_still_in_the_pool_cannot_be_carried_over(client, office):
    _pooled_and_signed(client, office)
    response = client.post(
        "/v1/projects/pool-1/carry-over", json={"to_year": 2025, "reason": "续建"}, headers=office
    )
    assert (response.status_code, response.json["code"]) == (422, "not_registered")
    assert "仍在项目库中" in response.json["detail"]
