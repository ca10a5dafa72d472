"""December's investment reports are due in January (by the day the rulebook names): the
assessment's default cut-off takes them, and the board and the assessment agree for
every project on the same ``as_of`` and ``known_at``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.scheduling.domain.rules import investment_lag
from services.scheduling.wiring import SchedulingParts
from services.scoring.application import assessments
from services.scoring.application.rulebooks import default_rulebook
from shared.eventstore import end_of_day
from tests.scoring.builders import ZONE

DEADLINE = date(2025, 1, default_rulebook().report_due_day)
CUT_OFF = date(2025, 1, DEADLINE.day + 1)
"""The default cut-off: the first day after the deadline, when December's report is due
on the board too."""


def campaign(history) -> None:
    """p1 reports December on 3 January, p2 on the deadline, p3 late (8 January), p4 never."""
    history.record_on("2024-03-01")
    for n in (1, 2, 3, 4):
        history.register(f"p{n}", annual_plan="1200000.00", lead_unit=f"Unit {n}")
    for month in range(1, 12):
        history.record_on(f"2024-{month:02d}-28")
        for n in (1, 2, 3, 4):
            report = {"month": f"2024-{month:02d}", "amount": "100000.00"}
            history.add(f"p{n}", "InvestmentReported", report, f"2024-{month:02d}-28")
    december = {"month": "2024-12", "amount": "100000.00"}
    for project_id, day in (
        ("p1", "2025-01-03"),
        ("p2", DEADLINE.isoformat()),
        ("p3", "2025-01-08"),
    ):
        history.record_on(day)
        history.add(project_id, "InvestmentReported", december, day)


def assessed(runtime, records, **asked):
    request = assessments.request_for(
        runtime.store, 2024, rulebook_version=None, zone=ZONE, **asked
    )
    job, _ = assessments.submit(records, request)
    job = assessments.run(runtime.store, records, job["job_id"], ZONE)
    return {
        p["project_id"]: p for p in records.assessment(job["assessment_id"])["result"]["projects"]
    }


def investment(project):
    return next(line for line in project["lines"] if line["line"] == "investment")


def test_the_default_cut_off_takes_december_reports_due_in_january(runtime, records, history):
    campaign(history)
    projects = assessed(runtime, records, as_of=None, known_at=CUT_OFF)
    assert {p: investment(s)["figures"]["missing_months"] for p, s in projects.items()} == {
        "p1": [],
        "p2": [],
        "p3": ["2024-12"],
        "p4": ["2024-12"],
    }
    assert projects["p1"]["completed_investment"] == "1200000.00"


def test_the_board_and_the_assessment_agree_for_every_project_on_the_same_cut_off(
    runtime, records, history
):
    campaign(history)
    known_at = end_of_day(CUT_OFF, ZONE)
    projects = assessed(runtime, records, as_of=CUT_OFF, known_at=CUT_OFF)
    service = SchedulingParts.of(runtime).service
    # The 2024 campaign's board in January 2025 (by default a date in 2025 shows 2025's).
    board, states = service.board_and_states(
        end_of_day(CUT_OFF, ZONE), known_at, {"campaign": 2024}
    )
    grace = service.config.thresholds.report_grace_days
    assert grace == default_rulebook().report_due_day
    missing = {
        row["project_id"]
        for row in board["projects"]
        for reason in row["reasons"]
        if reason["rule"] == "investment_report_missing"
    }
    assert missing == {"p3", "p4"}
    for state in states:
        lag = investment_lag(state, CUT_OFF, grace)
        figures = investment(projects[state.project_id])["figures"]
        assert (lag.planned, lag.actual) == (Decimal(figures["due"]), Decimal(figures["completed"]))
        assert (state.project_id in missing) == bool(figures["missing_months"])
    default = assessed(runtime, records, as_of=None, known_at=CUT_OFF)
    assert {p: s["total"] for p, s in default.items()} == {
        p: s["total"] for p, s in projects.items()
    }
