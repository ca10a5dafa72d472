"""HTTP API under /v1: the board, plans (list, get, versions, plan now), the plan's
documents (meeting notice with agenda, 督查通报: render, issue) and follow-up actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.auth import current_principal, require_role
from shared.documents import CONTENT_TYPES, issued_json, register_for
from shared.documents import FORMATS as DOCUMENT_FORMATS
from shared.documents import render as render_document
from shared.events.catalogue import ACTION_REVIEW_DECISIONS, DOCUMENT_KINDS, SITE_MEETING_KINDS
from shared.events.fields import VERSION_RANGE, Whole
from shared.eventstore import Cutoff, format_instant
from shared.http import (
    ClockQuery,
    KnownAt,
    PageQuery,
    Problem,
    Query,
    clock_text,
    download,
    limit_field,
    next_link,
    page_after,
)
from shared.http.county_param import county_field, one_county
from shared.i18n import instant_text
from shared.runtime import Runtime
from shared.tenancy import counties_in_scope, county_for, county_stream

from ..domain.duban import STAGES, WORKFLOW
from ..domain.periods import CADENCES, InvalidPeriod, Period
from ..wiring import SchedulingParts
from . import documents
from .documents import issuing
from .labelled import (
    ActionDetail,
    ActionsResponse,
    BoardResponse,
    ClosedResponse,
    ColourRecordResponse,
    DocumentsResponse,
    PlanResponse,
    PlansResponse,
    RecordedColoursResponse,
    SetPieceRecorded,
    SetPiecesResponse,
    SiteMeetingsResponse,
    SiteMeetingView,
    VersionsResponse,
)

blp = Blueprint(
    "scheduling",
    __name__,
    url_prefix="/v1",
    description="Dispatch (调度): the board, plans, agendas and follow-up actions",
)

READERS = ("office", "auditor", "viewer")


def campaign_field() -> fields.Integer:
    return Whole(
        from_text=True,
        load_default=None,
        validate=validate.Range(2000, 2100),
        metadata={"description": "the campaign year (default: the current campaign)"},
    )


class BoardQuery(ClockQuery, PageQuery):
    after = fields.String(
        load_default=None, metadata={"description": "the last project id of the page before"}
    )
    limit = limit_field(1000, 10000)
    status = fields.String(load_default=None, validate=validate.OneOf(("green", "yellow", "red")))
    leader = fields.String(load_default=None)
    unit = fields.String(load_default=None)
    lead_unit = fields.String(load_default=None)
    town = fields.String(load_default=None)
    category = fields.String(load_default=None)
    sector = fields.String(load_default=None)
    phase = fields.String(load_default=None)
    major = fields.Boolean(load_default=None)
    campaign = campaign_field()
    county = county_field("one county's board only (default: every county of the scope)")


class PlanBody(Schema):
    cadence = fields.String(required=True, validate=validate.OneOf(CADENCES))
    period = fields.String(required=True)
    known_at = KnownAt(load_default=None)
    replan = fields.Boolean(load_default=False)
    county = county_field()

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        try:
            Period.parse(data["cadence"], data["period"])
        except InvalidPeriod as exc:
            raise ValidationError({"period": [str(exc)]}) from None


class PlansQuery(PageQuery):
    cadence = fields.String(load_default=None, validate=validate.OneOf(CADENCES))
    period = fields.String(load_default=None)
    county = county_field("one county's plans only (default: every county of the scope)")


class VersionQuery(Query):
    version = Whole(
        from_text=True, load_default=None, validate=[validate.Range(min=1), VERSION_RANGE]
    )
    county = county_field()


class VersionsQuery(PageQuery):
    after = Whole(
        from_text=True,
        load_default=None,
        validate=VERSION_RANGE,
        metadata={"description": "the plan version the page before ended at"},
    )
    county = county_field()


class ActionsQuery(PageQuery):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "closed", "all")))
    project_id = fields.String(load_default=None)
    assignee = fields.String(
        load_default=None,
        metadata={"description": "the responsible unit (a unit's token: always its own)"},
    )
    stage = fields.String(
        load_default=None,
        validate=validate.OneOf(STAGES),
        metadata={
            "description": "the 督办 stage (issued, acknowledged, in_progress, reported, closed)"
        },
    )
    campaign = campaign_field()


class CloseBody(Schema):
    note = fields.String(load_default="", validate=validate.Length(0, 2000))


def _runtime() -> Runtime:
    return current_app.extensions["gongjian.runtime"]  # type: ignore[no-any-return]


def _service():  # type: ignore[no-untyped-def]
    return SchedulingParts.of(_runtime()).service


def _instant(value: date | datetime | None) -> datetime | None:
    zone = current_app.extensions["gongjian.runtime"].settings.zone
    return Cutoff.of(as_of=value, zone=zone).as_of


@blp.get("/board")
@require_role(*READERS)
@blp.arguments(BoardQuery, location="query")
@blp.response(200, BoardResponse)
@blp.doc(security=[{"bearer": []}])
def board(query):  # type: ignore[no-untyped-def]
    """Green/yellow/red for every project of one campaign (default: the current one; a
    closed campaign as of its end), with the reasons and their evidence; the counts
    cover every project that matches, ``projects`` are paged by id."""
    after, limit = query.pop("after"), query.pop("limit")
    as_of, known_at = _instant(query.pop("as_of")), query.pop("known_at")
    board = _service().board(as_of, known_at, query, county=query.pop("county"))
    board["projects"], next_after = page_after(
        board["projects"], after, limit, key=lambda row: row["project_id"], ordered=True
    )
    board["next_after"] = next_after
    return board, 200, next_link(next_after)


@blp.post("/plans")
@require_role("office")
@blp.arguments(PlanBody)
@blp.response(200, PlanResponse)
@blp.doc(security=[{"bearer": []}])
def plan_now(body):  # type: ignore[no-untyped-def]
    """The period's plan: returned if it exists, otherwise made and stored (201). With
    ``known_at`` or ``replan`` a new version is stored when the plan changed. A
    ``known_at`` before the latest knowledge gives an audit view (``audit``: true):
    returned, stored (201) only with ``replan``, never the current version, never opening
    an action. Of one county: ``county`` (a county office: its own)."""
    principal = current_principal()
    record, created = _service().plan(
        body["cadence"],
        body["period"],
        known_at=body["known_at"],
        replan=body["replan"],
        actor=principal.name,
        source=principal.source,
        county=body["county"],
    )
    return record.to_dict(), 201 if created else 200


@blp.get("/plans")
@require_role(*READERS)
@blp.arguments(PlansQuery, location="query")
@blp.response(200, PlansResponse)
@blp.doc(security=[{"bearer": []}])
def list_plans(query):  # type: ignore[no-untyped-def]
    """Every stored plan version (index) of the scope's counties (or of ``county``),
    optionally of one cadence or period, in the order county, cadence, period, version;
    each with its ``county``."""
    counties = [county_for(query["county"])] if query["county"] else None
    plans, next_after = page_after(
        _service().list_plans(query["cadence"], query["period"], counties),
        query["after"],
        query["limit"],
        key=_plan_key,
    )
    for plan in plans:
        plan["recorded_at"] = format_instant(plan["recorded_at"])
    return {"plans": plans, "next_after": next_after}, 200, next_link(next_after)


def _plan_key(plan: dict[str, Any]) -> str:
    """A plan version's place in the list (the default county's as before tenancy)."""
    return county_stream(f"{plan['cadence']}/{plan['period']}/{plan['version']}", plan["county"])


@blp.get("/plans/<cadence>/<period>")
@require_role(*READERS)
@blp.arguments(VersionQuery, location="query")
@blp.response(200, PlanResponse)
@blp.doc(security=[{"bearer": []}])
def get_plan(query, cadence: str, period: str):  # type: ignore[no-untyped-def]
    """The latest version of a county's plan of the period, or ``?version=``."""
    Period.parse(cadence, period)  # an InvalidPeriod is a 422 naming the field
    return _service().get_plan(cadence, period, query["version"], county=query["county"]).to_dict()


