"""One project's score: five lines, each with its points, explanation and evidence."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.i18n import has_label, label, month_range, percent, points_text, short_date, wan

from .facts import Evidence, ProjectFacts
from .rulebook import Rulebook

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(CENT, ROUND_HALF_UP))


def points_of(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Period:
    """The assessment's year and its business-time cut-off, as a date in the campaign zone."""

    year: int
    as_of: date

    @property
    def months_elapsed(self) -> int:
        """Whole months of the year over by ``as_of`` (its month counts on its last day)."""
        if self.as_of.year > self.year:
            return 12
        if self.as_of.year < self.year:
            return 0
        last_day = calendar.monthrange(self.as_of.year, self.as_of.month)[1]
        return self.as_of.month if self.as_of.day == last_day else self.as_of.month - 1


def _line(
    name: str,
    points: Decimal,
    maximum: Decimal,
    explanation: str,
    figures: dict[str, Any],
    evidence: Evidence,
) -> dict[str, Any]:
    return {
        "line": name,
        "points": str(points_of(points)),
        "max": str(points_of(maximum)),
        "explanation": explanation,
        "figures": figures,
        "evidence": sorted(set(evidence)),
    }


def score_project(f: ProjectFacts, rb: Rulebook, period: Period) -> dict[str, Any]:
    lines = [
        _target(f, rb, period),
        _investment(f, rb, period),
        _milestones(f, rb, period),
        _issues(f, rb, period),
        _supervision(f, rb, period),
    ]
    for line in lines:
        retracted = f.retracted.get(line["line"])
        if retracted:
            line["evidence"] = sorted(set(line["evidence"]) | set(retracted))
            line["explanation"] += f"；{len(retracted) // 2}个已撤回的事件不再计入"
    vetoes = [
        {"kind": i.kind, "on": i.on.isoformat(), "evidence": sorted(i.evidence)}
        for i in f.incidents
        if i.kind in rb.veto_incidents and i.on.year == period.year
    ]
    total = points_of(sum((Decimal(line["points"]) for line in lines), Decimal(0)))
    grade = rb.grade_of(total, vetoed=bool(vetoes))
    return {
        "project_id": f.project_id,
        "name": f.name,
        "category": f.category,
        "leader": f.leader,
        "lead_unit": f.lead_unit,
        "owner_unit": f.owner_unit,
        "annual_plan": money(f.annual_plan),
        "completed_investment": _completed(f, period),
        "lines": lines,
        "total": str(total),
        "vetoes": vetoes,
        "grade": grade,
        "evidence": sorted(set(f.evidence)),
    }


def _target(f: ProjectFacts, rb: Rulebook, period: Period) -> dict[str, Any]:
    maximum = rb.points["target_attainment"]
    table = rb.targets[f.category]
    best, basis, evidence = Decimal(0), "尚无实质进展", []
    for kind, (on, ev) in sorted(f.achievements.items()):
        fraction = getattr(table, kind)
        if fraction > best:
            best, basis, evidence = fraction, f"{short_date(on)}{label('achievement', kind)}", ev
    approvals = len(f.approvals)
    by_approvals = min(table.per_approval * approvals, table.approvals_max)
    if by_approvals > best:
        best, basis = by_approvals, f"已批复前期手续{approvals}项"
        evidence = [p for ev in f.approvals.values() for p in ev]
    fraction = min(best, Decimal(1))
    return _line(
        "target_attainment",
        maximum * fraction,
        maximum,
        f"{label('category', f.category)}类项目：{basis}，得本项分值的{percent(fraction * 100)}",
        {"fraction": str(fraction), "approvals_granted": approvals},
        evidence,
    )


def _completed_months(f: ProjectFacts, period: Period) -> list[tuple[str, Decimal, Evidence]]:
    months = {f"{period.year}-{m:02d}" for m in range(1, period.months_elapsed + 1)}
    return [(m, a, ev) for m, (a, ev) in sorted(f.investment.items()) if m in months]


def _completed(f: ProjectFacts, period: Period) -> str:
    return money(sum((a for _, a, _ in _completed_months(f, period)), Decimal(0)))


