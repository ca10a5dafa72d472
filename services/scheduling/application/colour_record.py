"""The colour record by month (`domain.colour_record`) of a campaign: read the project
streams once, judge each month's end as the board judges a day."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.campaign import Campaign
from shared.events import PROJECT_EVENT_TYPES, is_project_stream, project_stream
from shared.eventstore import Cutoff, EventStore, NewEvent, RecordedEvent
from shared.tenancy import DEFAULT_COUNTY, county_stream

from ..domain.colour_record import (
    NOT_IN_CAMPAIGN,
    MonthEnd,
    campaign_months,
    colour_months,
    red_runs,
)
from ..domain.project import ProjectState
from ..domain.rules import COLOURS, Thresholds, findings, status

COLOURS_RECORDED = "MonthColoursRecorded"
_IDS = uuid.UUID("4f0b9c3e-7a21-4d6b-b8e5-2c9a1f7d3e60")


def colours_stream(year: int, county: str = DEFAULT_COUNTY) -> str:
    """Where a county's ended months of a campaign are recorded, one
    ``MonthColoursRecorded`` each: ``colours-<year>`` (another county's:
    ``<county>:colours-<year>``, `shared.tenancy.county_stream`)."""
    return county_stream(f"colours-{year}", county)


def recorded_months(store: EventStore, year: int, county: str = DEFAULT_COUNTY) -> set[str]:
    return {e.payload["month"] for e in store.read_stream(colours_stream(year, county))}


def month_events(
    body: dict[str, Any], done: set[str], zone: ZoneInfo, county: str = DEFAULT_COUNTY
) -> list[NewEvent]:
    """A ``MonthColoursRecorded`` for each ended month of a county's record (`record`)
    not recorded yet: every project's colour at that month's end (its id derived from the
    county and month, so two writers write one event). Its business time is the month's
    last instant."""
    year = body["campaign"]["year"]
    out = []
    for i, month in enumerate(body["months"]):
        if not month["closed"] or month["month"] in done:
            continue
        colours = {
            row["project_id"]: row["colours"][i]
            for row in body["projects"]
            if row["colours"][i] in COLOURS
        }
        judged_on = date.fromisoformat(month["judged_on"])
        out.append(
            NewEvent(
                stream_id=colours_stream(year, county),
                type=COLOURS_RECORDED,
                payload={
                    "year": year,
                    "month": month["month"],
                    "judged_on": month["judged_on"],
                    "colours": colours,
                },
                occurred_at=Cutoff.of(as_of=judged_on, zone=zone).as_of,
                event_id=str(uuid.uuid5(_IDS, county_stream(f"{year}|{month['month']}", county))),
            )
        )
    return out


def record(
    store: EventStore,
    campaign: Campaign,
    thresholds: Thresholds,
    *,
    now: datetime,
    zone: ZoneInfo,
    project_id: str | None = None,
    counties: Collection[str] | None = None,
) -> dict[str, Any]:
    """The campaign's colour record up to ``now`` (one project's when ``project_id``), of
    the projects of ``counties`` (default: every county)."""
    months = campaign_months(campaign.starts_on, campaign.ends_on, now, zone)
    events = _events(store, months, project_id)

    def judge(state: ProjectState, day: date) -> str | None:
        if not state.in_campaign(campaign.year) or state.registered_on > day:
            return None
        if counties is not None and (state.county or DEFAULT_COUNTY) not in counties:
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
        "county": state.county or DEFAULT_COUNTY,
        "name": state.name,
        "leader": state.leader,
        "lead_unit": state.lead_unit,
        "colours": colours,
        "consecutive_red": {"longest": longest, "current": current},
        "months_red": sum(1 for c in colours if c == "red"),
        "in_campaign_months": sum(1 for c in colours if c != NOT_IN_CAMPAIGN),
    }
