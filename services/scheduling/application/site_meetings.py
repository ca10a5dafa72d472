"""现场办公 / 现场督办 records (stream ``site-meeting-<record_id>``, another county's
``<county>:site-meeting-<record_id>``: ids are per county): where, who attended,
the problems taken up, and decisions with owners and deadlines. Each decision is its own
agenda item (rule ``site_decision``, subject: the record and the decision's number), held
by one follow-up action through the action table's unique key, carried on every plan's
agenda until it is closed."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any

from shared.eventstore import NewEvent
from shared.eventstore.canonical import canonical_json
from shared.i18n import short_date
from shared.tenancy import DEFAULT_COUNTY, county_stream, stream_county

from ..domain.errors import InvalidRecord
from ..domain.periods import Period
from ..domain.plan import action_id_for
from ..domain.rules import RECORDED_ITEMS

SITE_DECISION = RECORDED_ITEMS[0]
_IDS = uuid.UUID("9a4c2e61-7b3d-4f08-a5c1-6e2d8b0f3a95")


def site_meeting_stream(record_id: str, county: str = DEFAULT_COUNTY) -> str:
    """A county's record: ``site-meeting-<record>`` (another county's:
    ``<county>:site-meeting-<record>``, `shared.tenancy.county_stream`)."""
    return county_stream(f"site-meeting-{record_id}", county)


def decision_item(record_id: str, number: int) -> str:
    """The agenda item a decision is: ``site_decision:<record>#<number>``."""
    return f"{SITE_DECISION}:{record_id}#{number}"


def record_id_for(body: dict[str, Any], prefix: str = "S") -> str:
    """A record's id when the office gives none: derived from what it states, so that
    sending the same record again is the same record."""
    stated = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)  # dates as ISO
    digest = hashlib.sha256(stated.encode()).hexdigest()
    return prefix + digest[:15]


def checked(body: dict[str, Any], today: date) -> None:
    """A record states a meeting that was held (not one to come), and decisions due on
    or after it."""
    if body["held_on"] > today:
        raise InvalidRecord("held_on", "现场办公日期不能晚于今天")
    for number, decision in enumerate(body.get("decisions") or [], start=1):
        if decision["due"] < body["held_on"]:
            raise InvalidRecord("decisions", f"决定事项第{number}项的完成期限早于现场办公日期")


def recorded_payload(record_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The ``SiteMeetingRecorded`` payload: each decision numbered, with its action's id."""
    held_on: date = body["held_on"]
    period = Period.containing("weekly", held_on).label
    decisions = []
    for number, decision in enumerate(body.get("decisions") or [], start=1):
        item = decision_item(record_id, number)
        decisions.append(
            {
                "number": number,
                "text": decision["text"],
                "owner": decision["owner"],
                "due": decision["due"].isoformat(),
                "action_id": action_id_for(body["project_id"], item, period),
            }
        )
    return {
        "record_id": record_id,
        "kind": body["kind"],
        "project_id": body["project_id"],
        "place": body["place"],
        "held_on": held_on.isoformat(),
        "attendees": list(body["attendees"]),
        "problems": list(body.get("problems") or []),
        "decisions": decisions,
    }


def recorded_event(
    payload: dict[str, Any], now: datetime, county: str = DEFAULT_COUNTY
) -> NewEvent:
    return content_event(
        site_meeting_stream(payload["record_id"], county), "SiteMeetingRecorded", payload, now
    )


def content_event(stream_id: str, kind: str, payload: dict[str, Any], now: datetime) -> NewEvent:
    """An office's record as an event whose id is derived from its stream and content:
    the same record sent again is the same event."""
    digest = hashlib.sha256(canonical_json(payload).encode()).hexdigest()
    key = stream_id
    if kind == "SiteMeetingRecorded":  # the default county's keep the ids they had
        county = stream_county(stream_id)[0]
        key = f"site|{payload['record_id']}" + ("" if county == DEFAULT_COUNTY else f"|{county}")
    return NewEvent(
        stream_id=stream_id,
        type=kind,
        payload=payload,
        occurred_at=now,
        event_id=str(uuid.uuid5(_IDS, f"{key}|{digest}")),
    )


def decision_actions(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``ActionAssigned`` payloads of a record's decisions."""
    held_on = date.fromisoformat(payload["held_on"])
    period = Period.containing("weekly", held_on).label
    where = f"{payload['place']}，{short_date(held_on)}"
    return [
        {
            "action_id": d["action_id"],
            "project_id": payload["project_id"],
            "item": decision_item(payload["record_id"], d["number"]),
            "assignee": d["owner"],
            "due": d["due"],
            "period": period,
            "description": f"现场办公（{where}）决定第{d['number']}项：{d['text']}"[:2000],
        }
        for d in payload["decisions"]
    ]


def with_action_states(payload: dict[str, Any], statuses: dict[str, str | None]) -> dict[str, Any]:
    """A record as the API shows it: each decision with its action's status, and
    whether any is still open."""
    decisions = [
        {**d, "status": statuses.get(d["action_id"]) or "open"} for d in payload["decisions"]
    ]
    return {
        **payload,
        "decisions": decisions,
        "open_decisions": sum(1 for d in decisions if d["status"] == "open"),
    }