@blp.get("/plans/<cadence>/<period>/versions")
@require_role(*READERS)
@blp.arguments(VersionsQuery, location="query")
@blp.response(200, VersionsResponse)
@blp.doc(security=[{"bearer": []}])
def plan_versions(query, cadence: str, period: str):  # type: ignore[no-untyped-def]
    """Every version of a period's plan with what each changed, in version order."""
    Period.parse(cadence, period)  # an InvalidPeriod is a 422 naming the field
    records, next_after = page_after(
        _service().versions(cadence, period, county=query["county"]),
        query["after"],
        query["limit"],
        key=lambda record: record.version,
        ordered=True,
    )
    versions = []
    for record in records:
        summary = record.to_dict()
        summary.pop("plan")
        versions.append(summary)
    body = {
        "cadence": cadence,
        "period": period,
        "county": county_for(query["county"]),
        "versions": versions,
        "next_after": next_after,
    }
    return body, 200, next_link(next_after)


def _plan_document(kind: str, cadence: str, period: str, query: dict[str, Any]):  # type: ignore[no-untyped-def]
    _known_kind(kind)  # and an InvalidPeriod is a 422 naming the field
    return issuing.plan_document(
        _runtime(), _service(), kind, cadence, period, query["version"], query["county"]
    )


def _known_kind(kind: str) -> None:
    if kind not in documents.KINDS:
        raise Problem(
            404,
            "Not Found",
            f"没有“{kind}”这类文书；可选 agenda（调度会议通知）、supervision（督办通知）",
        )


