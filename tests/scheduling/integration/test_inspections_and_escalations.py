"""Inspections of units (plans 1 and 2: 层级检查, 专项督查, 督查通报) whose problem findings
become follow-up actions, and problems escalated to the leading group (plan 3: 一事一议),
through the API on both backends."""

from __future__ import annotations

from datetime import date

import pytest

from ..helpers import Project


@pytest.fixture
def tokens(role_headers):
    return role_headers


@pytest.fixture
def county(runtime, clock):
    clock.set("2024-01-02")
    site = Project(runtime.store, "site")
    site.register()
    return site


ROUND = {
    "kind": "special_supervision",
    "title": "2024年第二季度重点项目专项督查",
    "started_on": "2024-05-13",
    "ended_on": "2024-05-15",
    "team": {"leader": "王组长", "members": ["县委督查室李某", "县发改局赵某"]},
    "units": ["县工信局", "城关镇", "县自然资源局"],
    "findings": [
        {"unit": "县工信局", "kind": "commendation", "text": "项目服务专班运转有力"},
        {
            "unit": "城关镇",
            "kind": "problem",
            "text": "征地拆迁进度滞后",
            "owner": "城关镇",
            "due": "2024-06-15",
        },
        {
            "unit": "县自然资源局",
            "kind": "problem",
            "text": "用地预审办理超时",
            "owner": "县自然资源局",
            "due": "2024-05-31",
            "project_id": "site",
        },
    ],
}


def _post(client, tokens, path, body):
    return client.post(path, json=body, headers=tokens["office"])


def test_a_round_opens_an_action_per_problem_tracked_until_closed(client, tokens, county, clock):
    clock.set("2024-05-15", hour=18)
    created = _post(client, tokens, "/v1/inspections", ROUND)
    assert created.status_code == 201, created.json
    record = created.json
    assert record["kind_label"] == "专项督查" and record["open_problems"] == 2
    kinds = [(f["kind_label"], f["status"]) for f in record["findings"]]
    assert kinds == [("表扬", None), ("问题", "open"), ("问题", "open")]
    assert record["findings"][0]["action_id"] is None
    again = _post(client, tokens, "/v1/inspections", ROUND)
    assert again.status_code == 200 and again.json["round_id"] == record["round_id"]
    # The finding that names a project is that project's action, on its agendas.
    actions = client.get("/v1/actions?campaign=2024", headers=tokens["viewer"]).json["actions"]
    assert [(a["item"], a["assignee"]) for a in actions] == [
        (f"inspection_finding:{record['round_id']}#3", "县自然资源局")
    ]
    clock.set("2024-06-03", hour=8)
    june = _post(client, tokens, "/v1/plans", {"cadence": "monthly", "period": "2024-06"})
    carried = [i for g in june.json["plan"]["groups"] for i in g["items"]]
    assert any("督查检查" in i["reason"] and "用地预审" in i["reason"] for i in carried)
    # The unit's own finding closes through the actions API like any other.
    unit_action = record["findings"][1]["action_id"]
    closed = _post(client, tokens, f"/v1/actions/{unit_action}/close", {"note": "已完成征地"})
    assert closed.status_code == 200 and closed.json["closed_now"] is True
    shown = client.get(f"/v1/inspections/{record['round_id']}", headers=tokens["viewer"]).json
    assert [f["status"] for f in shown["findings"]] == [None, "closed", "open"]
    assert shown["open_problems"] == 1 and shown["findings"][1]["status_label"] == "已办结"
    listed = client.get("/v1/inspections?campaign=2024&unit=城关镇", headers=tokens["viewer"])
    assert [r["round_id"] for r in listed.json["inspections"]] == [record["round_id"]]
    none = client.get("/v1/inspections?campaign=2024&unit=别的单位", headers=tokens["viewer"])
    assert none.json["inspections"] == []


