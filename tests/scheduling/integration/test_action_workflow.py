"""督办 as a workflow (issue #17): 下发 → 签收 → 办理 → 反馈 → 复核 → 办结 through the API,
each step an event with who and when, steps out of order refused with a 409 in Chinese,
time limits turning an action yellow then red, and old ``ActionClosed`` histories kept."""

from __future__ import annotations

import pytest

from ..helpers import Project

MEETING = {
    "record_id": "M1",
    "kind": "site_supervision",
    "project_id": "site",
    "place": "城关镇项目现场",
    "held_on": "2024-05-14",
    "attendees": ["张县长", "自然资源局"],
    "decisions": [
        {"text": "落实用地指标", "owner": "自然资源局", "due": "2024-05-31"},
        {"text": "接通施工用电", "owner": "供电公司", "due": "2024-06-15"},
    ],
}


@pytest.fixture
def action_ids(client, tokens, runtime, clock):
    """Two actions issued by a 现场督办 on Tuesday 2024-05-14 (自然资源局, 供电公司)."""
    clock.set("2024-01-02")
    Project(runtime.store, "site").register()
    clock.set("2024-05-14", hour=10)
    made = client.post("/v1/site-meetings", json=MEETING, headers=tokens["office"])
    assert made.status_code == 201, made.json
    return [d["action_id"] for d in made.json["decisions"]]


def _step(client, tokens, action_id, step, body=None, role="office"):
    return client.post(f"/v1/actions/{action_id}/{step}", json=body or {}, headers=tokens[role])


def test_an_action_goes_through_every_step_each_recorded_with_who_and_when(
    client, tokens, action_ids, clock, runtime
):
    first = action_ids[0]
    issued = client.get(f"/v1/actions/{first}", headers=tokens["viewer"]).json
    assert (issued["stage"], issued["stage_label"]) == ("issued", "已下发待签收")
    assert issued["next_steps"] == ["acknowledge"] and issued["next_steps_labels"] == ["签收"]
    clock.set("2024-05-15", hour=9)
    signed = _step(client, tokens, first, "acknowledge", {"person": "李科长"})
    assert signed.status_code == 200, signed.json
    assert signed.json["stage_label"] == "已签收" and signed.json["stage_by"] == "office"
    clock.set("2024-05-16", hour=9)
    assert _step(client, tokens, first, "start", {"note": "已对接"}).json["stage"] == "in_progress"
    clock.set("2024-05-28", hour=9)
    reported = _step(client, tokens, first, "report", {"report": "用地指标已落实"})
    assert reported.json["stage_label"] == "已反馈待复核"
    assert reported.json["stage_note"] == "用地指标已落实"
    clock.set("2024-05-29", hour=9)
    done = _step(client, tokens, first, "review", {"decision": "accepted"})
    assert done.status_code == 200
    assert (done.json["stage"], done.json["status"], done.json["urgency"]) == (
        "closed",
        "closed",
        "done",
    )
    steps = done.json["steps"]
    assert [s["step_label"] for s in steps] == ["下发", "签收", "办理", "反馈", "复核通过", "办结"]
    assert steps[1]["person"] == "李科长" and steps[1]["by"] == "office"
    assert steps[1]["at"].startswith("2024-05-15T")
    types = [e.type for e in runtime.store.read_stream("actions-site")]
    assert types[-5:] == [
        "ActionAcknowledged",
        "ActionStarted",
        "ActionReported",
        "ActionReviewed",
        "ActionClosed",
    ]


def test_a_step_out_of_order_is_refused_with_a_409_in_chinese_and_changes_nothing(
    client, tokens, action_ids, runtime
):
    first = action_ids[0]
    before = runtime.store.stream_version("actions-site")
    early = _step(client, tokens, first, "report", {"report": "已办"})
    assert early.status_code == 409
    assert early.content_type == "application/problem+json"
    assert early.json["type"].endswith("action-step-out-of-order")
    assert (early.json["stage"], early.json["step"]) == ("issued", "report")
    assert "已下发待签收" in early.json["detail"] and "签收" in early.json["detail"]
    assert _step(client, tokens, first, "review", {"decision": "accepted"}).status_code == 409
    assert _step(client, tokens, first, "acknowledge").status_code == 200
    twice = _step(client, tokens, first, "acknowledge")
    assert twice.status_code == 409 and twice.json["stage"] == "acknowledged"
    assert runtime.store.stream_version("actions-site") == before + 1
    missing = _step(client, tokens, "nope", "acknowledge")
    assert missing.status_code == 404


