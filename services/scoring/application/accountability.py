"""诫勉谈话 (plan 2: 对主要负责人实行诫勉谈话): a unit's principal admonished, recorded as
`PrincipalAdmonished` on the year's ``accountability-<year>`` stream (a county's own:
``<county>:accountability-<year>``, `shared.tenancy.county_stream`) — who (the unit and
its principal), when, by whom, why. The record is the office's; the unit's history and
the 考核通报 show it."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.eventstore import EventStore, NewEvent, format_instant
from shared.tenancy import DEFAULT_COUNTY, county_stream

_NAMESPACE = uuid.UUID("6a1d7c3e-2f54-4b8a-9e0d-7c5b3a1f2e94")


@dataclass(frozen=True, slots=True)
class Admonishment:
    """One 诫勉谈话 as recorded."""

    admonishment_id: str
    year: int
    unit: str
    principal: str
    held_on: str
    conducted_by: str
    reason: str
    assessment_id: str | None
    recorded_by: str
    recorded_at: str
    position: int

    def view(self) -> dict[str, Any]:
        return asdict(self)


def stream_of(year: int, county: str | None = DEFAULT_COUNTY) -> str:
    return county_stream(f"accountability-{year}", county)


def record(
    store: EventStore,
    year: int,
    payload: dict[str, Any],
    *,
    actor: str,
    source: str,
    zone: ZoneInfo,
    county: str = DEFAULT_COUNTY,
) -> tuple[Admonishment, bool]:
    """Append the admonishment (its ``admonishment_id``, or a new one, is the idempotency
    key: the same again is stored once): (the admonishment, newly recorded)."""
    key = payload.get("admonishment_id") or str(uuid.uuid4())
    held_on: date = payload["held_on"]
    body = {
        "admonishment_id": key,
        "year": year,
        "unit": payload["unit"],
        "principal": payload["principal"],
        "held_on": held_on.isoformat(),
        "conducted_by": payload["conducted_by"],
        "reason": payload["reason"],
        "assessment_id": payload.get("assessment_id"),
    }
    appended = store.append(
        [
            NewEvent(
                stream_id=stream_of(year, county),
                type="PrincipalAdmonished",
                payload=body,
                occurred_at=datetime.combine(held_on, datetime.min.time(), zone),
                event_id=str(uuid.uuid5(_NAMESPACE, _key(year, key, county))),
                source=source,
                actor=actor,
            )
        ]
    )
    found = next(a for a in of_year(store, year, county=county) if a.admonishment_id == key)
    return found, not appended.duplicate


def _key(year: int, key: str, county: str) -> str:
    """The event id's name: the default county's as before tenancy."""
    return f"{year}:{key}" if county == DEFAULT_COUNTY else f"{county}:{year}:{key}"


def of_year(
    store: EventStore, year: int, unit: str | None = None, county: str | None = DEFAULT_COUNTY
) -> list[Admonishment]:
    """``county``'s admonishments of the year in the order recorded (of one unit, if
    named)."""
    return [
        Admonishment(
            **{k: e.payload.get(k) for k in _PAYLOAD},
            recorded_by=e.actor or e.source,
            recorded_at=format_instant(e.recorded_at),
            position=e.global_position,
        )
        for e in store.read_stream(stream_of(year, county))
        if e.type == "PrincipalAdmonished" and (unit is None or e.payload["unit"] == unit)
    ]


_PAYLOAD = (
    "admonishment_id",
    "year",
    "unit",
    "principal",
    "held_on",
    "conducted_by",
    "reason",
    "assessment_id",
)
