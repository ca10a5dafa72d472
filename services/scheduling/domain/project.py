"""What scheduling knows of one key project, folded from its stream.

Facts are applied in stream order, as amended by corrections (``EventCorrected``) and
retractions (``EventRetracted``) under the rule of `shared.history` (see `effective_facts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.campaign import YearPlan, belongs_to, campaign_years, plan_for_year
from shared.history import AMENDMENTS, Amendments, Event, Standing, effective, within

ACTIVE_PHASES = ("preliminary", "started", "completed")


Fact = Event
"""The part of a recorded event that scheduling reads."""


@dataclass(frozen=True)
class AmendedFact:
    event_id: str
    stream_id: str
    type: str
    occurred_at: datetime
    payload: dict[str, Any]


def amended_fact(amendments: Amendments[Fact], fact: Fact, as_of: datetime | None) -> Fact | None:
    """The fact as the amendments leave it (`shared.history`), or None if it does not
    count: retracted, an amendment, or (as corrected) after ``as_of``."""
    if fact.type in AMENDMENTS:
        return None
    standing = amendments.standing(fact)
    if standing.retracted or not within(standing.occurred_at, as_of):
        return None
    return _fact_of(standing)


def _fact_of(standing: Standing[Fact]) -> Fact:
    fact = standing.event
    if standing.decided_by is None:
        return fact
    return AmendedFact(
        fact.event_id, fact.stream_id, fact.type, standing.occurred_at, dict(standing.payload)
    )


def effective_facts(facts: Iterable[Fact], as_of: datetime | None = None) -> list[Fact]:
    """The stream's facts with corrections applied and retractions removed, then bounded
    by ``as_of`` (`shared.history`). ``facts`` must already be bounded by ``known_at``."""
    return [_fact_of(standing) for standing in effective(facts, as_of)]


@dataclass
class Milestone:
    milestone_id: str
    name: str
    kind: str
    due: date
    completed_on: date | None = None
    slips: int = 0
    evidence: list[str] = field(default_factory=list)


@dataclass
class Approval:
    approval_id: str
    kind: str
    requested_on: date
    allowed_days: int
    decided_on: date | None = None
    outcome: str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class Issue:
    issue_id: str
    kind: str
    description: str
    raised_on: date
    allowed_days: int
    owner: str = ""
    resolved_on: date | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class Inspection:
    inspection_id: str
    result: str
    on: date
    event_id: str


@dataclass
class Investment:
    amount: Decimal
    event_id: str


@dataclass
class Visit:
    """挂点服务 (``LeaderVisited``): who visited, the day, how many problems were solved."""

    visit_id: str
    leader: str
    on: date
    problems_solved: int
    event_id: str


@dataclass
class Incident:
    incident_id: str
    kind: str
    on: date
    event_id: str


@dataclass
class ProjectState:
    project_id: str
    name: str
    category: str
    sector: str
    town: str
    year: int
    annual_plan: Decimal
    monthly_plan: list[Decimal] | None
    major: bool
    cadence: str
    leader: str
    lead_unit: str
    owner_unit: str
    registered_on: date
    registered_event: str
    planned_start: date | None = None
    planned_completion: date | None = None
    total_investment: Decimal = Decimal(0)
    phase: str = "preliminary"
    phase_evidence: list[str] = field(default_factory=list)
    started_on: date | None = None
    milestones: dict[str, Milestone] = field(default_factory=dict)
    approvals: dict[str, Approval] = field(default_factory=dict)
    issues: dict[str, Issue] = field(default_factory=dict)
    inspections: list[Inspection] = field(default_factory=list)
    investments: dict[str, Investment] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)
    carried_into: list[int] = field(default_factory=list)
    """Later campaign years the project was carried into (``ProjectCarriedOver``)."""
    carried_plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Campaign year → the investment plan its carry-over stated (``annual_plan``,
    ``monthly_plan``), for the years whose carry-over stated one."""
    started_event: str = ""
    """The ``ConstructionStarted`` that set ``started_on``."""
    statistics_on: date | None = None
    """入统: the day the project entered the statistics database."""
    statistics_event: str = ""
    county: str | None = None
    """The county it was registered in (None: before tenancy, the default county)."""
    pool_stages: dict[str, date] = field(default_factory=dict)
    """项目库: each pool stage entered (谋划 … 前期) → the day, from ``ProjectPooled`` and
    ``ProjectStageChanged`` (those before the registration too)."""
    commissioned_on: date | None = None
    visits: dict[str, Visit] = field(default_factory=dict)
    """挂点服务 by visit id (a visit recorded again restates it)."""

    def stage_dates(self) -> dict[str, date]:
        """Each stage of the pool entered → the day (pool stages, 开工, 投产)."""
        lifecycle = {"started": self.started_on, "commissioned": self.commissioned_on}
        return {**self.pool_stages, **{k: v for k, v in lifecycle.items() if v is not None}}

    @property
    def active(self) -> bool:
        return self.phase in ACTIVE_PHASES

    @property
    def campaign_years(self) -> frozenset[int]:
        return campaign_years(self.year, self.carried_into)

    def in_campaign(self, year: int) -> bool:
        """Whether the project is one of campaign ``year``'s (`shared.campaign`)."""
        return belongs_to(self.year, self.carried_into, year)

    def plan_for(self, year: int) -> YearPlan:
        """The investment plan of campaign ``year`` (`shared.campaign.plan_for_year`)."""
        return self.plan_and_event(year)[0]

    def plan_and_event(self, year: int) -> tuple[YearPlan, str]:
        """The investment plan of campaign ``year`` and the event that stated it (the
        registration, or a carry-over)."""
        monthly = tuple(self.monthly_plan) if self.monthly_plan else None
        registered = (YearPlan(self.annual_plan, monthly), self.registered_event)
        stated = {
            int(y): (plan, str(p.get("event_id") or self.registered_event))
            for y, p in self.carried_plans.items()
            if (plan := YearPlan.stated(p)) is not None
        }
        return plan_for_year(registered, stated, year)

    # -- JSON form kept by the read model ------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return _encode(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProjectState:
        """The state `to_dict` wrote.

        Long because it is written out field by field: the read model parses thousands of
        these per plan, and a generic decoder costs more than the lines do."""
        day = _days.__getitem__
        return cls(
            project_id=data["project_id"],
            county=data.get("county"),
            name=data["name"],
            category=data["category"],
            sector=data["sector"],
            town=data["town"],
            year=data["year"],
            annual_plan=Decimal(data["annual_plan"]),
            monthly_plan=[Decimal(v) for v in data["monthly_plan"]]
            if data.get("monthly_plan")
            else None,
            major=data["major"],
            cadence=data["cadence"],
            leader=data["leader"],
            lead_unit=data["lead_unit"],
            owner_unit=data["owner_unit"],
            registered_on=day(data["registered_on"]),
            registered_event=data["registered_event"],
            planned_start=day(data.get("planned_start")),
            planned_completion=day(data.get("planned_completion")),
            total_investment=Decimal(data.get("total_investment") or 0),
            phase=data["phase"],
            phase_evidence=data["phase_evidence"],
            started_on=day(data.get("started_on")),
            milestones={
                k: Milestone(
                    v["milestone_id"],
                    v["name"],
                    v["kind"],
                    day(v["due"]),
                    day(v["completed_on"]),
                    v["slips"],
                    v["evidence"],
                )
                for k, v in data["milestones"].items()
            },
            approvals={
                k: Approval(
                    v["approval_id"],
                    v["kind"],
                    day(v["requested_on"]),
                    v["allowed_days"],
                    day(v["decided_on"]),
                    v["outcome"],
                    v["evidence"],
                )
                for k, v in data["approvals"].items()
            },
            issues={
                k: Issue(
                    v["issue_id"],
                    v["kind"],
                    v["description"],
                    day(v["raised_on"]),
                    v["allowed_days"],
                    v["owner"],
                    day(v["resolved_on"]),
                    v["evidence"],
                )
                for k, v in data["issues"].items()
            },
            inspections=[
                Inspection(v["inspection_id"], v["result"], day(v["on"]), v["event_id"])
                for v in data["inspections"]
            ],
            investments={
                k: Investment(Decimal(v["amount"]), v["event_id"])
                for k, v in data["investments"].items()
            },
            incidents=[
                Incident(v["incident_id"], v["kind"], day(v["on"]), v["event_id"])
                for v in data["incidents"]
            ],
            carried_into=list(data.get("carried_into") or ()),
            carried_plans=dict(data.get("carried_plans") or {}),
            started_event=data.get("started_event") or "",
            statistics_on=day(data.get("statistics_on")),
            statistics_event=data.get("statistics_event") or "",
            pool_stages={k: day(v) for k, v in (data.get("pool_stages") or {}).items()},
            commissioned_on=day(data.get("commissioned_on")),
            visits={
                k: Visit(
                    v["visit_id"], v["leader"], day(v["on"]), v["problems_solved"], v["event_id"]
                )
                for k, v in (data.get("visits") or {}).items()
            },
        )


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    return value


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


