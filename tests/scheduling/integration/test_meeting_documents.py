"""A plan without a meeting and a plan on the guessed calendar, as the office reads them:
the API says how the date was chosen (with its Chinese label), the notice says why no
meeting is held, and the weekday guess is printed in the document itself."""

from __future__ import annotations

import pytest

from ..helpers import Project


@pytest.fixture
def office(runtime):
    return {"Authorization": f"Bearer {runtime.tokens.create('office', 'office')}"}


def test_the_spring_festival_week_s_notice_says_no_meeting_is_held_and_why(
    client, office, runtime, clock
):
    clock.set("2026-01-05")
    late = Project(runtime.store, "late")
    late.register(on="2026-01-05", year=2026, major=True, cadence="weekly")
    late.milestone("m1", "2026-01-20", on="2026-01-06")
    clock.set("2026-02-16", hour=7)
    made = client.post(
        "/v1/plans", json={"cadence": "weekly", "period": "2026-W08"}, headers=office
    )
    assert made.status_code == 201, made.json
    meeting = made.json["plan"]["meeting"]
    assert meeting["date"] is None
    assert meeting["date_rule_label"] == "本期无工作日，不召开会议"
    assert made.json["plan"]["carried_items"][0]["rule_label"]
    notice = client.get("/v1/plans/weekly/2026-W08/agenda.md", headers=office)
    text = notice.get_data(as_text=True)
    assert notice.status_code == 200
    assert "关于2026年第8周不召开重点项目调度会议的通知" in text
    assert "春节假期" in text and "顺延至2026年第9周调度会议" in text
    assert client.get("/v1/plans/weekly/2026-W08/agenda.docx", headers=office).status_code == 200


def test_a_plan_on_the_weekday_guess_prints_the_warning_in_its_notice(client, office, clock):
    clock.set("2027-03-01", hour=7)
    made = client.post(
        "/v1/plans", json={"cadence": "monthly", "period": "2027-03"}, headers=office
    )
    meeting = made.json["plan"]["meeting"]
    assert meeting["date_source_label"] == "按周一至周五推定"
    assert meeting["warnings"]
    text = client.get("/v1/plans/monthly/2027-03/agenda.md", headers=office).get_data(as_text=True)
    assert "工作日历提示" in text and "2027年不在国家法定工作日历数据之内" in text


def test_an_ordinary_plan_states_its_date_rule_in_the_notice(client, office, clock):
    clock.set("2026-10-08", hour=7)
    made = client.post(
        "/v1/plans", json={"cadence": "weekly", "period": "2026-W41"}, headers=office
    )
    meeting = made.json["plan"]["meeting"]
    assert (meeting["date"], meeting["date_source_label"]) == ("2026-10-08", "国家法定工作日历")
    text = client.get("/v1/plans/weekly/2026-W41/agenda.md", headers=office).get_data(as_text=True)
    assert "（本期第一个工作日）" in text and "工作日历提示" not in text


def test_the_supervision_notice_and_the_plan_index_of_a_week_without_a_meeting(
    client, office, runtime, clock
):
    clock.set("2026-02-16", hour=7)
    Project(runtime.store, "p").register(on="2026-01-05", year=2026, major=True)
    client.post("/v1/plans", json={"cadence": "weekly", "period": "2026-W08"}, headers=office)
    for fmt in ("md", "html", "docx", "xlsx", "csv"):
        path = f"/v1/plans/weekly/2026-W08/supervision.{fmt}"
        assert client.get(path, headers=office).status_code == 200, fmt
    index = client.get("/v1/plans?cadence=weekly", headers=office).json["plans"]
    assert [(p["period"], p["meeting_date"]) for p in index] == [("2026-W08", "")]
