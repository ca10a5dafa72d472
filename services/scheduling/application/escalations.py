"""Escalation (plan 3: 一事一议、特事特办), stream ``escalation-<id>``: a problem of a project
or a unit put to the leading group (what, by whom, when), the group's decision with its
owner and deadline, and its closing. Each step happens on a day: the event occurs at the
end of that day (or when recorded, if sooner), so that a plan made as of its meeting day
lists the escalations open then (`open_as_of`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.eventstore import Cutoff, EventStore, NewEvent, RecordedEvent
from shared.tenancy import DEFAULT_COUNTY, county_stream, stream_county

from ..domain.errors import EscalationConflict, InvalidRecord

ESCALATION_TYPES = ("EscalationRaised", "EscalationDecided", "EscalationClosed")
_IDS = uuid.UUID("5f0b6a3e-8c2d-4e71-b9a4-2d7c1e6f8a03")
_STEP = {"EscalationDecided": "decision", "EscalationClosed": "closing"}
_DAY = {"EscalationRaised": "raised_on", "EscalationDecided": "decided_on"}


def escalation_stream(escalation_id: str, county: str = DEFAULT_COUNTY) -> str:
    """A county's escalation: ``escalation-<id>`` (another county's:
    ``<county>:escalation-<id>``, `shared.tenancy.county_stream`)."""
    return county_stream(f"escalation-{escalation_id}", county)


def folded(events: Iterable[RecordedEvent]) -> dict[str, Any] | None:
    """An escalation as its events state it: ``state`` open, decided or closed, with its
    ``decision`` and ``closing`` once they are recorded."""
    out: dict[str, Any] | None = None
    for event in events:
        if event.type == "EscalationRaised":
            out = {**event.payload, "state": "open", "decision": None, "closing": None}
        elif out is not None and event.type in _STEP:
            step = {k: v for k, v in event.payload.items() if k != "escalation_id"}
            out[_STEP[event.type]] = step
            out["state"] = "decided" if event.type == "EscalationDecided" else "closed"
    return out


def open_as_of(
    store: EventStore, cutoff: Cutoff, county: str | None = None
) -> list[dict[str, Any]]:
    """The escalations raised and not closed under ``cutoff``, oldest first: of
    ``county``, or of every county when None."""
    found = [folded(events) for events in by_stream(store, cutoff, county).values()]
    shown = [e for e in found if e is not None and e["state"] != "closed"]
    return sorted(shown, key=lambda e: (e["raised_on"], e["escalation_id"]))


def by_stream(
    store: EventStore, cutoff: Cutoff | None = None, county: str | None = None
) -> dict[str, list[RecordedEvent]]:
    """Each escalation's events by its stream (of ``county`` only when given)."""
    out: dict[str, list[RecordedEvent]] = {}
    for event in store.iter_types(ESCALATION_TYPES, cutoff=cutoff):
        if county is None or stream_county(event.stream_id)[0] == county:
            out.setdefault(event.stream_id, []).append(event)
    return out


def raised_payload(escalation_id: str, body: dict[str, Any], today: date) -> dict[str, Any]:
    if not body.get("project_id") and not body.get("unit"):
        raise InvalidRecord("project_id", "须写明所涉项目或所涉单位")
    if body["raised_on"] > today:
        raise InvalidRecord("raised_on", "提请日期不能晚于今天")
    return {
        "escalation_id": escalation_id,
        "project_id": body.get("project_id") or None,
        "unit": body.get("unit") or None,
        "matter": body["matter"],
        "raised_by": body["raised_by"],
        "raised_on": body["raised_on"].isoformat(),
    }


def decided_payload(current: dict[str, Any], body: dict[str, Any], today: date) -> dict[str, Any]:
    _not_closed(current, "议定")
    decided_on: date = body["decided_on"]
    if not date.fromisoformat(current["raised_on"]) <= decided_on <= today:
        raise InvalidRecord("decided_on", "议定日期须在提请日期之后、不晚于今天")
    if body["due"] < decided_on:
        raise InvalidRecord("due", "完成期限早于议定日期")
    return {
        "escalation_id": current["escalation_id"],
        "decision": body["decision"],
        "owner": body["owner"],
        "due": body["due"].isoformat(),
        "decided_on": decided_on.isoformat(),
    }


def closed_payload(current: dict[str, Any], body: dict[str, Any], today: date) -> dict[str, Any]:
    closed_on: date = body["closed_on"]
    if current["closing"] != {"closed_on": closed_on.isoformat(), "note": body["note"]}:
        _not_closed(current, "办结")  # closing again as before changes nothing
    since = (current["decision"] or {}).get("decided_on") or current["raised_on"]
    if not date.fromisoformat(since) <= closed_on <= today:
        raise InvalidRecord("closed_on", "办结日期须在提请（议定）日期之后、不晚于今天")
    return {
        "escalation_id": current["escalation_id"],
        "closed_on": closed_on.isoformat(),
        "note": body["note"],
    }


def _not_closed(current: dict[str, Any], step: str) -> None:
    if current["state"] == "closed":
        raise EscalationConflict(current["escalation_id"], "closed", f"该事项已办结，不能再{step}")


def step_event(
    kind: str,
    payload: dict[str, Any],
    zone: ZoneInfo,
    now: datetime,
    county: str = DEFAULT_COUNTY,
) -> NewEvent:
    """The event of one step, occurring at the end of its day (or now, if sooner); the
    same step twice is the same event."""
    day = date.fromisoformat(payload[_DAY.get(kind, "closed_on")])
    key = county_stream("|".join(f"{k}={payload[k]}" for k in sorted(payload)), county)
    end_of_day = Cutoff.of(as_of=day, zone=zone).as_of
    assert end_of_day is not None
    return NewEvent(
        stream_id=escalation_stream(payload["escalation_id"], county),
        type=kind,
        payload=payload,
        occurred_at=min(end_of_day, now),
        event_id=str(uuid.uuid5(_IDS, f"{kind}|{key}")),
    )
