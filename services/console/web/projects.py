"""项目: the list with search, and a project's page under the two clocks, with the
field-by-field comparison of two dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, request

from shared.eventstore import RecordedEvent, now_utc

from ...registry.domain import KeyProject, ProjectNotFound
from .. import charts
from ..text import label, moment
from .base import bp, day_argument, gateway, page, signed_in
from .clocks import Clocks, clocks_from_request
from .colour_record import project_record

READERS = ("office", "auditor", "viewer")


@bp.get("/projects")
@signed_in(*READERS)
def projects():  # type: ignore[no-untyped-def]
    services = gateway()
    board, _ = services.board(services.cutoff(None, None))
    words = (request.args.get("q") or "").strip()
    rows = [r for r in board["projects"] if _matches(r, words)]
    return page("projects", "项目", rows=rows, q=words)


def _matches(row: dict[str, Any], words: str) -> bool:
    fields = ("project_id", "name", "leader", "lead_unit", "owner_unit", "town", "sector")
    text = " ".join(str(row[f]) for f in fields)
    return all(word in text for word in words.split())


def project_clocks(project_id: str) -> tuple[Clocks, KeyProject]:
    services = gateway()
    today = now_utc().astimezone(services.zone).date()
    try:
        latest = services.registry.state(project_id)
    except ProjectNotFound:
        abort(404)
    year = latest.year or services.campaign_year(today)
    clocks = clocks_from_request(services, year, min(today, date(year, 12, 31)))
    return clocks, latest


@bp.get("/projects/<project_id>")
@signed_in(*READERS)
def project(project_id: str):  # type: ignore[no-untyped-def]
    clocks, latest = project_clocks(project_id)
    services = gateway()
    state = services.registry.state(project_id, clocks.cutoff.as_of, clocks.cutoff.known_at)
    everything = bool(request.args.get("all"))
    after = 0 if everything else max(0, latest.version - TIMELINE_ROWS)
    events = services.registry.history(project_id, clocks.cutoff, after_version=after)
    actions = services.scheduling.actions(status="open", project_id=project_id)
    return page(
        "project",
        latest.name,
        project=state,
        project_id=project_id,
        clocks=clocks,
        spans=charts.milestone_spans(_milestones(state), clocks.year),
        months=_months(state, clocks.year),
        chart=charts.month_chart(*_chart_series(state, clocks), in_yi=False),
        timeline=timeline(
            events if request.args.get("all") else events[-TIMELINE_ROWS:], services.zone
        ),
        events_total=len(events),
        issues=[(k, v) for k, v in state.issues.items() if v.get("status") != "resolved"],
        actions=actions,
        compare=_comparison(project_id, clocks),
        colour_record=project_record(project_id, clocks.year),
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _milestones(state: KeyProject) -> list[dict[str, Any]]:
    return [
        {
            "name": m["name"],
            "due": _day(m.get("planned_due") or m.get("due")),
            "now": _day(m.get("due")),
            "completed_on": _day(m.get("completed_at")),
            "slips": m.get("slips", 0),
        }
        for m in state.milestones.values()
        if m.get("planned_due") or m.get("due")
    ]


def _plan(state: KeyProject) -> list[Decimal]:
    if state.monthly_plan:
        return list(state.monthly_plan)
    return [state.annual_plan / 12] * 12


def _months(state: KeyProject, year: int) -> list[tuple[int, Decimal, Decimal | None]]:
    plan = _plan(state)
    return [(m, plan[m - 1], state.investment.get(f"{year}-{m:02d}")) for m in range(1, 13)]


def _chart_series(state: KeyProject, clocks: Clocks) -> tuple[list, list]:
    reached = 12 if clocks.as_of.year > clocks.year else clocks.as_of.month
    actual = [
        state.investment.get(f"{clocks.year}-{m:02d}", Decimal(0)) if m <= reached else None
        for m in range(1, 13)
    ]
    return _plan(state), actual


TIMELINE_ROWS = 200
"""The stream versions shown at first, newest first; ``?all=1`` shows every one."""


def timeline(events: list[RecordedEvent], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Events newest first, ready to show: both clocks, and the links between a
    correction and the event it corrects."""
    amended: dict[str, list[tuple[str, str]]] = {}
    for event in events:
        target = event.payload.get("corrected_event_id") or event.payload.get("retracted_event_id")
        if event.type in ("EventCorrected", "EventRetracted") and target:
            amended.setdefault(str(target), []).append(
                (event.event_id, label("event_type", event.type))
            )
    return [
        {
            "id": e.event_id,
            "occurred": moment(e.occurred_at, zone),
            "recorded": moment(e.recorded_at, zone),
            "late": (e.recorded_at - e.occurred_at).days >= 3,
            "type": label("event_type", e.type),
            "source": e.source,
            "amended_by": amended.get(e.event_id, []),
            "amends": e.payload.get("corrected_event_id") or e.payload.get("retracted_event_id"),
        }
        for e in reversed(events)
    ]


def _comparison(project_id: str, clocks: Clocks) -> dict[str, Any] | None:
    other = day_argument("compare")
    if other is None:
        return None
    services = gateway()
    before = services.cutoff(other, clocks.known_at)
    _, _, changes = services.registry.diff(project_id, before, clocks.cutoff)
    return {"from": other, "changes": changes}
