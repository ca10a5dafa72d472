"""挂点服务 over HTTP: record a leader's visit to a project; by quarter, each leader's
projects visited and not visited."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import fields, validate

from shared.auth import require_role
from shared.events.catalogue import LeaderVisited as LeaderVisitedPayload
from shared.http import PageBody, PageQuery, limit_field, next_link, page_after
from shared.http.county_param import county_field, one_county
from shared.http.labels import LabelledSchema, coded
from shared.tenancy import county_stream

from ..application.visits import Visits
from ..wiring import RegistryParts
from .labelled import ProjectResponse
from .pool import Envelope, raw_body, written_by
from .projects import READERS, SECURITY, WRITERS, _written

blp = Blueprint(
    "visits",
    __name__,
    url_prefix="/v1",
    description="挂点服务: leaders' visits to their projects; who has not visited this quarter",
)

QUARTER = r"^(20[0-9]{2}|2100)-Q[1-4]$"


def visits() -> Visits:
    return RegistryParts.of(current_app.extensions["gongjian.runtime"]).visits


class VisitBody(LeaderVisitedPayload, Envelope):
    """A ``LeaderVisited`` payload; ``visit_id`` defaults to a new one, ``leader`` to the
    project's leader; ``occurred_at`` is the day of the visit."""

    visit_id = fields.String(validate=validate.Length(1, 64))
    leader = fields.String(validate=validate.Length(1, 200))


class LeaderVisitsQuery(PageQuery):
    quarter = fields.String(
        required=True,
        validate=validate.Regexp(QUARTER, error="季度写作 2026-Q4"),
        metadata={"description": "the quarter, e.g. 2026-Q4"},
    )
    after = fields.String(
        load_default=None, metadata={"description": "the last leader of the page before"}
    )
    limit = limit_field(100, 500)
    county = county_field()


class LeaderRow(LabelledSchema):
    county = coded("county")
    leader = fields.String()
    projects = fields.List(fields.Dict())
    visited = fields.List(fields.String())
    not_visited = fields.List(fields.String())


class LeaderVisitsResponse(PageBody):
    quarter = fields.String()
    leaders = fields.List(fields.Nested(LeaderRow))
    not_visited = fields.List(
        fields.String(), metadata={"description": "the leaders with a project not visited"}
    )


@blp.post("/projects/<project_id>/visits")
@require_role(*WRITERS)
@blp.arguments(VisitBody)
@blp.response(200, ProjectResponse, description="the same visit sent again")
@blp.alt_response(201, schema=ProjectResponse, description="the project with the visit")
@blp.doc(security=SECURITY)
def record_visit(body: dict[str, Any], project_id: str) -> Response:
    """Record a leader's visit (挂点服务, ``LeaderVisited``): what was done, the problems
    solved; it shows in the project's state (``visits``) and history."""
    return _written(visits().record(project_id, raw_body(), written_by(body)))


@blp.get("/leader-visits")
@require_role(*READERS, "admin")
@blp.arguments(LeaderVisitsQuery, location="query")
@blp.response(200, LeaderVisitsResponse)
@blp.doc(security=SECURITY)
def leader_visits(query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Each leader by rank with the quarter's projects they lead: visited in the quarter
    (how often, the problems solved) or not; ``not_visited`` names the leaders with a
    project they have not visited. County by county of those the caller sees (or of
    ``county``), each row with its ``county``."""
    year, number = query["quarter"].split("-Q")
    found = visits().quarter(int(year), int(number), one_county(query))
    page, next_after = page_after(found, query["after"], query["limit"], _cursor)
    body = {
        "quarter": query["quarter"],
        "leaders": page,
        "not_visited": [r["leader"] for r in found if r["not_visited"]],
        "next_after": next_after,
    }
    return body, 200, next_link(next_after)


def _cursor(row: dict[str, Any]) -> str:
    """A row's cursor: its leader (``<county>:<leader>`` outside the default county)."""
    return county_stream(row["leader"], row["county"])
