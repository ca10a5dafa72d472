"""The figures of the 挂图作战 page and its charts, from plain project states."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.console import campaign, charts
from services.scheduling.domain.plan import Targets
from services.scheduling.domain.project import Approval, Investment, ProjectState


def state(pid: str, category: str, phase: str = "preliminary", **extra) -> ProjectState:  # type: ignore[no-untyped-def]
    return ProjectState(
        project_id=pid,
        name=pid,
        category=category,
        sector="商贸",
        town="城关镇",
        year=2025,
        annual_plan=Decimal("1200"),
        monthly_plan=None,
        major=False,
        cadence="monthly",
        leader="王县长",
        lead_unit="县发改局",
        owner_unit="某公司",
        registered_on=date(2025, 3, 1),
        registered_event="e0",
        phase=phase,
        **extra,
    )


def granted(n: int) -> dict[str, Approval]:
    return {
        f"a{i}": Approval(f"a{i}", "eia", date(2025, 3, 1), 20, date(2025, 4, 1), "granted")
        for i in range(n)
    }


def test_targets_count_what_each_category_must_reach():
    states = [
        state("b1", "breakthrough", "started"),
        state("b2", "breakthrough", "commissioned"),
        state("n1", "new_start", "started"),
        state("p1", "preliminary", approvals=granted(4)),
        state("p2", "preliminary", approvals=granted(3)),
    ]
    found = {t.category: t for t in campaign.targets(states, Targets())}
    assert (found["breakthrough"].target, found["breakthrough"].projects) == (18, 2)
    assert found["breakthrough"].achieved == 1
    assert found["new_start"].achieved == 1
    assert found["preliminary"].achieved == 1


def test_monthly_investment_leaves_months_after_as_of_empty():
    one = state("b1", "breakthrough", "started")
    one.investments = {
        "2025-03": Investment(Decimal("300"), "e1"),
        "2025-07": Investment(Decimal("5"), "e2"),
    }
    plan, actual = campaign.monthly([one], 2025, date(2025, 6, 30))
    assert plan == [Decimal("100")] * 12
    assert actual[2] == Decimal("300") and actual[5] == Decimal(0) and actual[6] is None


def test_a_carried_project_s_months_follow_the_plan_of_the_year_shown():
    kept = state("k1", "breakthrough", "started", carried_into=[2026])
    kept.carried_plans = {"2026": {"annual_plan": "2400.00", "monthly_plan": None}}
    assert campaign.monthly([kept], 2025, date(2025, 6, 30))[0] == [Decimal("100")] * 12
    assert campaign.monthly([kept], 2026, date(2026, 6, 30))[0] == [Decimal("200")] * 12


def test_the_wall_puts_red_first_and_groups_with_most_red_first():
    rows = [
        {
            "project_id": p,
            "name": p,
            "status": c,
            "phase": "started",
            "reasons": [],
            "leader": who,
            "lead_unit": "u",
            "town": "t",
            "major": False,
        }
        for p, c, who in (("a", "green", "甲"), ("b", "red", "乙"), ("c", "yellow", "甲"))
    ]
    wall = campaign.cards(rows, {}, date(2025, 12, 31))
    assert [c.project_id for c in wall] == ["b", "c", "a"]
    assert [name for name, _ in campaign.grouped(wall, "leader")] == ["乙", "甲"]
    assert wall[0].colour_label == "红" and wall[2].reason == "按计划推进"


def test_the_month_chart_draws_reached_months_only_and_scales_to_the_peak():
    chart = charts.month_chart([Decimal(100)] * 12, [Decimal(100)] * 6 + [None] * 6)
    assert len(chart.bars) == 6
    assert chart.bars[5].height > chart.bars[0].height
    tops = [float(p.split(",")[1]) for p in chart.plan_points.split()]
    assert min(tops) == chart.height - 28 - (chart.height - 28 - 12)  # the plan's end is the peak


def test_milestone_spans_show_slips_and_late_completion():
    (span,) = charts.milestone_spans(
        [
            {
                "name": "封顶",
                "due": date(2025, 6, 30),
                "now": date(2025, 9, 30),
                "completed_on": date(2025, 10, 5),
                "slips": 2,
            }
        ],
        2025,
    )
    assert span.now_x > span.due_x and span.late and span.slips == 2
    assert span.done_x is not None and span.done_x > span.now_x
