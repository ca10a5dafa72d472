# ruff: noqa: F811 - the fixtures of the tenancy suite, imported and used by name
"""The mechanisms of issue 17 per county, both ways (docs/tenancy.md): the colour record by
month, inspections and escalations, the project pool and 挂点服务. A county's office sees and
changes its own county's records only; a city sees its counties' (each row with its
``county`` and ``county_label``) and names the county it writes in; another county's record
does not exist for the request. On SQLite and PostgreSQL, over the whole app."""

from __future__ import annotations

from datetime import date

import pytest

from shared.tenancy import DEFAULT_COUNTY
from tests.e2e.test_tenancy import (  # noqa: F401
    NAMES,
    YEAR,
    auth,
    client,
    counties,
    runtime,
)

TODAY = date.today()
ROUND = {
    "title": "重点项目专项督查",
    "started_on": TODAY.isoformat(),
    "ended_on": TODAY.isoformat(),
    "team": {"leader": "督查组长", "members": ["组员甲"]},
    "units": ["县发改局"],
    "findings": [
        {
            "unit": "县发改局",
            "kind": "problem",
            "text": "要素保障滞后",
            "owner": "县发改局",
            "due": TODAY.isoformat(),
        }
    ],
}
ESCALATION = {
    "unit": "县自然资源局",
    "matter": "用地指标不足",
    "raised_by": "县发改局",
    "raised_on": TODAY.isoformat(),
}


def _codes(response, key):
    return [(row["county"], row["county_label"]) for row in response.json[key]]


def test_the_colour_record_is_of_the_counties_in_scope(counties, auth):
    own = counties.get(f"/v1/colour-record?campaign={YEAR}", headers=auth["office-a"])
    assert own.status_code == 200, own.json
    assert [r["project_id"] for r in own.json["projects"]] == ["pa"]
    assert _codes(own, "projects") == [(DEFAULT_COUNTY, "甲县")]
    city = counties.get(f"/v1/colour-record?campaign={YEAR}", headers=auth["city-1"]).json
    assert [(r["project_id"], r["county"]) for r in city["projects"]] == [
        ("pa", DEFAULT_COUNTY),
        ("pb", "b"),
    ]
    one = counties.get(f"/v1/colour-record?campaign={YEAR}&county=b", headers=auth["city-1"])
    assert [r["project_id"] for r in one.json["projects"]] == ["pb"]
    assert (
        counties.get(f"/v1/colour-record/pb?campaign={YEAR}", headers=auth["office-a"]).status_code
        == 404
    )
    beyond = counties.get(f"/v1/colour-record?campaign={YEAR}&county=b", headers=auth["office-a"])
    assert (beyond.status_code, beyond.json["code"]) == (403, "beyond_scope")
    unknown = counties.get("/v1/colour-record?county=nowhere", headers=auth["city-1"])
    assert (unknown.status_code, unknown.json["code"]) == (422, "unknown_county")


def test_each_county_records_its_months_in_its_own_stream(runtime, counties, auth):
    body = {"campaign": YEAR}
    needs = counties.post("/v1/colour-record/record", json=body, headers=auth["city-1"])
    assert (needs.status_code, needs.json["code"]) == (422, "county_required")
    assert "county" in needs.json["detail"]
    beyond = counties.post(
        "/v1/colour-record/record", json={**body, "county": "b"}, headers=auth["office-a"]
    )
    assert beyond.status_code == 403
    made = counties.post("/v1/colour-record/record", json=body, headers=auth["office-b"])
    if TODAY.month == 1 or TODAY.year != YEAR:
        pytest.skip("no month of this campaign has ended yet")
    assert made.status_code == 201, made.json
    store = runtime.store
    recorded = store.read_stream(f"b:colours-{YEAR}")
    assert recorded and all(set(e.payload["colours"]) <= {"pb"} for e in recorded)
    assert store.read_stream(f"colours-{YEAR}") == []  # county A's months are its own
    again = counties.post(
        "/v1/colour-record/record", json={**body, "county": "b"}, headers=auth["city-1"]
    )
    assert again.status_code == 200 and again.json["recorded"] == []
    own = counties.post("/v1/colour-record/record", json=body, headers=auth["office-a"])
    assert own.status_code == 201
    assert all(set(e.payload["colours"]) <= {"pa"} for e in store.read_stream(f"colours-{YEAR}"))