def test_the_office_returns_a_report_with_its_reason_and_the_unit_reports_again(
    client, tokens, action_ids
):
    first = action_ids[0]
    for step, body in (("acknowledge", {}), ("start", {}), ("report", {"report": "正在协调"})):
        assert _step(client, tokens, first, step, body).status_code == 200
    bare = _step(client, tokens, first, "review", {"decision": "returned"})
    assert bare.status_code == 422 and "reason" in bare.json["errors"]
    back = _step(client, tokens, first, "review", {"decision": "returned", "reason": "未见批复"})
    assert back.status_code == 200
    assert back.json["stage"] == "in_progress" and back.json["stage_note"] == "未见批复"
    assert back.json["steps"][-1]["step_label"] == "复核退回"
    again = _step(client, tokens, first, "report", {"report": "已取得批复"})
    assert again.json["stage"] == "reported"
    accepted = _step(client, tokens, first, "review", {"decision": "accepted", "reason": "同意"})
    assert accepted.json["status_label"] == "已办结"
    assert _step(client, tokens, first, "start").status_code == 409


def test_only_the_office_takes_steps_and_readers_see_them(client, tokens, action_ids):
    first = action_ids[0]
    for role in ("viewer", "auditor"):
        assert _step(client, tokens, first, "acknowledge", role=role).status_code == 403
    assert client.get(f"/v1/actions/{first}", headers=tokens["auditor"]).status_code == 200


def test_an_action_turns_yellow_near_its_step_deadline_and_red_past_it(
    client, tokens, action_ids, clock
):
    first, second = action_ids

    def shown(action_id):
        return client.get(f"/v1/actions/{action_id}", headers=tokens["viewer"]).json

    # 签收 within 1 working day of 下发 (Tuesday 2024-05-14): by Wednesday.
    assert shown(first)["step_due"] == "2024-05-15"
    assert (shown(first)["urgency"], shown(first)["urgency_label"]) == ("yellow", "临期（黄灯）")
    clock.set("2024-05-16", hour=9)
    assert shown(first)["urgency_label"] == "逾期（红灯）"
    _step(client, tokens, first, "acknowledge")
    # 反馈 by the action's deadline (2024-05-31): green until 3 days before.
    assert (shown(first)["step_due"], shown(first)["urgency"]) == ("2024-05-31", "green")
    clock.set("2024-05-28", hour=9)
    assert shown(first)["urgency"] == "yellow"
    clock.set("2024-06-01", hour=9)
    listed = client.get("/v1/actions?campaign=2024", headers=tokens["viewer"]).json["actions"]
    colours = {a["action_id"]: (a["urgency"], a["stage"]) for a in listed}
    assert colours == {first: ("red", "acknowledged"), second: ("red", "issued")}
    waiting = client.get("/v1/actions?campaign=2024&stage=issued", headers=tokens["viewer"])
    assert [a["action_id"] for a in waiting.json["actions"]] == [second]
    bad = client.get("/v1/actions?stage=done", headers=tokens["viewer"])
    assert bad.status_code == 422 and "stage" in bad.json["errors"]


def test_the_time_limits_are_the_countys_own_configuration(
    client, tokens, action_ids, clock, runtime
):
    from dataclasses import replace

    from services.scheduling.domain.duban import ActionLimits
    from services.scheduling.wiring import SchedulingParts

    service = SchedulingParts.of(runtime).service
    service.config = replace(
        service.config, action_limits=ActionLimits(acknowledge_working_days=3, warning_days=0)
    )
    first = action_ids[0]
    shown = client.get(f"/v1/actions/{first}", headers=tokens["viewer"]).json
    # Three working days after Tuesday 2024-05-14 is Friday 2024-05-17: green today.
    assert (shown["step_due"], shown["urgency"]) == ("2024-05-17", "green")


def test_the_close_endpoint_still_closes_from_any_stage_and_old_closures_read_as_closed(
    client, tokens, action_ids, runtime
):
    first, second = action_ids
    _step(client, tokens, first, "acknowledge")
    closed = client.post(
        f"/v1/actions/{first}/close", json={"note": "已落实"}, headers=tokens["office"]
    )
    assert closed.status_code == 200 and closed.json["closed_now"] is True
    assert closed.json["action"]["stage"] == "closed"
    assert _step(client, tokens, first, "start").status_code == 409
    from services.scheduling.wiring import SchedulingParts

    service = SchedulingParts.of(runtime).service
    service.close_action(second, "旧的办结")
    service.rebuild()  # a replay of the log gives the same stages
    stages = {
        a["action_id"]: (a["stage"], a["stage_label"])
        for a in client.get("/v1/actions?campaign=2024&status=all", headers=tokens["viewer"]).json[
            "actions"
        ]
    }
    assert stages == {first: ("closed", "已办结"), second: ("closed", "已办结")}


