"""The campaign calendar's set pieces: what each county recorded of each (stream
``setpieces-<year>``, another county's ``<county>:setpieces-<year>``), their state on a
day, and the office's records of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.eventstore import Cutoff, EventStore, NewEvent
from shared.tenancy import DEFAULT_COUNTY, county_stream

from ..domain.errors import InvalidRecord, SetPieceNotFound
from ..domain.set_pieces import SetPieceCalendar, SetPieceRecord, piece_entry

SET_PIECE_TYPES = ("SetPieceHeld", "SetPieceMissed")
_IDS = uuid.UUID("0b7e4f7c-2d1a-4c55-8f3e-3a9d6c1e2b47")


def set_piece_stream(year: int, county: str = DEFAULT_COUNTY) -> str:
    return county_stream(f"setpieces-{year}", county)


def records_of(
    store: EventStore, year: int, cutoff: Cutoff | None = None, county: str = DEFAULT_COUNTY
) -> dict[str, SetPieceRecord]:
    """What the county recorded of each set piece of ``year`` under the cut-off: the
    latest record of each code wins (a piece first recorded as not held may be held later)."""
    out: dict[str, SetPieceRecord] = {}
    for event in store.read_stream(set_piece_stream(year, county), cutoff=cutoff):
        p = event.payload
        held = event.type == "SetPieceHeld"
        out[p["code"]] = SetPieceRecord(
            p["code"],
            year,
            held,
            date.fromisoformat(p["held_on"]) if held else None,
            p.get("outcome", ""),
            p.get("note", ""),
        )
    return out


def calendar_of(
    store: EventStore,
    pieces: SetPieceCalendar,
    year: int,
    today: date,
    county: str = DEFAULT_COUNTY,
) -> list[dict[str, Any]]:
    """Every set piece of ``year`` with its state in the county on ``today`` (as known now)."""
    records = records_of(store, year, county=county)
    return [piece_entry(p, year, records.get(p.code), today) for p in pieces.of_year(year)]


def record_event(
    pieces: SetPieceCalendar,
    year: int,
    code: str,
    record: dict[str, Any],
    *,
    today: date,
    zone: ZoneInfo,
    now: datetime,
    county: str = DEFAULT_COUNTY,
) -> NewEvent:
    """The ``SetPieceHeld`` (``held_on`` given) or ``SetPieceMissed`` event of a record;
    the same record twice is the same event (its id is derived from its content)."""
    if pieces.find(year, code) is None:
        raise SetPieceNotFound(code)
    held_on: date | None = record.get("held_on")
    if held_on is not None:
        if held_on > today:
            raise InvalidRecord("held_on", "开展日期不能晚于今天")
        if held_on.year != year:
            raise InvalidRecord("held_on", f"开展日期不在{year}年")
        payload = {
            "code": code,
            "year": year,
            "held_on": held_on.isoformat(),
            "outcome": record["outcome"],
            "note": record.get("note", ""),
        }
        occurred = Cutoff.of(as_of=held_on, zone=zone).as_of
    else:
        payload = {"code": code, "year": year, "note": record["note"]}
        occurred = now
    kind = "SetPieceHeld" if held_on is not None else "SetPieceMissed"
    key = county_stream("|".join(f"{k}={payload[k]}" for k in sorted(payload)), county)
    return NewEvent(
        stream_id=set_piece_stream(year, county),
        type=kind,
        payload=payload,
        occurred_at=occurred if held_on is None else min(occurred, now),
        event_id=str(uuid.uuid5(_IDS, f"{kind}|{key}")),
    )
