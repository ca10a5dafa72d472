"""Campaigns over HTTP: list, one year, define or amend one (PUT), and carry a project
over into a later year's campaign."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import current_principal, require_role
from shared.events.catalogue import CampaignDefined as CampaignDefinedPayload
from shared.events.fields import Money, Whole
from shared.http import KnownAt, PageBody, PageQuery, limit_field, next_link, page_after

from ..application.campaigns import Campaigns
from ..wiring import RegistryParts
from .projects import READERS, SECURITY, _written
from .schemas import event_id_text

blp = Blueprint(
    "campaigns",
    __name__,
    url_prefix="/v1",
    description="Campaigns (项目攻坚年): year, county, dates, targets; carrying projects over",
)

DEFINERS = ("office", "admin")


def campaigns() -> Campaigns:
    return RegistryParts.of(current_app.extensions["gongjian.runtime"]).campaigns


class CampaignBody(CampaignDefinedPayload):
    """A ``CampaignDefined`` payload; the year is the path's."""

    class Meta:
        exclude = ("year",)


class CampaignListQuery(PageQuery):
    known_at = KnownAt(load_default=None)
    limit = limit_field(50, 500)


class CampaignView(Schema):
    year = fields.Integer()
    name = fields.String()
    county = fields.String()
    starts_on = fields.String()
    ends_on = fields.String()
    targets = fields.Dict()
    defined = fields.Boolean()


class CampaignListResponse(PageBody):
    campaigns = fields.List(fields.Nested(CampaignView))


class CarryOverBody(Schema):
    to_year = Whole(required=True, validate=validate.Range(2000, 2100))
    from_year = Whole(load_default=None, validate=validate.Range(2000, 2100))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    occurred_at = fields.AwareDateTime(load_default=None)
    event_id = fields.UUID(load_default=None)
    annual_plan = Money(load_default=None, allow_none=True)
    monthly_plan = fields.List(
        Money(),
        load_default=None,
        allow_none=True,
        validate=validate.Length(equal=12),
    )


@blp.get("/campaigns")
@require_role(*READERS, "admin")
@blp.arguments(CampaignListQuery, location="query")
@blp.response(200, CampaignListResponse)
@blp.doc(security=SECURITY)
def list_campaigns(query: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The defined campaigns, by year (as known at ``known_at``)."""
    found = campaigns().list(known_at=query["known_at"])
    page, next_after = page_after(
        found, _year(query["after"]), query["limit"], lambda c: c.year, ordered=True
    )
    body = {"campaigns": [c.to_dict() for c in page], "next_after": next_after}
    return body, 200, next_link(next_after)


@blp.get("/campaigns/<int:year>")
@require_role(*READERS, "admin")
@blp.response(200, CampaignView)
@blp.doc(security=SECURITY)
def get_campaign(year: int) -> dict[str, Any]:
    """One year's campaign as last defined (404 when nobody defined it)."""
    return campaigns().get(year).to_dict()


@blp.put("/campaigns/<int:year>")
@require_role(*DEFINERS)
@blp.arguments(CampaignBody)
@blp.response(200, CampaignView, description="the campaign already said exactly this")
@blp.alt_response(201, schema=CampaignView, description="the campaign as written now")
@blp.doc(security=SECURITY)
def define_campaign(body: dict[str, Any], year: int) -> tuple[dict[str, Any], int]:
    """Define the year's campaign, or amend it (a new ``CampaignDefined``); 201 when
    written, 200 when it already says exactly this."""
    principal = current_principal()
    campaign, written = campaigns().define(
        year, dict(request.get_json()), actor=principal.name, source=principal.source
    )
    return campaign.to_dict(), 201 if written else 200


@blp.post("/projects/<project_id>/carry-over")
@require_role("office")
@blp.arguments(CarryOverBody)
@blp.doc(security=SECURITY)
def carry_over(body: dict[str, Any], project_id: str) -> Any:
    """Carry a project over into a later year's campaign (``ProjectCarriedOver``)."""
    principal = current_principal()
    outcome = campaigns().carry_over(
        project_id,
        body["to_year"],
        body["reason"],
        from_year=body["from_year"],
        occurred_at=body["occurred_at"],
        event_id=event_id_text(body["event_id"]) or str(uuid.uuid4()),
        actor=principal.name,
        source=principal.source,
        plan={"annual_plan": body["annual_plan"], "monthly_plan": body["monthly_plan"]},
    )
    return _written(outcome)


def _year(after: str | None) -> int | None:
    return int(after) if after and after.isdigit() else None