class _Days(dict[Any, Any]):
    """`_day` of each value, worked out once: the read model's states name the same few
    hundred days over and over (a state a year into the campaign holds some 150), and
    `from_dict` turns thousands of states a plan. Holds at most `_DAYS_KEPT` days."""

    def __missing__(self, value: Any) -> Any:
        day = _day(value)
        if len(self) < _DAYS_KEPT:
            self[value] = day
        return day


_DAYS_KEPT = 20_000
_days = _Days()


def fold(facts: Iterable[Fact], zone: ZoneInfo) -> ProjectState | None:
    """The project's state from its effective facts (None before it is registered)."""
    state: ProjectState | None = None
    held: list[Fact] = []
    for fact in facts:
        state = apply_held(state, fact, zone, held)
    return state


BEFORE_REGISTRATION = ("ProjectPooled", "ProjectStageChanged")
"""The pool's facts a project has before it enters a campaign: held until it does."""


def apply_held(
    state: ProjectState | None, fact: Fact, zone: ZoneInfo, held: list[Fact]
) -> ProjectState | None:
    """`apply`, holding the pool's facts before the registration in ``held`` and applying
    them once the project is registered (its pool stages date from before)."""
    if state is None and fact.type in BEFORE_REGISTRATION:
        held.append(fact)
        return None
    state = apply(state, fact, zone)
    if state is not None and held:
        for early in held:
            apply(state, early, zone)
        held.clear()
    return state