@blp.get("/plans/<cadence>/<period>/<kind>.<fmt>")
@require_role(*READERS)
@blp.arguments(VersionQuery, location="query")
@blp.doc(security=[{"bearer": []}], responses=download(*CONTENT_TYPES, description="the document"))
def plan_document(query, cadence: str, period: str, kind: str, fmt: str):  # type: ignore[no-untyped-def]
    """The plan's documents as the office sends them: ``agenda`` (the meeting notice with
    its agenda) or ``supervision`` (督查通报), as docx, html (printable), xlsx, md or csv.
    Shows the document number once the document is issued (else 未编号)."""
    _known_format(fmt)
    document, record, office = _plan_document(kind, cadence, period, query)
    return _download(document, fmt, office, f"{kind}-{cadence}-{period}-v{record['version']}")


def _known_format(fmt: str) -> None:
    if fmt not in DOCUMENT_FORMATS:
        raise Problem(404, "Not Found", f"没有“{fmt}”格式；可选 {'、'.join(DOCUMENT_FORMATS)}")


def _download(document: Any, fmt: str, office: Any, stem: str) -> Response:
    """The document rendered as ``fmt``, downloaded as ``stem.fmt`` (its title in Chinese)."""
    rendered = render_document(document, fmt, office, stem)
    response = Response(rendered.body, content_type=rendered.content_type)
    response.headers["Content-Disposition"] = rendered.content_disposition
    return response