def test_a_duban_letter_is_a_numbered_document_of_one_units_actions(
    client, tokens, action_ids, clock, runtime
):
    first, second = action_ids
    draft = client.get(f"/v1/actions/letter.md?action_id={first}", headers=tokens["viewer"])
    assert draft.status_code == 200, draft.text
    assert "关于督促自然资源局加快办理重点项目督办事项的函" in draft.text
    assert "自然资源局：" in draft.text and "未编号" in draft.text
    assert "落实用地指标" in draft.text and "2024年5月31日" in draft.text
    issued = client.post(
        "/v1/actions/letter/issue", json={"action_ids": [first]}, headers=tokens["office"]
    )
    assert issued.status_code == 201, issued.json
    number = issued.json["number"]
    assert number.endswith("号") and issued.json["kind"] == "duban_letter"
    again = client.post(
        "/v1/actions/letter/issue", json={"action_ids": [first]}, headers=tokens["office"]
    )
    assert again.status_code == 200 and again.json["number"] == number
    # Its stage moves on; the letter reads the same, now with its number.
    _step(client, tokens, first, "acknowledge")
    clock.set("2024-06-20")
    html = client.get(f"/v1/actions/letter.html?action_id={first}", headers=tokens["viewer"])
    assert number in html.text and "2024年5月14日" in html.text
    docx = client.get(f"/v1/actions/letter.docx?action_id={first}", headers=tokens["viewer"])
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    register = client.get("/v1/documents?kind=duban_letter", headers=tokens["viewer"]).json
    assert [d["number"] for d in register["documents"]] == [number]
    assert register["documents"][0]["kind_label"] == "督办函"
    two_units = client.get(
        f"/v1/actions/letter.md?action_id={first}&action_id={second}", headers=tokens["viewer"]
    )
    assert two_units.status_code == 422 and "action_id" in two_units.json["errors"]
    unknown = client.get("/v1/actions/letter.md?action_id=nope", headers=tokens["viewer"])
    assert unknown.status_code == 404
    assert client.get("/v1/actions/letter.md", headers=tokens["viewer"]).status_code == 422
    viewer = client.post(
        "/v1/actions/letter/issue", json={"action_ids": [first]}, headers=tokens["viewer"]
    )
    assert viewer.status_code == 403


def test_a_units_token_takes_its_own_steps_only_and_sees_only_its_actions(
    client, tokens, action_ids, runtime
):
    first, second = action_ids  # 自然资源局's, 供电公司's
    mine = {"Authorization": f"Bearer {runtime.tokens.create('自然资源局', 'unit')}"}
    signed = client.post(f"/v1/actions/{first}/acknowledge", json={}, headers=mine)
    assert signed.status_code == 200 and signed.json["stage"] == "acknowledged"
    assert signed.json["steps"][-1]["by"] == "自然资源局"
    other = client.post(f"/v1/actions/{second}/acknowledge", json={}, headers=mine)
    assert other.status_code == 403 and other.json["type"].endswith("not-the-units-action")
    assert "不是自然资源局承办的事项" in other.json["detail"]
    assert client.get(f"/v1/actions/{second}", headers=mine).status_code == 403
    listed = client.get("/v1/actions?campaign=2024&assignee=供电公司", headers=mine).json
    assert [a["action_id"] for a in listed["actions"]] == [first]
    client.post(f"/v1/actions/{first}/start", json={}, headers=mine)
    client.post(f"/v1/actions/{first}/report", json={"report": "已落实"}, headers=mine)
    review = client.post(f"/v1/actions/{first}/review", json={"decision": "accepted"}, headers=mine)
    assert review.status_code == 403  # 复核 is the office's
    close = client.post(f"/v1/actions/{first}/close", json={}, headers=mine)
    assert close.status_code == 403
    office = client.get("/v1/actions?campaign=2024&assignee=供电公司", headers=tokens["office"])
    assert [a["action_id"] for a in office.json["actions"]] == [second]
