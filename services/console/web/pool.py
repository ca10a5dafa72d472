"""项目库 page: every project's stage (谋划 → 储备 → 在谈 → 签约 → 前期 → 开工 → 竣工 → 投产)
with the day it entered each and its 入统 day; the year's conversions by quarter
(签约→开工, 开工→投产); the office's forms to enter a project, move its stage, 入统."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import redirect, request, url_for

from shared.eventstore import EventStoreError, now_utc

from ...registry.application.pool import Pool, Written
from ...registry.domain import RegistryError
from ...registry.domain.project import STAGES
from ...registry.wiring import RegistryParts
from .base import bp, current_user, day_argument, gateway, page, signed_in
from .counties import chosen_county

READERS = ("office", "auditor", "viewer")


def _pool() -> Pool:
    return RegistryParts.of(gateway().runtime).pool


@bp.get("/pool")
@signed_in(*READERS)
def pool():  # type: ignore[no-untyped-def]
    services = gateway()
    today = now_utc().astimezone(services.zone).date()
    year = request.args.get("year", type=int) or services.campaign_year(today)
    stage = request.args.get("stage") if request.args.get("stage") in STAGES else None
    return page(
        "pool",
        "项目库",
        rows=_pool().listing(stage, county := chosen_county()),
        quarters=_pool().conversions(year, county),
        year=year,
        stage=stage,
        stages=STAGES,
    )


def written_now() -> Written:
    """The signed-in user as the writer; the form's date is noon of that day."""
    user = current_user()
    assert user is not None
    zone = gateway().zone
    on = day_argument("on", form=True)
    occurred = datetime.combine(on, time(12), zone) if on else None
    return Written(user.username, user.source, occurred)


def _wan_to_yuan(text: str) -> str:
    try:
        return f"{Decimal(text.strip()) * 10000:.2f}"
    except InvalidOperation:
        return text


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _done(write: Any) -> Any:
    try:
        write()
    except (RegistryError, EventStoreError) as exc:
        return page("error", "项目库", status=422, detail=f"未能记录：{exc}"), 422
    return redirect(url_for("console.pool", county=chosen_county()))


@bp.post("/pool/enter")
@signed_in("office")
def pool_enter():  # type: ignore[no-untyped-def]
    """项目入库: id, name, sector, town, total investment in 万元, stage."""
    payload = {
        name: form_text(name)
        for name in ("project_id", "name", "sector", "town", "stage")
        if form_text(name)
    }
    payload["total_investment"] = _wan_to_yuan(form_text("total_investment_wan"))
    if county := chosen_county():  # a city's or province's: the county chosen on the page
        payload["county"] = county
    return _done(lambda: _pool().enter(payload, written_now()))


@bp.post("/pool/stage")
@signed_in("office")
def pool_stage():  # type: ignore[no-untyped-def]
    """阶段推进 (a pool stage), or 入统 (``stage`` = ``statistics``)."""
    project_id, stage = form_text("project_id"), form_text("stage")
    if stage == "statistics":
        return _done(lambda: _pool().enter_statistics(project_id, None, "", written_now()))
    return _done(lambda: _pool().advance(project_id, stage, form_text("note"), written_now()))
