"""The `KeyProject` aggregate: a key project's state, rebuilt by folding its events.

Folding never refuses an event (history is what it is); `rules.check` judges a new
event against the state before it is appended. Every key of the state remembers which
events set it (``provenance``), so a comparison of two dates can name them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from shared.campaign import campaign_years
from shared.events.codes import POOL_STAGES, VETO_INCIDENTS
from shared.eventstore.canonical import wall_clock_text
from shared.tenancy import DEFAULT_COUNTY

from .events import AMENDMENTS, ProjectEvent

PHASES = ("preliminary", "started", "completed", "commissioned", "suspended")
MILESTONE_STATUSES = ("planned", "slipped", "completed")
APPROVAL_STATUSES = ("requested", "granted", "rejected")
ISSUE_STATUSES = ("open", "resolved")
STAGES = (*POOL_STAGES, "started", "completed", "commissioned")
"""The project pool's stages in order (plan 3): 谋划 → 储备 → 在谈 → 签约 → 前期 → 开工 → 竣工 → 投产."""

_IDENTITY = (
    "national_code",
    "name",
    "category",
    "sector",
    "town",
    "year",
    "major",
    "cadence",
    "leader",
    "lead_unit",
    "owner_unit",
    "planned_start",
    "planned_completion",
    "county",
)


def instant_text(event: ProjectEvent) -> str:
    """``strftime("%Y-%m-%dT%H:%M:%S.%fZ")`` of the occurred time as given (its wall
    clock, the zone left out): every folded event is written so. Written once per event
    and kept on it (`ProjectEvent.instant`): a fold wrote it two or three times, at a
    twentieth of an ingested event's time (issue 18)."""
    text = event.instant
    if text is None:
        text = event.instant = wall_clock_text(event.occurred_at)
    return text


