"""HTTP API under /v1 for the campaign's oversight of units: inspection rounds (层级检查,
专项督查) with their findings, each round's 督查通报 (render, issue), and problems
escalated to the leading group (一事一议、特事特办): raise, decide, close."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import current_principal, require_role
from shared.documents import CONTENT_TYPES, issued_json
from shared.documents import FORMATS as DOCUMENT_FORMATS
from shared.documents import render as render_document
from shared.events.catalogue import ESCALATION_STATES, FINDING_KINDS, INSPECTION_KINDS
from shared.http import PageQuery, Problem, Query, download, next_link, page_after
from shared.http.county_param import county_field, one_county
from shared.runtime import Runtime
from shared.tenancy import county_stream

from ..wiring import SchedulingParts
from .documents import issuing
from .labelled import (
    EscalationsResponse,
    EscalationView,
    InspectionRoundsResponse,
    InspectionRoundView,
    IssuedDocumentView,
)
from .routes import READERS, campaign_field

blp = Blueprint(
    "oversight",
    __name__,
    url_prefix="/v1",
    description="Oversight of units (督查检查) and escalation to the leading group (一事一议)",
)

_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$")


def _runtime() -> Runtime:
    return current_app.extensions["gongjian.runtime"]  # type: ignore[no-any-return]


def _service():  # type: ignore[no-untyped-def]
    return SchedulingParts.of(_runtime()).service


def _name(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(1, 200), **kwargs)


class TeamBody(Schema):
    leader = _name(required=True, metadata={"description": "组长"})
    members = fields.List(_name(), required=True, validate=validate.Length(1, 100))


class FindingBody(Schema):
    unit = _name(required=True, metadata={"description": "被检查单位（须在 units 中）"})
    kind = fields.String(required=True, validate=validate.OneOf(FINDING_KINDS))
    text = fields.String(required=True, validate=validate.Length(1, 1000))
    project_id = fields.String(load_default=None, validate=validate.Length(1, 64))
    owner = _name(load_default=None, metadata={"description": "整改责任单位（问题必填）"})
    due = fields.Date(load_default=None, metadata={"description": "整改期限（问题必填）"})


class InspectionBody(Schema):
    county = county_field("the county inspected (an office: its own)")
    round_id = fields.String(load_default=None, validate=_ID)
    kind = fields.String(
        load_default="special_supervision", validate=validate.OneOf(INSPECTION_KINDS)
    )
    title = fields.String(required=True, validate=validate.Length(1, 200))
    started_on = fields.Date(required=True)
    ended_on = fields.Date(required=True)
    team = fields.Nested(TeamBody, required=True)
    units = fields.List(_name(), required=True, validate=validate.Length(1, 500))
    findings = fields.List(
        fields.Nested(FindingBody), load_default=list, validate=validate.Length(0, 500)
    )


class InspectionsQuery(PageQuery):
    after = fields.String(
        load_default=None, metadata={"description": "the last round id of the page before"}
    )
    campaign = campaign_field()
    unit = fields.String(load_default=None, metadata={"description": "rounds that inspected it"})
    county = county_field()


class OneCountyQuery(Query):
    county = county_field("the county holding it (default: the first the caller sees)")


@blp.post("/inspections")
@require_role("office")
@blp.arguments(InspectionBody)
@blp.response(200, InspectionRoundView, description="the round as stored before (sent again)")
@blp.alt_response(201, schema=InspectionRoundView, description="the round as stored now")
@blp.doc(security=[{"bearer": []}])
def record_inspection(body):  # type: ignore[no-untyped-def]
    """Record an inspection round of units (``InspectionRecorded``): its team, the units
    it inspected, findings per unit (表扬 or 问题). Each problem opens a follow-up action
    for its owner unit (``ActionAssigned``, item ``inspection_finding:<round>#<n>``),
    tracked to closure like a site meeting's decisions. 201; the same round again: 200;
    another round under a used ``round_id``: 409. A round of one county: the office's
    own; a city or province names ``county`` (else 422 ``county_required``)."""
    principal = current_principal()
    record, written = _service().record_inspection(
        body, actor=principal.name, source=principal.source
    )
    return record, 201 if written else 200


@blp.get("/inspections")
@require_role(*READERS)
@blp.arguments(InspectionsQuery, location="query")
@blp.response(200, InspectionRoundsResponse)
@blp.doc(security=[{"bearer": []}])
def list_inspections(query):  # type: ignore[no-untyped-def]
    """The campaign's inspection rounds (default: the current campaign's), latest first,
    each problem with its action's status and ``open_problems``: of every county the
    caller sees (each with its ``county``), or of ``county``."""
    found = _service().inspections(
        campaign=query["campaign"], unit=query["unit"], county=one_county(query)
    )
    rounds, next_after = page_after(
        found,
        query["after"],
        query["limit"],
        key=lambda r: county_stream(r["round_id"], r["county"]),
        ordered=False,
    )
    return {"inspections": rounds, "next_after": next_after}, 200, next_link(next_after)


@blp.get("/inspections/<round_id>")
@require_role(*READERS)
@blp.arguments(OneCountyQuery, location="query")
@blp.response(200, InspectionRoundView)
@blp.doc(security=[{"bearer": []}])
def get_inspection(query, round_id: str):  # type: ignore[no-untyped-def]
    """One inspection round, each problem with its action's status."""
    return _service().inspection(round_id, query["county"])


