"""The project pool (项目库, plan 3): where each project stands, and the conversions of a
year by quarter (签约→开工, 开工→投产) by the rule in `shared.pool` (scheduling's quarterly
plan uses the same). Plain Python over folded `KeyProject` states."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.pool import CONVERSIONS, Quarter, quarter_report
from shared.tenancy import DEFAULT_COUNTY

from .project import KeyProject

__all__ = ["CONVERSIONS", "Quarter", "conversions", "listing", "local_dates", "local_day"]


def local_dates(project: KeyProject, zone: ZoneInfo) -> dict[str, str]:
    """Each stage the project entered → the day, in the campaign's time zone."""
    return {stage: local_day(at, zone).isoformat() for stage, at in project.stage_dates().items()}


def listing(project: KeyProject, zone: ZoneInfo) -> dict[str, Any]:
    """What the pool's list shows of a project."""
    return {
        "project_id": project.project_id,
        "county": project.county or DEFAULT_COUNTY,
        "name": project.name,
        "sector": project.sector,
        "town": project.town,
        "total_investment": f"{project.total_investment:.2f}",
        "stage": project.stage,
        "stage_dates": local_dates(project, zone),
        "statistics_on": local_day(project.statistics_at, zone).isoformat()
        if project.statistics_at
        else None,
        "campaign_years": sorted(project.campaign_years),
    }


def conversions(projects: Iterable[KeyProject], year: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The four quarters of ``year``, each with both conversions (`shared.pool`)."""
    dated = [(p.project_id, _dates(p, zone)) for p in projects]
    return [quarter_report(Quarter(year, n), dated) for n in range(1, 5)]


def _dates(project: KeyProject, zone: ZoneInfo) -> dict[str, date]:
    return {stage: local_day(at, zone) for stage, at in project.stage_dates().items()}


def local_day(instant: str, zone: ZoneInfo) -> date:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(zone).date()
