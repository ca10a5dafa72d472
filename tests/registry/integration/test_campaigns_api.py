"""Campaigns over SQLite and PostgreSQL: defining and amending a year's campaign, reading
it back under the record clock, and carrying a project over into a later campaign."""

from __future__ import annotations

from .conftest import register

CAMPAIGN_2026 = {
    "name": "某某县2026年项目攻坚年",
    "county": "某某县",
    "starts_on": "2026-03-01",
    "ends_on": "2026-12-31",
    "targets": {
        "breakthrough": 18,
        "new_start": 5,
        "preliminary": 6,
        "investment": "4500000000.00",
    },
}


class TestDefiningACampaign:
    def test_a_defined_campaign_is_listed_and_read_back_with_its_targets(self, client, office):
        put = client.put("/v1/campaigns/2026", json=CAMPAIGN_2026, headers=office)
        assert put.status_code == 201, put.json
        one = client.get("/v1/campaigns/2026", headers=office).json
        assert one["targets"]["investment"] == "4500000000.00"
        assert (one["year"], one["starts_on"], one["defined"]) == (2026, "2026-03-01", True)
        listed = client.get("/v1/campaigns", headers=office).json
        assert [c["year"] for c in listed["campaigns"]] == [2026]
        assert listed["next_after"] is None

    def test_the_same_definition_twice_writes_one_event_and_a_change_amends_it(
        self, client, office, runtime
    ):
        client.put("/v1/campaigns/2026", json=CAMPAIGN_2026, headers=office)
        again = client.put("/v1/campaigns/2026", json=CAMPAIGN_2026, headers=office)
        assert again.status_code == 200
        amended = {**CAMPAIGN_2026, "targets": {**CAMPAIGN_2026["targets"], "new_start": 7}}
        assert client.put("/v1/campaigns/2026", json=amended, headers=office).status_code == 201
        assert client.get("/v1/campaigns/2026", headers=office).json["targets"]["new_start"] == 7
        assert runtime.store.stream_version("campaign-2026") == 2

    def test_an_amendment_is_not_known_before_it_was_recorded(self, client, office, runtime):
        client.put("/v1/campaigns/2026", json=CAMPAIGN_2026, headers=office)
        first = runtime.store.head().recorded_at
        renamed = {**CAMPAIGN_2026, "name": "某某县2026年重点项目攻坚年"}
        client.put("/v1/campaigns/2026", json=renamed, headers=office)
        then = client.get(
            "/v1/campaigns", query_string={"known_at": first.isoformat()}, headers=office
        ).json
        assert then["campaigns"][0]["name"] == CAMPAIGN_2026["name"]

    def test_an_undefined_year_is_a_problem_in_chinese(self, client, office):
        response = client.get("/v1/campaigns/2031", headers=office)
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
        assert "2031年攻坚年尚未设定" in response.json["detail"]

    def test_dates_out_of_order_and_a_float_investment_are_refused(self, client, office):
        wrong = {
            **CAMPAIGN_2026,
            "ends_on": "2026-01-31",
            "targets": {**CAMPAIGN_2026["targets"], "investment": 4.5e9},
        }
        response = client.put("/v1/campaigns/2026", json=wrong, headers=office)
        assert response.status_code == 422
        assert "investment" in str(response.json["errors"])

    def test_only_the_office_and_the_administrator_define_campaigns(self, client, tokens):
        def put(role):
            return client.put("/v1/campaigns/2026", json=CAMPAIGN_2026, headers=tokens[role])

        assert put("viewer").status_code == 403
        assert put("admin").status_code == 201
        assert client.get("/v1/campaigns", headers=tokens["viewer"]).status_code == 200


class TestCarryingOver:
    def test_a_project_carried_over_belongs_to_both_years(self, client, office):
        register(client, office, year=2025)
        response = client.post(
            "/v1/projects/p1/carry-over",
            json={"to_year": 2026, "reason": "续建项目，结转至2026年"},
            headers=office,
        )
        assert response.status_code == 201, response.json
        project = client.get("/v1/projects/p1", headers=office).json["project"]
        assert project["year"] == 2025 and project["carried_into"] == [2026]
        events = client.get("/v1/projects/p1/events", headers=office).json["events"]
        assert events[-1]["type"] == "ProjectCarriedOver"
        assert events[-1]["payload"]["from_year"] == 2025

    def test_a_carry_over_states_the_new_year_s_investment_plan(self, client, office):
        register(client, office, year=2025)
        monthly = ["200000"] * 12
        body = {
            "to_year": 2026,
            "reason": "续建",
            "annual_plan": "2400000",
            "monthly_plan": monthly,
        }
        response = client.post("/v1/projects/p1/carry-over", json=body, headers=office)
        assert response.status_code == 201, response.json
        events = client.get("/v1/projects/p1/events", headers=office).json["events"]
        payload = events[-1]["payload"]
        assert payload["annual_plan"] == "2400000.00"
        assert payload["monthly_plan"] == ["200000.00"] * 12
        short = {"to_year": 2027, "reason": "续建", "monthly_plan": ["1.00"] * 11}
        refused = client.post("/v1/projects/p1/carry-over", json=short, headers=office)
        assert refused.status_code == 422 and "monthly_plan" in refused.json["errors"]

    def test_carrying_into_a_year_the_project_is_in_is_refused(self, client, office):
        register(client, office, year=2025)
        body = {"to_year": 2026, "reason": "结转"}
        client.post("/v1/projects/p1/carry-over", json=body, headers=office)
        again = client.post("/v1/projects/p1/carry-over", json=body, headers=office)
        assert again.status_code == 422 and "to_year" in again.json["errors"]
        back = client.post(
            "/v1/projects/p1/carry-over", json={"to_year": 2024, "reason": "x"}, headers=office
        )
        assert back.status_code == 422 and "to_year" in back.json["errors"]

    def test_carrying_over_an_unknown_project_is_not_found(self, client, office):
        body = {"to_year": 2026, "reason": "结转"}
        response = client.post("/v1/projects/nope/carry-over", json=body, headers=office)
        assert response.status_code == 404