@blp.get("/inspections/<round_id>/notice.<fmt>")
@require_role(*READERS)
@blp.arguments(OneCountyQuery, location="query")
@blp.doc(security=[{"bearer": []}], responses=download(*CONTENT_TYPES, description="the 通报"))
def inspection_notice(query, round_id: str, fmt: str):  # type: ignore[no-untyped-def]
    """The round's 督查通报 (表扬, 批评, 整改要求; 附件 the problems to put right) as docx,
    html (printable), xlsx, md or csv; with its number once issued (else 未编号)."""
    if fmt not in DOCUMENT_FORMATS:
        raise Problem(404, "Not Found", f"没有“{fmt}”格式；可选 {'、'.join(DOCUMENT_FORMATS)}")
    document, office = issuing.round_document(_runtime(), _service(), round_id, query["county"])
    rendered = render_document(document, fmt, office, f"inspection-{round_id}")
    response = Response(rendered.body, content_type=rendered.content_type)
    response.headers["Content-Disposition"] = rendered.content_disposition
    return response


@blp.post("/inspections/<round_id>/notice/issue")
@require_role("office")
@blp.arguments(OneCountyQuery, location="query")
@blp.response(200, IssuedDocumentView, description="issued before: its number")
@blp.alt_response(201, schema=IssuedDocumentView, description="issued now")
@blp.doc(security=[{"bearer": []}])
def issue_inspection_notice(query, round_id: str):  # type: ignore[no-untyped-def]
    """Issue the round's 督查通报: it gets the year's next number (``DocumentIssued``,
    kind ``inspection_notice``) once; issuing again returns it (200)."""
    principal = current_principal()
    issued, now = issuing.issue_round_document(
        _runtime(),
        _service(),
        round_id,
        query["county"],
        actor=principal.name,
        source=principal.source,
    )
    return issued_json(issued, now), 201 if now else 200


class EscalationBody(Schema):
    county = county_field("the county whose leading group takes it (an office: its own)")
    escalation_id = fields.String(load_default=None, validate=_ID)
    project_id = fields.String(load_default=None, validate=validate.Length(1, 64))
    unit = _name(load_default=None)
    matter = fields.String(required=True, validate=validate.Length(1, 2000))
    raised_by = _name(required=True)
    raised_on = fields.Date(required=True)


class EscalationDecisionBody(Schema):
    decision = fields.String(required=True, validate=validate.Length(1, 2000))
    owner = _name(required=True)
    due = fields.Date(required=True)
    decided_on = fields.Date(required=True)


class EscalationClosingBody(Schema):
    closed_on = fields.Date(required=True)
    note = fields.String(required=True, validate=validate.Length(1, 2000))