def test_an_inspection_round_is_of_one_county(runtime, counties, auth):
    b_round = {
        **ROUND,
        "round_id": "R1",
        "findings": [{**ROUND["findings"][0], "project_id": "pb"}],
    }
    made = counties.post("/v1/inspections", json=b_round, headers=auth["office-b"])
    assert made.status_code == 201, made.json
    assert (made.json["county"], made.json["county_label"]) == ("b", "乙县")
    # County A may use the same round id: its rounds are its own; it cannot name B's project.
    refused = counties.post("/v1/inspections", json=b_round, headers=auth["office-a"])
    assert refused.status_code == 422
    a_round = {**ROUND, "round_id": "R1"}
    assert (
        counties.post("/v1/inspections", json=a_round, headers=auth["office-a"]).status_code == 201
    )
    assert [e.stream_id for e in runtime.store.read_stream("b:inspection-R1")] == [
        "b:inspection-R1"
    ]
    listed = counties.get("/v1/inspections", headers=auth["office-a"])
    assert _codes(listed, "inspections") == [(DEFAULT_COUNTY, "甲县")]
    assert "pb" not in listed.get_data(as_text=True)
    city = counties.get("/v1/inspections", headers=auth["city-1"])
    assert sorted(c for c, _ in _codes(city, "inspections")) == ["b", DEFAULT_COUNTY]
    first = counties.get("/v1/inspections?limit=1", headers=auth["city-1"]).json
    rest = counties.get(
        f"/v1/inspections?limit=1&after={first['next_after']}", headers=auth["city-1"]
    ).json
    assert {first["inspections"][0]["county"], rest["inspections"][0]["county"]} == {
        "b",
        DEFAULT_COUNTY,
    }
    one = counties.get("/v1/inspections/R1?county=b", headers=auth["city-1"]).json
    assert one["findings"][0]["project_id"] == "pb"
    assert counties.get("/v1/inspections/R1?county=b", headers=auth["office-a"]).status_code == 403
    assert counties.get("/v1/inspections/R1", headers=auth["city-2"]).status_code == 404
    needs = counties.post("/v1/inspections", json=ROUND, headers=auth["city-1"])
    assert (needs.status_code, needs.json["code"]) == (422, "county_required")


def test_a_unit_finding_is_its_countys_action(counties, auth):
    made = counties.post(
        "/v1/inspections", json={**ROUND, "round_id": "RU"}, headers=auth["office-b"]
    )
    assert made.status_code == 201, made.json
    action_id = made.json["findings"][0]["action_id"]
    assert made.json["findings"][0]["status"] == "open"
    own = counties.get(f"/v1/actions/{action_id}", headers=auth["office-b"])
    assert own.status_code == 200, own.json
    assert counties.get(f"/v1/actions/{action_id}", headers=auth["office-a"]).status_code == 404
    mine = counties.post(
        "/v1/inspections", json={**ROUND, "round_id": "RU"}, headers=auth["office-a"]
    )
    assert mine.json["findings"][0]["action_id"] != action_id  # the same unit name, its own


def test_a_rounds_notice_is_of_its_county(counties, auth):
    assert (
        counties.post(
            "/v1/inspections", json={**ROUND, "round_id": "RN"}, headers=auth["office-b"]
        ).status_code
        == 201
    )
    assert counties.get("/v1/inspections/RN/notice.md", headers=auth["office-a"]).status_code == 404
    issued = counties.post("/v1/inspections/RN/notice/issue", headers=auth["office-b"])
    assert issued.status_code == 201, issued.json
    notice = counties.get("/v1/inspections/RN/notice.md", headers=auth["office-b"])
    assert notice.status_code == 200
    # numbered in county B's register, signed by its office
    assert (issued.json["county"], issued.json["sequence"]) == ("b", 1)
    text = notice.get_data(as_text=True)
    assert "乙县重点项目" in text and "甲县" not in text and issued.json["number"] in text
    # county A numbers its own from 1; B's notice is not in A's register
    own = {**ROUND, "round_id": "RA"}
    assert counties.post("/v1/inspections", json=own, headers=auth["office-a"]).status_code == 201
    mine = counties.post("/v1/inspections/RA/notice/issue", headers=auth["office-a"])
    assert (mine.json["county"], mine.json["sequence"]) == (DEFAULT_COUNTY, 1), mine.json
    registered = counties.get("/v1/documents?kind=inspection_notice", headers=auth["office-a"])
    assert [d["county"] for d in registered.json["documents"]] == [DEFAULT_COUNTY]
    city = counties.get("/v1/documents?kind=inspection_notice", headers=auth["city-1"]).json
    assert sorted((d["county"], d["sequence"]) for d in city["documents"]) == [
        ("b", 1),
        (DEFAULT_COUNTY, 1),
    ]


