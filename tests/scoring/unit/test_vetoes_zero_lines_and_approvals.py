"""Vetoes rank last and take no 先进 place; a line worth nothing says why; approvals
granted before the campaign's start score only when the rulebook says so."""

from __future__ import annotations

import dataclasses

import pytest

from services.scoring.application.rulebooks import default_rulebook
from tests.scoring.builders import Log, registration
from tests.scoring.unit.test_rules import assess, exemplary, line, monthly_investment, project

VETO = {"incident_id": "x", "kind": "major_safety_accident"}


def test_a_vetoed_project_ranks_after_every_unvetoed_one_in_its_category():
    log = Log()
    exemplary(log, "p1")  # the best on points
    log.add("p1", "SafetyIncidentReported", VETO, "2024-06-01")
    log.add("p2", "ProjectRegistered", registration("p2"), "2024-03-01")  # nothing done
    log.add("p3", "ProjectRegistered", registration("p3", category="new_start"), "2024-03-01")
    result = assess(log)
    assert (project(result, "p1")["total"], project(result, "p2")["total"]) == ("100.00", "35.00")
    assert (project(result, "p2")["rank"], project(result, "p1")["rank"]) == (1, 2)
    assert project(result, "p1")["grade"] == "unqualified"
    assert project(result, "p3")["rank"] == 1  # other categories rank on their own


@pytest.mark.parametrize("holder", ["units", "leaders"])
def test_a_vetoed_unit_or_leader_is_capped_ranked_last_and_never_advanced(holder):
    log = Log()
    for n in (1, 2, 3):
        exemplary(log, f"p{n}", lead_unit=f"Unit {n}", leader=f"Leader {n}")
    log.add("p1", "SafetyIncidentReported", VETO, "2024-06-01")
    log.add(
        "p4",
        "ProjectRegistered",
        registration("p4", lead_unit="Unit 4", leader="Leader 4"),
        "2024-03-01",
    )
    result = assess(log)
    vetoed = next(h for h in result[holder] if h["name"].endswith(" 1"))
    assert vetoed["total"] == "100.00" and vetoed["grade"] == "unqualified"
    assert vetoed["rank"] == 4 and result[holder][-1] is vetoed
    if holder == "units":
        assert "Unit 1" not in result["advanced_units"]
        assert result["advanced_units"] == ["Unit 2", "Unit 3"]
        assert "Unit 1" in result["criticised_units"]


def test_a_line_with_nothing_recorded_is_listed_at_zero_saying_so():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    investment = line(assess(log), "investment")
    assert investment["points"] == "0.00"
    assert (investment["zero_reason"], investment["zero_reason_label"]) == ("no_record", "无记录")
    assert "zero_reason" not in line(assess(log), "milestones")  # full points: nothing to say


def test_a_line_worth_zero_lists_the_events_that_gave_zero():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")  # breakthrough
    granted = log.add("p1", "ApprovalGranted", {"approval_id": "a1", "kind": "eia"}, "2024-04-01")
    monthly_investment(log, "p1", "0.00")
    result = assess(log)
    target = line(result, "target_attainment")
    position = next(e.global_position for e in log.events if e.event_id == granted)
    assert target["points"] == "0.00" and target["evidence"] == [position]
    assert target["zero_reason"] == "events" and target["zero_reason_label"] == "所列事件得零分"
    investment = line(result, "investment")
    assert investment["zero_reason"] == "events" and len(investment["evidence"]) == 12


def test_approvals_granted_before_the_campaign_year_do_not_score_unless_the_rulebook_says_so():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", category="preliminary"), "2024-03-01")
    for n, day in enumerate(("2023-11-10", "2023-12-20", "2024-05-01")):
        log.add("p1", "ApprovalGranted", {"approval_id": f"a{n}", "kind": "land"}, day)
    # 0.25 of 40 points per approval: only the 2024 one counts.
    assert line(assess(log), "target_attainment")["points"] == "10.00"
    lenient = dataclasses.replace(default_rulebook(), approvals_before_campaign=True)
    assert line(assess(log, rulebook=lenient), "target_attainment")["points"] == "30.00"
