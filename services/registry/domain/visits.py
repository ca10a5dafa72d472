"""挂点服务 by quarter (plan 2: 一个镇领导牵头; plan 3: 工作专班): for each leader, the
projects of the quarter's campaign they lead, those they visited in the quarter and those
they did not. A project counts for its leader as it stands now (``ResponsibilityAssigned``
moves it); a visit counts when the project's leader made it. Plain Python."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from .pool import Quarter, local_day
from .project import KeyProject


def visits_of(project: KeyProject, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The project's visits, oldest first, each with its day in the campaign zone."""
    rows = [
        {"visit_id": key, **visit, "on": local_day(visit["at"], zone).isoformat()}
        for key, visit in project.visits.items()
    ]
    return sorted(rows, key=lambda v: (v["at"], v["visit_id"]))


def in_quarter(project: KeyProject, quarter: Quarter, zone: ZoneInfo) -> bool:
    """One of the quarter's campaign projects, not commissioned before the quarter."""
    if not project.registered or quarter.year not in project.campaign_years:
        return False
    closed = project.commissioned_at
    return closed is None or local_day(closed, zone) >= quarter.starts_on


def leader_visits(
    projects: Iterable[KeyProject],
    quarter: Quarter,
    zone: ZoneInfo,
    order: Callable[[Iterable[str]], list[str]] = sorted,
) -> list[dict[str, Any]]:
    """Each leader (in ``order``, by rank) with the projects visited and not visited."""
    by_leader: dict[str, list[dict[str, Any]]] = {}
    for project in projects:
        if in_quarter(project, quarter, zone) and project.leader:
            by_leader.setdefault(project.leader, []).append(_row(project, quarter, zone))
    return [_leader(name, by_leader[name]) for name in order(by_leader)]


def _row(project: KeyProject, quarter: Quarter, zone: ZoneInfo) -> dict[str, Any]:
    own = [v for v in visits_of(project, zone) if v["leader"] == project.leader]
    this_quarter = [v for v in own if quarter.starts_on.isoformat() <= v["on"]]
    this_quarter = [v for v in this_quarter if v["on"] <= quarter.ends_on.isoformat()]
    return {
        "project_id": project.project_id,
        "name": project.name,
        "visits": len(this_quarter),
        "last_visit_on": own[-1]["on"] if own else None,
        "problems_solved": sum(len(v.get("problems_solved") or ()) for v in this_quarter),
    }


def _leader(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: r["project_id"])
    return {
        "leader": name,
        "projects": rows,
        "visited": [r["project_id"] for r in rows if r["visits"]],
        "not_visited": [r["project_id"] for r in rows if not r["visits"]],
    }