def test_an_escalation_is_of_one_county(runtime, counties, auth):
    raised = counties.post(
        "/v1/escalations", json={**ESCALATION, "escalation_id": "E1"}, headers=auth["office-b"]
    )
    assert raised.status_code == 201, raised.json
    assert raised.json["county_label"] == "乙县"
    assert runtime.store.read_stream("b:escalation-E1")
    assert counties.get("/v1/escalations/E1", headers=auth["office-a"]).status_code == 404
    decision = {
        "decision": "协调解决",
        "owner": "县自然资源局",
        "due": TODAY.isoformat(),
        "decided_on": TODAY.isoformat(),
    }
    refused = counties.post("/v1/escalations/E1/decision", json=decision, headers=auth["office-a"])
    assert refused.status_code == 404
    assert counties.get("/v1/escalations", headers=auth["office-a"]).json["escalations"] == []
    decided = counties.post(
        "/v1/escalations/E1/decision?county=b", json=decision, headers=auth["city-1"]
    )
    assert decided.status_code == 201 and decided.json["state"] == "decided"
    city = counties.get("/v1/escalations", headers=auth["city-1"])
    assert _codes(city, "escalations") == [("b", "乙县")]
    assert counties.get("/v1/escalations", headers=auth["city-2"]).json["escalations"] == []
    project_of_b = {**ESCALATION, "project_id": "pb"}
    assert (
        counties.post("/v1/escalations", json=project_of_b, headers=auth["office-a"]).status_code
        == 422
    )
    needs = counties.post("/v1/escalations", json=ESCALATION, headers=auth["province"])
    assert (needs.status_code, needs.json["code"]) == (422, "county_required")
    named = counties.post(
        "/v1/escalations", json={**ESCALATION, "county": "d"}, headers=auth["province"]
    )
    assert named.status_code == 201 and named.json["county"] == "d"


POOLED = {
    "project_id": "qb",
    "name": "乙县储备项目",
    "sector": "manufacturing",
    "town": "城关镇",
    "total_investment": "100000000.00",
    "stage": "signed",
}


def test_a_pool_entry_is_of_the_county_that_pooled_it(runtime, counties, auth):
    NAMES["qb"] = POOLED["name"]
    made = counties.post("/v1/pool", json=POOLED, headers=auth["office-b"])
    assert made.status_code == 201, made.json
    assert made.json["project"]["county"] == "b"
    own = counties.get("/v1/pool", headers=auth["office-a"]).get_data(as_text=True)
    assert "乙县储备项目" not in own and '"qb"' not in own
    city = counties.get("/v1/pool", headers=auth["city-1"]).json["projects"]
    assert ("qb", "b", "乙县") in [(r["project_id"], r["county"], r["county_label"]) for r in city]
    only_b = counties.get("/v1/pool?county=b", headers=auth["city-1"]).json["projects"]
    assert {r["county"] for r in only_b} == {"b"}
    assert counties.get("/v1/pool?county=b", headers=auth["office-a"]).status_code == 403
    stage = {"stage": "preliminary", "note": ""}
    assert (
        counties.post("/v1/pool/qb/stage", json=stage, headers=auth["office-a"]).status_code == 404
    )
    taken = counties.post("/v1/pool", json=POOLED, headers=auth["office-a"])
    assert taken.status_code == 409  # the id is taken, nothing else is told
    entering = {
        "year": YEAR,
        "category": "breakthrough",
        "annual_plan": "1000.00",
        "leader": "乙县副县长",
        "lead_unit": "乙县发改局",
        "owner_unit": "某公司",
    }
    refused = counties.post("/v1/pool/qb/enter-campaign", json=entering, headers=auth["office-a"])
    assert refused.status_code == 404
    elsewhere = counties.post(
        "/v1/pool/qb/enter-campaign", json={**entering, "county": "d"}, headers=auth["province"]
    )
    assert elsewhere.status_code == 422 and "county" in elsewhere.json["errors"]
    entered = counties.post("/v1/pool/qb/enter-campaign", json=entering, headers=auth["city-1"])
    assert entered.status_code == 201, entered.json
    assert entered.json["project"]["county"] == "b"
    needs = counties.post("/v1/pool", json={**POOLED, "project_id": "qc"}, headers=auth["city-1"])
    assert needs.status_code == 422 and "county" in needs.json["errors"]
    named = counties.post(
        "/v1/pool", json={**POOLED, "project_id": "qd", "county": "d"}, headers=auth["province"]
    )
    assert named.status_code == 201 and named.json["project"]["county"] == "d"


