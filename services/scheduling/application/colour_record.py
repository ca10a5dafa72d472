"""The colour record by month (`domain.colour_record`) of a campaign: read the project
streams once, judge each month's end as the board judges a day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.campaign import Campaign
from shared.events import PROJECT_EVENT_TYPES, is_project_stream, project_stream
from shared.eventstore import Cutoff, EventStore, RecordedEvent

from ..domain.colour_record import (
    NOT_IN_CAMPAIGN,
    MonthEnd,
    campaign_months,
    colour_months,
    red_runs,
)
from ..domain.project import ProjectState
from ..domain.rules import COLOURS, Thresholds, findings, status


def record(
    store: EventStore,
    campaign: Campaign,
    thresholds: Thresholds,
    *,
    now: datetime,
    zone: ZoneInfo,
    project_id: str | None = None,
) -> dict[str, Any]:
    """The campaign's colour record up to ``now`` (one project's when ``project_id``)."""
    months = campaign_months(campaign.starts_on, campaign.ends_on, now, zone)
    events = _events(store, months, project_id)

    def judge(state: ProjectState, day: date) -> str | None:
        if not state.in_campaign(campaign.year) or state.registered_on > day:
            return None
        return status(findings(state, day, thresholds))

    found = colour_months(events, months, judge, zone)
    rows = [_row(colours, state) for _, (colours, state) in sorted(found.items())]
    return {
        "campaign": campaign.to_dict(),
        "months": [_month(m) for m in months],
        "counts": [
            {c: sum(1 for r in rows if r["colours"][i] == c) for c in COLOURS}
            for i in range(len(months))
        ],
        "projects": rows,
    }


def _events(
    store: EventStore, months: list[MonthEnd], project_id: str | None
) -> list[RecordedEvent]:
    if not months:
        return []
    known = Cutoff(known_at=months[-1].at)
    if project_id is not None:
        return list(store.read_stream(project_stream(project_id), cutoff=known))
    return [
        e
        for e in store.iter_all(types=PROJECT_EVENT_TYPES, cutoff=known)
        if is_project_stream(e.stream_id)
    ]


def _month(month: MonthEnd) -> dict[str, Any]:
    return {"month": month.month, "judged_on": month.day.isoformat(), "closed": month.closed}


def _row(colours: list[str], state: ProjectState) -> dict[str, Any]:
    longest, current = red_runs(colours)
    return {
        "project_id": state.project_id,
        "name": state.name,
        "leader": state.leader,
        "lead_unit": state.lead_unit,
        "colours": colours,
        "consecutive_red": {"longest": longest, "current": current},
        "months_red": sum(1 for c in colours if c == "red"),
        "in_campaign_months": sum(1 for c in colours if c != NOT_IN_CAMPAIGN),
    }