def apply(state: ProjectState | None, fact: Fact, zone: ZoneInfo) -> ProjectState | None:
    """One fact's effect; facts before registration or of unknown types change nothing."""
    p = fact.payload
    on = fact.occurred_at.astimezone(zone).date()
    if fact.type == "ProjectRegistered":
        return _registered(fact, on)
    if state is None:
        return None
    handler = _HANDLERS.get(fact.type)
    if handler is not None:
        handler(state, fact, p, on)
    return state


def _registered(fact: Fact, on: date) -> ProjectState:
    p = fact.payload
    return ProjectState(
        project_id=p["project_id"],
        name=p["name"],
        category=p["category"],
        sector=p["sector"],
        town=p["town"],
        year=int(p["year"]),
        annual_plan=Decimal(p["annual_plan"]),
        monthly_plan=[Decimal(v) for v in p["monthly_plan"]] if p.get("monthly_plan") else None,
        major=bool(p.get("major", False)),
        cadence=p.get("cadence") or "monthly",
        leader=p["leader"],
        lead_unit=p["lead_unit"],
        owner_unit=p["owner_unit"],
        registered_on=on,
        registered_event=fact.event_id,
        planned_start=_day(p.get("planned_start")),
        planned_completion=_day(p.get("planned_completion")),
        total_investment=Decimal(p.get("total_investment") or 0),
        county=p.get("county"),
    )


