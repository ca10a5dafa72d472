"""The project pool (项目库) over HTTP: enter a project, move its stage, 入统, enter a
campaign from the pool; the list and the conversions by quarter."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import current_principal, require_role
from shared.events.catalogue import POOL_STAGES
from shared.events.catalogue import ProjectPooled as ProjectPooledPayload
from shared.events.catalogue import ProjectRegistered as ProjectRegisteredPayload
from shared.events.fields import Money
from shared.http import PageBody, PageQuery, Query, limit_field, next_link, page_after
from shared.http.county_param import county_field, one_county
from shared.http.labels import LabelledSchema, coded, coded_keys

from ..application.pool import Pool, Written
from ..domain.project import STAGES
from ..wiring import RegistryParts
from .labelled import ProjectResponse
from .projects import READERS, SECURITY, WRITERS, _written
from .schemas import event_id_text

blp = Blueprint(
    "pool",
    __name__,
    url_prefix="/v1",
    description="The project pool (项目库): stages 谋划 → 储备 → 在谈 → 签约 → 前期 → 开工 → "
    "竣工 → 投产, 入统, entering a campaign, conversions by quarter",
)


def pool() -> Pool:
    return RegistryParts.of(current_app.extensions["gongjian.runtime"]).pool


class Envelope(Schema):
    occurred_at = fields.AwareDateTime(
        load_default=None, metadata={"description": "when it happened (default: now)"}
    )
    event_id = fields.UUID(load_default=None)


class PoolEntryBody(ProjectPooledPayload, Envelope):
    """A ``ProjectPooled`` payload."""


class StageBody(Envelope):
    stage = fields.String(required=True, validate=validate.OneOf(POOL_STAGES))
    note = fields.String(load_default="", validate=validate.Length(0, 2000))


class StatisticsBody(Envelope):
    statistics_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(1, 64)
    )
    note = fields.String(load_default="", validate=validate.Length(0, 2000))


class EnterCampaignBody(ProjectRegisteredPayload, Envelope):
    """A ``ProjectRegistered`` payload without the project id (the path's); name, sector,
    town, total investment and owner unit default to the pool entry's."""

    class Meta:
        exclude = ("project_id",)

    name = fields.String(validate=validate.Length(1, 200))
    sector = fields.String(validate=validate.Length(1, 100))
    town = fields.String(validate=validate.Length(1, 100))
    total_investment = Money()
    owner_unit = fields.String(validate=validate.Length(1, 200))


class PoolQuery(PageQuery):
    stage = fields.String(validate=validate.OneOf(STAGES))
    county = county_field()
    after = fields.String(load_default=None, metadata={"description": "the last project id"})
    limit = limit_field(100, 500)


class PoolRow(LabelledSchema):
    county = coded("county")
    stage = coded("project_stage")
    stage_dates = coded_keys("project_stage")
    campaign_years = fields.List(fields.Integer())


class PoolListResponse(PageBody):
    projects = fields.List(fields.Nested(PoolRow))


class ConversionsQuery(Query):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    county = county_field()


class ConversionView(LabelledSchema):
    source = coded("project_stage")
    target = coded("project_stage")
    rate = fields.String(allow_none=True, metadata={"description": "converted / could, 0.00–1.00"})


class QuarterView(LabelledSchema):
    entered = coded_keys("project_stage", fields.List(fields.String()))
    conversions = fields.List(fields.Nested(ConversionView))


class ConversionsResponse(LabelledSchema):
    year = fields.Integer()
    quarters = fields.List(fields.Nested(QuarterView))


def written_by(body: dict[str, Any]) -> Written:
    principal = current_principal()
    return Written(
        principal.name, principal.source, body["occurred_at"], event_id_text(body["event_id"])
    )


def raw_body() -> dict[str, Any]:
    raw = dict(request.get_json())
    raw.pop("occurred_at", None)
    raw.pop("event_id", None)
    return raw


@blp.post("/pool")
@require_role(*WRITERS)
@blp.arguments(PoolEntryBody)
@blp.response(200, ProjectResponse, description="the same entry sent again")
@blp.alt_response(201, schema=ProjectResponse, description="the project, in the pool now")
@blp.doc(security=SECURITY)
def enter_pool(body: dict[str, Any]) -> Response:
    """A project enters the pool at a stage (``ProjectPooled``), before any campaign, in
    the pooling office's county (a city or province names ``county``: else 422
    ``county_required``)."""
    return _written(pool().enter(raw_body(), written_by(body)))


@blp.post("/pool/<project_id>/stage")
@require_role(*WRITERS)
@blp.arguments(StageBody)
@blp.response(200, ProjectResponse, description="the same change sent again")
@blp.alt_response(201, schema=ProjectResponse, description="the project at its new stage")
@blp.doc(security=SECURITY)
def change_stage(body: dict[str, Any], project_id: str) -> Response:
    """The project moves to a later pool stage (``ProjectStageChanged``); 开工, 竣工 and
    投产 are the project's ``ConstructionStarted``, ``ProjectCompleted``,
    ``ProjectCommissioned``."""
    return _written(pool().advance(project_id, body["stage"], body["note"], written_by(body)))


@blp.post("/pool/<project_id>/statistics")
@require_role(*WRITERS)
@blp.arguments(StatisticsBody)
@blp.response(200, ProjectResponse, description="the same entry sent again")
@blp.alt_response(201, schema=ProjectResponse, description="the project, 入统 now")
@blp.doc(security=SECURITY)
def enter_statistics(body: dict[str, Any], project_id: str) -> Response:
    """The started project is entered into the statistics database (入统,
    ``ProjectStatisticsEntered``)."""
    outcome = pool().enter_statistics(
        project_id, body["statistics_code"], body["note"], written_by(body)
    )
    return _written(outcome)


@blp.post("/pool/<project_id>/enter-campaign")
@require_role(*WRITERS)
@blp.arguments(EnterCampaignBody)
@blp.response(200, ProjectResponse, description="the same registration sent again")
@blp.alt_response(201, schema=ProjectResponse, description="the project, in the campaign now")
@blp.doc(security=SECURITY)
def enter_campaign(body: dict[str, Any], project_id: str) -> Response:
    """A pooled project enters campaign ``year`` (its ``ProjectRegistered``); it is
    carried over to later years as any key project (``/carry-over``)."""
    return _written(pool().enter_campaign(project_id, raw_body(), written_by(body)))


@blp.get("/pool")
@require_role(*READERS, "admin")
@blp.arguments(PoolQuery, location="query")
@blp.response(200, PoolListResponse)
@blp.doc(security=SECURITY)
def list_pool(query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Every project in the pool (pooled, and every registered project) by id, with its
    county, stage, the day it entered each, its 入统 day and its campaign years: of every
    county the caller sees, or of ``county``."""
    rows = pool().listing(query.get("stage"), one_county(query))
    page, next_after = page_after(
        rows, query["after"], query["limit"], lambda r: r["project_id"], ordered=True
    )
    return {"projects": page, "next_after": next_after}, 200, next_link(next_after)


@blp.get("/pool/conversions")
@require_role(*READERS, "admin")
@blp.arguments(ConversionsQuery, location="query")
@blp.response(200, ConversionsResponse)
@blp.doc(security=SECURITY)
def pool_conversions(query: dict[str, Any]) -> dict[str, Any]:
    """The year's conversions by quarter: 签约→开工 and 开工→投产 (those that could convert
    in the quarter, those that did, the rate) and who entered 签约, 开工, 投产 in it; over
    every county the caller sees, or of ``county``."""
    return {"year": query["year"], "quarters": pool().conversions(query["year"], one_county(query))}
