"""督查: the oversight of units. Inspection rounds (层级检查, 专项督查) with their findings and
how each problem's follow-up action stands (the office closes one here, as on 调度), each
round's 督查通报 (download, 编号印发); and problems escalated to the leading group
(一事一议): raise one, record the group's decision, close it. The forms take a line per
finding (表扬：单位｜内容; 问题：单位｜问题｜责任单位｜期限[｜项目编号])."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, request, url_for
from marshmallow import ValidationError

from shared.documents import FORMATS as DOCUMENT_FORMATS
from shared.documents import register_for
from shared.documents import render as render_document
from shared.events.catalogue import INSPECTION_KINDS
from shared.tenancy import CountyRequired

from ...scheduling.domain.errors import (
    ActionNotFound,
    EscalationConflict,
    EscalationNotFound,
    InspectionNotFound,
    InvalidRecord,
)
from ...scheduling.entrypoints.documents import inspection as round_notice
from ...scheduling.entrypoints.documents.issuing import issue_round_document, round_document
from ...scheduling.entrypoints.oversight import (
    EscalationBody,
    EscalationClosingBody,
    EscalationDecisionBody,
    InspectionBody,
)
from .base import bp, current_user, gateway, page, signed_in
from .counties import chosen_county, county_refusal
from .site_meetings import _LIST, _SEPARATORS, _refused

READERS = ("office", "auditor", "viewer")
REFUSED = (ValidationError, InvalidRecord, EscalationConflict)


def findings_of(commendations: str, problems: str) -> list[dict[str, str]]:
    """The form's lines as findings; a line short of its parts is kept as it is, so that
    the schema names what is missing."""
    out = [_line(line, "commendation", ("unit", "text")) for line in _lines(commendations)]
    fields = ("unit", "text", "owner", "due", "project_id")
    return out + [_line(line, "problem", fields) for line in _lines(problems)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _line(line: str, kind: str, fields: tuple[str, ...]) -> dict[str, str]:
    parts = [p for p in _SEPARATORS.split(line)]
    return {"kind": kind, **dict(zip(fields, parts, strict=False))}


def _names(text: str) -> list[str]:
    return [n.strip() for n in _LIST.split(text) if n.strip()]


@bp.get("/oversight")
@signed_in(*READERS)
def oversight():  # type: ignore[no-untyped-def]
    scheduling, county = gateway().scheduling, chosen_county()
    rounds = scheduling.inspections(county=county)[:30]
    runtime = gateway().runtime
    issued = {  # each round's notice is numbered in its county's register
        (r["county"], r["round_id"]): register_for(runtime, r["county"]).find(
            round_notice.document_key(r["round_id"])
        )
        for r in rounds
    }
    return page(
        "oversight",
        "督查",
        rounds=rounds,
        issued=issued,
        escalations=scheduling.escalations(county=county),
        inspection_kinds=INSPECTION_KINDS,
        formats=DOCUMENT_FORMATS,
    )


@bp.post("/oversight/inspections")
@signed_in("office")
def record_inspection():  # type: ignore[no-untyped-def]
    """记录督查检查: the team, the units, the findings (each problem a follow-up action)."""
    form = request.form
    raw = {
        "kind": form.get("kind", "special_supervision"),
        "title": form.get("title", "").strip(),
        "started_on": form.get("started_on", "").strip(),
        "ended_on": form.get("ended_on", "").strip(),
        "team": {
            "leader": form.get("leader", "").strip(),
            "members": _names(form.get("members", "")),
        },
        "units": _names(form.get("units", "")),
        "findings": findings_of(form.get("commendations", ""), form.get("problems", "")),
        "county": chosen_county(),
    }
    return _recorded(("督查检查", "inspections"), "record_inspection", InspectionBody, raw)


def _recorded(
    where: tuple[str, str], method: str, schema: type, raw: Any, *args: str, **extra: Any
) -> Any:
    """The service's ``method`` on the form's body (loaded by the API's ``schema``) as the
    signed-in office; back to the page's section (of the chosen county), or the refusal in
    Chinese (422)."""
    title, anchor = where
    user = current_user()
    assert user is not None
    try:
        body = schema().load(raw)
        getattr(gateway().scheduling, method)(
            *args, body, actor=user.username, source=user.source, **extra
        )
    except REFUSED as exc:
        return _refused(title, exc)
    except CountyRequired as exc:
        return page("error", title, status=422, detail=county_refusal(exc)), 422
    except EscalationNotFound:
        abort(404)
    return redirect(url_for("console.oversight", county=chosen_county(), _anchor=anchor))


@bp.get("/oversight/inspections/<round_id>/notice.<fmt>")
@signed_in(*READERS)
def inspection_notice(round_id: str, fmt: str):  # type: ignore[no-untyped-def]
    """The round's 督查通报, as the API renders it."""
    if fmt not in DOCUMENT_FORMATS:
        abort(404)
    services = gateway()
    try:
        document, office = round_document(
            services.runtime, services.scheduling, round_id, chosen_county()
        )
    except InspectionNotFound:
        abort(404)
    rendered = render_document(document, fmt, office, f"inspection-{round_id}")
    return Response(
        rendered.body,
        content_type=rendered.content_type,
        headers={"Content-Disposition": rendered.content_disposition},
    )


@bp.post("/oversight/inspections/<round_id>/issue")
@signed_in("office")
def issue_inspection_notice(round_id: str):  # type: ignore[no-untyped-def]
    """编号印发: the round's 通报 takes the year's next number, once."""
    services, user = gateway(), current_user()
    assert user is not None
    try:
        issue_round_document(
            services.runtime,
            services.scheduling,
            round_id,
            chosen_county(),
            actor=user.username,
            source=user.source,
        )
    except InspectionNotFound:
        abort(404)
    return redirect(
        url_for("console.oversight", county=chosen_county(), _anchor=f"round-{round_id}")
    )


@bp.post("/oversight/actions/<action_id>/close")
@signed_in("office")
def close_finding_action(action_id: str):  # type: ignore[no-untyped-def]
    """办结 a problem's follow-up action (the same close as on 调度)."""
    user = current_user()
    assert user is not None
    try:
        gateway().close_action(
            action_id, request.form.get("note", "").strip()[:2000], user.username, user.source
        )
    except ActionNotFound:
        abort(404)
    return redirect(url_for("console.oversight", county=chosen_county(), _anchor="inspections"))


@bp.post("/oversight/escalations")
@signed_in("office")
def raise_escalation():  # type: ignore[no-untyped-def]
    """提请领导小组研究: a project's or a unit's problem, by whom, when."""
    raw = {**_form("project_id", "unit", "matter", "raised_by", "raised_on")}
    raw["county"] = chosen_county()
    return _recorded(("提请领导小组研究", "escalations"), "raise_escalation", EscalationBody, raw)


@bp.post("/oversight/escalations/<escalation_id>/<step>")
@signed_in("office")
def escalation_step(escalation_id: str, step: str):  # type: ignore[no-untyped-def]
    """议定 (decision, owner, deadline) or 办结 (closing day and how)."""
    steps = {
        "decision": (
            "decide_escalation",
            EscalationDecisionBody,
            ("decision", "owner", "due", "decided_on"),
        ),
        "close": ("close_escalation", EscalationClosingBody, ("closed_on", "note")),
    }
    if step not in steps:
        abort(404)
    method, schema, names = steps[step]
    return _recorded(
        ("提级事项", "escalations"),
        method,
        schema,
        _form(*names),
        escalation_id,
        county=chosen_county(),
    )


def _form(*names: str) -> dict[str, str]:
    """The named fields the office filled in (an empty one is left out)."""
    return {k: request.form[k].strip() for k in names if request.form.get(k, "").strip()}
