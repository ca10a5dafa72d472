"""HTTP API under /v1: the board, plans (list, get, versions, plan now, agenda exports)
and follow-up actions (list, close)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.auth import current_principal, require_role
from shared.eventstore import Cutoff, now_utc, utc
from shared.http import Problem
from shared.http.problems import problem_response

from ..domain.errors import ActionNotFound, PlanNotFound
from ..domain.periods import CADENCES, InvalidPeriod, Period
from . import exports
from .labelled import (
    ActionsResponse,
    BoardResponse,
    ClosedResponse,
    PlanResponse,
    PlansResponse,
    VersionsResponse,
)
from .wiring import service_for

blp = Blueprint(
    "scheduling",
    __name__,
    url_prefix="/v1",
    description="Dispatch (调度): the board, plans, agendas and follow-up actions",
)

READERS = ("office", "auditor", "viewer")


class DateOrInstant(fields.Field):
    """``YYYY-MM-DD`` (the end of that day in the campaign's time zone) or an ISO instant."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date | datetime:
        text = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return date.fromisoformat(text)
            return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ValidationError(
                "must be a date YYYY-MM-DD or an ISO instant with a time zone"
            ) from None


class BoardQuery(Schema):
    as_of = DateOrInstant(load_default=None)
    known_at = DateOrInstant(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(("green", "yellow", "red")))
    leader = fields.String(load_default=None)
    unit = fields.String(load_default=None)
    lead_unit = fields.String(load_default=None)
    town = fields.String(load_default=None)
    category = fields.String(load_default=None)
    sector = fields.String(load_default=None)
    phase = fields.String(load_default=None)
    major = fields.Boolean(load_default=None)


class PlanBody(Schema):
    cadence = fields.String(required=True, validate=validate.OneOf(CADENCES))
    period = fields.String(required=True)
    known_at = DateOrInstant(load_default=None)
    replan = fields.Boolean(load_default=False)

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        try:
            Period.parse(data["cadence"], data["period"])
        except InvalidPeriod as exc:
            raise ValidationError({"period": [str(exc)]}) from None


class PlansQuery(Schema):
    cadence = fields.String(load_default=None, validate=validate.OneOf(CADENCES))
    period = fields.String(load_default=None)


class VersionQuery(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1))


