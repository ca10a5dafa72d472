"""The project list: current identity and phase of every project, kept in the same
transaction as the append that changes them (so the national code is unique).

The registry's one place where reading is scoped to the request's counties
(`shared.tenancy`): `page`, `exists` and `in_scope` filter by the ``county`` column; a
project of another county is, to the request, a project that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from shared.tenancy import DEFAULT_COUNTY, where_scoped

from ..domain import KeyProject
from .tables import projects

FILTERS = ("category", "sector", "town", "leader", "unit", "phase")


COLUMNS = (
    "national_code",
    "name",
    "category",
    "sector",
    "town",
    "leader",
    "lead_unit",
    "owner_unit",
    "phase",
    "county",
)


def listed(project: KeyProject) -> tuple[Any, ...] | None:
    """What the list shows of a project (None before it is registered)."""
    if not project.registered:
        return None
    return tuple(getattr(project, name) for name in COLUMNS)


def save(conn: Connection, project: KeyProject) -> None:
    row = dict(zip(COLUMNS, listed(project) or (), strict=True))
    row["county"] = row.get("county") or DEFAULT_COUNTY
    updated = conn.execute(
        update(projects).where(projects.c.project_id == project.project_id).values(**row)
    )
    if updated.rowcount == 0:
        conn.execute(insert(projects).values(project_id=project.project_id, **row))


def by_national_code(conn: Connection, national_code: str) -> str | None:
    return conn.execute(
        select(projects.c.project_id).where(projects.c.national_code == national_code)
    ).scalar()


def by_national_codes(conn: Connection, national_codes: list[str]) -> dict[str, str]:
    if not national_codes:
        return {}
    rows = conn.execute(
        select(projects.c.national_code, projects.c.project_id).where(
            projects.c.national_code.in_(sorted(set(national_codes)))
        )
    )
    return {row.national_code: row.project_id for row in rows}


def exists(conn: Connection, project_id: str) -> bool:
    """Whether the project is listed and in the current scope."""
    query = select(projects.c.project_id).where(projects.c.project_id == project_id)
    return conn.execute(where_scoped(query, projects.c.county)).first() is not None


def in_scope(conn: Connection) -> set[str]:
    """The ids of the projects the current scope sees."""
    query = where_scoped(select(projects.c.project_id), projects.c.county)
    return set(conn.execute(query).scalars())


@dataclass(frozen=True, slots=True)
class ProjectPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def page(conn: Connection, filters: dict[str, Any], cursor: str | None, limit: int) -> ProjectPage:
    """Projects in id order after ``cursor`` (the last id of the previous page)."""
    query = select(projects).order_by(projects.c.project_id).limit(limit + 1)
    query = where_scoped(query, projects.c.county)
    for name in ("category", "sector", "town", "leader", "phase"):
        if filters.get(name):
            query = query.where(projects.c[name] == filters[name])
    if filters.get("unit"):
        unit = filters["unit"]
        query = query.where((projects.c.lead_unit == unit) | (projects.c.owner_unit == unit))
    if cursor:
        query = query.where(projects.c.project_id > cursor)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return ProjectPage(rows, rows[-1]["project_id"] if more else None)


def all_ids(conn: Connection) -> list[str]:
    """Every registered project's id of the request's counties, in order."""
    query = where_scoped(select(projects.c.project_id), projects.c.county)
    return list(conn.execute(query.order_by(projects.c.project_id)).scalars())
