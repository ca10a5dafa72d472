"""红黄绿灯月度记录: the campaign's projects by month, each month's colour as the office saw
it at that month's end (挂图作战 by month), and the runs of red months."""

from __future__ import annotations

from typing import Any

from flask import request

from shared.eventstore import now_utc

from ...scheduling.domain.errors import ColourRecordNotFound
from .base import bp, gateway, page, signed_in
from .counties import chosen_county

READERS = ("office", "auditor", "viewer")


def _year() -> int | None:
    raw = request.args.get("campaign", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


@bp.get("/colour-record")
@signed_in(*READERS)
def colour_record():  # type: ignore[no-untyped-def]
    services = gateway()
    record = services.scheduling.colour_record(_year(), county=chosen_county())
    leader = request.args.get("leader", "")
    rows = [r for r in record["projects"] if not leader or r["leader"] == leader]
    rows.sort(key=lambda r: (-r["consecutive_red"]["current"], -r["months_red"], r["project_id"]))
    return page(
        "colour_record",
        "红黄绿灯月度记录",
        record=record,
        rows=rows,
        leaders=sorted({r["leader"] for r in record["projects"]}),
        leader=leader,
        today=now_utc().astimezone(services.zone).date(),
    )


def project_record(project_id: str, year: int) -> dict[str, Any] | None:
    """One project's colour record on its page (None: not of the campaign)."""
    try:
        return gateway().scheduling.colour_record(year, project_id=project_id)  # type: ignore[no-any-return]
    except ColourRecordNotFound:
        return None
