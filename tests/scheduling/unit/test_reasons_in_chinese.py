"""Every reason a person reads on the board and the agenda is written in Chinese, with the
rule's code beside it; money in 万元, dates as the office writes them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from services.scheduling.domain.calendar import WorkingCalendar
from services.scheduling.domain.periods import Period
from services.scheduling.domain.plan import OpenAction, PlanInputs, build_plan
from services.scheduling.domain.reasons import LEGACY_EN, reason
from services.scheduling.domain.rules import (
    AGENDA_RULES,
    Thresholds,
    findings,
)

from .facts import fact, registered, state_of

ENGLISH_WORD = re.compile(r"\b(?!m\d|i\d|a\d|x\d)[A-Za-z]{3,}\b")


def _everything_wrong():
    return state_of(
        registered(planned_start="2024-01-10", major=True),
        fact(
            "MilestonePlanned", "2024-01-03", milestone_id="m1", name="主体封顶", due="2024-01-20"
        ),
        fact("MilestoneSlipped", "2024-01-04", milestone_id="m1", new_due="2024-01-25"),
        fact("MilestoneSlipped", "2024-01-05", milestone_id="m1", new_due="2024-02-01"),
        fact(
            "MilestonePlanned", "2024-01-03", milestone_id="m2", name="设备安装", due="2024-03-15"
        ),
        fact("ApprovalRequested", "2024-01-03", approval_id="a1", kind="eia", allowed_days=10),
        fact("IssueRaised", "2024-01-03", issue_id="i1", kind="land", description="征地拆迁未完成"),
        fact("InspectionCompleted", "2024-02-20", inspection_id="x1", result="failed"),
        fact("SafetyIncidentReported", "2024-02-21", incident_id="s1", kind="illegal_farmland"),
    )


def test_every_rule_gives_its_reason_in_chinese_beside_its_code():
    state = _everything_wrong()
    period = Period.parse("weekly", "2024-W11")
    found = findings(state, date(2024, 3, 11), Thresholds(), period)
    # 未入统 needs a started project, 未按计划开工 one not started: test_statistics_rule.py
    assert {f.rule for f in found} >= set(AGENDA_RULES) - {"follow_up", "statistics_missing"}
    for finding in found:
        assert finding.rule in AGENDA_RULES
        assert not ENGLISH_WORD.search(finding.reason), finding.reason


def test_a_carried_action_says_in_chinese_since_when_it_is_open():
    state = state_of(registered(major=True))
    action = OpenAction("A1", "p1", "issue_open:i9", "发改局", date(2024, 3, 1), "2024-W09", "协调")
    plan = build_plan(
        PlanInputs(
            "weekly", Period.parse("weekly", "2024-W10"), [state], [action], WorkingCalendar()
        )
    )
    items = [i for g in plan["groups"] for i in g["items"] if i["rule"] == "follow_up"]
    assert items[0]["reason"] == "2024年第9周交办事项尚未办结（应于2024年3月1日前完成）：协调"
    assert plan["scope"]["rule"] == "重大项目、周调度项目及全部红色项目"


def test_the_investment_reason_reads_as_the_office_writes_it():
    facts = {
        "months": 10,
        "planned": Decimal("65490900.00"),
        "actual": Decimal(0),
        "behind_pp": Decimal("83.3"),
    }
    assert reason("investment_behind", facts) == (
        "1—10月计划投资6,549.09万元，完成0万元，落后序时进度83.3个百分点"
    )


def test_an_overdue_milestone_names_its_due_date_in_chinese():
    state = _everything_wrong()
    overdue = [
        f for f in findings(state, date(2024, 3, 11), Thresholds()) if f.rule == "milestone_overdue"
    ]
    assert overdue[0].reason == "节点“主体封顶”应于2024年2月1日完成，已逾期39天"


def test_plans_made_before_the_chinese_texts_keep_their_english_wording():
    facts = {"name": "m1", "late": 69, "due": date(2024, 2, 1)}
    assert reason("milestone_overdue", facts, LEGACY_EN) == (
        "milestone 'm1' overdue by 69 days (due 2024-02-01)"
    )
