"""督办 as a workflow: a follow-up action goes 下发 (issued) → 签收 (acknowledged) → 办理
(in progress) → 反馈 (reported) → 复核 (the office accepts: 办结; or returns it to 办理 with
its reason) → 办结 (closed). Each step is one event; a step out of order is refused.

Time limits are the county's own choice (``action_limits`` in the configuration): 签收
within ``acknowledge_working_days`` working days of 下发, 反馈 by the action's own
deadline (``due``), 复核 within ``review_working_days`` working days of 反馈. An action
whose current step is due within ``warning_days`` days is yellow (临期), past it red (逾期).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.i18n import label

STAGES = ("issued", "acknowledged", "in_progress", "reported", "closed")
"""Where an action stands; an action closed by ``ActionClosed`` alone (before the
workflow, or closed directly by the office) is ``closed`` too."""

STEPS = ("issue", "acknowledge", "start", "report", "accept", "return", "close")
"""What is done to an action: ``issue`` is its ``ActionAssigned`` (下发: by a plan, a site
meeting, …); ``close`` is the office's direct 办结 (``ActionClosed``)."""

URGENCIES = ("green", "yellow", "red", "done")


@dataclass(frozen=True)
class Step:
    event_type: str
    before: tuple[str, ...]
    after: str
    roles: tuple[str, ...]
    """Who may take the step (admin always): the responsible unit's own token (role
    ``unit``, for its own actions only) or the office recording it for the unit; the
    office alone reviews and closes."""


UNIT_STEP = ("office", "unit")
"""The unit's own steps: by its token, or recorded by the office."""

WORKFLOW: dict[str, Step] = {
    "acknowledge": Step("ActionAcknowledged", ("issued",), "acknowledged", UNIT_STEP),
    "start": Step("ActionStarted", ("acknowledged",), "in_progress", UNIT_STEP),
    "report": Step("ActionReported", ("in_progress",), "reported", UNIT_STEP),
    "accept": Step("ActionReviewed", ("reported",), "closed", ("office",)),
    "return": Step("ActionReviewed", ("reported",), "in_progress", ("office",)),
    "close": Step("ActionClosed", STAGES[:-1], "closed", ("office",)),
}

NEXT_STEPS: dict[str, tuple[str, ...]] = {
    stage: tuple(s for s, step in WORKFLOW.items() if stage in step.before and s != "close")
    for stage in STAGES
}
"""The workflow's next step(s) from each stage (the direct ``close`` aside)."""


class StepRefused(Exception):
    """A step the action's stage does not allow (409)."""

    def __init__(self, action_id: str, step: str, stage: str) -> None:
        wanted = "、".join(f"“{label('action_step', s)}”" for s in NEXT_STEPS[stage])
        then = f"；当前应办理的环节是{wanted}" if wanted else "；已办结的事项不能再办理"
        super().__init__(
            f"督办事项“{action_id}”当前为“{label('action_stage', stage)}”，"
            f"不能“{label('action_step', step)}”{then}。"
        )
        self.action_id = action_id
        self.step = step
        self.stage = stage


class NotTheUnitsAction(Exception):
    """A unit's token on another unit's action (403)."""

    def __init__(self, action_id: str, unit: str) -> None:
        super().__init__(f"督办事项“{action_id}”不是{unit}承办的事项，本单位令牌不能办理或查看。")
        self.action_id = action_id
        self.unit = unit


def check_unit(row: dict[str, Any], unit: str | None) -> None:
    """A unit's token acts on (and reads) its own unit's actions only."""
    if unit is not None and row["assignee"] != unit:
        raise NotTheUnitsAction(row["action_id"], unit)


def stage_of(row: dict[str, Any]) -> str:
    """The row's stage (a closed row is closed whatever its stage column says)."""
    if row.get("status") == "closed":
        return "closed"
    return row.get("stage") or "issued"


def check_step(row: dict[str, Any], step: str) -> Step:
    """The step if the action's stage allows it; otherwise `StepRefused`."""
    found = WORKFLOW[step]
    stage = stage_of(row)
    if stage not in found.before:
        raise StepRefused(row["action_id"], step, stage)
    return found


def step_payload(action_id: str, step: str, body: dict[str, Any]) -> dict[str, Any]:
    """The event payload of a step from what the office sent."""
    if step in ("accept", "return"):
        decision = "accepted" if step == "accept" else "returned"
        return {"action_id": action_id, "decision": decision, "reason": body.get("reason", "")}
    if step == "report":
        return {"action_id": action_id, "person": body.get("person", ""), "report": body["report"]}
    if step == "close":
        return {"action_id": action_id, "note": body.get("note", "")}
    return {"action_id": action_id, "person": body.get("person", ""), "note": body.get("note", "")}


def stage_after(event_type: str, payload: dict[str, Any]) -> str:
    """The stage an action is in after one of the workflow's events."""
    if event_type == "ActionReviewed":
        return "closed" if payload.get("decision") == "accepted" else "in_progress"
    return next(s.after for s in WORKFLOW.values() if s.event_type == event_type)


def step_note(payload: dict[str, Any]) -> str:
    """What the step said: the report, the review's reason, the note."""
    return payload.get("report") or payload.get("reason") or payload.get("note") or ""


@dataclass(frozen=True)
class ActionLimits:
    """The county's own time limits for the 督办 workflow (``action_limits``)."""

    acknowledge_working_days: int = 1
    review_working_days: int = 2
    warning_days: int = 3


def add_working_days(start: date, days: int, is_working_day: Callable[[date], bool]) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself when 0)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


@dataclass(frozen=True)
class Timing:
    """When the action's current step is due, and its colour on ``today``."""

    step_due: date | None
    urgency: str


def timing(
    row: dict[str, Any],
    today: date,
    limits: ActionLimits,
    is_working_day: Callable[[date], bool],
    local_day: Callable[[Any], date],
) -> Timing:
    """The current step's deadline: 签收 by the acknowledge limit (and never after the
    action's deadline), 反馈 by the action's deadline, 复核 by the review limit."""
    stage = stage_of(row)
    if stage == "closed":
        return Timing(None, "done")
    due: date = row["due"]
    if stage == "issued":
        assigned = local_day(row["assigned_at"])
        step_due = min(
            add_working_days(assigned, limits.acknowledge_working_days, is_working_day), due
        )
    elif stage == "reported":
        reported = local_day(row["stage_at"] or row["assigned_at"])
        step_due = add_working_days(reported, limits.review_working_days, is_working_day)
    else:
        step_due = due
    return Timing(step_due, colour(step_due, today, limits.warning_days))


def colour(step_due: date, today: date, warning_days: int) -> str:
    if today > step_due:
        return "red"
    if (step_due - today).days <= warning_days:
        return "yellow"
    return "green"
