"""挂点服务 by quarter (plan 2: 一个镇领导牵头; plan 3: 工作专班): for each leader, the
projects of the quarter's campaign they lead, those they visited in the quarter and those
they did not. A project counts for its leader as it stands now (``ResponsibilityAssigned``
moves it); a visit counts when the project's leader made it. Plain Python."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from shared.pool import LedProject, Quarter, Visit, counts_in_quarter
from shared.pool import leader_visits as shared_leader_visits

from .pool import local_day
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
    closed = project.commissioned_at
    return counts_in_quarter(
        project.registered,
        quarter.year in project.campaign_years,
        local_day(closed, zone) if closed else None,
        quarter,
    )


def leader_visits(
    projects: Iterable[KeyProject],
    quarter: Quarter,
    zone: ZoneInfo,
    order: Callable[[Iterable[str]], list[str]] = sorted,
) -> list[dict[str, Any]]:
    """Each leader (in ``order``, by rank) with the projects visited and not visited
    (the rule in `shared.pool`, which scheduling's quarterly plan uses too)."""
    led = [_led(p, zone) for p in projects if in_quarter(p, quarter, zone)]
    return shared_leader_visits(led, quarter, order)


def _led(project: KeyProject, zone: ZoneInfo) -> LedProject:
    visits = tuple(
        Visit(v["leader"], local_day(v["at"], zone), len(v.get("problems_solved") or ()))
        for v in project.visits.values()
    )
    return LedProject(project.project_id, project.name, project.leader or "", visits)