def test_leader_visits_are_read_county_by_county(counties, auth):
    visit = {
        "services": "现场协调用地",
        "problems_solved": ["用地"],
        "occurred_at": f"{YEAR}-01-10T10:00:00+08:00",
    }
    assert (
        counties.post("/v1/projects/pb/visits", json=visit, headers=auth["office-b"]).status_code
        == 201
    )
    assert (
        counties.post("/v1/projects/pb/visits", json=visit, headers=auth["office-a"]).status_code
        == 404
    )
    quarter = f"/v1/leader-visits?quarter={YEAR}-Q1"
    own = counties.get(quarter, headers=auth["office-a"])
    assert own.status_code == 200, own.json
    assert _codes(own, "leaders") == [(DEFAULT_COUNTY, "甲县")]
    assert "乙县绝密项目" not in own.get_data(as_text=True)
    city = counties.get(quarter, headers=auth["city-1"]).json["leaders"]
    rows = {(r["county"], r["leader"]): r for r in city}
    assert rows[("b", "张副县长")]["visited"] == ["pb"]
    assert rows[(DEFAULT_COUNTY, "张副县长")]["visited"] == []  # the same name, another county
    first = counties.get(quarter + "&limit=1", headers=auth["city-1"]).json
    assert first["next_after"] == "张副县长"
    rest = counties.get(quarter + "&limit=1&after=张副县长", headers=auth["city-1"]).json
    assert [r["county"] for r in rest["leaders"]] == ["b"]


def _channel(counties, headers, channel_id, **extra):
    body = {
        "channel_id": channel_id,
        "owner_kind": "leader",
        "owner": "张副县长",
        "format": "webhook",
        "url": f"https://robots.example.org/{channel_id}",
        "secret": "webhook-key",
        **extra,
    }
    return counties.post("/v1/alert-channels", json=body, headers=headers)


def test_a_countys_alerts_go_to_its_own_channels(runtime, counties, auth):
    """Both counties have a leader named 张副县长: each county's red project alerts its own."""
    admin_b = {"Authorization": f"Bearer {runtime.tokens.create('admin-b', 'admin', tenant='b')}"}
    made = _channel(counties, admin_b, "chb")
    assert made.status_code == 201, made.json
    assert (made.json["county"], made.json["county_label"]) == ("b", "乙县")
    needs = _channel(counties, auth["province"], "cha")
    assert (needs.status_code, needs.json["code"]) == (422, "county_required")
    assert _channel(counties, auth["province"], "cha", county=DEFAULT_COUNTY).status_code == 201
    assert _channel(counties, auth["province"], "chb", county="d").status_code == 422  # taken
    own = counties.get("/v1/alert-channels", headers=admin_b).json["channels"]
    assert [c["channel_id"] for c in own] == ["chb"]
    assert counties.delete("/v1/alert-channels/cha", headers=admin_b).status_code == 404
    scanned = counties.post("/v1/alerts/scan", headers=auth["office-b"])
    assert scanned.status_code == 200, scanned.json
    alerts_b = counties.get("/v1/alerts", headers=auth["office-b"]).json["alerts"]
    assert alerts_b, "pb is red: its leader's channel in B is alerted"
    assert {(a["county"], a["channel_id"]) for a in alerts_b} == {("b", "chb")}
    assert set(scanned.json["made"]) <= {a["alert_id"] for a in alerts_b}
    alerts_a = counties.get("/v1/alerts", headers=auth["office-a"]).json["alerts"]
    assert {(a["county"], a["channel_id"]) for a in alerts_a} == {(DEFAULT_COUNTY, "cha")}
    hidden = counties.get(f"/v1/alerts/{alerts_b[0]['alert_id']}", headers=auth["office-a"])
    assert hidden.status_code == 404
    both = counties.get("/v1/alerts", headers=auth["city-1"]).json["alerts"]
    assert {a["county"] for a in both} == {DEFAULT_COUNTY, "b"}
    only_b = counties.get("/v1/alerts?county=b", headers=auth["city-1"]).json["alerts"]
    assert {a["county"] for a in only_b} == {"b"}


