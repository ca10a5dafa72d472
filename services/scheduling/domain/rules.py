"""The rules that colour the board and put a project on an agenda, with their thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.campaign import year_judged
from shared.events.codes import VETO_INCIDENTS

from .periods import Period, previous_month
from .project import ProjectState
from .reasons import ZH, reason

CENT = Decimal("0.01")

GREEN, YELLOW, RED = "green", "yellow", "red"
COLOURS = (GREEN, YELLOW, RED)
AGENDA_RULES = (
    "milestone_slipped",
    "milestone_overdue",
    "milestone_due",
    "start_missed",
    "approval_pending",
    "issue_open",
    "investment_behind",
    "inspection_failed",
    "investment_report_missing",
    "veto_incident",
    "follow_up",
    "statistics_missing",
)
"""Why a project is on an agenda: the ``rule`` code of each agenda item."""
RECORDED_ITEMS = ("site_decision", "inspection_finding")
"""Agenda items no rule finds, the office records them: a site meeting's decision (its
action's item is ``site_decision:<record>#<number>``, carried as ``follow_up``) and an
inspection round's problem finding (``inspection_finding:<round>#<number>``)."""
ACTION_STATUSES = ("open", "closed")
"""A follow-up action as the read model keeps it."""
ITEM_ACTION_STATUSES = ("new", "carried")
"""An agenda item's action: assigned by this period, or carried from an earlier one."""
_RANK = {GREEN: 0, YELLOW: 1, RED: 2}


@dataclass(frozen=True)
class Thresholds:
    """Board and agenda thresholds; defaults from practice (see docs/scheduling.md)."""

    investment_yellow_pp: Decimal = Decimal(10)
    investment_red_pp: Decimal = Decimal(30)
    milestone_red_days: int = 30
    milestone_escalate_slips: int = 2
    start_yellow_days: int = 30
    start_red_days: int = 90
    issue_red_factor: int = 2
    approval_red_factor: int = 2
    inspection_failed_is_yellow: bool = True
    missing_report_is_yellow: bool = True
    report_grace_days: int = 5
    """A month's investment report is due by this day of the next month."""
    statistics_yellow_months: int = 1
    """入库 rule, the county's own choice: started this many months and not 入统 is yellow."""
    statistics_red_months: int = 2
    """… and this many months is red (0 for either: that colour is not given)."""
    statistics_since: date = date(2026, 1, 1)
    """… for projects started on or after this day: the county began recording 入统 with
    its 2026 campaign, so earlier starts (and plans made of them) are not judged by it."""


@dataclass(frozen=True)
class Finding:
    """One reason a project needs attention: its board colour (if any) and its evidence.
    ``facts`` are what its reason says, in any wording (`reasons`)."""

    rule: str
    subject: str
    facts: Mapping[str, Any]
    evidence: tuple[str, ...]
    colour: str | None = None
    agenda: bool = True
    escalate: bool = False
    assignee: str = ""

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"

    @property
    def reason(self) -> str:
        return self.text(ZH)

    def text(self, texts: str) -> str:
        return reason(self.rule, self.facts, texts)


@dataclass(frozen=True)
class InvestmentLag:
    months: int
    planned: Decimal
    actual: Decimal
    behind_pp: Decimal
    evidence: tuple[str, ...] = field(default=())
    year: int = 0
    """The campaign year judged (`shared.campaign.year_judged`)."""
    plan_event: str = ""
    """The event that stated that year's plan (the registration, or a carry-over)."""


def last_reported_month(today: date, grace_days: int) -> str:
    """The latest month whose investment report is due by ``today``."""
    return previous_month(today - timedelta(days=grace_days))


