"""The rules a new project event must satisfy against the project's current state.

Each rule raises `RuleViolation` naming the field at fault and saying what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from shared.history import corrected_time

from .errors import RuleViolation
from .events import AMENDMENTS, CORRECTED, RETRACTED, ProjectEvent
from .history import admitted
from .project import KeyProject, instant_text

Rule = Callable[[KeyProject, ProjectEvent], None]


def check(
    project: KeyProject,
    event: ProjectEvent,
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(minutes=5),
) -> None:
    """Refuse ``event`` if the project, as it stands, does not allow it. ``now``
    (the store's clock) bounds business time; None skips that rule (replays)."""
    if now is not None:
        _not_in_future("occurred_at", event.occurred_at, now + max_skew, max_skew)
        if event.type == CORRECTED and (moved := corrected_time(event)) is not None:
            _not_in_future("payload.occurred_at", moved, now + max_skew, max_skew)
    if event.type == "ProjectRegistered":
        if project.registered:
            raise RuleViolation("project_id", f"project {project.project_id} is already registered")
        return
    if not project.registered:
        raise RuleViolation("project_id", f"project {project.project_id} is not registered")
    # Closed means closed in business time: a fact from before commissioning that an
    # approval system reports late is still accepted.
    if project.closed and event.type not in AMENDMENTS and _after_closing(project, event):
        raise RuleViolation(
            "type",
            f"the project was commissioned on {project.commissioned_at} and is closed; "
            "only EventCorrected and EventRetracted are accepted",
        )
    rule = RULES.get(event.type)
    if rule is not None:
        rule(project, event)


def _not_in_future(field: str, instant: datetime, latest: datetime, skew: timedelta) -> None:
    if instant > latest:
        raise RuleViolation(
            field,
            f"{instant.isoformat()} lies in the future "
            f"(more than {int(skew.total_seconds())} s after now)",
        )


def _after_closing(project: KeyProject, event: ProjectEvent) -> bool:
    return instant_text(event) > str(project.commissioned_at)


def check_amendment(
    project: KeyProject,
    amendment: ProjectEvent,
    target: ProjectEvent | None,
    history: Iterable[ProjectEvent],
) -> None:
    """An amendment must point at an original event of the same project, and the
    history with the amendment in effect must still obey every rule."""
    field = "retracted_event_id" if amendment.type == RETRACTED else "corrected_event_id"
    if target is None:
        raise RuleViolation(field, f"no event {amendment.target} in project {project.project_id}")
    if target.is_amendment:
        raise RuleViolation(field, "amend the original event, not a correction of it")
    if target.type == "ProjectRegistered" and amendment.type == RETRACTED:
        raise RuleViolation(field, "a registration cannot be retracted; correct it instead")
    last = project.amended_ids.get(target.event_id)
    if last == RETRACTED:
        raise RuleViolation(field, f"event {target.event_id} is already retracted")
    if target.type == "ProjectRegistered":
        new_id = amendment.payload["payload"].get("project_id")
        if new_id != project.project_id:
            raise RuleViolation("payload.project_id", "a project's id cannot be corrected")
    events = list(history)
    trial = admitted([*events, replace(amendment, recorded_at=_latest(events))])
    replay_strictly(project.project_id, trial)


def replay_strictly(project_id: str, events: Iterable[ProjectEvent]) -> KeyProject:
    """Fold ``events`` checking each against the state before it (no clock rule)."""
    project = KeyProject(project_id)
    for event in events:
        if not event.retracted_by and not event.is_amendment:
            try:
                check(project, event)
            except RuleViolation as exc:
                raise RuleViolation(
                    exc.field,
                    f"with this amendment, the {event.type} at version "
                    f"{event.stream_version} would break a rule: {exc.message}",
                ) from None
        project.apply(event)
    return project


def _latest(events: list[ProjectEvent]) -> datetime | None:
    stamps = [e.recorded_at for e in events if e.recorded_at is not None]
    return max(stamps) if stamps else None


# -- one rule per event type ---------------------------------------------------------


def _responsibility(project: KeyProject, event: ProjectEvent) -> None:
    p = event.payload
    if not any(p.get(name) for name in ("leader", "lead_unit", "owner_unit", "team", "contact")):
        raise RuleViolation("leader", "name at least one of leader, lead_unit, owner_unit")


def _milestone(project: KeyProject, event: ProjectEvent) -> dict[str, Any]:
    milestone_id = event.payload["milestone_id"]
    milestone = project.milestones.get(milestone_id)
    if milestone is None:
        raise RuleViolation(
            "milestone_id", f"milestone {milestone_id!r} has not been planned (MilestonePlanned)"
        )
    if milestone["status"] == "completed":
        raise RuleViolation(
            "milestone_id",
            f"milestone {milestone_id!r} was completed on {milestone['completed_at']}",
        )
    return milestone


def _milestone_completed(project: KeyProject, event: ProjectEvent) -> None:
    _milestone(project, event)


def _milestone_planned(project: KeyProject, event: ProjectEvent) -> None:
    milestone_id = event.payload["milestone_id"]
    if milestone_id in project.milestones:
        raise RuleViolation(
            "milestone_id",
            f"milestone {milestone_id!r} is already planned; send MilestoneSlipped to move it",
        )


def _milestone_slipped(project: KeyProject, event: ProjectEvent) -> None:
    milestone = _milestone(project, event)
    new_due = date.fromisoformat(event.payload["new_due"])
    if new_due <= date.fromisoformat(milestone["due"]):
        raise RuleViolation(
            "new_due", f"must be later than the current due date {milestone['due']}"
        )


def _approval_requested(project: KeyProject, event: ProjectEvent) -> None:
    approval_id = event.payload["approval_id"]
    if approval_id in project.approvals:
        raise RuleViolation(
            "approval_id", f"approval {approval_id!r} is already on record; use a new id"
        )


def _approval_decided(project: KeyProject, event: ProjectEvent) -> None:
    approval = project.approvals.get(event.payload["approval_id"])
    if approval is None:
        return  # approval systems may report a decision without the application
    if approval["status"] != "requested":
        raise RuleViolation(
            "approval_id",
            f"approval {event.payload['approval_id']!r} was already {approval['status']}",
        )
    if approval["kind"] != event.payload["kind"]:
        raise RuleViolation("kind", f"the approval was requested as {approval['kind']!r}")


def _construction_started(project: KeyProject, event: ProjectEvent) -> None:
    if project.started_at is not None:
        raise RuleViolation("type", f"construction already started on {project.started_at}")


def _investment(project: KeyProject, event: ProjectEvent) -> None:
    month = event.payload["month"]
    if month in project.investment:
        raise RuleViolation(
            "month",
            f"investment for {month} is already reported ({project.investment[month]:.2f}); "
            "send EventCorrected to replace it",
        )
    if event.payload["amount"].startswith("-"):
        raise RuleViolation("amount", "must not be negative")
    # The latest local month anywhere on Earth at that instant (UTC+14): a month that
    # has not begun yet cannot have had investment.
    latest_month = (event.occurred_at + timedelta(hours=14)).strftime("%Y-%m")
    if month > latest_month:
        raise RuleViolation(
            "month", f"{month} had not begun when the report occurred ({latest_month})"
        )


def _new_record(collection: str, key: str) -> Rule:
    def rule(project: KeyProject, event: ProjectEvent) -> None:
        value = event.payload[key]
        if value in getattr(project, collection):
            raise RuleViolation(key, f"{value!r} is already recorded; use a new id")

    return rule


def _issue_resolved(project: KeyProject, event: ProjectEvent) -> None:
    issue = project.issues.get(event.payload["issue_id"])
    if issue is None:
        raise RuleViolation("issue_id", f"issue {event.payload['issue_id']!r} was never raised")
    if issue["status"] == "resolved":
        raise RuleViolation(
            "issue_id", f"issue {event.payload['issue_id']!r} was resolved {issue['resolved_at']}"
        )


def _completed(project: KeyProject, event: ProjectEvent) -> None:
    if project.started_at is None:
        raise RuleViolation("type", "construction has not started (ConstructionStarted)")
    if project.completed_at is not None:
        raise RuleViolation("type", f"the project was already completed on {project.completed_at}")


def _commissioned(project: KeyProject, event: ProjectEvent) -> None:
    if project.completed_at is None:
        raise RuleViolation("type", "the project is not completed (ProjectCompleted)")


def _suspended(project: KeyProject, event: ProjectEvent) -> None:
    if project.suspended_at is not None:
        raise RuleViolation(
            "type", f"the project is already suspended since {project.suspended_at}"
        )


def _resumed(project: KeyProject, event: ProjectEvent) -> None:
    if project.suspended_at is None:
        raise RuleViolation("type", "the project is not suspended")


RULES: dict[str, Rule] = {
    "ResponsibilityAssigned": _responsibility,
    "MilestonePlanned": _milestone_planned,
    "MilestoneCompleted": _milestone_completed,
    "MilestoneSlipped": _milestone_slipped,
    "ApprovalRequested": _approval_requested,
    "ApprovalGranted": _approval_decided,
    "ApprovalRejected": _approval_decided,
    "ConstructionStarted": _construction_started,
    "InvestmentReported": _investment,
    "InspectionCompleted": _new_record("inspections", "inspection_id"),
    "IssueRaised": _new_record("issues", "issue_id"),
    "IssueResolved": _issue_resolved,
    "SupervisionNoticeIssued": _new_record("notices", "notice_id"),
    "SafetyIncidentReported": _new_record("incidents", "incident_id"),
    "ProjectCompleted": _completed,
    "ProjectCommissioned": _commissioned,
    "ProjectSuspended": _suspended,
    "ProjectResumed": _resumed,
}
