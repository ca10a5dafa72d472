"""The 督办 workflow's writes and views: a step's events appended with the action's row
moved in the same transaction (the row lock decides between two offices at once), and
an action as the office reads it — its stage, next steps, deadline and colour, and who
took each step when."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.events.catalogue import ACTION_WORKFLOW_TYPES
from shared.eventstore import EventStore, NewEvent, RecordedEvent

from ..domain import duban
from ..domain.calendar import WorkingCalendar
from ..readmodel import projection
from ..readmodel.tables import actions

HISTORY_TYPES = ("ActionAssigned", *ACTION_WORKFLOW_TYPES, "ActionClosed")


def step_events(
    row: dict[str, Any],
    step: str,
    body: dict[str, Any],
    now: datetime,
    close_id: str,
    attributed: tuple[str, str],
) -> list[NewEvent]:
    """The step's event; 复核通过 also closes the action (``ActionClosed``: 办结)."""
    actor, source = attributed
    stream = f"actions-{row['project_id']}"
    wanted = duban.WORKFLOW[step]
    payload = duban.step_payload(row["action_id"], step, body)
    events = [NewEvent(stream, wanted.event_type, payload, now, actor=actor, source=source)]
    if step == "accept":
        closing = {"action_id": row["action_id"], "note": body.get("reason") or "复核通过，办结"}
        events.append(
            NewEvent(
                stream, "ActionClosed", closing, now, event_id=close_id, actor=actor, source=source
            )
        )
    return events


def write_step(store: EventStore, row: dict[str, Any], step: str, events: list[NewEvent]) -> None:
    """Claim the row's stage, append the events and apply them to the row, together."""
    wanted = duban.WORKFLOW[step]
    with store.writing() as conn:
        if not projection.claim_step(conn, row["action_id"], wanted.before, wanted.after):
            now = conn.execute(select(actions).where(actions.c.action_id == row["action_id"]))
            raise duban.StepRefused(row["action_id"], step, duban.stage_of(now.one()._asdict()))
        result = store.append(events, connection=conn)
        stored = store.get_many([e.event_id for e in events], connection=conn)
        for event in sorted(stored.values(), key=lambda e: e.global_position):
            if event.type == "ActionClosed":
                projection.close_action(conn, projection.closed_row(event))
            else:
                projection.step_action(conn, projection.step_row(event))
    store.notify(result.last_position)


class Clock:
    """Days in the campaign's zone and its working calendar, for the actions' deadlines."""

    def __init__(self, zone: ZoneInfo, calendar: WorkingCalendar, today: date) -> None:
        self.zone = zone
        self.calendar = calendar
        self.today = today

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()


def with_timing(row: dict[str, Any], clock: Clock, limits: duban.ActionLimits) -> dict[str, Any]:
    """The row with its stage, next steps, the current step's deadline and colour."""
    found = duban.timing(row, clock.today, limits, clock.calendar.is_working_day, clock.local_day)
    stage = duban.stage_of(row)
    return {
        **row,
        "stage": stage,
        "next_steps": list(duban.NEXT_STEPS[stage]),
        "step_due": found.step_due,
        "urgency": found.urgency,
    }


def history(events: list[RecordedEvent], action_id: str) -> list[dict[str, Any]]:
    """Each step the action went through: which, when, by whom, what was said."""
    steps = []
    for event in events:
        if event.type not in HISTORY_TYPES or event.payload.get("action_id") != action_id:
            continue
        steps.append(
            {
                "step": _step_of(event),
                "event_type": event.type,
                "event_id": event.event_id,
                "at": event.recorded_at,
                "by": event.actor or "",
                "person": event.payload.get("person") or "",
                "text": duban.step_note(event.payload),
            }
        )
    return steps


def _step_of(event: RecordedEvent) -> str:
    if event.type == "ActionAssigned":
        return "issue"
    if event.type == "ActionReviewed":
        return "accept" if event.payload.get("decision") == "accepted" else "return"
    return next(s for s, w in duban.WORKFLOW.items() if w.event_type == event.type)