def test_a_bad_round_is_refused_and_changes_nothing(client, tokens, county, clock, runtime):
    clock.set("2024-05-15", hour=18)
    before = runtime.store.head().position
    stranger = {**ROUND["findings"][1], "unit": "县教育局"}
    cases = [
        ({**ROUND, "ended_on": "2024-05-16"}, "ended_on"),
        ({**ROUND, "started_on": "2024-05-16"}, "ended_on"),
        ({**ROUND, "findings": [stranger]}, "findings"),
        ({**ROUND, "findings": [{**ROUND["findings"][1], "due": None}]}, "findings"),
        ({**ROUND, "findings": [{**ROUND["findings"][1], "due": "2024-05-01"}]}, "findings"),
        ({**ROUND, "findings": [{**ROUND["findings"][2], "project_id": "nope"}]}, "findings"),
        ({**ROUND, "units": []}, "units"),
        ({**ROUND, "team": {"leader": "王组长", "members": []}}, "team"),
    ]
    for body, field in cases:
        response = _post(client, tokens, "/v1/inspections", body)
        assert response.status_code == 422, (field, response.json)
        assert field in response.json["errors"], response.json
        assert response.content_type == "application/problem+json"
    assert runtime.store.head().position == before
    taken = _post(client, tokens, "/v1/inspections", {**ROUND, "round_id": "R1"})
    assert taken.status_code == 201
    changed = _post(client, tokens, "/v1/inspections", {**ROUND, "round_id": "R1", "title": "别的"})
    assert changed.status_code == 409 and changed.content_type == "application/problem+json"
    missing = client.get("/v1/inspections/R9", headers=tokens["viewer"])
    assert missing.status_code == 404 and missing.json["round_id"] == "R9"
    viewer = client.post("/v1/inspections", json=ROUND, headers=tokens["viewer"])
    assert viewer.status_code == 403


def test_a_rounds_notice_has_its_praise_and_criticism_and_takes_a_number_once(
    client, tokens, county, clock
):
    clock.set("2024-05-15", hour=18)
    round_id = _post(client, tokens, "/v1/inspections", {**ROUND, "round_id": "R2"}).json[
        "round_id"
    ]
    draft = client.get(f"/v1/inspections/{round_id}/notice.md", headers=tokens["viewer"]).text
    assert "关于2024年第二季度重点项目专项督查情况的通报" in draft
    assert "未编号" in draft
    praise, blame = draft.index("表扬"), draft.index("批评")
    assert praise < draft.index("项目服务专班运转有力") < blame
    assert blame < draft.index("征地拆迁进度滞后") and "整改期限：2024年6月15日" in draft
    assert "对城关镇、县自然资源局予以通报批评" in draft
    issued = client.post(f"/v1/inspections/{round_id}/notice/issue", headers=tokens["office"])
    assert issued.status_code == 201, issued.json
    number = issued.json["number"]
    assert number.endswith("号") and issued.json["kind"] == "inspection_notice"
    again = client.post(f"/v1/inspections/{round_id}/notice/issue", headers=tokens["office"])
    assert again.status_code == 200 and again.json["number"] == number
    numbered = client.get(f"/v1/inspections/{round_id}/notice.md", headers=tokens["viewer"]).text
    assert number in numbered
    register = client.get("/v1/documents?kind=inspection_notice", headers=tokens["viewer"]).json
    assert [d["number"] for d in register["documents"]] == [number]
    assert register["documents"][0]["kind_label"] == "督查检查通报"
    docx = client.get(f"/v1/inspections/{round_id}/notice.docx", headers=tokens["viewer"])
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    html = client.get(f"/v1/inspections/{round_id}/notice.html", headers=tokens["viewer"])
    assert html.status_code == 200 and "通报批评" in html.text
    unknown = client.get(f"/v1/inspections/{round_id}/notice.pdf", headers=tokens["viewer"])
    assert unknown.status_code == 404