def _investment(f: ProjectFacts, rb: Rulebook, period: Period) -> dict[str, Any]:
    maximum = rb.points["investment"]
    months = period.months_elapsed
    reports = _completed_months(f, period)
    completed = sum((a for _, a, _ in reports), Decimal(0))
    if rb.investment_basis == "annual":
        due, basis = f.annual_plan, "按年度计划"
    elif f.monthly_plan:
        due, basis = sum(f.monthly_plan[:months], Decimal(0)), f"按{_months(months)}月度计划"
    else:
        due = f.annual_plan * months / 12
        basis = f"按序时进度（{_months(months)}，年度计划的{months}/12）"
    ratio = completed / due if due > 0 else Decimal(1)
    share = min(ratio, Decimal(1))
    return _line(
        "investment",
        maximum * share,
        maximum,
        f"完成投资{wan(completed)}，{basis}应完成{wan(due)}，完成率{percent(ratio * 100)}",
        {
            "completed": money(completed),
            "due": money(due),
            "months": months,
            "missing_months": [
                f"{period.year}-{m:02d}"
                for m in range(1, months + 1)
                if f"{period.year}-{m:02d}" not in f.investment
            ],
        },
        [p for _, _, ev in reports for p in ev],
    )


def _months(months: int) -> str:
    return month_range(1, months) if months else "年初"


def _milestones(f: ProjectFacts, rb: Rulebook, period: Period) -> dict[str, Any]:
    maximum = rb.points["milestones"]
    on_time: list[str] = []
    late: list[str] = []
    evidence: Evidence = []
    for milestone_id, m in sorted(f.milestones.items()):
        due = m.original_due if rb.milestones_judged_against == "original_due" else m.due
        if due is None or due.year != period.year:
            continue
        if m.completed_on is None and due > period.as_of:
            continue  # not due yet
        (on_time if m.completed_on is not None and m.completed_on <= due else late).append(
            milestone_id
        )
        evidence.extend(m.evidence)
    counted = len(on_time) + len(late)
    share = Decimal(len(on_time)) / counted if counted else Decimal(1)
    explanation = (
        f"到期节点{counted}个，按期完成{len(on_time)}个" if counted else "本年度无到期节点，得满分"
    )
    if late:
        explanation += f"；逾期或未完成：{'、'.join(late)}"
    return _line(
        "milestones",
        maximum * share,
        maximum,
        explanation,
        {"on_time": on_time, "late": late},
        evidence,
    )


def _issues(f: ProjectFacts, rb: Rulebook, period: Period) -> dict[str, Any]:
    maximum = rb.points["issues"]
    in_time: list[str] = []
    overdue: list[str] = []
    evidence: Evidence = []
    for issue_id, issue in sorted(f.issues.items()):
        if issue.raised_on is None:
            continue
        deadline = issue.raised_on + timedelta(days=issue.allowed_days)
        settled = issue.resolved_on or deadline
        if (issue.resolved_on is None and deadline > period.as_of) or settled.year < period.year:
            continue  # still within its allowance, or settled before this year
        ok = issue.resolved_on is not None and issue.resolved_on <= deadline
        (in_time if ok else overdue).append(issue_id)
        evidence.extend(issue.evidence)
    counted = len(in_time) + len(overdue)
    share = Decimal(len(in_time)) / counted if counted else Decimal(1)
    explanation = (
        f"到期问题{counted}个，限期内解决{len(in_time)}个"
        if counted
        else "本年度无到期问题，得满分"
    )
    if overdue:
        explanation += f"；超期未解决：{'、'.join(overdue)}"
    return _line(
        "issues",
        maximum * share,
        maximum,
        explanation,
        {"in_time": in_time, "overdue": overdue},
        evidence,
    )


def _supervision(f: ProjectFacts, rb: Rulebook, period: Period) -> dict[str, Any]:
    maximum = rb.points["supervision"]
    total = maximum
    evidence: Evidence = []
    counts: dict[str, int] = {}
    for finding, table in (
        *((i, rb.inspection_points) for i in f.inspections),
        *((n, rb.notice_points) for n in f.notices),
    ):
        if finding.on.year != period.year:
            continue
        total += table[finding.kind]
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
        if table[finding.kind] != 0:
            evidence.extend(finding.evidence)
    score = max(Decimal(0), min(total, maximum))
    parts = "、".join(f"{_finding(kind)}{n}次" for kind, n in sorted(counts.items()))
    return _line(
        "supervision",
        score,
        maximum,
        f"{parts or '无督查检查和通报'}：本项{points_text(maximum)}分，计{points_text(score)}分",
        {"counts": counts},
        evidence,
    )


def _finding(kind: str) -> str:
    """督查合格 / 督查不合格 / 通报批评 …: an inspection result or a notice kind."""
    if has_label("inspection_result", kind):
        return f"督查{label('inspection_result', kind)}"
    return label("notice_kind", kind)
