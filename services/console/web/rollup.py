"""县区汇总: a city's or province's counties ranked, with their totals against targets
(the API's ``GET /v1/rollup/board``; a county's office has its own overview instead)."""

from __future__ import annotations

from flask import abort, current_app

from shared.eventstore import now_utc
from shared.tenancy import current_scope

from .base import bp, gateway, page, signed_in
from .clocks import clocks_from_request

READERS = ("office", "auditor", "approver", "viewer")


@bp.get("/rollup")
@signed_in(*READERS)
def rollup():  # type: ignore[no-untyped-def]
    if current_scope().county is not None:
        abort(404)  # one county: its overview is its roll-up
    services = gateway()
    today = now_utc().astimezone(services.zone).date()
    current = services.campaign(today)
    clocks = clocks_from_request(services, current.year, min(today, current.ends_on))
    tenancy = current_app.extensions["gongjian.runtime"].settings.tenancy
    body = services.scheduling.rollup(
        tenancy, clocks.cutoff.as_of, clocks.cutoff.known_at, clocks.year
    )
    title = f"{tenancy.name(current_scope().tenant.code)}县区汇总"
    return page("rollup", title, body=body, clocks=clocks, keep={})