ESCALATION = {
    "project_id": "site",
    "matter": "项目用地指标缺口30亩，县级无法解决",
    "raised_by": "县发改局",
    "raised_on": "2024-05-20",
}


def test_an_escalation_is_on_the_agendas_until_it_is_closed(client, tokens, county, clock):
    clock.set("2024-05-20", hour=18)
    raised = _post(client, tokens, "/v1/escalations", ESCALATION)
    assert raised.status_code == 201, raised.json
    eid = raised.json["escalation_id"]
    assert raised.json["state_label"] == "待领导小组研究"
    assert _post(client, tokens, "/v1/escalations", ESCALATION).status_code == 200
    clock.set("2024-06-03", hour=8)
    june = _post(client, tokens, "/v1/plans", {"cadence": "monthly", "period": "2024-06"})
    (listed,) = june.json["plan"]["escalations"]
    assert listed["escalation_id"] == eid and listed["state_label"] == "待领导小组研究"
    decision = {
        "decision": "由县自然资源局调剂用地指标",
        "owner": "县自然资源局",
        "due": "2024-06-30",
        "decided_on": "2024-06-05",
    }
    clock.set("2024-06-05", hour=18)
    decided = _post(client, tokens, f"/v1/escalations/{eid}/decision", decision)
    assert decided.status_code == 201 and decided.json["state"] == "decided"
    assert decided.json["decision"]["owner"] == "县自然资源局"
    clock.set("2024-07-01", hour=8)
    quarter = _post(client, tokens, "/v1/plans", {"cadence": "quarterly", "period": "2024-Q3"})
    (still,) = quarter.json["plan"]["escalations"]
    assert still["state_label"] == "已议定" and still["decision"]["due"] == "2024-06-30"
    notice = client.get("/v1/plans/quarterly/2024-Q3/agenda.md", headers=tokens["viewer"]).text
    assert "提请领导小组研究的事项（一事一议）" in notice
    assert "项目 site：项目用地指标缺口30亩，县级无法解决（县发改局2024年5月20日提请）" in notice
    assert "议定：由县自然资源局调剂用地指标；责任单位：县自然资源局" in notice
    clock.set("2024-07-10", hour=18)
    closing = {"closed_on": "2024-07-10", "note": "指标已调剂到位"}
    closed = _post(client, tokens, f"/v1/escalations/{eid}/close", closing)
    assert closed.status_code == 201 and closed.json["state_label"] == "已办结"
    assert _post(client, tokens, f"/v1/escalations/{eid}/close", closing).status_code == 200
    clock.set("2024-08-01", hour=8)
    august = _post(client, tokens, "/v1/plans", {"cadence": "monthly", "period": "2024-08"})
    assert "escalations" not in august.json["plan"]
    # The quarter's plan as made then still lists it (what was known at its meeting).
    again = client.get("/v1/plans/quarterly/2024-Q3", headers=tokens["viewer"]).json
    assert len(again["plan"]["escalations"]) == 1
    states = client.get("/v1/escalations?campaign=2024&state=closed", headers=tokens["viewer"])
    assert [e["escalation_id"] for e in states.json["escalations"]] == [eid]


