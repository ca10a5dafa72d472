# ruff: noqa: F811 - the fixtures imported from the tenancy tests are parameters here
"""Dispatch per county, both ways: each county's plans are made from its own projects
only and kept in its own streams; a county office sees and changes only its county's
plans, documents, set pieces and site meetings; a city sees its counties' (naming one
where a plan is of one county); each county's office numbers its own documents. On
SQLite and PostgreSQL, over the whole app."""

from __future__ import annotations

import pytest

from shared.tenancy import DEFAULT_COUNTY
from tests.e2e.test_tenancy import (  # noqa: F401 - the fixtures of the tenancy tests
    NAMES,
    YEAR,
    auth,
    client,
    counties,
    runtime,
)

PERIOD = f"{YEAR}-03"


def _plan(client, headers, **extra):
    body = {"cadence": "monthly", "period": PERIOD, **extra}
    return client.post("/v1/plans", json=body, headers=headers)


@pytest.fixture
def planned(counties, auth):
    """County A's and county B's plans of March, each made by its own office."""
    a = _plan(counties, auth["office-a"])
    assert a.status_code == 201, a.json
    b = _plan(counties, auth["office-b"])
    assert b.status_code == 201, b.json
    return counties, a.json, b.json


def _projects(plan: dict) -> set[str]:
    return {i["project_id"] for g in plan["plan"]["groups"] for i in g["items"]} | {
        row["project_id"] for row in plan["plan"].get("progress", [])
    }


def test_each_countys_plan_is_made_from_its_own_projects(planned, runtime):
    _, a, b = planned
    assert (a["county"], a["county_label"]) == (DEFAULT_COUNTY, "甲县")
    assert (b["county"], b["county_label"]) == ("b", "乙县")
    assert a["version"] == b["version"] == 1
    assert NAMES["pb"] not in str(a) and NAMES["pa"] not in str(b)
    assert "pb" not in _projects(a) and "pa" not in _projects(b)
    # The default county keeps today's stream names; another county's carries its code.
    assert [e.type for e in runtime.store.read_stream(f"dispatch-monthly-{PERIOD}")] == [
        "DispatchPlanned"
    ]
    assert runtime.store.stream_version(f"b:dispatch-monthly-{PERIOD}") == 1


def test_a_county_office_reads_only_its_own_plans(planned, auth):
    client, _, _ = planned
    listed = client.get("/v1/plans", headers=auth["office-a"]).json["plans"]
    assert [(p["county"], p["period"]) for p in listed] == [(DEFAULT_COUNTY, PERIOD)]
    got = client.get(f"/v1/plans/monthly/{PERIOD}", headers=auth["office-b"]).json
    assert got["county"] == "b"
    refused = client.get(f"/v1/plans/monthly/{PERIOD}?county=b", headers=auth["office-a"])
    assert refused.status_code == 403 and refused.json["code"] == "beyond_scope"
    assert NAMES["pb"] not in refused.get_data(as_text=True)
    changed = _plan(client, auth["office-a"], county="b", replan=True)
    assert changed.status_code == 403 and changed.json["code"] == "beyond_scope"


def test_a_city_reads_its_counties_plans_and_names_one_for_a_plan(planned, auth):
    client, _, _ = planned
    listed = client.get("/v1/plans", headers=auth["city-1"]).json["plans"]
    assert [(p["county"], p["county_label"]) for p in listed] == [
        (DEFAULT_COUNTY, "甲县"),
        ("b", "乙县"),
    ]
    only_b = client.get("/v1/plans?county=b", headers=auth["city-1"]).json["plans"]
    assert [p["county"] for p in only_b] == ["b"]
    unnamed = client.get(f"/v1/plans/monthly/{PERIOD}", headers=auth["city-1"])
    assert unnamed.status_code == 422 and unnamed.json["code"] == "county_required"
    assert unnamed.content_type == "application/problem+json"
    named = client.get(f"/v1/plans/monthly/{PERIOD}?county=b", headers=auth["city-1"]).json
    assert named["county"] == "b" and "pb" in _projects(named)
    versions = client.get(
        f"/v1/plans/monthly/{PERIOD}/versions?county=b", headers=auth["city-1"]
    ).json
    assert versions["county_label"] == "乙县" and len(versions["versions"]) == 1
    unknown = client.get(f"/v1/plans/monthly/{PERIOD}?county=zz", headers=auth["city-1"])
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_county"
    other_city = client.get(f"/v1/plans/monthly/{PERIOD}?county=b", headers=auth["city-2"])
    assert other_city.status_code == 403
    assert client.get("/v1/plans", headers=auth["city-2"]).json["plans"] == []


