"""县区汇总: a city's or province's counties ranked, with their totals against targets
(the API's ``GET /v1/rollup/board``; a county's office has its own overview instead), and
their year-end assessments ranked by score (``GET /v1/rollup/assessments``): the
published ones, or the latest drafts included (``?basis=latest``, for those who read
drafts); the counties without one are named."""

from __future__ import annotations

from flask import abort, current_app, request

from shared.eventstore import now_utc
from shared.tenancy import current_scope

from ...scoring.application import county_rollup
from .base import bp, current_user, gateway, page, signed_in
from .clocks import clocks_from_request

READERS = ("office", "auditor", "approver", "viewer")
DRAFT_READERS = ("office", "auditor", "approver")


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
    user = current_user()
    drafts = user is not None and user.has(*DRAFT_READERS)
    basis = "latest" if drafts and request.args.get("basis") == "latest" else "published"
    assessed = county_rollup.rollup(services.store, services.records, clocks.year, basis)
    return page(
        "rollup",
        title,
        body=body,
        clocks=clocks,
        keep={"basis": basis} if basis != "published" else {},
        assessed=assessed,
        drafts=drafts,
    )
