"""The project pool (项目库, plan 3): where each project stands, and the conversions of a
year by quarter (签约→开工, 开工→投产). Plain Python over folded `KeyProject` states.

A conversion of a quarter counts the projects that could convert in it (signed by the
quarter's end and not started before its start; started by its end and not commissioned
before its start) and those that did (started, or commissioned, within it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .project import KeyProject

CONVERSIONS = (("signed", "started"), ("started", "commissioned"))
"""签约→开工 and 开工→投产."""


def local_dates(project: KeyProject, zone: ZoneInfo) -> dict[str, str]:
    """Each stage the project entered → the day, in the campaign's time zone."""
    return {stage: local_day(at, zone).isoformat() for stage, at in project.stage_dates().items()}


def listing(project: KeyProject, zone: ZoneInfo) -> dict[str, Any]:
    """What the pool's list shows of a project."""
    return {
        "project_id": project.project_id,
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


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_on(self) -> date:
        if self.number == 4:
            return date(self.year, 12, 31)
        return date.fromordinal(date(self.year, 3 * self.number + 1, 1).toordinal() - 1)

    def holds(self, day: date | None) -> bool:
        return day is not None and self.starts_on <= day <= self.ends_on


def conversions(projects: Iterable[KeyProject], year: int, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The four quarters of ``year``, each with both conversions."""
    dated = [(p.project_id, _dates(p, zone)) for p in projects]
    return [_quarter(Quarter(year, n), dated) for n in range(1, 5)]


def _quarter(quarter: Quarter, dated: list[tuple[str, dict[str, date]]]) -> dict[str, Any]:
    entered = {
        stage: sorted(pid for pid, dates in dated if quarter.holds(dates.get(stage)))
        for stage in ("signed", "started", "commissioned")
    }
    return {
        "year": quarter.year,
        "quarter": quarter.number,
        "starts_on": quarter.starts_on.isoformat(),
        "ends_on": quarter.ends_on.isoformat(),
        "entered": entered,
        "conversions": [_conversion(quarter, dated, a, b) for a, b in CONVERSIONS],
    }


def _conversion(
    quarter: Quarter, dated: list[tuple[str, dict[str, date]]], source: str, target: str
) -> dict[str, Any]:
    could = [pid for pid, dates in dated if _open_in(quarter, dates, source, target)]
    did = [pid for pid, dates in dated if pid in could and quarter.holds(dates.get(target))]
    return {
        "source": source,
        "target": target,
        "could": len(could),
        "converted": len(did),
        "rate": f"{len(did) / len(could):.2f}" if could else None,
        "projects": sorted(did),
    }


def _open_in(quarter: Quarter, dates: dict[str, date], source: str, target: str) -> bool:
    entered, left = dates.get(source), dates.get(target)
    if entered is None or entered > quarter.ends_on:
        return False
    return left is None or left >= quarter.starts_on


def _dates(project: KeyProject, zone: ZoneInfo) -> dict[str, date]:
    return {stage: local_day(at, zone) for stage, at in project.stage_dates().items()}


def local_day(instant: str, zone: ZoneInfo) -> date:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(zone).date()
