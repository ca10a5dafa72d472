"""总览 · 挂图作战: the campaign on one page, and its A3 print view."""

from __future__ import annotations

from typing import Any

from flask import request

from shared.eventstore import now_utc

from .. import campaign, charts
from .base import bp, gateway, page, signed_in
from .clocks import Clocks, clocks_from_request

FILTERS = ("category", "sector", "unit", "leader", "status")


def overview_data(clocks: Clocks, filters: dict[str, str], group: str) -> dict[str, Any]:
    services = gateway()
    year = clocks.year
    board, mine = services.board(clocks.cutoff, {**filters, "campaign": year})
    by_id = {s.project_id: s for s in mine}
    rows = [r for r in board["projects"] if r["project_id"] in by_id]
    wall = campaign.cards(rows, by_id, clocks.as_of)
    plan, actual = campaign.monthly(mine, year, clocks.as_of)
    goals = services.scheduling.campaign(year)
    return {
        "year": year,
        "campaign": goals,
        "targets": campaign.targets(mine, goals.targets),
        "investment_target": goals.targets.investment,
        "annual_plan": sum((s.plan_for(year).annual for s in mine), start=plan[0] * 0),
        "invested": sum((a or 0 for a in actual), start=plan[0] * 0),
        "chart": charts.month_chart(plan, actual),
        "counts": {c: sum(1 for r in rows if r["status"] == c) for c in ("red", "yellow", "green")},
        "groups": campaign.grouped(wall, group),
        "group": group,
        "group_names": campaign.GROUPS,
        "choices": _choices(mine),
        "filters": filters,
        "clocks": clocks,
    }


def _choices(states: list) -> dict[str, list[str]]:
    return {
        "category": sorted({s.category for s in states}),
        "sector": sorted({s.sector for s in states}),
        "unit": sorted({s.lead_unit for s in states} | {s.owner_unit for s in states}),
        "leader": sorted({s.leader for s in states}),
        "status": ["red", "yellow", "green"],
    }


def _request_view() -> dict[str, Any]:
    services = gateway()
    today = now_utc().astimezone(services.zone).date()
    current = services.campaign(today)
    default_as_of = min(today, current.ends_on)
    clocks = clocks_from_request(services, current.year, default_as_of)
    filters = {k: request.args[k] for k in FILTERS if request.args.get(k)}
    group = request.args.get("group", "leader")
    return overview_data(clocks, filters, group if group in campaign.GROUPS else "leader")


@bp.get("/")
@signed_in("office", "auditor", "viewer")
def overview():  # type: ignore[no-untyped-def]
    return page("overview", "总览·挂图作战", **_request_view())


@bp.get("/print/a3")
@signed_in("office", "auditor", "viewer")
def overview_print():  # type: ignore[no-untyped-def]
    return page("overview_print", "挂图作战（A3）", **_request_view())
