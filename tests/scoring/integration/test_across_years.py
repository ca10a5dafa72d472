"""Across campaign years (the issue's second auditor scenario, on SQLite and PostgreSQL):
a project carried into the next campaign owes its reports there by that year's plan, on
the board and in the assessment alike; a milestone is judged against the due date it had
in the year it was first due, and its lateness counts once, whatever is carried or
corrected later."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.scheduling.domain.rules import investment_lag
from services.scheduling.wiring import SchedulingParts
from services.scoring.application import assessments
from services.scoring.domain.diff import diff_results
from shared.eventstore import end_of_day
from tests.scoring.builders import ZONE, registration

CUT_OFF = date(2026, 11, 10)
"""October 2026's report was due on 5 November."""
KNOWN = date(2026, 12, 2)
"""What the office knew in December 2026 (the year not over yet: December's reports are
not due, the milestones all are)."""


def stored(runtime, records, year: int, as_of: date | None, known_at: date):
    """The stored assessment of ``year`` (run now)."""
    request = assessments.request_for(
        runtime.store, year, as_of=as_of, known_at=known_at, rulebook_version=None, zone=ZONE
    )
    job, _ = assessments.submit(records, request)
    job = assessments.run(runtime.store, records, job["job_id"], ZONE)
    return records.assessment(job["assessment_id"])


def assessed(runtime, records, year: int, as_of: date | None, known_at: date):
    return stored(runtime, records, year, as_of, known_at)["result"]


def project_diff(runtime, before, after, project_id: str):
    recorded = assessments.recorded_between(runtime.store, before, after)
    diff = diff_results(before["result"], after["result"], recorded)
    (found,) = [p for p in diff["projects"] if p["project_id"] == project_id]
    return found


def line(project, name: str):
    return next(line for line in project["lines"] if line["line"] == name)


def by_id(result):
    return {p["project_id"]: p for p in result["projects"]}


def carried_with_a_new_plan(history) -> str:
    """A 2025 project under construction, reporting every month of 2025 and January to
    September 2026 (not October), carried into 2026 with 2026's plan of 2.4 million."""
    history.record_on("2025-03-01")
    history.register("kept", "2025-03-01", year=2025, annual_plan="1200000.00")
    for month in range(3, 13):
        history.record_on(f"2025-{month:02d}-28")
        report = {"month": f"2025-{month:02d}", "amount": "100000.00"}
        history.add("kept", "InvestmentReported", report, f"2025-{month:02d}-28")
    history.record_on("2026-01-10")
    carry = {"from_year": 2025, "to_year": 2026, "reason": "续建", "annual_plan": "2400000.00"}
    carried = history.add("kept", "ProjectCarriedOver", carry, "2026-01-10")
    for month in range(1, 10):
        history.record_on(f"2026-{month:02d}-28")
        report = {"month": f"2026-{month:02d}", "amount": "90000.00"}
        history.add("kept", "InvestmentReported", report, f"2026-{month:02d}-28")
    history.record_on(CUT_OFF.isoformat())
    return carried


def test_a_carried_project_owes_its_reports_by_the_new_year_s_plan_on_board_and_assessment(
    runtime, records, history
):
    carried = carried_with_a_new_plan(history)
    service = SchedulingParts.of(runtime).service
    known_at = end_of_day(CUT_OFF, ZONE)
    board, states = service.board_and_states(known_at, known_at, {"campaign": 2026})
    (row,) = board["projects"]
    rules = {reason["rule"]: reason for reason in row["reasons"]}
    assert "investment_report_missing" in rules  # October 2026
    assert "investment_behind" in rules
    (state,) = states
    lag = investment_lag(state, CUT_OFF, service.config.thresholds.report_grace_days)
    assert (lag.year, lag.planned, lag.actual) == (2026, Decimal("2000000"), Decimal("810000"))

    project = by_id(assessed(runtime, records, 2026, CUT_OFF, CUT_OFF))["kept"]
    investment = line(project, "investment")
    assert investment["figures"]["missing_months"] == ["2026-10"]
    assert (Decimal(investment["figures"]["due"]), Decimal(investment["figures"]["completed"])) == (
        lag.planned,
        lag.actual,
    )
    assert project["annual_plan"] == "2400000.00"
    assert history.position_of(carried) in investment["evidence"]

    last_year = by_id(assessed(runtime, records, 2025, None, CUT_OFF))["kept"]
    assert last_year["annual_plan"] == "1200000.00"  # 2025 keeps its own plan


