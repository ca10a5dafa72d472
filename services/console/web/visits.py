"""挂点服务 page: by quarter, each leader (by rank) with the projects they lead, visited
or not (the ones not visited first in the office's eye); the office records a visit."""

from __future__ import annotations

import re

from flask import redirect, request, url_for

from shared.eventstore import EventStoreError, now_utc

from ...registry.application.visits import Visits
from ...registry.domain import RegistryError
from ...registry.wiring import RegistryParts
from .base import bp, gateway, page, signed_in
from .counties import chosen_county
from .pool import READERS, form_text, written_now

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def _visits() -> Visits:
    return RegistryParts.of(gateway().runtime).visits


def _quarter() -> tuple[int, int]:
    found = _QUARTER.match(request.args.get("quarter") or "")
    if found:
        return int(found.group(1)), int(found.group(2))
    today = now_utc().astimezone(gateway().zone).date()
    return today.year, (today.month - 1) // 3 + 1


@bp.get("/visits")
@signed_in(*READERS)
def visits():  # type: ignore[no-untyped-def]
    year, number = _quarter()
    leaders = _visits().quarter(year, number, chosen_county())
    missing = [r for r in leaders if r["not_visited"]]
    return page(
        "visits",
        "挂点服务",
        leaders=leaders,
        missing=missing,
        quarter=f"{year}-Q{number}",
        year=year,
        number=number,
    )


@bp.post("/visits")
@signed_in("office")
def record_visit():  # type: ignore[no-untyped-def]
    """One visit: project, leader (default: the project's), day, what was done, the
    problems solved one a line."""
    body = {
        "services": form_text("services"),
        "problems_solved": [p.strip() for p in form_text("problems").splitlines() if p.strip()],
    }
    if form_text("leader"):
        body["leader"] = form_text("leader")
    try:
        _visits().record(form_text("project_id"), body, written_now())
    except (RegistryError, EventStoreError) as exc:
        return page("error", "挂点服务", status=422, detail=f"未能记录：{exc}"), 422
    return redirect(
        url_for(
            "console.visits", quarter=request.form.get("quarter") or None, county=chosen_county()
        )
    )