def investment_lag(state: ProjectState, today: date, grace_days: int = 5) -> InvestmentLag | None:
    """How far the reported investment is behind the time-proportional plan (序时进度),
    in percentage points of the annual plan, counting months whose reports are due: of the
    campaign year the month is judged in, by that year's plan (a carried project's too)."""
    last = last_reported_month(today, grace_days)
    year, month = int(last[:4]), int(last[5:])
    judged = year_judged(state.campaign_years, year)
    if judged is None:
        return None
    plan, stated_by = state.plan_and_event(judged)
    if plan.annual <= 0:
        return None
    months = 12 if year > judged else month
    due = plan.due_by(months)
    # The plan to date is money, shown and compared in cents rounded half up, as the
    # assessment's (a time-proportional share is exact: 1/12 of an annual 17,000,000.00 is
    # 1,416,666.666…); how far behind is of the exact share, as before.
    planned = due.quantize(CENT, ROUND_HALF_UP)
    prefix, actual, evidence = f"{judged}-", Decimal(0), []
    for reported in sorted(state.investments):
        if reported.startswith(prefix) and int(reported[5:]) <= months:
            investment = state.investments[reported]
            actual += investment.amount
            evidence.append(investment.event_id)
    behind = ((due - actual) / plan.annual * 100).quantize(Decimal("0.1"))
    return InvestmentLag(months, planned, actual, behind, tuple(evidence), judged, stated_by)


def findings(
    state: ProjectState, today: date, thresholds: Thresholds, period: Period | None = None
) -> list[Finding]:
    """Everything that makes ``state`` yellow or red on ``today``, or belongs on the agenda
    of ``period``. Inactive projects (commissioned, suspended) have none."""
    if not state.active:
        return []
    out: list[Finding] = []
    out += _milestones(state, today, thresholds, period)
    out += _start(state, today, thresholds)
    out += _approvals(state, today, thresholds)
    out += _issues(state, today, thresholds)
    out += _investment(state, today, thresholds)
    out += _inspections(state, thresholds)
    out += _report(state, today, thresholds)
    out += _incidents(state)
    out += _statistics(state, today, thresholds)
    return out


def status(found: list[Finding]) -> str:
    colours = [f.colour for f in found if f.colour]
    return max(colours, key=_RANK.__getitem__) if colours else GREEN


def _milestones(
    state: ProjectState, today: date, t: Thresholds, period: Period | None
) -> list[Finding]:
    out: list[Finding] = []
    for m in sorted(state.milestones.values(), key=lambda m: (m.due, m.milestone_id)):
        if m.slips >= t.milestone_escalate_slips:
            out.append(
                Finding(
                    "milestone_slipped",
                    m.milestone_id,
                    {"name": m.name, "slips": m.slips, "due": m.due},
                    tuple(m.evidence),
                    RED,
                    escalate=True,
                    assignee=state.lead_unit,
                )
            )
        if m.completed_on is not None:
            continue
        if m.due < today:
            late = (today - m.due).days
            out.append(
                Finding(
                    "milestone_overdue",
                    m.milestone_id,
                    {"name": m.name, "late": late, "due": m.due},
                    tuple(m.evidence),
                    RED if late > t.milestone_red_days else YELLOW,
                    assignee=state.lead_unit,
                )
            )
        elif period is not None and m.due <= period.end:
            out.append(
                Finding(
                    "milestone_due",
                    m.milestone_id,
                    {"name": m.name, "due": m.due, "period": period.label},
                    tuple(m.evidence),
                    assignee=state.lead_unit,
                )
            )
    return out


def _start(state: ProjectState, today: date, t: Thresholds) -> list[Finding]:
    if state.planned_start is None or state.started_on is not None:
        return []
    if state.phase != "preliminary":
        return []
    late = (today - state.planned_start).days
    if late < t.start_yellow_days:
        return []
    return [
        Finding(
            "start_missed",
            "start",
            {"planned_start": state.planned_start, "late": late},
            (state.registered_event,),
            RED if late >= t.start_red_days else YELLOW,
            assignee=state.owner_unit,
        )
    ]


def _approvals(state: ProjectState, today: date, t: Thresholds) -> list[Finding]:
    out: list[Finding] = []
    for a in sorted(state.approvals.values(), key=lambda a: a.approval_id):
        if a.decided_on is not None:
            continue
        waited = (today - a.requested_on).days
        if waited <= a.allowed_days:
            continue
        out.append(
            Finding(
                "approval_pending",
                a.approval_id,
                {
                    "kind": a.kind,
                    "approval_id": a.approval_id,
                    "waited": waited,
                    "allowed": a.allowed_days,
                },
                tuple(a.evidence),
                RED if waited > a.allowed_days * t.approval_red_factor else YELLOW,
                assignee=state.lead_unit,
            )
        )
    return out


