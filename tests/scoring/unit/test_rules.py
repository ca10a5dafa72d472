"""Each line of the default rulebook on hand-built histories (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.scoring.application.rulebooks import default_rulebook
from services.scoring.domain.replay import Replay
from shared.history import Amendments
from tests.scoring.builders import ZONE, Log, on, registration

YEAR_END = datetime(2024, 12, 31, 15, 59, 59, 999999, tzinfo=UTC)  # 23:59:59.999999 in Shanghai


def assess(log: Log, *, as_of: datetime = YEAR_END, rulebook=None):
    replay = Replay(2024, as_of, ZONE, Amendments(log.events))
    for event in log.events:
        replay.feed(event)
    return replay.result(rulebook or default_rulebook())


def project(result, project_id: str = "p1"):
    return next(p for p in result["projects"] if p["project_id"] == project_id)


def line(result, name: str, project_id: str = "p1"):
    return next(x for x in project(result, project_id)["lines"] if x["line"] == name)


def monthly_investment(log: Log, project_id: str, amount: str, months=range(1, 13)) -> None:
    for month in months:
        log.add(
            project_id,
            "InvestmentReported",
            {"month": f"2024-{month:02d}", "amount": amount},
            f"2024-{month:02d}-25",
        )


def exemplary(log: Log, project_id: str, **overrides) -> None:
    """A project that earns every point: commissioned, invested to plan, nothing late."""
    log.add(project_id, "ProjectRegistered", registration(project_id, **overrides), "2024-03-01")
    log.add(project_id, "ProjectCommissioned", {"note": ""}, "2024-11-20")
    monthly_investment(log, project_id, "100000.00")


def test_an_exemplary_project_earns_all_hundred_points_and_excellent():
    log = Log()
    exemplary(log, "p1")
    result = assess(log)
    assert project(result)["total"] == "100.00"
    assert project(result)["grade"] == "excellent"


@pytest.mark.parametrize(
    ("category", "achievement", "points"),
    [
        ("breakthrough", "ProjectCommissioned", "40.00"),
        ("breakthrough", "ProjectCompleted", "32.00"),
        ("breakthrough", "ConstructionStarted", "16.00"),
        ("new_start", "ConstructionStarted", "40.00"),
        ("preliminary", "ConstructionStarted", "40.00"),
    ],
)
def test_target_attainment_depends_on_the_category_and_the_best_achievement(
    category, achievement, points
):
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", category=category), "2024-03-01")
    evidence = log.add("p1", achievement, {"note": ""}, "2024-09-01")
    result = assess(log)
    target = line(result, "target_attainment")
    assert target["points"] == points
    position = next(e.global_position for e in log.events if e.event_id == evidence)
    assert target["evidence"] == [position]


def test_a_preliminary_project_earns_a_quarter_per_approval_granted():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", category="preliminary"), "2024-03-01")
    for n, kind in enumerate(("filing", "eia"), 1):
        log.add(
            "p1", "ApprovalGranted", {"approval_id": f"a{n}", "kind": kind}, f"2024-0{n + 4}-01"
        )
    assert line(assess(log), "target_attainment")["points"] == "20.00"


def test_nothing_achieved_earns_no_target_points():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    assert line(assess(log), "target_attainment")["points"] == "0.00"


def test_investment_is_scored_against_the_annual_plan_at_year_end():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", annual_plan="1200000.00"), "2024-03-01")
    monthly_investment(log, "p1", "50000.00")
    investment = line(assess(log), "investment")
    assert investment["points"] == "12.50"
    assert investment["figures"]["completed"] == "600000.00"
    assert len(investment["evidence"]) == 12


def test_investment_before_year_end_is_scored_against_time_proportional_progress():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", annual_plan="1200000.00"), "2024-03-01")
    monthly_investment(log, "p1", "100000.00", months=range(1, 7))
    as_of = on("2024-06-30").replace(hour=15, minute=59)
    investment = line(assess(log, as_of=as_of), "investment")
    assert investment["figures"]["due"] == "600000.00"
    assert investment["points"] == "25.00"


def test_investment_follows_the_monthly_plan_when_there_is_one():
    log = Log()
    plan = ["0.00"] * 6 + ["200000.00"] * 6
    log.add("p1", "ProjectRegistered", registration("p1", monthly_plan=plan), "2024-03-01")
    monthly_investment(log, "p1", "100000.00", months=range(1, 7))
    as_of = on("2024-07-31").replace(hour=15, minute=59)
    investment = line(assess(log, as_of=as_of), "investment")
    assert investment["figures"]["due"] == "200000.00"
    assert investment["points"] == "25.00"


def test_a_month_reported_twice_counts_once_with_the_later_figure():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", annual_plan="1000.00"), "2024-03-01")
    log.add("p1", "InvestmentReported", {"month": "2024-03", "amount": "400.00"}, "2024-03-25")
    log.add("p1", "InvestmentReported", {"month": "2024-03", "amount": "500.00"}, "2024-03-28")
    assert line(assess(log), "investment")["figures"]["completed"] == "500.00"


def test_milestones_are_judged_on_time_against_their_original_due_date():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    log.add(
        "p1",
        "MilestonePlanned",
        {"milestone_id": "m1", "name": "Foundations", "due": "2024-05-31"},
        "2024-03-02",
    )
    log.add(
        "p1",
        "MilestonePlanned",
        {"milestone_id": "m2", "name": "Frame", "due": "2024-08-31"},
        "2024-03-02",
    )
    log.add(
        "p1",
        "MilestonePlanned",
        {"milestone_id": "m3", "name": "Fit-out", "due": "2025-03-31"},
        "2024-03-02",
    )
    log.add("p1", "MilestoneCompleted", {"milestone_id": "m1"}, "2024-05-20")
    log.add("p1", "MilestoneSlipped", {"milestone_id": "m2", "new_due": "2024-10-31"}, "2024-08-01")
    log.add("p1", "MilestoneCompleted", {"milestone_id": "m2"}, "2024-10-15")
    milestones = line(assess(log), "milestones")
    assert milestones["figures"] == {"on_time": ["m1"], "late": ["m2"]}
    assert milestones["points"] == "7.50"


def latest_due_rulebook():
    """The default rulebook judging milestones against their latest due date."""
    from services.scoring.application.rulebooks import parse_rulebook

    document = default_rulebook().document | {"version": "latest-due"}
    document["lines"] = {
        **document["lines"],
        "milestones": {"points": "15", "judge_against": "latest_due"},
    }
    return parse_rulebook(document)


def test_a_slipped_milestone_is_on_time_when_the_rulebook_judges_the_latest_due_date():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    log.add(
        "p1",
        "MilestonePlanned",
        {"milestone_id": "m1", "name": "Frame", "due": "2024-08-31"},
        "2024-03-02",
    )
    log.add("p1", "MilestoneSlipped", {"milestone_id": "m1", "new_due": "2024-10-31"}, "2024-08-01")
    log.add("p1", "MilestoneCompleted", {"milestone_id": "m1"}, "2024-10-15")
    assert line(assess(log, rulebook=latest_due_rulebook()), "milestones")["points"] == "15.00"


def test_under_latest_due_a_milestone_slipped_into_next_year_is_late_in_its_first_year_only():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    planned = {"milestone_id": "m1", "name": "Frame", "due": "2024-06-30"}
    log.add("p1", "MilestonePlanned", planned, "2024-03-02")
    log.add("p1", "MilestoneSlipped", {"milestone_id": "m1", "new_due": "2024-09-30"}, "2024-06-01")
    log.add("p1", "MilestoneSlipped", {"milestone_id": "m1", "new_due": "2025-06-30"}, "2024-09-01")
    log.add("p1", "MilestoneCompleted", {"milestone_id": "m1"}, "2025-06-20")
    carried = {"p1": [2025]}
    figures = {}
    for year in (2024, 2025):
        replay = Replay(year, on(f"{year}-12-31"), ZONE, Amendments(log.events), carried)
        for event in log.events:
            replay.feed(event)
        result = replay.result(latest_due_rulebook())
        figures[year] = line(result, "milestones")["figures"]
    # Judged against 30 September 2024, the last due date it had in 2024.
    assert figures == {2024: {"on_time": [], "late": ["m1"]}, 2025: {"on_time": [], "late": []}}


def test_no_milestone_due_earns_full_milestone_points():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    log.add(
        "p1",
        "MilestonePlanned",
        {"milestone_id": "m1", "name": "Later", "due": "2025-06-30"},
        "2024-03-02",
    )
    assert line(assess(log), "milestones")["points"] == "15.00"


def test_problems_count_as_resolved_in_time_only_within_their_allowed_days():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    log.add(
        "p1",
        "IssueRaised",
        {"issue_id": "i1", "kind": "land", "description": "x", "allowed_days": 10},
        "2024-04-01",
    )
    log.add("p1", "IssueResolved", {"issue_id": "i1"}, "2024-04-08")
    log.add(
        "p1",
        "IssueRaised",
        {"issue_id": "i2", "kind": "power", "description": "y", "allowed_days": 10},
        "2024-06-01",
    )
    log.add("p1", "IssueResolved", {"issue_id": "i2"}, "2024-06-30")
    log.add(
        "p1",
        "IssueRaised",
        {"issue_id": "i3", "kind": "water", "description": "z", "allowed_days": 30},
        "2024-12-20",
    )
    issues = line(assess(log), "issues")
    assert issues["figures"] == {"in_time": ["i1"], "overdue": ["i2"]}
    assert issues["points"] == "5.00"


def test_failed_inspections_and_criticism_cost_supervision_points_and_commendations_cap():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    log.add("p1", "InspectionCompleted", {"inspection_id": "s1", "result": "failed"}, "2024-05-01")
    log.add("p1", "InspectionCompleted", {"inspection_id": "s2", "result": "passed"}, "2024-06-01")
    log.add(
        "p1",
        "SupervisionNoticeIssued",
        {"notice_id": "n1", "kind": "criticism", "title": "Slow"},
        "2024-07-01",
    )
    assert line(assess(log), "supervision")["points"] == "4.00"
    log.add(
        "p1",
        "SupervisionNoticeIssued",
        {"notice_id": "n2", "kind": "commendation", "title": "Good"},
        "2024-08-01",
    )
    log2 = Log()
    log2.add("p2", "ProjectRegistered", registration("p2"), "2024-03-01")
    log2.add(
        "p2",
        "SupervisionNoticeIssued",
        {"notice_id": "n3", "kind": "commendation", "title": "Good"},
        "2024-08-01",
    )
    assert line(assess(log), "supervision")["points"] == "5.00"
    assert line(assess(log2), "supervision", "p2")["points"] == "10.00"


@pytest.mark.parametrize(
    "kind", ["major_safety_accident", "ecological_red_line", "illegal_farmland"]
)
def test_a_veto_caps_the_grade_at_unqualified_whatever_the_points(kind):
    log = Log()
    exemplary(log, "p1")
    log.add("p1", "SafetyIncidentReported", {"incident_id": "x1", "kind": kind}, "2024-07-01")
    scored = project(assess(log))
    assert scored["total"] == "100.00"
    assert scored["grade"] == "unqualified"
    assert [v["kind"] for v in scored["vetoes"]] == [kind]


def test_an_incident_that_is_not_a_veto_leaves_the_grade_alone():
    log = Log()
    exemplary(log, "p1")
    log.add("p1", "SafetyIncidentReported", {"incident_id": "x1", "kind": "other"}, "2024-07-01")
    assert project(assess(log))["grade"] == "excellent"


def test_projects_of_another_year_and_events_after_as_of_do_not_count():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    log.add("p1", "ProjectCommissioned", {"note": ""}, "2025-01-10")
    log.add("p9", "ProjectRegistered", registration("p9", year=2023), "2023-03-01")
    result = assess(log)
    assert [p["project_id"] for p in result["projects"]] == ["p1"]
    assert line(result, "target_attainment")["points"] == "0.00"


def test_a_correction_replaces_the_payload_and_joins_the_evidence():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", annual_plan="1000.00"), "2024-03-01")
    report = log.add(
        "p1", "InvestmentReported", {"month": "2024-03", "amount": "100.00"}, "2024-03-25"
    )
    correction = log.correct("p1", report, {"month": "2024-03", "amount": "1000.00"})
    investment = line(assess(log), "investment")
    assert investment["points"] == "25.00"
    assert log.position_of(correction) in investment["evidence"]


def test_a_retraction_removes_the_event_and_says_so():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    started = log.add("p1", "ConstructionStarted", {"note": ""}, "2024-04-01")
    retraction = log.retract("p1", started)
    target = line(assess(log), "target_attainment")
    assert target["points"] == "0.00"
    assert log.position_of(retraction) in target["evidence"]
    assert "已撤回" in target["explanation"]


def test_a_correction_pointing_into_another_stream_is_ignored():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1"), "2024-03-01")
    started = log.add("p1", "ConstructionStarted", {"note": ""}, "2024-04-01")
    log.add("p2", "ProjectRegistered", registration("p2"), "2024-03-01")
    log.retract("p2", started)
    assert line(assess(log), "target_attainment")["points"] == "16.00"


def test_units_and_leaders_roll_up_weighted_by_annual_plan():
    log = Log()
    exemplary(log, "p1", annual_plan="1200000.00", lead_unit="Unit A", leader="Leader A")
    log.add(
        "p2",
        "ProjectRegistered",
        registration("p2", annual_plan="400000.00", lead_unit="Unit A", leader="Leader B"),
        "2024-03-01",
    )
    log.add("p2", "ProjectCommissioned", {"note": ""}, "2024-11-20")  # 40 + 0 + 15 + 10 + 10 = 75
    result = assess(log)
    assert project(result, "p2")["total"] == "75.00"
    unit = next(u for u in result["units"] if u["name"] == "Unit A")
    expected = (Decimal(100) * 1200000 + Decimal(75) * 400000) / 1600000
    assert Decimal(unit["total"]) == expected.quantize(Decimal("0.01"))
    assert {leader["name"]: leader["total"] for leader in result["leaders"]} == {
        "Leader A": "100.00",
        "Leader B": "75.00",
    }


def test_equal_scores_share_a_rank_within_their_category_and_the_next_rank_is_skipped():
    log = Log()
    for project_id in ("p1", "p2"):
        exemplary(log, project_id)
    log.add("p3", "ProjectRegistered", registration("p3"), "2024-03-01")
    log.add("p4", "ProjectRegistered", registration("p4", category="new_start"), "2024-03-01")
    result = assess(log)
    ranks = {p["project_id"]: p["rank"] for p in result["projects"]}
    assert ranks == {"p1": 1, "p2": 1, "p3": 3, "p4": 1}


def test_advanced_units_are_the_top_share_and_the_bottom_share_is_listed_for_criticism():
    log = Log()
    for n in range(1, 6):
        project_id = f"p{n}"
        log.add(
            project_id,
            "ProjectRegistered",
            registration(project_id, lead_unit=f"Unit {n}"),
            "2024-03-01",
        )
        monthly_investment(log, project_id, f"{n * 20000}.00")  # the higher n, the better
    log.add(
        "p5",
        "SafetyIncidentReported",
        {"incident_id": "x", "kind": "illegal_farmland"},
        "2024-06-01",
    )
    result = assess(log)
    # 20% of 5 units is one; Unit 5 has the most points but is vetoed: it ranks last
    # and takes no place, so Unit 4 is advanced; 10% of the 4 others is one (Unit 1).
    assert result["advanced_units"] == ["Unit 4"]
    assert sorted(result["criticised_units"]) == ["Unit 1", "Unit 5"]
    assert result["units"][-1]["name"] == "Unit 5" and result["units"][-1]["vetoed"]
    assert result["units"][-1]["rank"] == 5


def test_campaign_totals_count_grades_and_compare_investment_with_the_target():
    log = Log()
    exemplary(log, "p1")
    log.add("p2", "ProjectRegistered", registration("p2", category="new_start"), "2024-03-01")
    campaign = assess(log)["campaign"]
    assert campaign["projects"] == 2
    assert campaign["investment_completed"] == "1200000.00"
    assert campaign["investment_target"] == "4500000000.00"
    assert campaign["grade_counts"]["excellent"] == 1
    assert campaign["by_category"]["breakthrough"] == {
        "target": 18,
        "registered": 1,
        "full_attainment": 1,
    }


def test_a_correction_that_does_not_fit_the_event_is_not_applied():
    log = Log()
    log.add("p1", "ProjectRegistered", registration("p1", annual_plan="1000.00"), "2024-03-01")
    report = log.add(
        "p1", "InvestmentReported", {"month": "2024-03", "amount": "1000.00"}, "2024-03-25"
    )
    correction = log.correct("p1", report, {"amount": "not money"})
    investment = line(assess(log), "investment")
    assert investment["points"] == "25.00"
    assert log.position_of(correction) not in investment["evidence"]


def test_every_line_explains_itself_in_chinese_beside_its_code():
    log = Log()
    exemplary(log, "p1")
    log.add("p1", "InspectionCompleted", {"inspection_id": "x1", "result": "failed"}, "2024-06-01")
    log.add(
        "p1",
        "SupervisionNoticeIssued",
        {"notice_id": "n1", "kind": "criticism", "title": "通报"},
        "2024-07-01",
    )
    lines = {x["line"]: x["explanation"] for x in project(assess(log))["lines"]}
    assert lines["supervision"] == "通报批评1次、督查不合格1次：本项10分，计4分"
    assert lines["investment"].startswith("完成投资120.00万元，按序时进度（1—12月")
    assert lines["target_attainment"] == (
        "突破性进展或完工投产类项目：2024年11月20日已投产，得本项分值的100.0%"
    )
    for text in lines.values():
        assert not any(word in text for word in ("of", "points", "due", "category")), text