@blp.post("/plans/<cadence>/<period>/<kind>/issue")
@require_role("office")
@blp.arguments(VersionQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def issue_plan_document(query, cadence: str, period: str, kind: str):  # type: ignore[no-untyped-def]
    """Issue the document of this plan version: it gets the next number of the year in
    its county's register (``攻坚办〔2026〕12号``, recorded as ``DocumentIssued``) once;
    issuing again returns it."""
    _known_kind(kind)
    principal = current_principal()
    issued, now = issuing.issue_plan_document(
        _runtime(),
        _service(),
        kind,
        cadence,
        period,
        query["version"],
        actor=principal.name,
        source=principal.source,
        county=query["county"],
    )
    return issued_json(issued, now), 201 if now else 200


class DocumentsQuery(PageQuery):
    after = Whole(
        from_text=True,
        load_default=0,
        validate=validate.Range(min=0),
        metadata={"description": "the global position of the last document of the page before"},
    )
    limit = limit_field(100, 1000)
    year = Whole(from_text=True, load_default=None, validate=validate.Range(2000, 2100))
    kind = fields.String(load_default=None, validate=validate.OneOf(DOCUMENT_KINDS))
    county = county_field("one county's register only (default: every county of the scope)")


@blp.get("/documents")
@require_role(*READERS)
@blp.arguments(DocumentsQuery, location="query")
@blp.response(200, DocumentsResponse)
@blp.doc(security=[{"bearer": []}])
def list_documents(query):  # type: ignore[no-untyped-def]
    """The register of issued documents (发文登记) of every kind — meeting notices, 督查通报,
    考核通报 — in the order they were issued: number, title, kind, when (``issued_at``, and
    ``issued_at_label`` in the campaign's time zone) and by whom, and the digest of what
    each was made from. Each county's office numbers its own (``county``); the list is
    of the scope's counties, or of ``county``. Filter by ``year`` and ``kind``; page with
    ``after``."""
    runtime = _runtime()
    counties = [county_for(query["county"])] if query["county"] else counties_in_scope()
    found = register_for(runtime).listing(
        year=query["year"],
        kind=query["kind"],
        after=query["after"],
        limit=query["limit"],
        counties=counties,
    )
    zone = runtime.settings.zone
    items = [issued_json(d) | {"issued_at_label": _local(d.issued_at, zone)} for d in found]
    next_after = found[-1].global_position if len(found) == query["limit"] else None
    return {"documents": items, "next_after": next_after}, 200, next_link(next_after)


def _local(at: datetime | None, zone: Any) -> str | None:
    return None if at is None else instant_text(at, zone)


@blp.get("/actions")
@require_role(*READERS, "unit")
@blp.arguments(ActionsQuery, location="query")
@blp.response(200, ActionsResponse)
@blp.doc(security=[{"bearer": []}])
def list_actions(query):  # type: ignore[no-untyped-def]
    """Follow-up actions (open by default) of one campaign's projects (default: the
    current campaign), in id order, each with its 督办 stage and 红黄灯; page with
    ``after``. A unit's token sees its own unit's actions only."""
    status = None if query["status"] == "all" else query["status"]
    actions = _service().actions(
        status=status,
        project_id=query["project_id"],
        limit=query["limit"],
        after=query["after"],
        campaign=query["campaign"],
        assignee=current_principal().unit or query["assignee"],
        stage=query["stage"],
    )
    next_after = actions[-1]["action_id"] if len(actions) == query["limit"] else None
    body = {"actions": [_action_json(a) for a in actions], "next_after": next_after}
    return body, 200, next_link(next_after)


@blp.post("/actions/<action_id>/close")
@require_role(*WORKFLOW["close"].roles)
@blp.arguments(CloseBody)
@blp.response(200, ClosedResponse)
@blp.doc(security=[{"bearer": []}])
def close_action(body, action_id: str):  # type: ignore[no-untyped-def]
    """Close a follow-up action directly (records ``ActionClosed``: 办结) from any stage of
    its 督办 workflow — the office's own decision, without 反馈/复核; closing twice changes
    nothing. The workflow's way to 办结 is ``/review`` with ``accepted``."""
    principal = current_principal()
    action, closed = _service().close_action(
        action_id, body["note"], actor=principal.name, source=principal.source
    )
    return {"action": _action_json(action), "closed_now": closed}


def _action_json(action: dict[str, Any]) -> dict[str, Any]:
    out = dict(action)
    for name in ("due", "assigned_at", "closed_at", "stage_at", "step_due"):
        if out.get(name) is not None:
            out[name] = clock_text(out[name])
    if "steps" in out:
        out["steps"] = [{**s, "at": clock_text(s["at"])} for s in out["steps"]]
    return out


class StepBody(Schema):
    person = fields.String(
        load_default="",
        validate=validate.Length(0, 200),
        metadata={"description": "经办人: who in the responsible unit signed or handled it"},
    )
    note = fields.String(load_default="", validate=validate.Length(0, 2000))


class ReportBody(Schema):
    person = fields.String(load_default="", validate=validate.Length(0, 200))
    report = fields.String(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"description": "办理情况: what the unit did"},
    )


