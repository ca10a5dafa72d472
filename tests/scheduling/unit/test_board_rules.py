"""Board colours by the thresholds of practice, each at its boundary."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.scheduling.domain.rules import Thresholds, findings, investment_lag, status

from .facts import day, fact, registered, state_of

T = Thresholds()


def colour(state, today: str, thresholds: Thresholds = T) -> str:
    return status(findings(state, day(today), thresholds))


def rules(state, today: str) -> dict[str, str | None]:
    return {f.rule: f.colour for f in findings(state, day(today), T)}


def reports(through: int, amount: str = "1000000.00"):
    return [
        fact("InvestmentReported", f"2024-{m + 1:02d}-01", month=f"2024-{m:02d}", amount=amount)
        for m in range(1, through + 1)
    ]


def test_a_project_on_plan_with_its_reports_is_green():
    state = state_of(registered(), *reports(5))
    assert colour(state, "2024-06-10") == "green"


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        # annual plan 12,000,000 → 1,000,000 a month; by June 10 five months are due.
        ("4000000.00", "green"),  # 8.3 points behind
        ("3800000.00", "yellow"),  # 10.0 points: the yellow threshold itself
        ("1400000.00", "yellow"),  # 30.0 points: still yellow
        ("1380000.00", "red"),  # 30.2 points: red
    ],
)
def test_investment_behind_the_time_proportional_plan_colours_the_board(reported, expected):
    may = fact("InvestmentReported", "2024-06-01", month="2024-05", amount=reported)
    state = state_of(registered(), may)
    assert rules(state, "2024-06-10").get("investment_behind") == (
        None if expected == "green" else expected
    )
    assert colour(state, "2024-06-10") == expected


def test_the_monthly_plan_replaces_the_straight_line_when_given():
    plan = ["0.00"] * 6 + ["2000000.00"] * 6
    state = state_of(registered(monthly_plan=plan))
    lag = investment_lag(state, day("2024-06-10"))
    assert lag is not None and lag.planned == Decimal(0) and lag.behind_pp == Decimal("0.0")


def test_the_plan_to_date_is_money_in_cents_as_the_assessment_states_it():
    """17,000,000.00 a year: by January's end 1,416,666.666…, shown and compared as
    1,416,666.67 (half up, as the assessment's due); how far behind is of the exact share."""
    state = state_of(registered(annual_plan="17000000.00"))
    lag = investment_lag(state, day("2024-02-10"))
    assert lag is not None and lag.planned == Decimal("1416666.67")
    assert str(lag.planned) == "1416666.67" and lag.behind_pp == Decimal("8.3")
    # half a cent rounds up (Python's format of a Decimal would round it to even)
    half = state_of(registered(annual_plan="0.06"))
    assert investment_lag(half, day("2024-02-10")).planned == Decimal("0.01")


def test_thresholds_come_from_configuration():
    may = fact("InvestmentReported", "2024-06-01", month="2024-05", amount="4000000.00")
    state = state_of(registered(), may)
    strict = Thresholds(investment_yellow_pp=Decimal(5))
    assert colour(state, "2024-06-10", strict) == "yellow"


def test_an_overdue_milestone_is_yellow_then_red_after_thirty_days():
    state = state_of(
        registered(),
        *reports(2),
        fact("MilestonePlanned", "2024-01-03", milestone_id="m", name="m", due="2024-03-01"),
    )
    assert rules(state, "2024-03-01").get("milestone_overdue") is None
    assert rules(state, "2024-03-31")["milestone_overdue"] == "yellow"  # 30 days
    assert rules(state, "2024-04-01")["milestone_overdue"] == "red"  # 31 days


def test_a_completed_milestone_is_not_overdue():
    state = state_of(
        registered(),
        fact("MilestonePlanned", "2024-01-03", milestone_id="m", name="m", due="2024-02-01"),
        fact("MilestoneCompleted", "2024-02-05", milestone_id="m"),
    )
    assert "milestone_overdue" not in rules(state, "2024-02-10")


def test_a_milestone_slipped_twice_is_red_and_escalated():
    planned = fact("MilestonePlanned", "2024-01-03", milestone_id="m", name="m", due="2024-03-01")
    once = fact("MilestoneSlipped", "2024-02-20", milestone_id="m", new_due="2024-04-01")
    twice = fact("MilestoneSlipped", "2024-03-20", milestone_id="m", new_due="2024-05-01")
    state = state_of(registered(), *reports(2), planned, once)
    assert colour(state, "2024-03-25") == "green"
    state = state_of(registered(), *reports(2), planned, once, twice)
    (slipped,) = [f for f in findings(state, day("2024-03-25"), T) if f.rule == "milestone_slipped"]
    assert slipped.colour == "red" and slipped.escalate
    assert slipped.evidence == (planned.event_id, once.event_id, twice.event_id)


@pytest.mark.parametrize(
    ("days_late", "expected"), [(29, None), (30, "yellow"), (89, "yellow"), (90, "red")]
)
def test_a_missed_planned_start_is_yellow_after_a_month_and_red_after_three(days_late, expected):
    state = state_of(registered(planned_start="2024-03-01"))
    today = (day("2024-03-01") + timedelta(days=days_late)).isoformat()
    assert rules(state, today).get("start_missed") == expected


def test_a_started_project_has_not_missed_its_start():
    state = state_of(
        registered(planned_start="2024-03-01"), fact("ConstructionStarted", "2024-03-20")
    )
    assert "start_missed" not in rules(state, "2024-08-01")


@pytest.mark.parametrize(
    ("open_days", "expected"), [(15, None), (16, "yellow"), (30, "yellow"), (31, "red")]
)
def test_a_problem_open_beyond_its_allowed_days_is_yellow_and_twice_that_red(open_days, expected):
    raised = fact(
        "IssueRaised", "2024-02-01", issue_id="i", kind="land", description="用地", allowed_days=15
    )
    state = state_of(registered(), raised)
    today = (day("2024-02-01") + timedelta(days=open_days)).isoformat()
    assert rules(state, today).get("issue_open") == expected


def test_a_resolved_problem_is_not_open():
    state = state_of(
        registered(),
        fact("IssueRaised", "2024-02-01", issue_id="i", kind="land", description="用地"),
        fact("IssueResolved", "2024-02-10", issue_id="i"),
    )
    assert "issue_open" not in rules(state, "2024-04-01")


def test_an_approval_pending_beyond_its_allowed_days_is_on_the_board():
    state = state_of(
        registered(),
        fact("ApprovalRequested", "2024-02-01", approval_id="a", kind="eia", allowed_days=20),
    )
    assert rules(state, "2024-02-21").get("approval_pending") is None
    assert rules(state, "2024-02-22")["approval_pending"] == "yellow"
    assert rules(state, "2024-03-13")["approval_pending"] == "red"


def test_no_investment_report_for_last_month_is_yellow():
    state = state_of(registered(), *reports(4))
    assert "investment_report_missing" not in rules(state, "2024-05-10")
    assert rules(state, "2024-06-10")["investment_report_missing"] == "yellow"


def test_a_project_registered_this_month_owes_no_report_for_last_month():
    state = state_of(registered(on="2024-03-05"))
    assert "investment_report_missing" not in rules(state, "2024-03-20")
    assert "investment_report_missing" not in rules(state, "2024-04-05")  # not due yet
    assert "investment_report_missing" in rules(state, "2024-04-06")


def test_a_failed_inspection_is_yellow_until_a_later_one_passes():
    failed = fact("InspectionCompleted", "2024-02-01", inspection_id="x", result="failed")
    passed = fact("InspectionCompleted", "2024-02-20", inspection_id="y", result="passed")
    assert (
        rules(state_of(registered(), *reports(1), failed), "2024-02-10")["inspection_failed"]
        == "yellow"
    )
    assert "inspection_failed" not in rules(
        state_of(registered(), *reports(1), failed, passed), "2024-02-25"
    )


def test_a_veto_incident_is_red_and_escalated():
    incident = fact(
        "SafetyIncidentReported", "2024-02-01", incident_id="s", kind="major_safety_accident"
    )
    found = findings(state_of(registered(), *reports(1), incident), day("2024-02-10"), T)
    assert [(f.rule, f.colour, f.escalate) for f in found] == [("veto_incident", "red", True)]


def test_a_commissioned_project_has_no_findings():
    state = state_of(
        registered(planned_start="2024-01-05"), fact("ProjectCommissioned", "2024-02-01")
    )
    assert findings(state, day("2024-09-01"), T) == []


def test_a_project_carried_into_the_next_year_owes_that_year_s_reports_by_its_plan():
    carried = fact("ProjectCarriedOver", "2025-01-10", from_year=2024, to_year=2025, reason="续建")
    state = state_of(registered(), *reports(11), carried)
    assert "investment_report_missing" in rules(state, "2025-02-10")  # January 2025
    lag = investment_lag(state, day("2025-02-10"))
    assert (lag.year, lag.months, lag.planned) == (2025, 1, Decimal("1000000"))  # as registered
    restated = fact(
        "ProjectCarriedOver",
        "2025-01-10",
        from_year=2024,
        to_year=2025,
        reason="续建",
        annual_plan="24000000.00",
    )
    state = state_of(registered(), *reports(11), restated)
    lag = investment_lag(state, day("2025-02-10"))
    assert (lag.year, lag.planned) == (2025, Decimal("2000000"))
    (behind,) = [f for f in findings(state, day("2025-03-10"), T) if f.rule == "investment_behind"]
    assert (behind.subject, restated.event_id in behind.evidence) == ("2025", True)


def test_a_project_not_carried_owes_no_report_in_the_next_year():
    state = state_of(registered(), *reports(11))
    assert "investment_report_missing" not in rules(state, "2025-02-10")
    assert investment_lag(state, day("2025-02-10")).year == 2024
