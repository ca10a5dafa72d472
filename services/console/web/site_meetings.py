"""调度 page, the campaign's own mechanisms: the calendar's set pieces (record one held or
not held) and the office's 现场办公 / 现场督办 form, whose decisions become follow-up
actions (one per line: 事项｜责任单位｜期限)."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, redirect, request, url_for
from marshmallow import ValidationError

from ...scheduling.domain.errors import InvalidRecord, SetPieceNotFound
from ...scheduling.entrypoints.routes import HeldBody, MissedBody, SiteMeetingBody
from .base import bp, current_user, gateway, page, page_county, signed_in

_SEPARATORS = re.compile(r"\s*[|｜]\s*")
_LIST = re.compile(r"[、,，;；\n]+")


def decisions_of(text: str) -> list[dict[str, str]]:
    """``事项｜责任单位｜2025-06-30`` a line; a line without three parts is kept whole as
    the text, so that the schema names what is missing."""
    out = []
    for line in (line.strip() for line in text.splitlines()):
        if line:
            parts = _SEPARATORS.split(line)
            out.append(dict(zip(("text", "owner", "due"), parts, strict=False)))
    return out


def _refused(title: str, exc: ValidationError | InvalidRecord | SetPieceNotFound) -> Any:
    detail = str(exc) if not isinstance(exc, ValidationError) else _messages(exc.messages)
    return page("error", title, status=422, detail=f"未能记录：{detail}"), 422


def _messages(messages: Any) -> str:
    if isinstance(messages, dict):
        return "；".join(f"{k}：{_messages(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return "，".join(_messages(m) for m in messages)
    return str(messages)


@bp.post("/dispatch/set-pieces/<code>/<outcome>")
@signed_in("office")
def record_set_piece(code: str, outcome: str):  # type: ignore[no-untyped-def]
    """记录重点活动: held (date and outcome) or not held (why)."""
    schema = {"held": HeldBody, "missed": MissedBody}.get(outcome)
    if schema is None:
        abort(404)
    fields = ("held_on", "outcome", "note", "campaign")
    raw = {k: request.form[k].strip() for k in fields if request.form.get(k, "").strip()}
    user, county = current_user(), page_county()
    assert user is not None
    try:
        gateway().scheduling.record_set_piece(
            code, schema().load(raw), actor=user.username, source=user.source, county=county.code
        )
    except (ValidationError, InvalidRecord, SetPieceNotFound) as exc:
        return _refused("重点活动", exc)
    return redirect(url_for("console.dispatch", county=county.arg, _anchor="set-pieces"))


@bp.post("/dispatch/site-meetings")
@signed_in("office")
def record_site_meeting():  # type: ignore[no-untyped-def]
    """现场办公记录: where, who, the problems, the decisions (each a follow-up action)."""
    form = request.form
    raw = {
        "kind": form.get("kind", "site_office"),
        "project_id": form.get("project_id", "").strip(),
        "place": form.get("place", "").strip(),
        "held_on": form.get("held_on", "").strip(),
        "attendees": [a.strip() for a in _LIST.split(form.get("attendees", "")) if a.strip()],
        "problems": [p.strip() for p in form.get("problems", "").splitlines() if p.strip()],
        "decisions": decisions_of(form.get("decisions", "")),
    }
    user = current_user()
    assert user is not None
    try:
        gateway().scheduling.record_site_meeting(
            SiteMeetingBody().load(raw), actor=user.username, source=user.source
        )
    except (ValidationError, InvalidRecord) as exc:
        return _refused("现场办公", exc)
    return redirect(url_for("console.dispatch", county=page_county().arg, _anchor="site-meetings"))
