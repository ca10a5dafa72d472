"""What the replay remembers of one project: the facts a score is made of, each with the
global positions of the events that established it (its evidence).

State grows with the project's own history (its milestones, months, issues), never with
the size of the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shared.campaign import YearPlan, plan_for_year

LINE_OF_TYPE = {
    "ConstructionStarted": "target_attainment",
    "ProjectCompleted": "target_attainment",
    "ProjectCommissioned": "target_attainment",
    "ApprovalGranted": "target_attainment",
    "InvestmentReported": "investment",
    "MilestonePlanned": "milestones",
    "MilestoneCompleted": "milestones",
    "MilestoneSlipped": "milestones",
    "IssueRaised": "issues",
    "IssueResolved": "issues",
    "InspectionCompleted": "supervision",
    "SupervisionNoticeIssued": "supervision",
    "SafetyIncidentReported": "veto",
}
"""Which line of the score an event type can move (``veto`` caps the grade)."""

ACHIEVEMENT_OF_TYPE = {
    "ConstructionStarted": "started",
    "ProjectCompleted": "completed",
    "ProjectCommissioned": "commissioned",
}

Evidence = list[int]


@dataclass(slots=True)
class Milestone:
    original_due: date | None = None
    due: date | None = None
    first_year_due: date | None = None
    """The last due date it had in the year it was first due: what it is judged against
    (under ``latest_due``), whatever it slipped to after that year."""
    completed_on: date | None = None
    slips: int = 0
    evidence: Evidence = field(default_factory=list)


@dataclass(slots=True)
class Issue:
    raised_on: date | None = None
    allowed_days: int = 15
    resolved_on: date | None = None
    evidence: Evidence = field(default_factory=list)


@dataclass(slots=True)
class Finding:
    """An inspection result, a notice or an incident: a kind and its evidence."""

    kind: str
    on: date
    evidence: Evidence


@dataclass(slots=True)
class ProjectFacts:
    project_id: str
    name: str
    category: str
    annual_plan: Decimal
    monthly_plan: list[Decimal] | None
    leader: str
    lead_unit: str
    owner_unit: str
    evidence: Evidence
    achievements: dict[str, tuple[date, Evidence]] = field(default_factory=dict)
    approvals: dict[str, tuple[date, Evidence]] = field(default_factory=dict)
    """Approvals granted: the day of the grant and its evidence."""
    investment: dict[str, tuple[Decimal, Evidence]] = field(default_factory=dict)
    milestones: dict[str, Milestone] = field(default_factory=dict)
    issues: dict[str, Issue] = field(default_factory=dict)
    inspections: list[Finding] = field(default_factory=list)
    notices: list[Finding] = field(default_factory=list)
    incidents: list[Finding] = field(default_factory=list)
    retracted: dict[str, Evidence] = field(default_factory=dict)
    """Per line, the retracted events and their retractions: why a line lost something."""
    campaign_years: frozenset[int] = frozenset()
    """The campaign years the project belongs to (`shared.campaign.campaign_years`)."""
    carried_plans: dict[int, tuple[YearPlan, Evidence]] = field(default_factory=dict)
    """Campaign year → the investment plan its carry-over stated, and that event."""

    def plan_for(self, year: int) -> tuple[YearPlan, Evidence]:
        """The investment plan of campaign ``year`` (`shared.campaign.plan_for_year`) and
        the carry-over that stated it (none: the registration's)."""
        registered: tuple[YearPlan, Evidence] = (
            YearPlan(self.annual_plan, tuple(self.monthly_plan or ()) or None),
            [],
        )
        plan, evidence = plan_for_year(registered, self.carried_plans, year)
        return plan, list(evidence)

    @classmethod
    def registered(
        cls, payload: Mapping[str, Any], evidence: Evidence, years: frozenset[int] = frozenset()
    ) -> ProjectFacts:
        monthly = payload.get("monthly_plan")
        return cls(
            campaign_years=years or frozenset({int(payload.get("year") or 0)}),
            project_id=payload["project_id"],
            name=payload.get("name", ""),
            category=payload["category"],
            annual_plan=Decimal(payload["annual_plan"]),
            monthly_plan=[Decimal(m) for m in monthly] if monthly else None,
            leader=payload["leader"],
            lead_unit=payload["lead_unit"],
            owner_unit=payload.get("owner_unit", ""),
            evidence=list(evidence),
        )

    def apply(self, type_: str, payload: Mapping[str, Any], on: date, evidence: Evidence) -> None:
        """Take one (already corrected) event of this project into account."""
        handler = HANDLERS.get(type_)
        if handler is not None:
            handler(self, payload, on, evidence)

    def note_retraction(self, type_: str, evidence: Evidence) -> None:
        line = LINE_OF_TYPE.get(type_)
        if line is not None:
            self.retracted.setdefault(line, []).extend(evidence)


def _responsibility(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    for role in ("leader", "lead_unit", "owner_unit"):
        if p.get(role):
            setattr(f, role, p[role])
    f.evidence.extend(ev)


def _achievement(type_: str):  # type: ignore[no-untyped-def]
    kind = ACHIEVEMENT_OF_TYPE[type_]

    def apply(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
        if kind not in f.achievements:  # the first report of an achievement dates it
            f.achievements[kind] = (on, list(ev))

    return apply


def _approval(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    f.approvals.setdefault(p["approval_id"], (on, list(ev)))


def _investment(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    # A month reported again replaces the earlier figure (a re-report, not an addition).
    f.investment[p["month"]] = (Decimal(p["amount"]), list(ev))


def _milestone(f: ProjectFacts, milestone_id: str) -> Milestone:
    return f.milestones.setdefault(milestone_id, Milestone())


def _milestone_planned(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    m = _milestone(f, p["milestone_id"])
    due = date.fromisoformat(p["due"])
    if m.original_due is None:
        m.original_due = due
    _set_due(m, due)
    m.evidence.extend(ev)


def _set_due(m: Milestone, due: date) -> None:
    m.due = due
    if m.original_due is None or due.year == m.original_due.year:
        m.first_year_due = due


def _carried_over(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    plan = YearPlan.stated(p)
    if plan is not None:
        f.carried_plans[int(p["to_year"])] = (plan, list(ev))


def _milestone_completed(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    m = _milestone(f, p["milestone_id"])
    if m.completed_on is None:
        m.completed_on = on
    m.evidence.extend(ev)


def _milestone_slipped(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    m = _milestone(f, p["milestone_id"])
    _set_due(m, date.fromisoformat(p["new_due"]))
    m.slips += 1
    m.evidence.extend(ev)


def _issue_raised(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    issue = f.issues.setdefault(p["issue_id"], Issue())
    issue.raised_on, issue.allowed_days = on, int(p.get("allowed_days", 15))
    issue.evidence.extend(ev)


def _issue_resolved(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    issue = f.issues.setdefault(p["issue_id"], Issue())
    if issue.resolved_on is None:
        issue.resolved_on = on
    issue.evidence.extend(ev)


def _inspection(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    f.inspections.append(Finding(p["result"], on, list(ev)))


def _notice(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    f.notices.append(Finding(p["kind"], on, list(ev)))


def _incident(f: ProjectFacts, p: Mapping[str, Any], on: date, ev: Evidence) -> None:
    f.incidents.append(Finding(p["kind"], on, list(ev)))


HANDLERS = {
    "ResponsibilityAssigned": _responsibility,
    "ConstructionStarted": _achievement("ConstructionStarted"),
    "ProjectCompleted": _achievement("ProjectCompleted"),
    "ProjectCommissioned": _achievement("ProjectCommissioned"),
    "ApprovalGranted": _approval,
    "InvestmentReported": _investment,
    "MilestonePlanned": _milestone_planned,
    "MilestoneCompleted": _milestone_completed,
    "MilestoneSlipped": _milestone_slipped,
    "IssueRaised": _issue_raised,
    "IssueResolved": _issue_resolved,
    "InspectionCompleted": _inspection,
    "SupervisionNoticeIssued": _notice,
    "SafetyIncidentReported": _incident,
    "ProjectCarriedOver": _carried_over,
}
"""Event type → how it changes a project's facts (`ProjectFacts.apply`); types not here
change nothing."""