@dataclass
class KeyProject:
    """A key project as its (admitted) events say it is."""

    project_id: str
    registered: bool = False
    national_code: str | None = None
    name: str = ""
    category: str = ""
    sector: str = ""
    town: str = ""
    year: int | None = None
    total_investment: Decimal = Decimal("0")
    annual_plan: Decimal = Decimal("0")
    monthly_plan: list[Decimal] | None = None
    major: bool = False
    cadence: str = "monthly"
    leader: str = ""
    lead_unit: str = ""
    owner_unit: str = ""
    planned_start: str | None = None
    planned_completion: str | None = None
    county: str | None = None
    """The county it belongs to (a registration before tenancy: the default county)."""
    team: list[dict[str, Any]] = field(default_factory=list)
    """The 工作专班: name, unit and duty of each member."""
    contact: dict[str, Any] | None = None
    """指定专人: name and phone, as the site board posts them."""
    registered_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    commissioned_at: str | None = None
    suspended_at: str | None = None
    suspension_reason: str | None = None
    milestones: dict[str, dict[str, Any]] = field(default_factory=dict)
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    investment: dict[str, Decimal] = field(default_factory=dict)
    inspections: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    notices: dict[str, dict[str, Any]] = field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    corrections: list[dict[str, Any]] = field(default_factory=list)
    carried_into: list[int] = field(default_factory=list)
    """Later campaign years the project was carried into (`shared.campaign`)."""
    pooled: bool = False
    """In the project pool (项目库) by a ``ProjectPooled``, before or without a campaign."""
    stages: dict[str, str] = field(default_factory=dict)
    """Pool stage (谋划 … 前期) → when the project entered it."""
    statistics_at: str | None = None
    """When the project was entered into the statistics database (入统)."""
    statistics_code: str | None = None
    visits: dict[str, dict[str, Any]] = field(default_factory=dict)
    """挂点服务 by id: the leader, what was done, the problems solved, when."""
    version: int = 0
    """Stream version of the last event folded in."""
    last_occurred_at: str | None = None
    provenance: dict[str, list[str]] = field(default_factory=dict)

    # -- derived ------------------------------------------------------------------

    @property
    def phase(self) -> str:
        if self.suspended_at is not None:
            return "suspended"
        if self.commissioned_at is not None:
            return "commissioned"
        if self.completed_at is not None:
            return "completed"
        if self.started_at is not None:
            return "started"
        return "preliminary"

    @property
    def stage(self) -> str:
        """Where the project stands in the pool's order (`STAGES`)."""
        for attribute, stage in _LIFECYCLE_STAGES:
            if getattr(self, attribute) is not None:
                return stage
        entered = [s for s in POOL_STAGES if s in self.stages]
        return entered[-1] if entered else "preliminary"

    def stage_dates(self) -> dict[str, str]:
        """Every stage the project entered → when (pool stages and 开工/竣工/投产)."""
        dates = dict(self.stages)
        for attribute, stage in _LIFECYCLE_STAGES:
            if getattr(self, attribute) is not None:
                dates[stage] = getattr(self, attribute)
        return {s: dates[s] for s in STAGES if s in dates}

    @property
    def closed(self) -> bool:
        """A commissioned project takes nothing but corrections."""
        return self.commissioned_at is not None

    @property
    def investment_reported(self) -> Decimal:
        return sum(self.investment.values(), Decimal("0"))

    @property
    def vetoed(self) -> bool:
        return any(i["veto"] for i in self.incidents.values())

    @property
    def amended_ids(self) -> dict[str, str]:
        """Event id → its last amendment's type (``EventCorrected``/``EventRetracted``)."""
        return {c["target"]: c["type"] for c in self.corrections}

    # -- folding ------------------------------------------------------------------

    @classmethod
    def fold(cls, project_id: str, events: Iterable[ProjectEvent]) -> KeyProject:
        project = cls(project_id)
        for event in events:
            project.apply(event)
        return project

    def apply(self, event: ProjectEvent) -> None:
        if event.retracted_by:
            self._withdrawn(event)
            return
        handler = _APPLY.get(event.type)
        if handler is not None:
            handler(self, event, event.payload)
            for derived in _DERIVED.get(event.type, ()):
                self.touch(derived, event)
        if event.stream_version > self.version:
            self.version = event.stream_version
        if event.type not in AMENDMENTS:
            at = instant_text(event)
            if self.last_occurred_at is None or at > self.last_occurred_at:
                self.last_occurred_at = at

    def _withdrawn(self, event: ProjectEvent) -> None:
        # A retracted event changes nothing, but the fields it would have set name the
        # retraction as their cause, so a comparison can say why they are absent.
        trial = copy.deepcopy(self)
        trial.provenance = {}
        trial.apply(replace(event, retracted_by=(), amended_by=()))
        for key in trial.provenance:
            ids = self.provenance.setdefault(key, [])
            ids.extend(r for r in event.retracted_by if r not in ids)
        self.version = max(self.version, event.stream_version)

    def touch(self, key: str, event: ProjectEvent) -> None:
        """``key`` set by ``event`` (and its amendments) as well as by any before."""
        ids = self.provenance.get(key)
        if ids is None and not event.amended_by:  # most often: a new record's own key
            self.provenance[key] = [event.event_id]
            return
        if ids is None:
            ids = self.provenance[key] = []
        for event_id in (event.event_id, *event.amended_by):
            if event_id not in ids:
                ids.append(event_id)

    # -- the events ---------------------------------------------------------------

    def _registered(self, event: ProjectEvent, p: Any) -> None:
        self.registered = True
        self.registered_at = instant_text(event)
        for name in _IDENTITY:
            if name in p:
                setattr(self, name, p[name])
                self.touch(name, event)
        self.county = self.county or DEFAULT_COUNTY  # registered before tenancy
        self.total_investment = Decimal(p["total_investment"])
        self.annual_plan = Decimal(p["annual_plan"])
        plan = p.get("monthly_plan")
        self.monthly_plan = [Decimal(m) for m in plan] if plan else None
        for name in ("total_investment", "annual_plan", "monthly_plan", "registered_at"):
            self.touch(name, event)

    def _pooled(self, event: ProjectEvent, p: Any) -> None:
        self.pooled = True
        self.county = p.get("county") or DEFAULT_COUNTY  # pooled before tenancy: the default
        for name in ("name", "sector", "town", "owner_unit"):
            if p.get(name):
                setattr(self, name, p[name])
                self.touch(name, event)
        self.total_investment = Decimal(p["total_investment"])
        self.touch("total_investment", event)
        self._stage(event, {"stage": p.get("stage") or "planning"})

    def _stage(self, event: ProjectEvent, p: Any) -> None:
        self.stages[p["stage"]] = instant_text(event)
        self.touch(f"stages.{p['stage']}", event)

    def _statistics(self, event: ProjectEvent, p: Any) -> None:
        self.statistics_at = instant_text(event)
        self.statistics_code = p.get("statistics_code")
        self.touch("statistics_at", event)

    def _responsibility(self, event: ProjectEvent, p: Any) -> None:
        for name in ("leader", "lead_unit", "owner_unit", "team", "contact"):
            if p.get(name):
                setattr(self, name, copy.deepcopy(p[name]))
                self.touch(name, event)

    def _milestone_planned(self, event: ProjectEvent, p: Any) -> None:
        key = p["milestone_id"]
        self.milestones[key] = {
            "name": p["name"],
            "kind": p.get("kind", "progress"),
            "planned_due": p["due"],
            "due": p["due"],
            "slips": 0,
            "status": "planned",
            "planned_at": instant_text(event),
            "completed_at": None,
        }
        self.touch(f"milestones.{key}", event)

    def _milestone_completed(self, event: ProjectEvent, p: Any) -> None:
        milestone = self.milestones.get(p["milestone_id"])
        if milestone is not None:
            milestone.update(status="completed", completed_at=instant_text(event))
            self.touch(f"milestones.{p['milestone_id']}", event)

    def _milestone_slipped(self, event: ProjectEvent, p: Any) -> None:
        milestone = self.milestones.get(p["milestone_id"])
        if milestone is not None:
            milestone["due"] = p["new_due"]
            milestone["slips"] += 1
            if milestone["status"] != "completed":
                milestone["status"] = "slipped"
            self.touch(f"milestones.{p['milestone_id']}", event)

    def _approval_requested(self, event: ProjectEvent, p: Any) -> None:
        self.approvals[p["approval_id"]] = {
            "kind": p["kind"],
            "status": "requested",
            "authority": p.get("authority", ""),
            "allowed_days": p.get("allowed_days", 20),
            "requested_at": instant_text(event),
            "decided_at": None,
            "document_no": None,
            "reason": None,
        }
        self.touch(f"approvals.{p['approval_id']}", event)

    def _approval_decided(self, event: ProjectEvent, p: Any) -> None:
        approval = self.approvals.setdefault(
            p["approval_id"],
            {
                "kind": p["kind"],
                "status": "requested",
                "authority": "",
                "allowed_days": None,
                "requested_at": None,
                "decided_at": None,
                "document_no": None,
                "reason": None,
            },
        )
        granted = event.type == "ApprovalGranted"
        approval.update(
            status="granted" if granted else "rejected",
            decided_at=instant_text(event),
            document_no=p.get("document_no") if granted else None,
            reason=None if granted else p.get("reason"),
        )
        self.touch(f"approvals.{p['approval_id']}", event)

    def _investment(self, event: ProjectEvent, p: Any) -> None:
        self.investment[p["month"]] = Decimal(p["amount"])
        self.touch(f"investment.{p['month']}", event)

    def _suspended(self, event: ProjectEvent, p: Any) -> None:
        self.suspended_at = instant_text(event)
        self.suspension_reason = p.get("reason")
        self.touch("suspended_at", event)
        self.touch("suspension_reason", event)

    def _carried_over(self, event: ProjectEvent, p: Any) -> None:
        if int(p["to_year"]) not in self.carried_into:
            self.carried_into = sorted((*self.carried_into, int(p["to_year"])))
        self.touch("carried_into", event)

    @property
    def campaign_years(self) -> frozenset[int]:
        """The campaign years the project belongs to (`shared.campaign`)."""
        return campaign_years(self.year, self.carried_into) if self.year else frozenset()

    def _resumed(self, event: ProjectEvent, p: Any) -> None:
        self.suspended_at = None
        self.suspension_reason = None
        self.touch("suspended_at", event)
        self.touch("suspension_reason", event)

    def _issue_resolved(self, event: ProjectEvent, p: Any) -> None:
        issue = self.issues.get(p["issue_id"])
        if issue is not None:
            issue.update(
                status="resolved",
                resolved_at=instant_text(event),
                resolution=p.get("resolution", ""),
            )
            self.touch(f"issues.{p['issue_id']}", event)

    def _amended(self, event: ProjectEvent, p: Any) -> None:
        self.corrections.append(
            {
                "event_id": event.event_id,
                "type": event.type,
                "target": event.target,
                "reason": p.get("reason", ""),
                "recorded_at": event.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                if event.recorded_at
                else None,
            }
        )
        self.touch("corrections", event)

    # -- views --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The state in JSON form (money as decimal strings)."""
        return {
            "project_id": self.project_id,
            **{name: getattr(self, name) for name in _IDENTITY},
            "total_investment": _money(self.total_investment),
            "annual_plan": _money(self.annual_plan),
            "monthly_plan": [_money(m) for m in self.monthly_plan] if self.monthly_plan else None,
            "phase": self.phase,
            "registered_at": self.registered_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "commissioned_at": self.commissioned_at,
            "suspended_at": self.suspended_at,
            "suspension_reason": self.suspension_reason,
            "milestones": self.milestones,
            "approvals": self.approvals,
            "investment": {month: _money(v) for month, v in sorted(self.investment.items())},
            "investment_reported": _money(self.investment_reported),
            "inspections": self.inspections,
            "issues": self.issues,
            "notices": self.notices,
            "incidents": self.incidents,
            "vetoed": self.vetoed,
            "corrections": self.corrections,
            "carried_into": self.carried_into,
            "pooled": self.pooled,
            "stage": self.stage,
            "stages": self.stages,
            "statistics_at": self.statistics_at,
            "statistics_code": self.statistics_code,
            "visits": self.visits,
            "version": self.version,
            "last_occurred_at": self.last_occurred_at,
        }

    def to_snapshot(self) -> dict[str, Any]:
        """Everything needed to carry on folding (provenance is left out: it only
        serves comparisons, which replay the whole stream)."""
        state = self.to_dict()
        state["registered"] = self.registered
        for derived in ("phase", "investment_reported", "vetoed", "stage"):
            state.pop(derived)
        return state

    @classmethod
    def from_snapshot(cls, state: dict[str, Any]) -> KeyProject:
        state = dict(state)
        project = cls(state.pop("project_id"))
        for name in ("total_investment", "annual_plan"):
            state[name] = Decimal(state[name])
        if state.get("monthly_plan"):
            state["monthly_plan"] = [Decimal(m) for m in state["monthly_plan"]]
        state["investment"] = {k: Decimal(v) for k, v in state["investment"].items()}
        for name, value in state.items():
            setattr(project, name, value)
        return project


