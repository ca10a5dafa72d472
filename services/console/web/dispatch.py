"""调度: the meeting calendar, each plan with its agenda, versions and downloads, and the
open follow-up actions with a close form for the office; all of one county (a city or
province account chooses which, `page_county`)."""

from __future__ import annotations

import calendar as month_grid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, abort, redirect, request, url_for

from shared.documents import FORMATS as DOCUMENT_FORMATS
from shared.documents import register_for
from shared.documents import render as render_document
from shared.events.catalogue import SITE_MEETING_KINDS
from shared.eventstore import now_utc

from ...scheduling.domain.errors import ActionNotFound, PlanNotFound
from ...scheduling.domain.periods import CADENCES, InvalidPeriod, Period
from ...scheduling.entrypoints.documents import KINDS as DOCUMENTS
from ...scheduling.entrypoints.documents import document_key
from ...scheduling.entrypoints.documents.issuing import issue_plan_document, plan_document
from .base import bp, current_user, gateway, page, page_county, signed_in

READERS = ("office", "auditor", "viewer")
DOWNLOADS = DOCUMENT_FORMATS
"""The formats of a plan's documents (the meeting notice with its agenda, 督查通报), as the
API's documents render them."""


@dataclass(frozen=True)
class Day:
    day: date | None
    working: bool
    meetings: list[dict[str, Any]]


def month_days(year: int, month: int, plans: list[dict[str, Any]]) -> list[list[Day]]:
    """Weeks (Monday first) of one month, each day with its meetings and whether it is a
    working day by China's official calendar (调休 included)."""
    work = gateway().scheduling.config.calendar()
    by_day: dict[str, list[dict[str, Any]]] = {}
    for plan in plans:
        by_day.setdefault(plan["meeting_date"], []).append(plan)
    return [
        [
            Day(d, work.is_working_day(d), by_day.get(d.isoformat(), []))
            if d.month == month
            else Day(None, True, [])
            for d in week
        ]
        for week in month_grid.Calendar().monthdatescalendar(year, month)
    ]