def _issues(state: ProjectState, today: date, t: Thresholds) -> list[Finding]:
    out: list[Finding] = []
    for i in sorted(state.issues.values(), key=lambda i: i.issue_id):
        if i.resolved_on is not None:
            continue
        open_days = (today - i.raised_on).days
        if open_days <= i.allowed_days:
            continue
        out.append(
            Finding(
                "issue_open",
                i.issue_id,
                {
                    "kind": i.kind,
                    "description": i.description,
                    "open_days": open_days,
                    "allowed": i.allowed_days,
                },
                tuple(i.evidence),
                RED if open_days > i.allowed_days * t.issue_red_factor else YELLOW,
                assignee=i.owner or state.lead_unit,
            )
        )
    return out


def _investment(state: ProjectState, today: date, t: Thresholds) -> list[Finding]:
    lag = investment_lag(state, today, t.report_grace_days)
    if lag is None or lag.behind_pp < t.investment_yellow_pp:
        return []
    return [
        Finding(
            "investment_behind",
            f"{lag.year}",
            {
                "months": lag.months,
                "planned": lag.planned,
                "actual": lag.actual,
                "behind_pp": lag.behind_pp,
            },
            tuple(dict.fromkeys((state.registered_event, lag.plan_event, *lag.evidence))),
            RED if lag.behind_pp > t.investment_red_pp else YELLOW,
            assignee=state.owner_unit,
        )
    ]


def _inspections(state: ProjectState, t: Thresholds) -> list[Finding]:
    if not state.inspections or state.inspections[-1].result != "failed":
        return []
    last = state.inspections[-1]
    return [
        Finding(
            "inspection_failed",
            last.inspection_id,
            {"inspection_id": last.inspection_id, "on": last.on},
            (last.event_id,),
            YELLOW if t.inspection_failed_is_yellow else None,
            assignee=state.lead_unit,
        )
    ]


def _report(state: ProjectState, today: date, t: Thresholds) -> list[Finding]:
    last = last_reported_month(today, t.report_grace_days)
    if not state.in_campaign(int(last[:4])) or last in state.investments:
        return []  # a month of a year the project is not in, or reported
    if state.registered_on.strftime("%Y-%m") > last:
        return []  # registered after that month: nothing to report for it yet
    return [
        Finding(
            "investment_report_missing",
            last,
            {"month": last},
            (state.registered_event,),
            YELLOW if t.missing_report_is_yellow else None,
            assignee=state.owner_unit,
        )
    ]


def _incidents(state: ProjectState) -> list[Finding]:
    return [
        Finding(
            "veto_incident",
            i.incident_id,
            {"kind": i.kind, "on": i.on},
            (i.event_id,),
            RED,
            escalate=True,
            assignee=state.lead_unit,
        )
        for i in state.incidents
        if i.kind in VETO_INCIDENTS
    ]


def _statistics(state: ProjectState, today: date, t: Thresholds) -> list[Finding]:
    """入库 rule: started and not 入统 ``statistics_yellow_months`` later is yellow,
    ``statistics_red_months`` later red (months counted from the start's day)."""
    started = state.started_on
    if started is None or started < t.statistics_since or state.statistics_on is not None:
        return []
    months = months_between(started, today)
    colour = _statistics_colour(months, t)
    if colour is None:
        return []
    facts = {
        "started_on": state.started_on,
        "months": months,
        "yellow_months": t.statistics_yellow_months,
        "red_months": t.statistics_red_months,
    }
    evidence = (state.started_event or state.registered_event,)
    return [
        Finding(
            "statistics_missing", "statistics", facts, evidence, colour, assignee=state.owner_unit
        )
    ]


def _statistics_colour(months: int, t: Thresholds) -> str | None:
    if 0 < t.statistics_red_months <= months:
        return RED
    if 0 < t.statistics_yellow_months <= months:
        return YELLOW
    return None


def months_between(start: date, today: date) -> int:
    """Whole months from ``start`` to ``today`` (a month is up on the same day of the
    month, or the month's last day when it has no such day)."""
    months = (today.year - start.year) * 12 + today.month - start.month
    if today.day < start.day and not _last_day(today):
        months -= 1
    return max(months, 0)


def _last_day(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month