_LIFECYCLE_STAGES = (
    ("commissioned_at", "commissioned"),
    ("completed_at", "completed"),
    ("started_at", "started"),
)
"""The lifecycle instants that are stages too, latest first."""


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _fact(attribute: str) -> Callable[[KeyProject, ProjectEvent, Any], None]:
    """An event that sets one instant of the lifecycle (started, completed …)."""

    def apply(project: KeyProject, event: ProjectEvent, payload: Any) -> None:
        setattr(project, attribute, instant_text(event))
        project.touch(attribute, event)

    return apply


def _record(collection: str, key: str, status: str | None = None) -> Callable[..., None]:
    """An event that adds one record (an inspection, an issue …) to a collection."""

    def apply(project: KeyProject, event: ProjectEvent, payload: Any) -> None:
        record = dict(payload)  # a copy: the payload's order, without its key
        del record[key]
        record["at"] = instant_text(event)
        if collection == "incidents":
            record["veto"] = payload["kind"] in VETO_INCIDENTS
        if status is not None:
            record.update(status=status, resolved_at=None, resolution=None)
        getattr(project, collection)[payload[key]] = record
        project.touch(f"{collection}.{payload[key]}", event)

    return apply


_DERIVED = {
    "ConstructionStarted": ("phase", "stage"),
    "ProjectCompleted": ("phase", "stage"),
    "ProjectCommissioned": ("phase", "stage"),
    "ProjectSuspended": ("phase",),
    "ProjectResumed": ("phase",),
    "InvestmentReported": ("investment_reported",),
    "SafetyIncidentReported": ("vetoed",),
    "ProjectPooled": ("stage",),
    "ProjectStageChanged": ("stage",),
}
"""Derived fields of the state, and the events that move them."""

