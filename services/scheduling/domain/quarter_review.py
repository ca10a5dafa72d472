"""The quarterly plan's review of the quarter just ended (issue 17): each leader's 挂点服务
(projects visited and not visited) and the project pool's movement (projects entering the
pool, reaching 入统, 签约→开工 and 开工→投产), by the rules in `shared.pool` that the
registry's ``/v1/leader-visits`` and ``/v1/pool/conversions`` use.

A quarterly meeting sits on its quarter's first working day, so the quarter it reviews is
the one before (the Q1 meeting reviews the previous year's Q4). The pool counts the
campaigns' projects and those still only in the pool (`PooledProject`, read from the log
by `application.pool_review`), as the registry does."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.pool import LedProject, Quarter, Visit, counts_in_quarter, leader_visits, quarter_report

from .periods import Period
from .project import ProjectState

LEADER_VISITS = "leader_visits"
POOL = "pool"
KEYS = (LEADER_VISITS, POOL)
"""The keys a quarterly plan gained with this review (each only when it states something)."""


@dataclass(frozen=True)
class PooledProject:
    """A project still only in the pool: its name and each pool stage's day."""

    project_id: str
    name: str
    stages: dict[str, date]


def reviewed_quarter(period: Period) -> Quarter:
    """The quarter before the quarterly ``period``."""
    number = (period.start.month - 1) // 3 + 1
    return (
        Quarter(period.start.year - 1, 4) if number == 1 else Quarter(period.start.year, number - 1)
    )


def sections(
    states: Iterable[ProjectState],
    period: Period,
    by_rank: Callable[[Iterable[str]], list[str]],
    pooled: Sequence[PooledProject] = (),
) -> dict[str, Any]:
    """``leader_visits`` and ``pool`` of the quarter reviewed, each only when not empty;
    ``pooled``: the projects still only in the pool, counted in ``pool`` too."""
    states = list(states)
    quarter = reviewed_quarter(period)
    out: dict[str, Any] = {}
    visits = visits_section(states, quarter, by_rank)
    if visits["leaders"]:
        out[LEADER_VISITS] = visits
    pool = pool_section(states, quarter, pooled)
    if _states_something(pool):
        out[POOL] = pool
    return out


def _label(quarter: Quarter) -> dict[str, Any]:
    return {
        "quarter": f"{quarter.year}-Q{quarter.number}",
        "starts_on": quarter.starts_on.isoformat(),
        "ends_on": quarter.ends_on.isoformat(),
    }


def visits_section(
    states: list[ProjectState], quarter: Quarter, by_rank: Callable[[Iterable[str]], list[str]]
) -> dict[str, Any]:
    """Each leader (by rank) with the quarter's projects visited and not visited."""
    led = [_led(s) for s in states if _counts(s, quarter)]
    leaders = leader_visits(led, quarter, by_rank)
    return {
        **_label(quarter),
        "leaders": leaders,
        "not_visited": [row["leader"] for row in leaders if row["not_visited"]],
    }


def _counts(state: ProjectState, quarter: Quarter) -> bool:
    return counts_in_quarter(True, state.in_campaign(quarter.year), state.commissioned_on, quarter)


def _led(state: ProjectState) -> LedProject:
    visits = tuple(Visit(v.leader, v.on, v.problems_solved) for v in state.visits.values())
    return LedProject(state.project_id, state.name, state.leader, visits)


def pool_section(
    states: list[ProjectState], quarter: Quarter, pooled: Sequence[PooledProject] = ()
) -> dict[str, Any]:
    """The quarter's entries into the pool and into the statistics (入统), its projects
    entering 签约, 开工 and 投产, and both conversions (of the campaigns' projects and
    those still only in the pool)."""
    dated = [(s.project_id, s.stage_dates()) for s in states]
    dated += [(p.project_id, p.stages) for p in pooled]
    report = quarter_report(quarter, dated)
    entries = [(s.project_id, _pooled_on(s)) for s in states]
    entries += [(p.project_id, min(p.stages.values())) for p in pooled]
    section = {
        **_label(quarter),
        "entered_pool": sorted(pid for pid, on in entries if quarter.holds(on)),
        "statistics": sorted(s.project_id for s in states if quarter.holds(s.statistics_on)),
        "entered": report["entered"],
        "conversions": report["conversions"],
    }
    named = _named(section)
    every = [*((s.project_id, s.name) for s in states), *((p.project_id, p.name) for p in pooled)]
    section["names"] = {pid: name for pid, name in every if pid in named}
    return section


def _named(section: dict[str, Any]) -> set[str]:
    """Every project the section names (its documents print their names)."""
    ids = {*section["entered_pool"], *section["statistics"]}
    ids.update(*section["entered"].values())
    ids.update(*(c["projects"] for c in section["conversions"]))
    return ids


def _pooled_on(state: ProjectState) -> date:
    """The day the project entered the pool: its first pool stage, else its registration
    (a project registered directly is in the pool from then)."""
    return min(state.pool_stages.values(), default=state.registered_on)


def _states_something(pool: dict[str, Any]) -> bool:
    moved = pool["entered_pool"] or pool["statistics"] or any(pool["entered"].values())
    return bool(moved or any(c["could"] for c in pool["conversions"]))
