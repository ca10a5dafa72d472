"""Meetings on working days only: the first working day of the period by the official
calendar (调休 included); no meeting in a period without one (and why); each plan says how
its date was chosen; the administrator's holiday file for years the library lacks."""

from __future__ import annotations

from datetime import date

import pytest

from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.calendar import WorkingCalendar, parse_holiday_file
from services.scheduling.domain.periods import Period
from services.scheduling.domain.plan import PlanInputs, build_plan, new_actions

from ..helpers import registration
from .facts import fact, state_of

HOLIDAY_FILE_2027 = """\
# 2027年节假日安排（管理员按国务院办公厅通知填写）
2027:
  holidays:
    - {name: 春节假期, from: 2027-02-06, to: 2027-02-13}
    - {name: 国庆节假期, from: 2027-10-01, to: 2027-10-07}
  workdays: [2027-02-14, 2027-10-09]
"""


def late_project(year: int):
    """A weekly project whose milestone is long overdue in ``year``."""
    stream = "project-late"
    return state_of(
        fact("ProjectRegistered", f"{year}-01-02", stream, **registration("late", year=year,
             major=True, cadence="weekly")),
        fact("MilestonePlanned", f"{year}-01-03", stream, milestone_id="m1", name="主体封顶",
             due=f"{year}-01-20"),
    )  # fmt: skip


def weekly(label: str, calendar: WorkingCalendar | None = None, states=()):
    period = Period.parse("weekly", label)
    return build_plan(PlanInputs("weekly", period, list(states), [], calendar or WorkingCalendar()))


def test_the_2026_spring_festival_week_holds_no_meeting_and_says_why():
    plan = weekly("2026-W08", states=[late_project(2026)])
    meeting = plan["meeting"]
    assert meeting["date"] is None and meeting["held"] is False
    assert meeting["date_rule"] == "no_working_day"
    assert meeting["holidays"] == ["春节假期"]
    assert meeting["reason"].startswith("2026年2月16日至2026年2月22日均为春节假期")
    assert "顺延至下次会议" in meeting["reason"]


def test_the_items_of_a_week_without_a_meeting_go_to_the_next_meeting():
    late = late_project(2026)
    skipped = weekly("2026-W08", states=[late])
    assert skipped["groups"] == [] and new_actions(skipped) == []
    assert skipped["carried_to"] == "2026-W09"
    carried = {(i["project_id"], i["rule"]) for i in skipped["carried_items"]}
    assert ("late", "milestone_overdue") in carried
    following = weekly("2026-W09", states=[late])
    assert following["meeting"]["date"] == "2026-02-24"  # Monday the 23rd is still a holiday
    assert "milestone_overdue:m1" in {a["item"] for a in new_actions(following)}


def test_the_national_day_week_of_2026_meets_on_thursday_by_the_official_calendar():
    meeting = weekly("2026-W41")["meeting"]
    assert meeting["date"] == "2026-10-08"
    assert (meeting["date_rule"], meeting["date_source"]) == ("first_working_day", "official")
    assert meeting["warnings"] == []


def test_an_adjusted_working_saturday_is_a_meeting_day():
    # 2023: National Day 29 September – 6 October; Saturday 7 October is worked (调休).
    meeting = weekly("2023-W40")["meeting"]
    assert meeting["date"] == "2023-10-07" and date(2023, 10, 7).weekday() == 5
    assert meeting["date_source"] == "official"


def test_a_year_outside_the_library_without_the_file_is_guessed_and_says_so():
    meeting = weekly("2027-W06")["meeting"]
    assert meeting["date"] == "2027-02-08"  # a Monday: the guess knows no Spring Festival
    assert meeting["date_source"] == "weekday"
    assert meeting["warnings"] == ["2027年不在国家法定工作日历数据之内，暂按周一至周五为工作日"]


def test_a_year_outside_the_library_with_the_administrators_file(tmp_path):
    path = tmp_path / "holidays-2027.yaml"
    path.write_text(HOLIDAY_FILE_2027, encoding="utf-8")
    config = SchedulingConfig.load({"GONGJIAN_SCHEDULING_CALENDAR_FILE": str(path)})
    meeting = weekly("2027-W06", config.calendar())["meeting"]
    assert meeting["date"] == "2027-02-14"  # the declared working Sunday
    assert meeting["date_source"] == "override" and meeting["warnings"] == []
    national_day = weekly("2027-W39", config.calendar())["meeting"]  # 27 Sep – 3 Oct
    assert national_day["date"] == "2027-09-27"
    skipped = Period.parse("weekly", "2027-W40")  # 4–10 October: holidays to the 7th
    assert config.calendar().first_working_day(skipped.start, skipped.end) == date(2027, 10, 8)


def test_a_week_of_the_administrators_holidays_holds_no_meeting_and_names_them():
    days, names = parse_holiday_file(
        {2031: {"holidays": [{"name": "春节假期", "from": "2031-01-27", "to": "2031-02-02"}]}}
    )
    meeting = weekly("2031-W05", WorkingCalendar(days, holiday_names=names))["meeting"]
    assert meeting["date"] is None and meeting["holidays"] == ["春节假期"]
    assert meeting["date_source"] == "override"


@pytest.mark.parametrize(
    "raw, message",
    [
        (
            {2027: {"holidays": [{"name": "春节", "from": "2027-02-13", "to": "2027-02-06"}]}},
            "春节",
        ),
        ({2027: {"rest": []}}, "rest"),
        ({2027: {"holidays": [{"name": "春节"}]}}, "from"),
    ],
)
def test_a_wrong_holiday_file_stops_the_configuration_naming_the_fault(raw, message):
    with pytest.raises(ValueError, match=message):
        SchedulingConfig.from_mapping({}, raw)