def _responsibility(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    for name in ("leader", "lead_unit", "owner_unit"):
        if p.get(name):
            setattr(state, name, p[name])


def _milestone_planned(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    old = state.milestones.get(p["milestone_id"])
    state.milestones[p["milestone_id"]] = Milestone(
        p["milestone_id"],
        p["name"],
        p.get("kind", "progress"),
        date.fromisoformat(p["due"]),
        completed_on=old.completed_on if old else None,
        slips=old.slips if old else 0,
        evidence=[*(old.evidence if old else []), fact.event_id],
    )


def _milestone_completed(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    milestone = state.milestones.get(p["milestone_id"])
    if milestone is not None:
        milestone.completed_on = on
        milestone.evidence.append(fact.event_id)


def _milestone_slipped(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    milestone = state.milestones.get(p["milestone_id"])
    if milestone is not None:
        milestone.due = date.fromisoformat(p["new_due"])
        milestone.slips += 1
        milestone.evidence.append(fact.event_id)


def _approval_requested(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.approvals[p["approval_id"]] = Approval(
        p["approval_id"], p["kind"], on, int(p.get("allowed_days") or 20), evidence=[fact.event_id]
    )


def _approval_decided(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    approval = state.approvals.get(p["approval_id"])
    if approval is None:  # granted without a recorded request: nothing is pending
        approval = Approval(p["approval_id"], p["kind"], on, 0)
        state.approvals[p["approval_id"]] = approval
    approval.decided_on = on
    approval.outcome = "granted" if fact.type == "ApprovalGranted" else "rejected"
    approval.evidence.append(fact.event_id)


def _construction_started(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.started_on = on
    state.started_event = fact.event_id
    _phase(state, "started", fact)


def _statistics_entered(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.statistics_on = on
    state.statistics_event = fact.event_id


def _pooled(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.pool_stages[p.get("stage") or "planning"] = on


def _stage_changed(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.pool_stages[p["stage"]] = on


def _commissioned(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.commissioned_on = on
    _phase(state, "commissioned", fact)


def _visited(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    solved = len(p.get("problems_solved") or ())
    state.visits[p["visit_id"]] = Visit(p["visit_id"], p["leader"], on, solved, fact.event_id)


def _carried_over(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    if int(p["to_year"]) not in state.carried_into:
        state.carried_into = sorted((*state.carried_into, int(p["to_year"])))
    if p.get("annual_plan") is not None:
        plan = {
            "annual_plan": p["annual_plan"],
            "monthly_plan": p.get("monthly_plan"),
            "event_id": fact.event_id,
        }
        state.carried_plans[str(p["to_year"])] = plan


def _resumed(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    _phase(state, "started" if state.started_on is not None else "preliminary", fact)


def _phase_change(phase: str):  # type: ignore[no-untyped-def]
    def handler(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
        _phase(state, phase, fact)

    return handler


def _phase(state: ProjectState, phase: str, fact: Fact) -> None:
    state.phase = phase
    state.phase_evidence.append(fact.event_id)


def _investment(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    # A second report for the same month restates that month's figure.
    state.investments[p["month"]] = Investment(Decimal(p["amount"]), fact.event_id)


def _inspection(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.inspections.append(Inspection(p["inspection_id"], p["result"], on, fact.event_id))


def _issue_raised(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.issues[p["issue_id"]] = Issue(
        p["issue_id"],
        p["kind"],
        p["description"],
        on,
        int(p.get("allowed_days") or 15),
        owner=p.get("owner") or "",
        evidence=[fact.event_id],
    )


def _issue_resolved(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    issue = state.issues.get(p["issue_id"])
    if issue is not None:
        issue.resolved_on = on
        issue.evidence.append(fact.event_id)


def _incident(state: ProjectState, fact: Fact, p: dict[str, Any], on: date) -> None:
    state.incidents.append(Incident(p["incident_id"], p["kind"], on, fact.event_id))


_HANDLERS = {
    "ResponsibilityAssigned": _responsibility,
    "MilestonePlanned": _milestone_planned,
    "MilestoneCompleted": _milestone_completed,
    "MilestoneSlipped": _milestone_slipped,
    "ApprovalRequested": _approval_requested,
    "ApprovalGranted": _approval_decided,
    "ApprovalRejected": _approval_decided,
    "ConstructionStarted": _construction_started,
    "InvestmentReported": _investment,
    "InspectionCompleted": _inspection,
    "IssueRaised": _issue_raised,
    "IssueResolved": _issue_resolved,
    "SafetyIncidentReported": _incident,
    "ProjectCompleted": _phase_change("completed"),
    "ProjectCommissioned": _commissioned,
    "ProjectSuspended": _phase_change("suspended"),
    "ProjectResumed": _resumed,
    "ProjectCarriedOver": _carried_over,
    "ProjectStatisticsEntered": _statistics_entered,
    "ProjectPooled": _pooled,
    "ProjectStageChanged": _stage_changed,
    "LeaderVisited": _visited,
}
