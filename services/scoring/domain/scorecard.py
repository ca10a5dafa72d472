"""One project's score: five lines, each with its points, explanation and evidence."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.campaign import milestone_year
from shared.i18n import label

from .explanations import ZH, explanation, retracted
from .facts import Evidence, Milestone, ProjectFacts
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
    closes_on_31_december: bool = True
    """False under the legacy rules: the year was judged up to ``as_of`` itself."""

    @property
    def year_end(self) -> date:
        """The last day that counts for the year: ``as_of``, or 31 December when the
        cut-off lies in the next year (December's reports are due in January)."""
        if not self.closes_on_31_december:
            return self.as_of
        return min(self.as_of, date(self.year, 12, 31))

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
    said: tuple[dict[str, Any], str],
    figures: dict[str, Any],
    evidence: Evidence,
) -> dict[str, Any]:
    """One line; ``said`` is (the facts its explanation states, the wording)."""
    facts, texts = said
    return {
        "line": name,
        "points": str(points_of(points)),
        "max": str(points_of(maximum)),
        "explanation": explanation(name, facts, texts),
        "figures": figures,
        "evidence": sorted(set(evidence)),
    }


def score_project(f: ProjectFacts, rb: Rulebook, period: Period, texts: str = ZH) -> dict[str, Any]:
    """The project's five lines, explained in the wording ``texts`` (`explanations`)."""
    lines = [line(f, rb, period, texts) for line in LINES]
    for line_ in lines:
        withdrawn = f.retracted.get(line_["line"])
        if withdrawn:
            line_["evidence"] = sorted(set(line_["evidence"]) | set(withdrawn))
            line_["explanation"] += retracted(len(withdrawn) // 2, texts)
    vetoes = [
        {"kind": i.kind, "on": i.on.isoformat(), "evidence": sorted(i.evidence)}
        for i in f.incidents
        if i.kind in rb.veto_incidents and i.on.year == period.year
    ]
    for line_ in lines:
        if Decimal(line_["points"]) == 0 and not rb.legacy:
            _say_why_zero(line_)
    total = points_of(sum((Decimal(line["points"]) for line in lines), Decimal(0)))
    grade = rb.grade_of(total, vetoed=bool(vetoes))
    return {
        "project_id": f.project_id,
        "name": f.name,
        "category": f.category,
        "leader": f.leader,
        "lead_unit": f.lead_unit,
        "owner_unit": f.owner_unit,
        "annual_plan": money(f.plan_for(period.year)[0].annual),
        "completed_investment": _completed(f, period),
        "lines": lines,
        "total": str(total),
        "vetoes": vetoes,
        "grade": grade,
        "evidence": sorted(set(f.evidence)),
    }


def _say_why_zero(line: dict[str, Any]) -> None:
    """A line worth nothing says why: the events that gave zero (its evidence), or that
    nothing was recorded for it."""
    line["zero_reason"] = "events" if line["evidence"] else "no_record"
    line["zero_reason_label"] = label("zero_reason", line["zero_reason"])


def counted_approvals(f: ProjectFacts, rb: Rulebook, period: Period) -> dict[str, Evidence]:
    """The approvals granted within the campaign (from 1 January of its year to the year's
    end), or also earlier ones when the rulebook says they count."""
    start = None if rb.approvals_before_campaign else date(period.year, 1, 1)
    return {
        approval_id: ev
        for approval_id, (on, ev) in sorted(f.approvals.items())
        if (start is None or on >= start) and on <= period.year_end
    }


def _target(f: ProjectFacts, rb: Rulebook, period: Period, texts: str) -> dict[str, Any]:
    maximum = rb.points["target_attainment"]
    table = rb.targets[f.category]
    best, evidence = Decimal(0), []
    said: dict[str, Any] = {"category": f.category, "basis": "none"}
    for kind, (on, ev) in sorted(f.achievements.items()):
        fraction = getattr(table, kind)
        if fraction > best and on <= period.year_end:
            best, evidence = fraction, ev
            said.update(basis="achievement", kind=kind, on=on)
    granted = counted_approvals(f, rb, period)
    approvals = len(granted)
    by_approvals = min(table.per_approval * approvals, table.approvals_max)
    if by_approvals > best or (best == 0 and approvals and not rb.legacy):
        # Also when approvals earn nothing: they are the events behind a zero.
        best = by_approvals
        said.update(basis="approvals", approvals=approvals)
        evidence = [p for ev in granted.values() for p in ev]
    fraction = min(best, Decimal(1))
    return _line(
        "target_attainment",
        maximum * fraction,
        maximum,
        ({**said, "fraction": fraction}, texts),
        {"fraction": str(fraction), "approvals_granted": approvals},
        evidence,
    )


def _completed_months(f: ProjectFacts, period: Period) -> list[tuple[str, Decimal, Evidence]]:
    months = {f"{period.year}-{m:02d}" for m in range(1, period.months_elapsed + 1)}
    return [(m, a, ev) for m, (a, ev) in sorted(f.investment.items()) if m in months]


def _completed(f: ProjectFacts, period: Period) -> str:
    return money(sum((a for _, a, _ in _completed_months(f, period)), Decimal(0)))


def _investment(f: ProjectFacts, rb: Rulebook, period: Period, texts: str) -> dict[str, Any]:
    maximum = rb.points["investment"]
    months = period.months_elapsed
    reports = _completed_months(f, period)
    completed = sum((a for _, a, _ in reports), Decimal(0))
    plan, stated_by = f.plan_for(period.year)
    if rb.investment_basis == "annual":
        due, basis = plan.annual, "annual"
    else:
        due, basis = plan.due_by(months), "monthly" if plan.monthly else "proportional"
    ratio = completed / due if due > 0 else Decimal(1)
    share = min(ratio, Decimal(1))
    return _line(
        "investment",
        maximum * share,
        maximum,
        (
            {"completed": completed, "due": due, "ratio": ratio, "basis": basis, "months": months},
            texts,
        ),
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
        [*(p for _, _, ev in reports for p in ev), *stated_by],
    )


def _milestones(f: ProjectFacts, rb: Rulebook, period: Period, texts: str) -> dict[str, Any]:
    maximum = rb.points["milestones"]
    on_time: list[str] = []
    late: list[str] = []
    evidence: Evidence = []
    for milestone_id, m in sorted(f.milestones.items()):
        due = _judged_due(m, rb)
        if due is None or _judged_in(due, f, rb) != period.year:
            continue
        if m.completed_on is None and due > period.year_end:
            continue  # not due yet
        (on_time if m.completed_on is not None and m.completed_on <= due else late).append(
            milestone_id
        )
        evidence.extend(m.evidence)
    counted = len(on_time) + len(late)
    share = Decimal(len(on_time)) / counted if counted else Decimal(1)
    return _line(
        "milestones",
        maximum * share,
        maximum,
        ({"good": on_time, "bad": late}, texts),
        {"on_time": on_time, "late": late},
        evidence,
    )


def _judged_due(m: Milestone, rb: Rulebook) -> date | None:
    """The due date a milestone is judged against: its first, or (``latest_due``) the
    last it had in the year it was first due; under the legacy rules, the latest."""
    if rb.milestones_judged_against == "original_due":
        return m.original_due
    return m.due if rb.legacy else m.first_year_due


def _judged_in(due: date, f: ProjectFacts, rb: Rulebook) -> int | None:
    """The one campaign year a milestone is judged in (`shared.campaign.milestone_year`);
    under the legacy rules, the year of its due date."""
    return due.year if rb.legacy else milestone_year(f.campaign_years, due.year)


def _issues(f: ProjectFacts, rb: Rulebook, period: Period, texts: str) -> dict[str, Any]:
    maximum = rb.points["issues"]
    in_time: list[str] = []
    overdue: list[str] = []
    evidence: Evidence = []
    for issue_id, issue in sorted(f.issues.items()):
        if issue.raised_on is None:
            continue
        deadline = issue.raised_on + timedelta(days=issue.allowed_days)
        settled = issue.resolved_on or deadline
        if (issue.resolved_on is None and deadline > period.year_end) or settled.year < period.year:
            continue  # still within its allowance, or settled before this year
        ok = issue.resolved_on is not None and issue.resolved_on <= deadline
        (in_time if ok else overdue).append(issue_id)
        evidence.extend(issue.evidence)
    counted = len(in_time) + len(overdue)
    share = Decimal(len(in_time)) / counted if counted else Decimal(1)
    return _line(
        "issues",
        maximum * share,
        maximum,
        ({"good": in_time, "bad": overdue}, texts),
        {"in_time": in_time, "overdue": overdue},
        evidence,
    )


def _supervision(f: ProjectFacts, rb: Rulebook, period: Period, texts: str) -> dict[str, Any]:
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
    return _line(
        "supervision",
        score,
        maximum,
        ({"counts": dict(counts), "maximum": maximum, "score": score}, texts),
        {"counts": counts},
        evidence,
    )


LINES = (_target, _investment, _milestones, _issues, _supervision)
"""The five lines of a score, in the rulebook's order."""