def _latest_versions(plans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for plan in plans:
        key = (plan["cadence"], plan["period"])
        if key not in latest or plan["version"] > latest[key]["version"]:
            latest[key] = plan
    return sorted(latest.values(), key=lambda p: p["meeting_date"] or "", reverse=True)


@bp.get("/dispatch")
@signed_in(*READERS)
def dispatch():  # type: ignore[no-untyped-def]
    services, county = gateway(), page_county()
    plans = _latest_versions(services.scheduling.list_plans(None, None, [county.code]))
    today = now_utc().astimezone(services.zone).date()
    shown = _month_argument((plans[0]["meeting_date"] if plans else "") or today.isoformat())
    return page(
        "dispatch",
        "调度",
        plans=plans,
        weeks=month_days(shown.year, shown.month, plans),
        month=shown,
        actions=services.scheduling.actions(status="open", limit=200, county=county.code),
        cadences=CADENCES,
        today=today,
        set_pieces=services.scheduling.set_pieces(county=county.code)[1],
        site_meetings=services.scheduling.site_meetings(county=county.code)[:20],
        site_meeting_kinds=SITE_MEETING_KINDS,
        **county.context,
    )


def _month_argument(fallback: str) -> date:
    raw = request.args.get("month") or fallback[:7]
    try:
        return date.fromisoformat(raw[:7] + "-01")
    except ValueError:
        return date.fromisoformat(fallback[:7] + "-01")


@bp.get("/dispatch/plans/<cadence>/<period>")
@signed_in(*READERS)
def plan(cadence: str, period: str):  # type: ignore[no-untyped-def]
    scheduling, county = gateway().scheduling, page_county()
    version = request.args.get("version", type=int)
    try:
        Period.parse(cadence, period)
        record = scheduling.get_plan(cadence, period, version, county=county.code)
    except (InvalidPeriod, PlanNotFound):
        abort(404)
    versions = [
        (v, version_change(v.changes))
        for v in scheduling.versions(cadence, period, county=county.code)
    ]
    register = register_for(gateway().runtime, county.code)
    issued = {kind: register.find(document_key(kind, record.to_dict())) for kind in DOCUMENTS}
    return page(
        "plan",
        "调度计划",
        record=record,
        plan=record.plan,
        versions=versions,
        formats=DOWNLOADS,
        issued=issued,
        **county.context,
    )


def version_change(changes: dict[str, Any]) -> str:
    """What a version changed, in one line (the first version changed nothing)."""
    parts = [
        f"{word}{len(changes.get(key) or [])}项"
        for key, word in (("added", "新增"), ("removed", "移除"), ("changed", "变化"))
        if changes.get(key)
    ]
    if changes.get("meeting_changed"):
        parts.append("会议安排变化")
    return "，".join(parts) or "—"


@bp.get("/dispatch/plans/<cadence>/<period>/<kind>.<fmt>")
@signed_in(*READERS)
def document_download(cadence: str, period: str, kind: str, fmt: str):  # type: ignore[no-untyped-def]
    """The plan's 通知 (agenda) or 督查通报 (supervision), as the API renders it."""
    if fmt not in DOWNLOADS or kind not in DOCUMENTS:
        abort(404)
    services = gateway()
    try:
        document, record, office = plan_document(
            services.runtime,
            services.scheduling,
            kind,
            cadence,
            period,
            request.args.get("version", type=int),
            page_county().code,
        )
    except (InvalidPeriod, PlanNotFound):
        abort(404)
    return download(document, fmt, office, f"{kind}-{cadence}-{period}-v{record['version']}")


def download(document: Any, fmt: str, office: Any, stem: str) -> Response:
    """A document rendered as ``fmt``, downloaded as ``stem.fmt`` (its Chinese title)."""
    rendered = render_document(document, fmt, office, stem)
    return Response(
        rendered.body,
        content_type=rendered.content_type,
        headers={"Content-Disposition": rendered.content_disposition},
    )


@bp.post("/dispatch/plans/<cadence>/<period>/<kind>/issue")
@signed_in("office")
def document_issue(cadence: str, period: str, kind: str):  # type: ignore[no-untyped-def]
    """发文: the document of this plan version takes the year's next number, once."""
    if kind not in DOCUMENTS:
        abort(404)
    services, user, county = gateway(), current_user(), page_county()
    assert user is not None
    version = request.form.get("version", type=int)
    try:
        issue_plan_document(
            services.runtime,
            services.scheduling,
            kind,
            cadence,
            period,
            version,
            actor=user.username,
            source=user.source,
            county=county.code,
        )
    except (InvalidPeriod, PlanNotFound):
        abort(404)
    return redirect(
        url_for("console.plan", cadence=cadence, period=period, version=version, county=county.arg)
    )


@bp.post("/dispatch/plans")
@signed_in("office")
def plan_now():  # type: ignore[no-untyped-def]
    cadence, period = request.form.get("cadence", ""), request.form.get("period", "").strip()
    try:
        Period.parse(cadence, period)
    except InvalidPeriod:
        return page(
            "error", "调度计划", status=422, detail=f"期间 {period} 不符合{cadence}的格式"
        ), 422
    user, county = current_user(), page_county()
    assert user is not None
    gateway().scheduling.plan(
        cadence, period, actor=user.username, source=user.source, county=county.code
    )
    return redirect(url_for("console.plan", cadence=cadence, period=period, county=county.arg))


@bp.post("/dispatch/actions/<action_id>/close")
@signed_in("office")
def close_action(action_id: str):  # type: ignore[no-untyped-def]
    user = current_user()
    assert user is not None
    note = request.form.get("note", "").strip()[:2000]
    try:
        gateway().close_action(action_id, note, user.username, user.source)
    except ActionNotFound:
        abort(404)
    return redirect(url_for("console.dispatch", county=page_county().arg, _anchor="actions"))
