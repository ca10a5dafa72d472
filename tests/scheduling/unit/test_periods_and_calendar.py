"""Periods and meeting dates on China's official working-day calendar."""

from __future__ import annotations

from datetime import date

import pytest

from services.scheduling.domain.calendar import WorkingCalendar, parse_overrides
from services.scheduling.domain.periods import InvalidPeriod, Period, periods_between


def meeting_day(cadence: str, label: str, calendar: WorkingCalendar | None = None) -> date:
    period = Period.parse(cadence, label)
    day = (calendar or WorkingCalendar()).first_working_day(period.start, period.end)
    assert day is not None
    return day


def test_iso_weeks_months_and_quarters_have_their_calendar_days():
    assert Period.parse("weekly", "2024-W10").start == date(2024, 3, 4)
    assert Period.parse("weekly", "2024-W10").end == date(2024, 3, 10)
    assert Period.parse("monthly", "2024-02").end == date(2024, 2, 29)
    assert Period.parse("quarterly", "2024-Q4").start == date(2024, 10, 1)
    assert Period.parse("quarterly", "2024-Q4").end == date(2024, 12, 31)


def test_periods_follow_each_other_across_the_year_end():
    assert Period.parse("weekly", "2020-W53").next().label == "2021-W01"
    assert Period.parse("weekly", "2025-W01").previous().label == "2024-W52"
    assert Period.parse("monthly", "2024-12").next().label == "2025-01"
    assert Period.parse("quarterly", "2024-Q1").previous().label == "2023-Q4"


@pytest.mark.parametrize(
    ("cadence", "label"),
    [
        ("weekly", "2024-10"),
        ("weekly", "2021-W53"),
        ("monthly", "2024-13"),
        ("quarterly", "2024-Q5"),
        ("daily", "2024-01-01"),
    ],
)
def test_malformed_periods_are_refused(cadence, label):
    with pytest.raises(InvalidPeriod):
        Period.parse(cadence, label)


def test_periods_between_lists_each_period_that_opened():
    labels = [p.label for p in periods_between("monthly", date(2024, 1, 15), date(2024, 4, 1))]
    assert labels == ["2024-01", "2024-02", "2024-03", "2024-04"]


def test_the_spring_festival_week_meets_on_its_adjusted_working_sunday():
    # 2024: holiday 10–17 February; Sunday 18 February is a working day (调休).
    assert meeting_day("weekly", "2024-W07") == date(2024, 2, 18)


def test_the_week_after_the_spring_festival_of_2025_meets_on_wednesday():
    # 2025: holiday 28 January – 4 February.
    assert meeting_day("weekly", "2025-W06") == date(2025, 2, 5)


def test_national_day_pushes_the_october_meetings_back():
    assert meeting_day("monthly", "2024-10") == date(2024, 10, 8)
    assert meeting_day("quarterly", "2024-Q4") == date(2024, 10, 8)
    # 2025: holiday 1–8 October (National Day with the Mid-Autumn Festival).
    assert meeting_day("weekly", "2025-W41") == date(2025, 10, 9)


def test_an_ordinary_week_meets_on_monday():
    assert meeting_day("weekly", "2024-W10") == date(2024, 3, 4)


def test_a_year_without_official_data_falls_back_to_weekdays_with_a_warning():
    calendar = WorkingCalendar()
    assert meeting_day("monthly", "2031-02", calendar) == date(2031, 2, 3)
    assert calendar.warnings() == ["2031年不在国家法定工作日历数据之内，暂按周一至周五为工作日"]


def test_an_administrators_override_wins_over_the_official_calendar():
    overrides = parse_overrides({"2031-02-03": "holiday", "2031-02-04": "holiday"})
    calendar = WorkingCalendar(overrides)
    assert meeting_day("monthly", "2031-02", calendar) == date(2031, 2, 5)
    official_workday = WorkingCalendar(parse_overrides({"2024-03-04": False}))
    assert meeting_day("weekly", "2024-W10", official_workday) == date(2024, 3, 5)


def test_overrides_say_workday_or_holiday():
    with pytest.raises(ValueError, match="workday"):
        parse_overrides({"2031-02-03": "maybe"})
