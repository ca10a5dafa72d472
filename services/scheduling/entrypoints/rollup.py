"""``GET /v1/rollup/board``: a city's or province's counties ranked, with the totals of
their campaign against targets (`application.rollup`); the request's scope
(`shared.tenancy`) decides which counties: a city sees its own, never another's."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from shared.auth import require_role
from shared.events.fields import Whole
from shared.http import ClockQuery, PageQuery, limit_field, next_link, page_after

from .labelled import RollupResponse
from .routes import READERS, _instant, _runtime, _service, campaign_field

blp = Blueprint(
    "rollup",
    __name__,
    url_prefix="/v1/rollup",
    description="Roll-up (汇总) of a city's or province's counties: rankings and totals",
)


class RollupQuery(ClockQuery, PageQuery):
    after = Whole(
        from_text=True,
        load_default=None,
        metadata={"description": "the last rank of the page before"},
    )
    limit = limit_field(1000, 10000)
    campaign = campaign_field()


@blp.get("/board")
@require_role(*READERS)
@blp.arguments(RollupQuery, location="query")
@blp.response(200, RollupResponse)
@blp.doc(security=[{"bearer": []}])
def board_rollup(query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Each county of the caller's city or province (an office: its own county) with
    its projects by colour and by category against its targets and its year's reported
    investment against its target, ranked by the share of the investment target
    reached, then by the share of green projects; ``totals`` sums them all (every
    county, whatever the page). Counties are paged by rank: follow ``next_after`` (or
    ``Link: rel="next"``)."""
    tenancy = _runtime().settings.tenancy
    as_of = _instant(query["as_of"])
    body = _service().rollup(tenancy, as_of, query["known_at"], query["campaign"])
    body["counties"], next_after = page_after(
        body["counties"], query["after"], query["limit"], key=lambda c: c["rank"], ordered=True
    )
    body["next_after"] = next_after
    return body, 200, next_link(next_after)
