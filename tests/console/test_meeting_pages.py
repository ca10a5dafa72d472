"""The console's plan page says when no meeting is held and why, and shows the weekday
guess's warning; 总览 names a campaign nobody defined as such."""

from __future__ import annotations

import re

import pytest

from services.scheduling.wiring import SchedulingParts

from .conftest import empty_site, sign_in


@pytest.fixture
def office(tmp_path):  # type: ignore[no-untyped-def]
    app, runtime = empty_site(tmp_path, {"office1": "office"})
    client = app.test_client()
    sign_in(client, "office1")
    yield client, SchedulingParts.of(runtime).service
    runtime.close()


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_plan_page_says_no_meeting_is_held_in_the_spring_festival_week(office):
    client, scheduling = office
    scheduling.plan("weekly", "2026-W08")
    page = words(client.get("/dispatch/plans/weekly/2026-W08").text)
    assert "不召开会议：2026年2月16日至2026年2月22日均为春节假期" in page


def test_the_plan_page_shows_the_weekday_guess_and_the_date_rule(office):
    client, scheduling = office
    scheduling.plan("weekly", "2027-W06")
    page = words(client.get("/dispatch/plans/weekly/2027-W06").text)
    assert "（本期第一个工作日）" in page
    assert "工作日历提示：2027年不在国家法定工作日历数据之内" in page
    assert client.get("/dispatch").status_code == 200


def test_the_overview_says_when_the_campaign_is_not_defined(office):
    client, _ = office
    page = words(client.get("/").text)
    assert "尚未设定本年度攻坚年，按默认目标显示" in page
