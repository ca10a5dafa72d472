"""The campaign's own mechanisms in scheduling: the calendar's set pieces (plan 2) and the
records of 现场办公 / 现场督办 whose decisions become follow-up actions, through the API."""

from __future__ import annotations

import pytest

from ..helpers import Project


@pytest.fixture
def tokens(runtime):
    return {
        role: {"Authorization": f"Bearer {runtime.tokens.create(role, role)}"}
        for role in ("office", "viewer")
    }


@pytest.fixture
def county(runtime, clock):
    clock.set("2024-01-02")
    site = Project(runtime.store, "site")
    site.register()
    return site


def _pieces(client, tokens):
    body = client.get("/v1/set-pieces?campaign=2024", headers=tokens["viewer"]).json
    return {p["code"]: p for p in body["set_pieces"]}


def test_the_set_pieces_of_plan_2_are_listed_with_their_state_in_chinese(client, tokens, clock):
    clock.set("2024-05-10")
    pieces = _pieces(client, tokens)
    assert list(pieces)[0] == "publicity" and len(pieces) == 11
    assert pieces["mobilisation_meeting"]["code_label"] == "动员大会"
    assert (pieces["publicity"]["state"], pieces["publicity"]["state_label"]) == (
        "overdue",
        "逾期未开展",
    )
    assert pieces["site_supervision"]["state"] == "open"
    assert pieces["site_supervision"]["starts_on"] == "2024-05-01"
    assert pieces["full_check"]["state_label"] == "未到时间"
    assert "公示牌" in pieces["progress_boards"]["produces"]


def test_a_set_piece_held_or_not_is_recorded_once_as_an_event(client, tokens, clock, runtime):
    clock.set("2024-05-10")
    held = {"held_on": "2024-03-15", "outcome": "召开动员大会，部署29个项目"}
    first = client.post(
        "/v1/set-pieces/mobilisation_meeting/held", json=held, headers=tokens["office"]
    )
    assert first.status_code == 201, first.json
    assert first.json["set_piece"]["state"] == "held"
    assert first.json["set_piece"]["held_on"] == "2024-03-15"
    again = client.post(
        "/v1/set-pieces/mobilisation_meeting/held", json=held, headers=tokens["office"]
    )
    assert again.status_code == 200 and again.json["recorded_now"] is False
    missed = client.post(
        "/v1/set-pieces/publicity/missed", json={"note": "未开展"}, headers=tokens["office"]
    )
    assert missed.status_code == 201 and missed.json["set_piece"]["state_label"] == "未开展"
    stream = runtime.store.read_stream("setpieces-2024")
    assert [e.type for e in stream] == ["SetPieceHeld", "SetPieceMissed"]


def test_a_bad_set_piece_record_is_a_problem_naming_what_is_wrong(client, tokens, clock):
    clock.set("2024-05-10")
    future = {"held_on": "2024-06-01", "outcome": "x"}
    response = client.post("/v1/set-pieces/full_check/held", json=future, headers=tokens["office"])
    assert response.status_code == 422 and "held_on" in response.json["errors"]
    assert response.content_type == "application/problem+json"
    unknown = client.post(
        "/v1/set-pieces/parade/held",
        json={"held_on": "2024-05-01", "outcome": "x"},
        headers=tokens["office"],
    )
    assert unknown.status_code == 404 and unknown.json["code"] == "parade"
    missing = client.post("/v1/set-pieces/publicity/held", json={}, headers=tokens["office"])
    assert missing.status_code == 422 and set(missing.json["errors"]) == {"held_on", "outcome"}
    viewer = client.post(
        "/v1/set-pieces/publicity/missed", json={"note": "x"}, headers=tokens["viewer"]
    )
    assert viewer.status_code == 403


def test_plans_show_the_set_pieces_of_their_months_and_the_quarter_reports_the_missed(
    client, tokens, county, clock
):
    clock.set("2024-05-06", hour=8)
    held = {"held_on": "2024-03-15", "outcome": "已召开"}
    client.post("/v1/set-pieces/mobilisation_meeting/held", json=held, headers=tokens["office"])
    may = client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2024-05"}, headers=tokens["office"]
    ).json["plan"]
    assert [(p["code"], p["code_label"]) for p in may["set_pieces"]] == [
        ("site_supervision", "现场督办")
    ]
    clock.set("2024-07-01", hour=8)
    quarter = client.post(
        "/v1/plans", json={"cadence": "quarterly", "period": "2024-Q3"}, headers=tokens["office"]
    ).json["plan"]
    assert {p["code"] for p in quarter["set_pieces"]} == {
        "concentrated_dispatch",
        "concentrated_inspection",
        "site_dispatch",
    }
    missed = {p["code"]: p["state_label"] for p in quarter["set_pieces_missed"]}
    assert missed == {
        "publicity": "逾期未开展",
        "progress_boards": "逾期未开展",
        "site_supervision": "逾期未开展",
    }
    notice = client.get("/v1/plans/quarterly/2024-Q3/agenda.md", headers=tokens["viewer"]).text
    assert "**本期重点活动：**集中调度（2024年6月1日至2024年7月31日" in notice
    assert "**未按期开展的重点活动：**宣传动员（应于2024年4月30日前开展，逾期未开展）" in notice