class ActionsQuery(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "closed", "all")))
    project_id = fields.String(load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    after = fields.String(load_default=None)


class CloseBody(Schema):
    note = fields.String(load_default="", validate=validate.Length(0, 2000))


def _service():  # type: ignore[no-untyped-def]
    return service_for(current_app.extensions["gongjian.runtime"])


def _instant(value: date | datetime | None) -> datetime | None:
    zone = current_app.extensions["gongjian.runtime"].settings.zone
    return Cutoff.of(as_of=value, zone=zone).as_of


def _period(cadence: str, period: str) -> Period:
    try:
        return Period.parse(cadence, period)
    except InvalidPeriod as exc:
        field = "cadence" if cadence not in CADENCES else "period"
        raise Problem(422, "Unprocessable Content", str(exc), errors={field: [str(exc)]}) from None


@blp.errorhandler(PlanNotFound)
@blp.errorhandler(ActionNotFound)
def _not_found(exc: Exception) -> Response:
    return problem_response(404, "Not Found", str(exc))


@blp.get("/board")
@require_role(*READERS)
@blp.arguments(BoardQuery, location="query")
@blp.response(200, BoardResponse)
@blp.doc(security=[{"bearer": []}])
def board(query):  # type: ignore[no-untyped-def]
    """Green/yellow/red for every project, with the reasons and their evidence."""
    as_of, known_at = _instant(query.pop("as_of")), _instant(query.pop("known_at"))
    if known_at is not None and known_at > now_utc():
        known_at = None  # nothing is known beyond now
    return _service().board(as_of, known_at, query)


@blp.post("/plans")
@require_role("office")
@blp.arguments(PlanBody)
@blp.response(200, PlanResponse)
@blp.doc(security=[{"bearer": []}])
def plan_now(body):  # type: ignore[no-untyped-def]
    """The period's plan: returned if it exists, otherwise made and stored (201). With
    ``known_at`` or ``replan`` a new version is stored when the plan changed."""
    known_at = _instant(body["known_at"])
    if known_at is not None and known_at > now_utc():
        raise Problem(
            422,
            "Unprocessable Content",
            "known_at is in the future",
            errors={"known_at": ["must not be in the future"]},
        )
    principal = current_principal()
    record, created = _service().plan(
        body["cadence"],
        body["period"],
        known_at=known_at,
        replan=body["replan"],
        actor=principal.name,
        source=principal.source,
    )
    return record.to_dict(), 201 if created else 200


@blp.get("/plans")
@require_role(*READERS)
@blp.arguments(PlansQuery, location="query")
@blp.response(200, PlansResponse)
@blp.doc(security=[{"bearer": []}])
def list_plans(query):  # type: ignore[no-untyped-def]
    """Every stored plan version (index), optionally of one cadence or period."""
    plans = _service().list_plans(query["cadence"], query["period"])
    for plan in plans:
        plan["recorded_at"] = plan["recorded_at"].isoformat()
    return {"plans": plans}


@blp.get("/plans/<cadence>/<period>")
@require_role(*READERS)
@blp.arguments(VersionQuery, location="query")
@blp.response(200, PlanResponse)
@blp.doc(security=[{"bearer": []}])
def get_plan(query, cadence: str, period: str):  # type: ignore[no-untyped-def]
    """The latest version of a period's plan, or ``?version=``."""
    _period(cadence, period)
    return _service().get_plan(cadence, period, query["version"]).to_dict()


@blp.get("/plans/<cadence>/<period>/versions")
@require_role(*READERS)
@blp.response(200, VersionsResponse)
@blp.doc(security=[{"bearer": []}])
def plan_versions(cadence: str, period: str):  # type: ignore[no-untyped-def]
    """Every version of a period's plan with what each changed."""
    _period(cadence, period)
    versions = []
    for record in _service().versions(cadence, period):
        summary = record.to_dict()
        summary.pop("plan")
        versions.append(summary)
    return {"cadence": cadence, "period": period, "versions": versions}


_FORMATS = {
    "md": ("text/markdown; charset=utf-8", exports.markdown),
    "html": ("text/html; charset=utf-8", exports.html_page),
    "csv": ("text/csv; charset=utf-8", exports.csv_text),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.xlsx_bytes,
    ),
}


@blp.get("/plans/<cadence>/<period>/agenda.<fmt>")
@require_role(*READERS)
@blp.arguments(VersionQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def agenda(query, cadence: str, period: str, fmt: str):  # type: ignore[no-untyped-def]
    """The agenda, printable (md, html) or as rows (csv, xlsx)."""
    if fmt not in _FORMATS:
        raise Problem(404, "Not Found", f"no agenda format {fmt!r}; one of md, html, csv, xlsx")
    _period(cadence, period)
    record = _service().get_plan(cadence, period, query["version"]).to_dict()
    content_type, render = _FORMATS[fmt]
    response = Response(render(record), content_type=content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="agenda-{cadence}-{period}-v{record["version"]}.{fmt}"'
    )
    return response


@blp.get("/actions")
@require_role(*READERS)
@blp.arguments(ActionsQuery, location="query")
@blp.response(200, ActionsResponse)
@blp.doc(security=[{"bearer": []}])
def list_actions(query):  # type: ignore[no-untyped-def]
    """Follow-up actions (open by default), in id order; page with ``after``."""
    status = None if query["status"] == "all" else query["status"]
    actions = _service().actions(
        status=status, project_id=query["project_id"], limit=query["limit"], after=query["after"]
    )
    return {
        "actions": [_action_json(a) for a in actions],
        "next_after": actions[-1]["action_id"] if len(actions) == query["limit"] else None,
    }


@blp.post("/actions/<action_id>/close")
@require_role("office")
@blp.arguments(CloseBody)
@blp.response(200, ClosedResponse)
@blp.doc(security=[{"bearer": []}])
def close_action(body, action_id: str):  # type: ignore[no-untyped-def]
    """Close a follow-up action (records ``ActionClosed``); closing twice changes nothing."""
    principal = current_principal()
    action, closed = _service().close_action(
        action_id, body["note"], actor=principal.name, source=principal.source
    )
    return {"action": _action_json(action), "closed_now": closed}


def _action_json(action: dict[str, Any]) -> dict[str, Any]:
    out = dict(action)
    for name in ("due", "assigned_at", "closed_at"):
        if out.get(name) is not None:
            out[name] = out[name].isoformat()
    return out
