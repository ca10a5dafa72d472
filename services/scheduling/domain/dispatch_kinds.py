"""Dispatch by kind (分类调度, plan 1): the agenda's projects in sections by what the
meeting is to take up with each.

- 前期（谋划）项目 (``preliminary``: of the preliminary category, not started): the work's
  targets, tasks, deadlines and nodes (工作目标、工作任务、工作时限及节点) and whether they
  are clear, and the preliminary approvals (前期手续);
- 拟开工项目 (``to_start``: a project to start, not started): its conditions — approvals
  (审批), funding (资金), land (用地), water, power and roads (水电路) — as the approvals
  and problems recorded state them;
- 在建（续建）项目 (``under_construction``: started): its time-proportional progress
  (序时进度), its milestones, and its building conditions (water, power, land, funding).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from .periods import Period
from .project import ProjectState
from .rules import Thresholds, investment_lag

DISPATCH_KINDS = ("preliminary", "to_start", "under_construction")
"""The sections of a plan's ``by_kind``, in the order the meeting takes them."""
CONDITIONS = ("approval", "funding", "land", "utilities")
"""A project's conditions to start: 审批、资金、用地、水电路."""
BUILDING_CONDITIONS = ("funding", "land", "utilities")
"""What plan 1 dispatches a started project on beside its progress: 水、电、地、资金等建设条件."""
CONDITION_STATES = ("met", "open", "no_record")
"""A condition: met (已落实), open (未落实: an approval pending or refused, a problem
unresolved), or nothing recorded of it (无记录)."""
TASK_STATES = ("overdue", "due", "upcoming")
"""An open milestone on the plan's period: overdue, due within the period, later."""
GAPS = ("no_tasks", "no_planned_start")
"""What a preliminary project's work plan has not made clear: no open milestone (工作任务
及节点未明确), no planned start (计划开工时间未明确)."""

_CONDITION_ISSUES = {
    "funding": ("financing",),
    "land": ("land",),
    "utilities": ("water", "power", "road"),
}
"""Which problem kinds (``IssueRaised.kind``) bear on each condition."""
_CONDITION_APPROVALS = {"land": ("land",)}
"""Approval kinds that bear on a condition beside ``approval`` (用地预审 on land)."""


def kind_of(state: ProjectState) -> str:
    """Which section a project belongs to: started → under construction; not started →
    preliminary when of the preliminary category, else to start."""
    if state.started_on is not None or state.phase != "preliminary":
        return "under_construction"
    return "preliminary" if state.category == "preliminary" else "to_start"


def sections(
    states: Iterable[ProjectState],
    colours: Mapping[str, str],
    period: Period,
    today: date,
    thresholds: Thresholds,
) -> list[dict[str, Any]]:
    """The plan's ``by_kind``: one section per kind (each present, maybe empty), its
    projects by id, each with what its kind is dispatched on."""
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in DISPATCH_KINDS}
    for state in sorted(states, key=lambda s: s.project_id):
        kind = kind_of(state)
        entry = _head(state, colours.get(state.project_id, "green"))
        entry.update(_DETAIL[kind](state, period, today, thresholds))
        by_kind[kind].append(entry)
    return [{"kind": kind, "projects": by_kind[kind]} for kind in DISPATCH_KINDS]


def _head(state: ProjectState, colour: str) -> dict[str, Any]:
    return {
        "project_id": state.project_id,
        "project": state.name,
        "category": state.category,
        "leader": state.leader,
        "lead_unit": state.lead_unit,
        "colour": colour,
    }


def _preliminary(
    state: ProjectState, period: Period, today: date, thresholds: Thresholds
) -> dict[str, Any]:
    tasks = _tasks(state, period, today)
    gaps = [
        gap
        for gap, missing in (("no_tasks", not tasks), ("no_planned_start", not state.planned_start))
        if missing
    ]
    return {
        "planned_start": _iso(state.planned_start),
        "tasks": tasks,
        "approvals": [
            {
                "approval_id": a.approval_id,
                "kind": a.kind,
                "status": a.outcome or "requested",
                "requested_on": a.requested_on.isoformat(),
                "decided_on": _iso(a.decided_on),
            }
            for a in sorted(state.approvals.values(), key=lambda a: a.approval_id)
        ],
        "gaps": gaps,
    }


def _to_start(
    state: ProjectState, period: Period, today: date, thresholds: Thresholds
) -> dict[str, Any]:
    return {
        "planned_start": _iso(state.planned_start),
        "late_days": max((today - state.planned_start).days, 0) if state.planned_start else None,
        "conditions": [_condition(state, name) for name in CONDITIONS],
    }


def _under_construction(
    state: ProjectState, period: Period, today: date, thresholds: Thresholds
) -> dict[str, Any]:
    lag = investment_lag(state, today, thresholds.report_grace_days)
    return {
        "started_on": _iso(state.started_on),
        "progress": None
        if lag is None
        else {
            "year": lag.year,
            "months": lag.months,
            "planned": f"{lag.planned:.2f}",
            "actual": f"{lag.actual:.2f}",
            "behind_pp": str(lag.behind_pp),
        },
        "milestones": _tasks(state, period, today, next_only=True),
        "conditions": [_condition(state, name) for name in BUILDING_CONDITIONS],
    }


_DETAIL = {
    "preliminary": _preliminary,
    "to_start": _to_start,
    "under_construction": _under_construction,
}


def _tasks(
    state: ProjectState, period: Period, today: date, *, next_only: bool = False
) -> list[dict[str, Any]]:
    """The open milestones: overdue, due within the period, then later ones (with
    ``next_only``: only the first later one)."""
    out: list[dict[str, Any]] = []
    for m in sorted(state.milestones.values(), key=lambda m: (m.due, m.milestone_id)):
        if m.completed_on is not None:
            continue
        task_state = "overdue" if m.due < today else "due" if m.due <= period.end else "upcoming"
        if next_only and task_state == "upcoming" and out and out[-1]["status"] == "upcoming":
            break
        out.append(
            {
                "milestone_id": m.milestone_id,
                "name": m.name,
                "kind": m.kind,
                "due": m.due.isoformat(),
                "status": task_state,
                "slips": m.slips,
            }
        )
    return out


def _condition(state: ProjectState, name: str) -> dict[str, Any]:
    """One condition to start, from the approvals and problems recorded."""
    kinds = _CONDITION_APPROVALS.get(name, ())
    issue_kinds = _CONDITION_ISSUES.get(name, ())
    approvals = sorted(
        (a for a in state.approvals.values() if name == "approval" or a.kind in kinds),
        key=lambda a: a.approval_id,
    )
    issues = sorted(
        (i for i in state.issues.values() if i.kind in issue_kinds), key=lambda i: i.issue_id
    )
    pending = [
        {
            "approval_id": a.approval_id,
            "kind": a.kind,
            "status": a.outcome or "requested",
            "since": _iso(a.requested_on),
        }
        for a in approvals
        if a.outcome != "granted"
    ]
    unresolved = [
        {
            "issue_id": i.issue_id,
            "kind": i.kind,
            "description": i.description,
            "since": _iso(i.raised_on),
        }
        for i in issues
        if i.resolved_on is None
    ]
    known = bool(approvals or issues)
    status = "open" if pending or unresolved else "met" if known else "no_record"
    return {"condition": name, "status": status, "approvals": pending, "issues": unresolved}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