def test_a_bad_escalation_step_is_refused_and_changes_nothing(
    client, tokens, county, clock, runtime
):
    clock.set("2024-05-20", hour=18)
    nothing = {k: v for k, v in ESCALATION.items() if k != "project_id"}
    assert _post(client, tokens, "/v1/escalations", nothing).status_code == 422
    unknown = _post(client, tokens, "/v1/escalations", {**ESCALATION, "project_id": "nope"})
    assert unknown.status_code == 422 and "project_id" in unknown.json["errors"]
    future = _post(client, tokens, "/v1/escalations", {**ESCALATION, "raised_on": "2024-05-21"})
    assert future.status_code == 422 and "raised_on" in future.json["errors"]
    eid = _post(client, tokens, "/v1/escalations", {**ESCALATION, "escalation_id": "E1"}).json[
        "escalation_id"
    ]
    other = _post(
        client, tokens, "/v1/escalations", {**ESCALATION, "escalation_id": "E1", "matter": "x"}
    )
    assert other.status_code == 409
    early = {"decision": "x", "owner": "y", "due": "2024-05-19", "decided_on": "2024-05-20"}
    assert _post(client, tokens, f"/v1/escalations/{eid}/decision", early).status_code == 422
    missing = _post(
        client, tokens, "/v1/escalations/E9/close", {"closed_on": "2024-05-20", "note": "x"}
    )
    assert missing.status_code == 404 and missing.json["escalation_id"] == "E9"
    before = runtime.store.head().position
    closing = {"closed_on": "2024-05-20", "note": "问题自行解决"}
    assert _post(client, tokens, f"/v1/escalations/{eid}/close", closing).status_code == 201
    late = {"decision": "x", "owner": "y", "due": "2024-05-30", "decided_on": "2024-05-20"}
    refused = _post(client, tokens, f"/v1/escalations/{eid}/decision", late)
    assert refused.status_code == 409 and refused.json["state"] == "closed"
    assert runtime.store.head().position == before + 1
    viewer = client.post("/v1/escalations", json=ESCALATION, headers=tokens["viewer"])
    assert viewer.status_code == 403


def test_a_round_with_praise_only_has_a_notice_in_every_format(client, tokens, county, clock):
    clock.set("2024-05-15", hour=18)
    praise_only = {**ROUND, "round_id": "R3", "findings": ROUND["findings"][:1]}
    assert _post(client, tokens, "/v1/inspections", praise_only).status_code == 201
    for fmt in ("docx", "html", "xlsx", "md", "csv"):
        response = client.get(f"/v1/inspections/R3/notice.{fmt}", headers=tokens["viewer"])
        assert response.status_code == 200, fmt
    text = client.get("/v1/inspections/R3/notice.md", headers=tokens["viewer"]).text
    assert "本次检查未发现需要通报批评的问题" in text and "对县工信局予以通报表扬" in text
    assert client.get("/v1/inspections/R3", headers=tokens["viewer"]).json["open_problems"] == 0


def test_the_feed_shows_rounds_and_escalations_to_the_readers_of_plans_only(
    client, tokens, county, clock, runtime
):
    clock.set("2024-05-20", hour=18)
    _post(client, tokens, "/v1/inspections", ROUND)
    _post(client, tokens, "/v1/escalations", ESCALATION)
    integration = {"Authorization": f"Bearer {runtime.tokens.create('erp', 'integration')}"}
    for event_type in ("InspectionRecorded", "EscalationRaised"):
        shown = client.get(f"/v1/events?type={event_type}", headers=tokens["viewer"])
        assert shown.status_code == 200 and len(shown.json["events"]) == 1
        refused = client.get(f"/v1/events?type={event_type}", headers=integration)
        assert refused.status_code == 403


def test_an_escalation_raised_after_the_plan_is_on_the_version_made_at_the_cut_off(
    service, clocked_store, clock
):
    clock.set("2026-10-20")
    Project(clocked_store, "p").register(on="2026-10-20", year=2026)
    clock.set("2026-10-30", hour=10)
    first, _ = service.plan("monthly", "2026-11")
    assert "escalations" not in first.plan
    body = {**ESCALATION, "project_id": "p", "raised_on": date(2026, 10, 30)}
    service.raise_escalation(body)
    clock.set("2026-11-02", hour=8)  # the meeting day's cut-off
    assert service.due_for_refresh("monthly", clock.now) == "2026-11"
    second, written = service.refresh_before_meeting("monthly", "2026-11")
    assert written and second.version == 2
    assert [e["matter"] for e in second.plan["escalations"]] == [ESCALATION["matter"]]