_APPLY: dict[str, Callable[[KeyProject, ProjectEvent, Any], None]] = {
    "ProjectRegistered": KeyProject._registered,
    "ResponsibilityAssigned": KeyProject._responsibility,
    "MilestonePlanned": KeyProject._milestone_planned,
    "MilestoneCompleted": KeyProject._milestone_completed,
    "MilestoneSlipped": KeyProject._milestone_slipped,
    "ApprovalRequested": KeyProject._approval_requested,
    "ApprovalGranted": KeyProject._approval_decided,
    "ApprovalRejected": KeyProject._approval_decided,
    "ConstructionStarted": _fact("started_at"),
    "InvestmentReported": KeyProject._investment,
    "InspectionCompleted": _record("inspections", "inspection_id"),
    "IssueRaised": _record("issues", "issue_id", status="open"),
    "IssueResolved": KeyProject._issue_resolved,
    "SupervisionNoticeIssued": _record("notices", "notice_id"),
    "SafetyIncidentReported": _record("incidents", "incident_id"),
    "ProjectCompleted": _fact("completed_at"),
    "ProjectCommissioned": _fact("commissioned_at"),
    "ProjectSuspended": KeyProject._suspended,
    "ProjectResumed": KeyProject._resumed,
    "ProjectCarriedOver": KeyProject._carried_over,
    "ProjectPooled": KeyProject._pooled,
    "ProjectStageChanged": KeyProject._stage,
    "ProjectStatisticsEntered": KeyProject._statistics,
    "LeaderVisited": _record("visits", "visit_id"),
    "EventCorrected": KeyProject._amended,
    "EventRetracted": KeyProject._amended,
}
