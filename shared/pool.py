"""The project pool's quarterly rules (plan 3: 项目库), shared by the registry (its
``/v1/pool/conversions`` and ``/v1/leader-visits``) and scheduling (the quarterly plan): one
piece of code for one rule. Plain Python over days already in the campaign's time zone.

A conversion of a quarter counts the projects that could convert in it (signed by the
quarter's end and not started before its start; started by its end and not commissioned
before its start) and those that did (started, or commissioned, within it).

A leader's project counts for the quarter when it is one of the quarter's campaign and was
not commissioned before the quarter; a visit counts when the project's own leader made it
within the quarter (a visit by someone else does not count)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

CONVERSIONS = (("signed", "started"), ("started", "commissioned"))
"""签约→开工 and 开工→投产."""

Dated = Sequence[tuple[str, dict[str, date]]]
"""Each project's id with the day it entered each stage (pool stages and 开工/竣工/投产)."""


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


def quarter_report(quarter: Quarter, dated: Dated) -> dict[str, Any]:
    """The quarter's projects entering 签约, 开工 and 投产, and both conversions."""
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
        "conversions": [conversion(quarter, dated, a, b) for a, b in CONVERSIONS],
    }


def conversion(quarter: Quarter, dated: Dated, source: str, target: str) -> dict[str, Any]:
    """One conversion (``source`` → ``target``) of the quarter."""
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


# -- 挂点服务 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    leader: str
    on: date
    problems_solved: int = 0


@dataclass(frozen=True)
class LedProject:
    """A project as the visits rule reads it: its leader now and every visit made to it."""

    project_id: str
    name: str
    leader: str
    visits: tuple[Visit, ...]


def leader_visits(
    projects: Iterable[LedProject],
    quarter: Quarter,
    order: Callable[[Iterable[str]], list[str]] = sorted,
) -> list[dict[str, Any]]:
    """Each leader (in ``order``, by rank) with the projects visited and not visited; the
    caller passes the quarter's projects only."""
    by_leader: dict[str, list[dict[str, Any]]] = {}
    for project in projects:
        if project.leader:
            by_leader.setdefault(project.leader, []).append(_visit_row(project, quarter))
    return [_leader(name, by_leader[name]) for name in order(by_leader)]


def counts_in_quarter(
    registered: bool, in_campaign: bool, commissioned_on: date | None, quarter: Quarter
) -> bool:
    """Whether a leader's project counts for the quarter."""
    if not registered or not in_campaign:
        return False
    return commissioned_on is None or commissioned_on >= quarter.starts_on


def _visit_row(project: LedProject, quarter: Quarter) -> dict[str, Any]:
    own = sorted((v for v in project.visits if v.leader == project.leader), key=lambda v: v.on)
    this_quarter = [v for v in own if quarter.holds(v.on)]
    return {
        "project_id": project.project_id,
        "name": project.name,
        "visits": len(this_quarter),
        "last_visit_on": own[-1].on.isoformat() if own else None,
        "problems_solved": sum(v.problems_solved for v in this_quarter),
    }


def _leader(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: r["project_id"])
    return {
        "leader": name,
        "projects": rows,
        "visited": [r["project_id"] for r in rows if r["visits"]],
        "not_visited": [r["project_id"] for r in rows if not r["visits"]],
    }