def test_the_command_line_names_the_county(runtime, counties):
    import json

    from click.testing import CliRunner

    from services.cli import main
    from tests.e2e.test_tenancy import HIERARCHY

    env = {
        "GONGJIAN_DATABASE_URL": runtime.settings.database_url,
        "GONGJIAN_TENANTS": json.dumps(HIERARCHY),
        "GONGJIAN_DATA_DIR": str(runtime.settings.data_dir),
    }
    run = CliRunner().invoke
    needs = run(main, ["scheduling", "colours", "--record", "--campaign", str(YEAR)], env=env)
    assert needs.exit_code != 0 and "county" in needs.output
    only_b = run(main, ["scheduling", "colours", "--campaign", str(YEAR), "--county", "b"], env=env)
    assert only_b.exit_code == 0, only_b.output
    assert "pb" in only_b.output and "pa " not in only_b.output
    escalated = run(
        main,
        ["scheduling", "escalate", "--unit", "乙县住建局", "--matter", "命令行提请"]
        + ["--raised-by", "乙县发改局", "--raised-on", TODAY.isoformat(), "--county", "b"],
        env=env,
    )
    assert escalated.exit_code == 0, escalated.output
    listed = run(main, ["scheduling", "escalations", "--county", DEFAULT_COUNTY], env=env)
    assert "命令行提请" not in listed.output
    pooled = run(
        main,
        ["pool", "enter", "qcli", "--name", "命令行入库", "--sector", "制造业", "--town", "城关镇"]
        + ["--investment", "1000", "--county", "d"],
        env=env,
    )
    assert pooled.exit_code == 0, pooled.output
    listing = run(main, ["pool", "list", "--county", "d"], env=env).output
    assert "命令行入库" in listing
    assert "命令行入库" not in run(main, ["pool", "list", "--county", "b"], env=env).output


def _next(cadence: str) -> str:
    """The period after today's (its plan is made as of its meeting day, after today)."""
    if cadence == "monthly":
        month = date(TODAY.year + TODAY.month // 12, TODAY.month % 12 + 1, 1)
        return month.strftime("%Y-%m")
    quarter = (TODAY.month - 1) // 3 + 1
    return f"{TODAY.year + quarter // 4}-Q{quarter % 4 + 1}"


def test_a_countys_plans_list_its_own_escalations_and_pool(counties, auth):
    """A county's monthly and quarterly plans put its escalations on the agenda, a unit's
    too, and not another county's; its quarterly plan reviews its own pool only."""
    for who, eid in (("office-a", "EA"), ("office-b", "EB")):
        body = {**ESCALATION, "escalation_id": eid}
        assert counties.post("/v1/escalations", json=body, headers=auth[who]).status_code == 201
    NAMES["qb"] = POOLED["name"]
    pooled = counties.post("/v1/pool", json=POOLED, headers=auth["office-b"])
    assert pooled.status_code == 201, pooled.json
    for cadence in ("monthly", "quarterly"):
        body = {"cadence": cadence, "period": _next(cadence)}
        plans = {
            who: counties.post("/v1/plans", json=body, headers=auth[who])
            for who in ("office-a", "office-b")
        }
        for who, eid in (("office-a", "EA"), ("office-b", "EB")):
            assert plans[who].status_code == 201, plans[who].json
            listed = plans[who].json["plan"].get("escalations", [])
            assert [e["escalation_id"] for e in listed] == [eid], (cadence, who)
    review = {who: plans[who].json["plan"].get("pool", {}) for who in plans}
    assert review["office-b"]["entered_pool"] == ["qb"]
    assert review["office-b"]["names"] == {"qb": "乙县储备项目"}
    assert not review["office-a"].get("entered_pool") and "qb" not in str(plans["office-a"].json)