class ReviewBody(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(ACTION_REVIEW_DECISIONS))
    reason = fields.String(load_default="", validate=validate.Length(0, 2000))

    @validates_schema
    def _reason(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("decision") == "returned" and not data.get("reason", "").strip():
            raise ValidationError({"reason": ["退回重办须写明理由"]})


class LetterQuery(Query):
    action_id = fields.List(
        fields.String(validate=validate.Length(1, 64)),
        required=True,
        validate=validate.Length(1, 100),
        metadata={"description": "the actions (of one responsible unit) the letter is about"},
    )


class LetterBody(Schema):
    action_ids = fields.List(
        fields.String(validate=validate.Length(1, 64)),
        required=True,
        validate=validate.Length(1, 100),
    )


@blp.get("/actions/letter.<fmt>")
@require_role(*READERS)
@blp.arguments(LetterQuery, location="query")
@blp.doc(security=[{"bearer": []}], responses=download(*CONTENT_TYPES, description="the letter"))
def action_letter(query, fmt: str):  # type: ignore[no-untyped-def]
    """The 督办函 of one or more follow-up actions of one responsible unit (repeat
    ``action_id``), as docx, html (printable), xlsx, md or csv; numbered once issued
    (else 未编号). Actions of two units: 422; an unknown action: 404."""
    _known_format(fmt)
    document, found, office = issuing.action_letter(_runtime(), _service(), query["action_id"])
    return _download(document, fmt, office, f"duban-letter-{found.digest[:12]}")


@blp.post("/actions/letter/issue")
@require_role("office")
@blp.arguments(LetterBody)
@blp.doc(security=[{"bearer": []}])
def issue_action_letter(body):  # type: ignore[no-untyped-def]
    """Issue the 督办函 of these actions: it gets the next number of the year (recorded as
    ``DocumentIssued``, kind ``duban_letter``) once; issuing again returns it (200)."""
    principal = current_principal()
    issued, now = issuing.issue_action_letter(
        _runtime(), _service(), body["action_ids"], actor=principal.name, source=principal.source
    )
    return issued_json(issued, now), 201 if now else 200


@blp.get("/actions/<action_id>")
@require_role(*READERS, "unit")
@blp.response(200, ActionDetail)
@blp.doc(security=[{"bearer": []}])
def get_action(action_id: str):  # type: ignore[no-untyped-def]
    """One follow-up action: its 督办 stage, the next steps, the current step's deadline
    (``step_due``) and colour (``urgency``), and every step taken — who, when, what. A
    unit's token reads its own unit's actions only (403 otherwise)."""
    return _action_json(_service().action(action_id, current_principal().unit))


def _take_step(action_id: str, step: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    principal = current_principal()
    action = _service().action_step(
        action_id, step, body, actor=principal.name, source=principal.source, unit=principal.unit
    )
    return _action_json(action)


@blp.post("/actions/<action_id>/acknowledge")
@require_role(*WORKFLOW["acknowledge"].roles)
@blp.arguments(StepBody)
@blp.response(200, ActionDetail)
@blp.doc(security=[{"bearer": []}])
def acknowledge_action(body, action_id: str):  # type: ignore[no-untyped-def]
    """签收: the responsible unit signs for an issued action (``ActionAcknowledged``) —
    with its own ``unit`` token (its own actions only: 403 otherwise) or recorded by the
    office. 409 ``action-step-out-of-order`` unless the action is 已下发待签收."""
    return _take_step(action_id, "acknowledge", body)


@blp.post("/actions/<action_id>/start")
@require_role(*WORKFLOW["start"].roles)
@blp.arguments(StepBody)
@blp.response(200, ActionDetail)
@blp.doc(security=[{"bearer": []}])
def start_action(body, action_id: str):  # type: ignore[no-untyped-def]
    """办理: the unit starts on a signed-for action (``ActionStarted``); 409 unless 已签收."""
    return _take_step(action_id, "start", body)


@blp.post("/actions/<action_id>/report")
@require_role(*WORKFLOW["report"].roles)
@blp.arguments(ReportBody)
@blp.response(200, ActionDetail)
@blp.doc(security=[{"bearer": []}])
def report_action(body, action_id: str):  # type: ignore[no-untyped-def]
    """反馈: the unit reports what it did (``ActionReported``); 409 unless 办理中."""
    return _take_step(action_id, "report", body)


@blp.post("/actions/<action_id>/review")
@require_role(*WORKFLOW["accept"].roles)
@blp.arguments(ReviewBody)
@blp.response(200, ActionDetail)
@blp.doc(security=[{"bearer": []}])
def review_action(body, action_id: str):  # type: ignore[no-untyped-def]
    """复核: the office accepts the report (``ActionReviewed`` and ``ActionClosed``: 办结)
    or returns it to 办理 with its reason (``decision``: ``returned``, ``reason`` required);
    409 unless 已反馈待复核."""
    step = "accept" if body["decision"] == "accepted" else "return"
    return _take_step(action_id, step, body)


class SetPiecesQuery(PageQuery):
    after = fields.String(
        load_default=None, metadata={"description": "the last code of the page before"}
    )
    campaign = campaign_field()
    county = county_field()


class HeldBody(Schema):
    campaign = campaign_field()
    county = county_field()
    held_on = fields.Date(required=True)
    outcome = fields.String(required=True, validate=validate.Length(1, 2000))
    note = fields.String(load_default="", validate=validate.Length(0, 2000))


class MissedBody(Schema):
    campaign = campaign_field()
    county = county_field()
    note = fields.String(required=True, validate=validate.Length(1, 2000))


@blp.get("/set-pieces")
@require_role(*READERS)
@blp.arguments(SetPiecesQuery, location="query")
@blp.response(200, SetPiecesResponse)
@blp.doc(security=[{"bearer": []}])
def list_set_pieces(query):  # type: ignore[no-untyped-def]
    """The campaign calendar's set pieces (default: the current campaign's) in calendar
    order: window, owner, what each must produce, and its state today (upcoming, open,
    held, not held, overdue) with the outcome its county recorded: of ``county`` (a
    county office: its own), each piece with its ``county``."""
    campaign, pieces = _service().set_pieces(query["campaign"], county=query["county"])
    pieces, next_after = page_after(
        pieces, query["after"], query["limit"], key=lambda piece: piece["code"], ordered=False
    )
    county = county_for(query["county"])
    body = {
        "campaign": campaign.year,
        "county": county,
        "set_pieces": pieces,
        "next_after": next_after,
    }
    return body, 200, next_link(next_after)


@blp.post("/set-pieces/<code>/held")
@require_role("office")
@blp.arguments(HeldBody)
@blp.response(200, SetPieceRecorded)
@blp.doc(security=[{"bearer": []}])
def set_piece_held(body, code: str):  # type: ignore[no-untyped-def]
    """Record a set piece held (``SetPieceHeld``): on which day, with what outcome (201;
    the same record again: 200)."""
    return _record_set_piece(code, body)


@blp.post("/set-pieces/<code>/missed")
@require_role("office")
@blp.arguments(MissedBody)
@blp.response(200, SetPieceRecorded)
@blp.doc(security=[{"bearer": []}])
def set_piece_missed(body, code: str):  # type: ignore[no-untyped-def]
    """Record a set piece not held (``SetPieceMissed``), and why (201; again: 200)."""
    return _record_set_piece(code, body)


def _record_set_piece(code: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    principal = current_principal()
    piece, written = _service().record_set_piece(
        code, body, actor=principal.name, source=principal.source, county=body.pop("county")
    )
    return {"set_piece": piece, "recorded_now": written}, 201 if written else 200


class DecisionBody(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 1000))
    owner = fields.String(required=True, validate=validate.Length(1, 200))
    due = fields.Date(required=True)


class SiteMeetingBody(Schema):
    record_id = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$"))
    kind = fields.String(load_default="site_office", validate=validate.OneOf(SITE_MEETING_KINDS))
    project_id = fields.String(required=True, validate=validate.Length(1, 64))
    place = fields.String(required=True, validate=validate.Length(1, 200))
    held_on = fields.Date(required=True)
    attendees = fields.List(
        fields.String(validate=validate.Length(1, 200)),
        required=True,
        validate=validate.Length(1, 200),
    )
    problems = fields.List(fields.String(validate=validate.Length(1, 1000)), load_default=list)
    decisions = fields.List(
        fields.Nested(DecisionBody), load_default=list, validate=validate.Length(0, 100)
    )


class SiteMeetingsQuery(PageQuery):
    after = fields.String(
        load_default=None,
        metadata={
            "description": "the last record id of the page before (another county's: "
            "<county>:<record id>)"
        },
    )
    campaign = campaign_field()
    project_id = fields.String(load_default=None)
    county = county_field("one county's only (default: every county of the scope)")


@blp.post("/site-meetings")
@require_role("office")
@blp.arguments(SiteMeetingBody)
@blp.response(200, SiteMeetingView, description="the record as stored before (sent again)")
@blp.alt_response(201, schema=SiteMeetingView, description="the record as stored now")
@blp.doc(security=[{"bearer": []}])
def record_site_meeting(body):  # type: ignore[no-untyped-def]
    """Record a 现场办公 / 现场督办 (``SiteMeetingRecorded``): where, who attended, the
    problems taken up, decisions with owners and deadlines. Each decision opens a
    follow-up action (``ActionAssigned``, item ``site_decision:<record>#<n>``), carried on
    the next plans' agendas until closed. 201; the same record again: 200."""
    principal = current_principal()
    record, written = _service().record_site_meeting(
        body, actor=principal.name, source=principal.source
    )
    return record, 201 if written else 200


@blp.get("/site-meetings")
@require_role(*READERS)
@blp.arguments(SiteMeetingsQuery, location="query")
@blp.response(200, SiteMeetingsResponse)
@blp.doc(security=[{"bearer": []}])
def list_site_meetings(query):  # type: ignore[no-untyped-def]
    """The campaign's site meetings (default: the current campaign's), latest first, each
    decision with its action's status and ``open_decisions``."""
    found = _service().site_meetings(
        campaign=query["campaign"], project_id=query["project_id"], county=query["county"]
    )
    records, next_after = page_after(
        found,
        query["after"],
        query["limit"],
        key=lambda r: county_stream(r["record_id"], r["county"]),
        ordered=False,
    )
    return {"site_meetings": records, "next_after": next_after}, 200, next_link(next_after)


class SiteMeetingQuery(Query):
    county = county_field("the county holding it (default: the first the caller sees)")


@blp.get("/site-meetings/<record_id>")
@require_role(*READERS)
@blp.arguments(SiteMeetingQuery, location="query")
@blp.response(200, SiteMeetingView)
@blp.doc(security=[{"bearer": []}])
def get_site_meeting(query, record_id: str):  # type: ignore[no-untyped-def]
    """One site meeting record (record ids are per county), each decision with its
    action's status."""
    return _service().site_meeting(record_id, query["county"])


class ColourRecordQuery(Query):
    campaign = campaign_field()
    county = county_field()


class ColourGridQuery(ColourRecordQuery, PageQuery):
    after = fields.String(
        load_default=None, metadata={"description": "the last project id of the page before"}
    )
    limit = limit_field(1000, 10000)


@blp.get("/colour-record")
@require_role(*READERS)
@blp.arguments(ColourGridQuery, location="query")
@blp.response(200, ColourRecordResponse)
@blp.doc(security=[{"bearer": []}])
def colour_record(query):  # type: ignore[no-untyped-def]
    """红黄绿灯月度记录: every project's colour at the end of each month of the campaign
    (default: the current one) as known at that month's end (``as_of`` = ``known_at`` =
    the month's last instant; the current month as of now, ``closed: false``), with its
    runs of red months (``consecutive_red``); each month's counts cover every project,
    ``projects`` are paged by id. The projects of every county the caller sees (each row
    with its ``county``), or of ``county``."""
    body = _service().colour_record(query["campaign"], county=one_county(query))
    body["projects"], next_after = page_after(
        body["projects"],
        query["after"],
        query["limit"],
        key=lambda r: r["project_id"],
        ordered=True,
    )
    body["next_after"] = next_after
    return body, 200, next_link(next_after)


@blp.get("/colour-record/<project_id>")
@require_role(*READERS)
@blp.arguments(ColourRecordQuery, location="query")
@blp.response(200, ColourRecordResponse)
@blp.doc(security=[{"bearer": []}])
def project_colour_record(query, project_id: str):  # type: ignore[no-untyped-def]
    """One project's colour record (as ``/colour-record``, only its row)."""
    return _service().colour_record(
        query["campaign"], project_id=project_id, county=one_county(query)
    )


class RecordColoursBody(Schema):
    campaign = campaign_field()
    county = county_field("the county whose months are recorded (an office: its own)")


@blp.post("/colour-record/record")
@require_role("office")
@blp.arguments(RecordColoursBody)
@blp.response(200, RecordedColoursResponse, description="nothing new to record")
@blp.alt_response(201, schema=RecordedColoursResponse, description="months recorded now")
@blp.doc(security=[{"bearer": []}])
def record_colours(body):  # type: ignore[no-untyped-def]
    """Record each ended month of the campaign (default: the current one) not recorded yet
    as ``MonthColoursRecorded`` (the scheduler does it too, once a month has ended): the
    months the rulebook's red-month criterion counts, of one county (an office's own; a
    city or province names ``county``, else 422 ``county_required``). 201 with the months
    recorded now; nothing new: 200."""
    principal = current_principal()
    year, months = _service().record_month_colours(
        body["campaign"], county=body["county"], actor=principal.name, source=principal.source
    )
    return {"campaign": year, "recorded": months}, 201 if months else 200