def slipped_into_next_year(history) -> dict[str, str]:
    """Unit A's project, registered for 2025: milestone m1 due 30 September 2025, slipped
    in August to June 2026 and met on 20 June 2026. Unit B's 2026 project: one milestone
    on time, one late. Everything else the same."""
    history.record_on("2025-03-01")
    registered = registration("moved", year=2025, lead_unit="Unit A")
    events = {"registered": history.add("moved", "ProjectRegistered", registered, "2025-03-01")}
    planned = {"milestone_id": "m1", "name": "主体封顶", "due": "2025-09-30"}
    history.add("moved", "MilestonePlanned", planned, "2025-03-01")
    history.record_on("2025-08-20")
    slip = {"milestone_id": "m1", "new_due": "2026-06-30", "reason": "征地滞后"}
    history.add("moved", "MilestoneSlipped", slip, "2025-08-20")
    history.record_on("2026-03-01")
    history.register("steady", "2026-03-01", year=2026, lead_unit="Unit B")
    for milestone_id, due in (("a", "2026-05-31"), ("b", "2026-06-30")):
        planned = {"milestone_id": milestone_id, "name": "节点", "due": due}
        history.add("steady", "MilestonePlanned", planned, "2026-03-01")
    for project_id, milestone_id, day in (
        ("steady", "a", "2026-05-20"),
        ("moved", "m1", "2026-06-20"),
        ("steady", "b", "2026-07-15"),
    ):
        history.record_on(day)
        history.add(project_id, "MilestoneCompleted", {"milestone_id": milestone_id}, day)
    return events


def milestones(result, project_id: str):
    figures = line(by_id(result)[project_id], "milestones")["figures"]
    return figures["on_time"], figures["late"]


def test_a_slipped_milestone_is_late_in_the_year_it_was_first_due_and_only_there(
    runtime, records, history
):
    slipped_into_next_year(history)
    history.record_on("2026-07-20")
    carry = {"from_year": 2025, "to_year": 2026, "reason": "续建"}
    history.add("moved", "ProjectCarriedOver", carry, "2026-01-10")
    history.record_on("2026-12-01")
    assert milestones(assessed(runtime, records, 2025, None, KNOWN), "moved") == (
        [],
        ["m1"],
    )
    assert milestones(assessed(runtime, records, 2026, None, KNOWN), "moved") == (
        [],
        [],
    )


def test_a_project_moved_into_the_next_year_by_a_correction_still_counts_its_late_milestone_once(
    runtime, records, history
):
    events = slipped_into_next_year(history)
    history.record_on("2026-08-02")
    moved = {
        "corrected_event_id": events["registered"],
        "payload": registration("moved", year=2026, lead_unit="Unit A"),
        "reason": "项目应纳入2026年攻坚年",
    }
    history.add("moved", "EventCorrected", moved, "2026-08-02")
    history.record_on("2026-12-01")
    last_year = assessed(runtime, records, 2025, None, KNOWN)
    assert "moved" not in by_id(last_year)
    this_year = assessed(runtime, records, 2026, None, KNOWN)
    assert milestones(this_year, "moved") == ([], ["m1"])  # judged against 30 September 2025
    assert milestones(this_year, "steady") == (["a"], ["b"])
    assert this_year["advanced_units"] == ["Unit B"]
    assert this_year["criticised_units"] == ["Unit A"]


def test_the_diff_names_the_correction_that_moved_a_project_on_every_line_of_both_years(
    runtime, records, history
):
    events = slipped_into_next_year(history)
    history.record_on("2026-08-01")
    last_year_before = stored(runtime, records, 2025, None, date(2026, 8, 1))
    this_year_before = stored(runtime, records, 2026, None, date(2026, 8, 1))
    history.record_on("2026-08-02")
    moved = {
        "corrected_event_id": events["registered"],
        "payload": registration("moved", year=2026, lead_unit="Unit A"),
        "reason": "项目应纳入2026年攻坚年",
    }
    correction = history.position_of(history.add("moved", "EventCorrected", moved, "2026-08-02"))
    history.record_on("2026-08-03")
    last_year_after = stored(runtime, records, 2025, None, date(2026, 8, 3))
    this_year_after = stored(runtime, records, 2026, None, date(2026, 8, 3))

    removed = project_diff(runtime, last_year_before, last_year_after, "moved")
    added = project_diff(runtime, this_year_before, this_year_after, "moved")
    assert (removed["status"], added["status"]) == ("removed", "added")
    for changed in (removed, added):
        assert changed["events_changed_by"] == [correction]
        assert {line["line"] for line in changed["lines"]} >= {"milestones", "supervision"}
        for line_ in changed["lines"]:
            assert line_["events_changed_by"] == [correction], line_
    went = next(line_ for line_ in removed["lines"] if line_["line"] == "supervision")
    assert (went["before"], went["after"]) == ("10.00", None)  # a line that went to nothing
    came = next(line_ for line_ in added["lines"] if line_["line"] == "milestones")
    assert (came["before"], came["after"]) == (None, "0.00")


def test_the_diff_names_the_retraction_that_took_a_carried_project_out_of_the_year(
    runtime, records, history
):
    carried = carried_with_a_new_plan(history)
    before = stored(runtime, records, 2026, CUT_OFF, CUT_OFF)
    history.record_on("2026-11-20")
    withdrawn = {"retracted_event_id": carried, "reason": "误报结转"}
    retraction = history.position_of(
        history.add("kept", "EventRetracted", withdrawn, CUT_OFF.isoformat())
    )
    after = stored(runtime, records, 2026, CUT_OFF, date(2026, 11, 20))
    removed = project_diff(runtime, before, after, "kept")
    assert removed["status"] == "removed"
    assert removed["events_changed_by"] == [retraction]
    assert len(removed["lines"]) == 5
    for line_ in removed["lines"]:
        assert line_["after"] is None and line_["events_changed_by"] == [retraction], line_
