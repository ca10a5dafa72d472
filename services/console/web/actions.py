"""督办: every follow-up action with its stage (下发 → 签收 → 办理 → 反馈 → 复核 → 办结), its
current step's deadline and 红黄灯; the office takes each step from the row (for the
responsible unit: 签收, 办理, 反馈; its own: 复核), and issues a 督办函 per unit."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from marshmallow import ValidationError

from shared.documents import register_for
from shared.tenancy import DEFAULT_COUNTY

from ...scheduling.domain.duban import StepRefused
from ...scheduling.domain.errors import ActionNotFound, InvalidRecord
from ...scheduling.entrypoints.documents.issuing import action_letter, issue_action_letter
from ...scheduling.entrypoints.documents.letter import letter_key
from ...scheduling.entrypoints.routes import ReportBody, ReviewBody, StepBody
from .base import bp, current_user, gateway, page, signed_in
from .dispatch import DOWNLOADS, READERS, download

STATUSES = ("open", "closed", "all")
FORM_STEPS = {
    "acknowledge": StepBody,
    "start": StepBody,
    "report": ReportBody,
    "accept": ReviewBody,
    "return": ReviewBody,
}
"""The steps a row's forms take, and the API body each is read with."""


@bp.get("/actions")
@signed_in(*READERS)
def actions():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "open")
    status = status if status in STATUSES else "open"
    unit = request.args.get("unit", "").strip()
    found = gateway().scheduling.actions(status=None if status == "all" else status, limit=1000)
    shown = [a for a in found if not unit or a["assignee"] == unit]
    return page(
        "actions",
        "督办",
        actions=shown,
        units=units_of(found),
        status=status,
        statuses=STATUSES,
        unit=unit,
        formats=DOWNLOADS,
        limits=gateway().scheduling.config.action_limits,
    )


def units_of(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each responsible unit's open actions in each county (a 督办函 is one county's
    office's), with how many are red and yellow."""
    counties = gateway().scheduling.project_counties()
    units: dict[tuple[str, str], dict[str, Any]] = {}
    for a in found:
        if a["status"] != "open":
            continue
        county = counties.get(a["project_id"], DEFAULT_COUNTY)
        unit = units.setdefault(
            (county, a["assignee"]),
            {"unit": a["assignee"], "county": county, "ids": [], "red": 0, "yellow": 0},
        )
        unit["ids"].append(a["action_id"])
        if a["urgency"] in ("red", "yellow"):
            unit[a["urgency"]] += 1
    for unit in units.values():
        issued = register_for(gateway().runtime, unit["county"]).find(letter_key(unit["ids"]))
        unit["number"] = issued.number if issued else None
    return sorted(units.values(), key=lambda u: (-u["red"], u["unit"]))


@bp.get("/actions/<action_id>")
@signed_in(*READERS)
def action(action_id: str):  # type: ignore[no-untyped-def]
    try:
        shown = gateway().scheduling.action(action_id)
    except ActionNotFound:
        abort(404)
    return page("action", "督办事项", a=shown)


@bp.post("/actions/<action_id>/<step>")
@signed_in("office")
def action_step(action_id: str, step: str):  # type: ignore[no-untyped-def]
    """A step of the workflow from the row's form; a refused one is the API's 409 text."""
    schema = FORM_STEPS.get(step)
    if schema is None:
        abort(404)
    raw = {k: v.strip() for k, v in request.form.items() if k != "csrf_token" and v.strip()}
    if step in ("accept", "return"):
        raw["decision"] = "accepted" if step == "accept" else "returned"
    user = current_user()
    assert user is not None
    try:
        body = schema().load(raw)
        gateway().scheduling.action_step(
            action_id, step, body, actor=user.username, source=user.source
        )
    except ActionNotFound:
        abort(404)
    except StepRefused as exc:
        return page("error", "督办", status=409, detail=str(exc)), 409
    except ValidationError as exc:
        detail = "；".join(f"{k}：{'，'.join(v)}" for k, v in exc.messages.items())  # type: ignore[union-attr]
        return page("error", "督办", status=422, detail=f"未能办理：{detail}"), 422
    return redirect(url_for("console.actions", _anchor=f"action-{action_id}"))


@bp.get("/actions/letter.<fmt>")
@signed_in(*READERS)
def letter_download(fmt: str):  # type: ignore[no-untyped-def]
    """The 督办函 of one unit's actions (``action_id`` repeated), as the API renders it."""
    ids = request.args.getlist("action_id")
    if fmt not in DOWNLOADS or not ids:
        abort(404)
    services = gateway()
    try:
        document, found, office = action_letter(services.runtime, services.scheduling, ids)
    except ActionNotFound:
        abort(404)
    except InvalidRecord as exc:
        return page("error", "督办函", status=422, detail=str(exc)), 422
    return download(document, fmt, office, f"duban-letter-{found.digest[:12]}")


@bp.post("/actions/letter/issue")
@signed_in("office")
def letter_issue():  # type: ignore[no-untyped-def]
    """编号印发: the 督办函 of these actions takes the year's next number, once."""
    ids = request.form.getlist("action_id")
    if not ids:
        abort(404)
    services, user = gateway(), current_user()
    assert user is not None
    try:
        issue_action_letter(
            services.runtime,
            services.scheduling,
            ids,
            actor=user.username,
            source=user.source,
        )
    except ActionNotFound:
        abort(404)
    except InvalidRecord as exc:
        return page("error", "督办函", status=422, detail=str(exc)), 422
    return redirect(url_for("console.actions", _anchor="units"))