def test_a_city_makes_a_countys_plan_by_naming_it(counties, auth):
    unnamed = _plan(counties, auth["city-1"])
    assert unnamed.status_code == 422 and unnamed.json["code"] == "county_required"
    made = _plan(counties, auth["city-1"], county="b")
    assert made.status_code == 201 and made.json["county"] == "b"
    assert _plan(counties, auth["office-b"]).status_code == 200  # the same plan, stored


def test_one_countys_board_reads_only_that_county(counties, auth):
    board = counties.get("/v1/board?county=b", headers=auth["city-1"]).json
    assert [p["project_id"] for p in board["projects"]] == ["pb"]
    assert counties.get("/v1/board?county=b", headers=auth["office-a"]).status_code == 403
    whole = counties.get("/v1/board", headers=auth["city-1"]).json
    assert [p["project_id"] for p in whole["projects"]] == ["pa", "pb"]


def test_each_countys_office_numbers_its_own_documents(planned, auth):
    client, _, _ = planned
    path = f"/v1/plans/monthly/{PERIOD}/agenda/issue"
    a = client.post(path, headers=auth["office-a"])
    b = client.post(path, headers=auth["office-b"])
    assert a.status_code == b.status_code == 201, (a.json, b.json)
    assert a.json["sequence"] == b.json["sequence"] == 1  # numbered apart
    assert a.json["number"] == b.json["number"] == f"攻坚办〔{YEAR}〕1号"
    assert (a.json["county"], b.json["county"]) == (DEFAULT_COUNTY, "b")
    again = client.post(path + "?county=b", headers=auth["city-1"])
    assert again.status_code == 200 and again.json["event_id"] == b.json["event_id"]
    text = client.get(f"/v1/plans/monthly/{PERIOD}/agenda.md", headers=auth["office-b"]).get_data(
        as_text=True
    )
    assert "乙县重点项目建设攻坚行动领导小组办公室" in text and NAMES["pa"] not in text
    own = client.get("/v1/documents", headers=auth["office-a"]).json["documents"]
    assert [d["county"] for d in own] == [DEFAULT_COUNTY]
    both = client.get("/v1/documents", headers=auth["city-1"]).json["documents"]
    assert [(d["county_label"], d["sequence"]) for d in both] == [("甲县", 1), ("乙县", 1)]
    assert client.get("/v1/documents", headers=auth["city-2"]).json["documents"] == []


def test_set_pieces_are_recorded_per_county(counties, auth):
    held = {"held_on": f"{YEAR}-03-15", "outcome": "召开动员大会"}
    path = "/v1/set-pieces/mobilisation_meeting/held"
    assert counties.post(path, json=held, headers=auth["office-b"]).status_code == 201

    def state(who: str, query: str = "") -> str:
        body = counties.get(f"/v1/set-pieces{query}", headers=auth[who]).json
        (piece,) = [p for p in body["set_pieces"] if p["code"] == "mobilisation_meeting"]
        return piece["state"]

    assert state("office-b") == "held"
    assert state("office-a") != "held"  # B's record is not A's
    assert state("city-1", "?county=b") == "held"
    unnamed = counties.get("/v1/set-pieces", headers=auth["city-1"])
    assert unnamed.status_code == 422 and unnamed.json["code"] == "county_required"
    refused = counties.post(path, json={**held, "county": "b"}, headers=auth["office-a"])
    assert refused.status_code == 403


def test_site_meetings_are_of_their_projects_county(counties, auth):
    body = {
        "project_id": "pb",
        "place": "乙县项目现场",
        "held_on": f"{YEAR}-03-10",
        "attendees": ["乙县县长"],
        "decisions": [{"text": "落实用地", "owner": "乙县自然资源局", "due": f"{YEAR}-04-30"}],
    }
    assert counties.post("/v1/site-meetings", json=body, headers=auth["office-a"]).status_code in (
        404,
        422,
    )
    made = counties.post("/v1/site-meetings", json=body, headers=auth["office-b"])
    assert made.status_code == 201, made.json
    record_id = made.json["record_id"]
    assert made.json["county_label"] == "乙县"
    query = f"?campaign={YEAR}"
    assert (
        counties.get("/v1/site-meetings" + query, headers=auth["office-a"]).json["site_meetings"]
        == []
    )
    assert (
        counties.get(f"/v1/site-meetings/{record_id}", headers=auth["office-a"]).status_code == 404
    )
    listed = counties.get("/v1/site-meetings" + query, headers=auth["city-1"]).json
    assert [m["county"] for m in listed["site_meetings"]] == ["b"]


