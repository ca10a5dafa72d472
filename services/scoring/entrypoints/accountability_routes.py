"""HTTP: rewards and accountability — 诫勉谈话 records, and the cadre-assessment export
(干部考核) of a published assessment."""

from __future__ import annotations

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import current_principal, require_role
from shared.documents import office_config_for
from shared.documents import render as render_document
from shared.http import PageQuery, next_link, page_after
from shared.i18n import label
from shared.runtime import Runtime
from shared.tenancy import counties_in_scope, county_for

from ..application import accountability, publication, verification
from ..domain.errors import AssessmentNotPublished
from ..readmodel.records import Records
from . import cadre

blp = Blueprint(
    "scoring-accountability",
    __name__,
    url_prefix="/v1",
    description="Rewards and accountability (奖惩): 诫勉谈话, the cadre-assessment export",
)
READERS = ("office", "auditor", "approver")


class AdmonishmentAsked(Schema):
    admonishment_id = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$"),
        metadata={"description": "the idempotency key: the same again is stored once"},
    )
    unit = fields.String(required=True, validate=validate.Length(1, 200))
    principal = fields.String(required=True, validate=validate.Length(1, 200))
    held_on = fields.Date(required=True)
    conducted_by = fields.String(required=True, validate=validate.Length(1, 200))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    assessment_id = fields.String(load_default=None, validate=validate.Length(1, 64))
    county = fields.String(
        load_default=None,
        validate=validate.Length(1, 64),
        metadata={"description": "the county whose record it is (a county office: its own)"},
    )


class AdmonishmentsQuery(PageQuery):
    after = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0),
        metadata={"description": "the global position the page before ended at"},
    )
    county = fields.String(
        load_default=None,
        validate=validate.Length(1, 64),
        metadata={"description": "one county of the scope (default: every county in it)"},
    )


def _runtime() -> Runtime:
    return current_app.extensions["gongjian.runtime"]


@blp.post("/accountability/<int:year>/admonishments")
@require_role("office")
@blp.arguments(AdmonishmentAsked)
@blp.doc(security=[{"bearer": []}])
def record_admonishment(body, year: int):  # type: ignore[no-untyped-def]
    """Record a 诫勉谈话 of a unit's principal: who, when (``held_on``), by whom
    (``conducted_by``), why; 201, or 200 when its ``admonishment_id`` was recorded."""
    runtime, principal = _runtime(), current_principal()
    county = county_for(body.pop("county"))
    admonishment, created = accountability.record(
        runtime.store,
        year,
        body,
        actor=principal.name,
        source=principal.source,
        zone=runtime.settings.zone,
        county=county,
    )
    return admonishment.view(), 201 if created else 200


@blp.get("/accountability/<int:year>/admonishments")
@require_role(*READERS)
@blp.arguments(AdmonishmentsQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def list_admonishments(query, year: int):  # type: ignore[no-untyped-def]
    """The year's 诫勉谈话 records of every county of the scope (of ``county``, if named)
    in the order recorded, each with its county, paged."""
    counties = [county_for(query["county"])] if query["county"] else counties_in_scope()
    store = _runtime().store
    found = sorted(
        (
            {**a.view(), "county": county, "county_label": label("county", county)}
            for county in counties
            for a in accountability.of_year(store, year, county=county)
        ),
        key=lambda a: a["position"],
    )
    page, next_after = page_after(
        found, query["after"], query["limit"], key=lambda a: a["position"], ordered=True
    )
    body = {"year": year, "admonishments": page, "next_after": next_after}
    return body, 200, next_link(next_after)


@blp.get("/assessments/<assessment_id>/cadre.xlsx")
@require_role(*READERS)
@blp.doc(security=[{"bearer": []}])
def cadre_export(assessment_id: str):  # type: ignore[no-untyped-def]
    """干部考核: per unit and per leader the score, grade, rank, 先进单位 / 通报批评 /
    诫勉谈话, as XLSX with Chinese headers; of a published assessment only (409 for a
    draft)."""
    runtime = _runtime()
    record = verification.read(Records(runtime.engine), assessment_id)
    if publication.standing(runtime.store, record)["state"] == "draft":
        raise AssessmentNotPublished(assessment_id)
    admonished = accountability.of_year(runtime.store, record["year"], county=record["county"])
    office = office_config_for(runtime, record["county"])
    document = cadre.build(record, admonished, office, runtime.settings.zone)
    rendered = render_document(document, "xlsx", office, f"cadre-{assessment_id}")
    return Response(
        rendered.body,
        content_type=rendered.content_type,
        headers={"Content-Disposition": rendered.content_disposition},
    )