SITE_MEETING = {
    "kind": "site_supervision",
    "project_id": "site",
    "place": "城关镇项目现场",
    "held_on": "2024-05-14",
    "attendees": ["张县长", "发改局", "自然资源局"],
    "problems": ["用地指标未落实"],
    "decisions": [
        {"text": "落实用地指标", "owner": "自然资源局", "due": "2024-05-31"},
        {"text": "接通施工用电", "owner": "供电公司", "due": "2024-06-15"},
    ],
}


def test_a_site_meeting_opens_an_action_per_decision_carried_until_closed(
    client, tokens, county, clock
):
    clock.set("2024-05-14", hour=18)
    created = client.post("/v1/site-meetings", json=SITE_MEETING, headers=tokens["office"])
    assert created.status_code == 201, created.json
    record = created.json
    assert record["kind_label"] == "现场督办" and record["open_decisions"] == 2
    assert [d["status_label"] for d in record["decisions"]] == ["未办结", "未办结"]
    again = client.post("/v1/site-meetings", json=SITE_MEETING, headers=tokens["office"])
    assert again.status_code == 200 and again.json["record_id"] == record["record_id"]
    actions = client.get("/v1/actions?campaign=2024", headers=tokens["viewer"]).json["actions"]
    items = sorted(a["item"] for a in actions)
    assert items == [f"site_decision:{record['record_id']}#{n}" for n in (1, 2)]
    assert {a["assignee"] for a in actions} == {"自然资源局", "供电公司"}
    clock.set("2024-06-03", hour=8)
    june = client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2024-06"}, headers=tokens["office"]
    ).json["plan"]
    carried = [i for g in june["groups"] for i in g["items"] if i["item"].startswith("site_")]
    assert len(carried) == 2 and "现场办公（城关镇项目现场" in carried[0]["reason"]
    first = record["decisions"][0]["action_id"]
    client.post(f"/v1/actions/{first}/close", json={"note": "已落实"}, headers=tokens["office"])
    listed = client.get("/v1/site-meetings?campaign=2024", headers=tokens["viewer"]).json
    (shown,) = listed["site_meetings"]
    assert shown["open_decisions"] == 1 and shown["decisions"][0]["status"] == "closed"
    clock.set("2024-07-01", hour=8)
    july = client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2024-07"}, headers=tokens["office"]
    ).json["plan"]
    still = [i["item"] for g in july["groups"] for i in g["items"] if i["item"].startswith("site_")]
    assert still == [f"site_decision:{record['record_id']}#2"]


def test_a_site_meeting_of_an_unknown_project_or_without_attendees_is_refused(
    client, tokens, county, clock
):
    clock.set("2024-05-14", hour=18)
    unknown = client.post(
        "/v1/site-meetings", json={**SITE_MEETING, "project_id": "nope"}, headers=tokens["office"]
    )
    assert unknown.status_code == 422 and "project_id" in unknown.json["errors"]
    empty = client.post(
        "/v1/site-meetings", json={**SITE_MEETING, "attendees": []}, headers=tokens["office"]
    )
    assert empty.status_code == 422 and "attendees" in empty.json["errors"]
    future = client.post(
        "/v1/site-meetings",
        json={**SITE_MEETING, "held_on": "2024-05-15"},
        headers=tokens["office"],
    )
    assert future.status_code == 422 and "held_on" in future.json["errors"]
    early = {"text": "补办手续", "owner": "发改局", "due": "2024-05-01"}
    late = client.post(
        "/v1/site-meetings", json={**SITE_MEETING, "decisions": [early]}, headers=tokens["office"]
    )
    assert late.status_code == 422 and "第1项的完成期限早于" in late.json["errors"]["decisions"][0]
    other = client.post(
        "/v1/site-meetings",
        json={**SITE_MEETING, "record_id": "R1"},
        headers=tokens["office"],
    )
    assert other.status_code == 201
    changed = client.post(
        "/v1/site-meetings",
        json={**SITE_MEETING, "record_id": "R1", "place": "别处"},
        headers=tokens["office"],
    )
    assert changed.status_code == 409 and changed.content_type == "application/problem+json"
    assert client.get("/v1/site-meetings/R9", headers=tokens["viewer"]).status_code == 404