def _meeting(project_id: str, place: str) -> dict:
    return {
        "record_id": "S-1",
        "project_id": project_id,
        "place": place,
        "held_on": f"{YEAR}-03-10",
        "attendees": ["县长"],
        "decisions": [{"text": "落实用地", "owner": "自然资源局", "due": f"{YEAR}-04-30"}],
    }


def test_site_meeting_ids_are_per_county_and_lists_read_the_countys_own_rows(
    runtime, counties, auth, monkeypatch
):
    a = counties.post(
        "/v1/site-meetings", json=_meeting("pa", "甲县现场"), headers=auth["office-a"]
    )
    b = counties.post(
        "/v1/site-meetings", json=_meeting("pb", "乙县现场"), headers=auth["office-b"]
    )
    assert (a.status_code, b.status_code) == (201, 201), (a.json, b.json)  # the same id, twice
    assert runtime.store.stream_version("b:site-meeting-S-1") == 1
    assert runtime.store.stream_version("site-meeting-S-1") == 1  # the default county's name

    def guarded(read):  # the log by type: never for site meetings, nor the whole of it
        def reading(*args, types=None, **kwargs):
            assert types is not None and "SiteMeetingRecorded" not in types, "read the log"
            return read(*args, types=types, **kwargs)

        return reading

    monkeypatch.setattr(runtime.store, "iter_all", guarded(runtime.store.iter_all))
    monkeypatch.setattr(runtime.store, "pages", guarded(runtime.store.pages))
    query = f"?campaign={YEAR}"
    own = counties.get("/v1/site-meetings" + query, headers=auth["office-b"]).json
    assert [(m["county"], m["place"]) for m in own["site_meetings"]] == [("b", "乙县现场")]
    one = counties.get("/v1/site-meetings/S-1", headers=auth["office-a"]).json
    assert (one["county"], one["place"]) == (DEFAULT_COUNTY, "甲县现场")
    city = counties.get("/v1/site-meetings/S-1?county=b", headers=auth["city-1"]).json
    assert city["place"] == "乙县现场"
    paged = counties.get("/v1/site-meetings" + query + "&limit=1", headers=auth["city-1"]).json
    rest = f"{query}&limit=1&after={paged['next_after']}"
    second = counties.get("/v1/site-meetings" + rest, headers=auth["city-1"]).json
    listed = [m["county"] for m in paged["site_meetings"] + second["site_meetings"]]
    assert sorted(listed) == sorted([DEFAULT_COUNTY, "b"]) and second["next_after"] is None


def test_the_scheduler_claims_and_plans_each_county_apart(runtime, counties):
    from services.scheduling.application import Scheduler
    from services.scheduling.wiring import SchedulingParts

    parts = SchedulingParts.of(runtime)
    assert [s.county for s in parts.schedulers] == [DEFAULT_COUNTY, "b", "d"]
    asked: list[tuple[str, str, str]] = []

    def scheduler(county: str) -> Scheduler:
        return Scheduler(
            runtime.engine,
            runtime.settings.zone,
            lambda cadence, period: asked.append((county, cadence, period)),
            ready=lambda period: parts.service.has_projects(period, county),
            county=county,
        )

    b_claims = scheduler("b").tick()
    assert b_claims and {county for county, _, _ in asked} == {"b"}
    assert scheduler("b").tick() == []  # claimed once
    assert scheduler(DEFAULT_COUNTY).tick() == b_claims  # A's claims are its own
    cadence, period = b_claims[0]
    plan = runtime.broker.get_actor("scheduling.plan").fn
    plan(cadence, period, "b")  # the message the scheduler sends for county B
    made = parts.service.latest(cadence, period, county="b")
    assert made is not None and made.county == "b"
    assert parts.service.latest(cadence, period, county=DEFAULT_COUNTY) is None


def test_the_command_line_plans_a_named_county(runtime, counties):
    import json

    from click.testing import CliRunner

    from services.cli import main
    from tests.e2e.test_tenancy import HIERARCHY

    env = {
        "GONGJIAN_DATABASE_URL": runtime.settings.database_url,
        "GONGJIAN_TENANTS": json.dumps(HIERARCHY),
        "GONGJIAN_DATA_DIR": str(runtime.settings.data_dir),
    }
    args = ["scheduling", "plan", "--cadence", "monthly", "--period", PERIOD]
    unnamed = CliRunner().invoke(main, args, env=env)
    assert unnamed.exit_code != 0 and "请用 county 指明" in unnamed.output
    named = CliRunner().invoke(main, [*args, "--county", "b"], env=env)
    assert named.exit_code == 0, named.output
    assert named.output.startswith(f"乙县{PERIOD[:4]}年3月") and "第1版（新制定）" in named.output