class EscalationsQuery(PageQuery):
    after = fields.String(
        load_default=None, metadata={"description": "the last escalation id of the page before"}
    )
    campaign = campaign_field()
    state = fields.String(load_default=None, validate=validate.OneOf(ESCALATION_STATES))
    county = county_field()


def _answer(result: tuple[dict[str, Any], bool]):  # type: ignore[no-untyped-def]
    record, written = result
    return record, 201 if written else 200


@blp.post("/escalations")
@require_role("office")
@blp.arguments(EscalationBody)
@blp.response(200, EscalationView, description="the escalation as stored before (sent again)")
@blp.alt_response(201, schema=EscalationView, description="the escalation as stored now")
@blp.doc(security=[{"bearer": []}])
def raise_escalation(body):  # type: ignore[no-untyped-def]
    """Put a problem of a project or a unit to the leading group (``EscalationRaised``):
    what, by whom, when. It is on every monthly and quarterly plan's agenda until closed.
    201; the same again: 200; another matter under a used ``escalation_id``: 409. Of one
    county: the office's own; a city or province names ``county``."""
    principal = current_principal()
    return _answer(_service().raise_escalation(body, actor=principal.name, source=principal.source))


@blp.post("/escalations/<escalation_id>/decision")
@require_role("office")
@blp.arguments(OneCountyQuery, location="query")
@blp.arguments(EscalationDecisionBody)
@blp.response(200, EscalationView, description="the decision was recorded before")
@blp.alt_response(201, schema=EscalationView, description="the decision recorded now")
@blp.doc(security=[{"bearer": []}])
def decide_escalation(query, body, escalation_id: str):  # type: ignore[no-untyped-def]
    """The leading group's decision (``EscalationDecided``) with its owner and deadline;
    a later decision replaces it. A closed matter: 409."""
    principal = current_principal()
    return _answer(
        _service().decide_escalation(
            escalation_id,
            body,
            actor=principal.name,
            source=principal.source,
            county=query["county"],
        )
    )


@blp.post("/escalations/<escalation_id>/close")
@require_role("office")
@blp.arguments(OneCountyQuery, location="query")
@blp.arguments(EscalationClosingBody)
@blp.response(200, EscalationView, description="closed before with the same note")
@blp.alt_response(201, schema=EscalationView, description="closed now")
@blp.doc(security=[{"bearer": []}])
def close_escalation(query, body, escalation_id: str):  # type: ignore[no-untyped-def]
    """Close an escalated problem (``EscalationClosed``, 办结), with how; it leaves the
    agendas. Closed already (otherwise): 409."""
    principal = current_principal()
    return _answer(
        _service().close_escalation(
            escalation_id,
            body,
            actor=principal.name,
            source=principal.source,
            county=query["county"],
        )
    )


@blp.get("/escalations")
@require_role(*READERS)
@blp.arguments(EscalationsQuery, location="query")
@blp.response(200, EscalationsResponse)
@blp.doc(security=[{"bearer": []}])
def list_escalations(query):  # type: ignore[no-untyped-def]
    """Escalations raised in the campaign's year (default: the current campaign) and any
    still open from before, latest first; of one ``state`` (open, decided, closed); of
    every county the caller sees (each with its ``county``), or of ``county``."""
    found = _service().escalations(
        campaign=query["campaign"], state=query["state"], county=one_county(query)
    )
    page, next_after = page_after(
        found,
        query["after"],
        query["limit"],
        key=lambda e: county_stream(e["escalation_id"], e["county"]),
        ordered=False,
    )
    return {"escalations": page, "next_after": next_after}, 200, next_link(next_after)


@blp.get("/escalations/<escalation_id>")
@require_role(*READERS)
@blp.arguments(OneCountyQuery, location="query")
@blp.response(200, EscalationView)
@blp.doc(security=[{"bearer": []}])
def get_escalation(query, escalation_id: str):  # type: ignore[no-untyped-def]
    """One escalation: what, by whom, when; the decision and its closing once recorded."""
    return _service().escalation(escalation_id, query["county"])
