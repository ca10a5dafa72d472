"""入库 rule (plan 3; Yinchuan's 红黄绿灯): a project started and not entered into the
statistics database (入统) one month later is yellow, two months later red; the months are
the county's own choice (configuration), and the reason says so in Chinese."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.project import ProjectState
from services.scheduling.domain.rules import Thresholds, findings, months_between, status

from .facts import day, fact, registered, state_of


def _started(*more) -> ProjectState:  # type: ignore[no-untyped-def]
    # 1,000,000 a month reported on plan, so that only the 入库 rule colours the board
    reports = [
        fact(
            "InvestmentReported", f"2024-{m + 1:02d}-01", month=f"2024-{m:02d}", amount="1000000.00"
        )
        for m in range(1, 12)
    ]
    return state_of(registered(), fact("ConstructionStarted", "2024-03-15"), *reports, *more)


SINCE_2024 = Thresholds(statistics_since=date(2024, 1, 1))
"""The rule in force for these 2024 projects (the default is from 2026)."""


def _statistics(state: ProjectState, today: str, thresholds: Thresholds = SINCE_2024):
    found = findings(state, day(today), thresholds)
    return [f for f in found if f.rule == "statistics_missing"]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2024-04-14", None),  # a day short of a month
        ("2024-04-15", "yellow"),  # one month after the start
        ("2024-05-14", "yellow"),
        ("2024-05-15", "red"),  # two months
        ("2024-09-30", "red"),
    ],
)
def test_started_and_not_in_the_statistics_database_turns_yellow_then_red(today, expected):
    found = _statistics(_started(), today)
    assert (found[0].colour if found else None) == expected


def test_the_reason_names_the_start_the_months_and_the_countys_rule_in_chinese():
    (found,) = _statistics(_started(), "2024-05-20")
    assert found.reason == (
        "已于2024年3月15日开工，满2个月仍未入统（本县规定：开工满1个月未入统为黄，满2个月未入统为红）"
    )
    assert found.assignee == _started().owner_unit  # the owner unit reports 入统
    assert len(found.evidence) == 1


def test_entering_the_statistics_database_clears_it():
    state = _started(fact("ProjectStatisticsEntered", "2024-04-20"))
    assert _statistics(state, "2024-09-30") == []
    assert status(findings(state, day("2024-09-30"), SINCE_2024)) == "green"


def test_a_project_not_started_is_not_judged_by_it():
    assert _statistics(state_of(registered()), "2024-12-31") == []


def test_the_months_are_the_countys_choice_and_zero_turns_a_colour_off():
    county = replace(SINCE_2024, statistics_yellow_months=2, statistics_red_months=3)
    assert _statistics(_started(), "2024-05-20", county)[0].colour == "yellow"
    assert "满3个月未入统为红" in _statistics(_started(), "2024-05-20", county)[0].reason
    no_red = replace(SINCE_2024, statistics_red_months=0)
    (found,) = _statistics(_started(), "2024-12-31", no_red)
    assert found.colour == "yellow" and "为红" not in found.reason
    off = replace(SINCE_2024, statistics_yellow_months=0, statistics_red_months=0)
    assert _statistics(_started(), "2024-12-31", off) == []


def test_the_configuration_takes_the_months_from_the_file_and_the_environment():
    config = SchedulingConfig.load({"GONGJIAN_SCHEDULING_STATISTICS_RED_MONTHS": "3"})
    assert (
        config.thresholds.statistics_yellow_months,
        config.thresholds.statistics_red_months,
    ) == (
        1,
        3,
    )


@pytest.mark.parametrize(
    ("start", "today", "months"),
    [
        ("2024-01-31", "2024-02-29", 1),  # no 31 February: its last day completes the month
        ("2024-01-31", "2024-02-28", 0),
        ("2024-03-15", "2024-03-14", 0),
        ("2023-12-10", "2024-02-10", 2),
    ],
)
def test_whole_months_are_counted_from_the_day_of_the_start(start, today, months):
    assert months_between(day(start), day(today)) == months


def test_a_project_started_before_the_rule_was_in_force_is_not_judged_by_it():
    # the default: in force for starts from 2026-01-01, so a store of 2025 answers as before
    assert _statistics(_started(), "2024-12-31", Thresholds()) == []
    county = replace(SINCE_2024, statistics_since=date(2024, 3, 16))
    assert _statistics(_started(), "2024-12-31", county) == []


def test_the_day_the_rule_is_in_force_is_configuration():
    config = SchedulingConfig.load({"GONGJIAN_SCHEDULING_STATISTICS_SINCE": "2024-01-01"})
    assert config.thresholds.statistics_since == date(2024, 1, 1)
    assert SchedulingConfig.load({}).thresholds.statistics_since == date(2026, 1, 1)
