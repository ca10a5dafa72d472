"""A province's log, generated: ``counties`` × ``projects`` × ``per_project`` events (10⁷
at 100 × 500 × 200), valid against the catalogue, hash-chained and written by ``COPY``
(`_chained_fill.copy_chained`), with the registry's project list beside it, so that the
registry, scheduling and scoring read it as they read a log they wrote themselves.

Events are generated step by step across every project (the k-th event of each project,
then the k+1-th), so the log interleaves projects as a live province's would, and the
generator streams: memory does not grow with the log.

Counties: each registration carries the county key (``county``: ``c000``…``c099``, tenant
codes of the hierarchy `tenants` gives: one province, a city for every ten counties); a
project's id (``c042-p0007``) only keeps the ids unique and readable. A county's projects
also share a lead unit (`county_unit`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from shared.events import build_registry
from shared.eventstore import NewEvent
from shared.eventstore.canonical import canonical_json

from ._chained_fill import chained, copy_chained

YEAR = 2024
START = datetime(YEAR, 1, 2, 1, tzinfo=UTC)
STEP = timedelta(hours=39)
"""Between a project's events: 200 of them end before December (a December plan reads
the read model, not a replay)."""
CATEGORIES = ("breakthrough", "new_start", "preliminary")


@dataclass(frozen=True)
class Province:
    counties: int = 100
    projects: int = 500
    """Per county."""
    per_project: int = 200

    @property
    def events(self) -> int:
        return self.counties * self.projects * self.per_project

    def project_ids(self) -> Iterator[str]:
        for _, project in self.projects_by_county():
            yield project

    def projects_by_county(self) -> Iterator[tuple[str, str]]:
        """(county code, project id) of every project, county by county."""
        for county in range(self.counties):
            code = county_code(county)
            for n in range(self.projects):
                yield code, project_id(county, n)

    def county_codes(self) -> list[str]:
        return [county_code(c) for c in range(self.counties)]


COUNTIES_PER_CITY = 10
PROVINCE_CODE = "province"


def county_code(county: int) -> str:
    """The tenant code of the ``county``-th county."""
    return f"c{county:03d}"


def project_id(county: int, n: int) -> str:
    return f"c{county:03d}-p{n:04d}"


def tenants(province: Province) -> list[dict[str, Any]]:
    """The tenant hierarchy of the province (``GONGJIAN_TENANTS``, `shared.tenancy`): the
    province, a city for every ten counties, and the counties."""
    cities = (province.counties + COUNTIES_PER_CITY - 1) // COUNTIES_PER_CITY
    out: list[dict[str, Any]] = [
        {"code": PROVINCE_CODE, "name": "某省", "level": "province", "parent": None}
    ]
    out += [
        {"code": f"m{c:02d}", "name": f"第{c + 1}市", "level": "city", "parent": PROVINCE_CODE}
        for c in range(cities)
    ]
    out += [
        {
            "code": county_code(c),
            "name": f"第{c + 1}县",
            "level": "county",
            "parent": f"m{c // COUNTIES_PER_CITY:02d}",
        }
        for c in range(province.counties)
    ]
    return out


def configure_tenancy(province: Province) -> str:
    """Serve the province's hierarchy in this process (and in the runtimes it builds, by
    ``GONGJIAN_TENANTS``); returns the JSON."""
    import json
    import os

    from shared.tenancy import Tenancy, configure

    text = json.dumps(tenants(province), ensure_ascii=False)
    os.environ["GONGJIAN_TENANTS"] = text
    configure(Tenancy.from_config(text))
    return text


def county_unit(county: str) -> str:
    """The county's office, the lead unit of its projects (a board's ``unit`` filter)."""
    return f"{county}县重点项目攻坚办"


def registration(project: str, county: str) -> dict[str, Any]:
    """``ProjectRegistered`` of a project of ``county``, as the catalogue normalises it."""
    n = int(project.rsplit("p", 1)[1])
    return {
        "project_id": project,
        "national_code": None,
        "name": f"重点项目{project}",
        "category": CATEGORIES[n % 3],
        "sector": "manufacturing",
        "town": f"镇{n % 20}",
        "year": YEAR,
        "total_investment": "50000000.00",
        "annual_plan": "12000000.00",
        "monthly_plan": None,
        "major": n % 10 == 0,
        "cadence": "monthly",
        "leader": f"领导{n % 9}",
        "lead_unit": county_unit(county),
        "owner_unit": f"业主{project}",
        "planned_start": None,
        "planned_completion": None,
        "county": county,
    }


def project_event(
    project: str, k: int, when: datetime, county: str = ""
) -> tuple[str, dict[str, Any]]:
    """The ``k``-th event of a project of ``county`` (0: its registration), normalised."""
    if k == 0:
        return "ProjectRegistered", registration(project, county)
    if k == 10:
        return "ConstructionStarted", {"note": ""}
    step, m = k % 10, k // 10
    if step == 1:
        due = f"{YEAR}-{min(12, m // 2 + 2):02d}-20"
        return "MilestonePlanned", {
            "milestone_id": f"m{m}",
            "name": f"节点{m}",
            "due": due,
            "kind": "progress",
        }
    if step == 2:
        return "MilestoneCompleted", {"milestone_id": f"m{m}", "note": ""}
    if step == 5:
        return "IssueRaised", {
            "issue_id": f"i{m}",
            "kind": "land",
            "description": "用地指标",
            "allowed_days": 15,
            "owner": "",
        }
    if step == 6:
        return "IssueResolved", {"issue_id": f"i{m}", "resolution": ""}
    if step == 7:
        return "InspectionCompleted", {
            "inspection_id": f"s{m}",
            "result": "passed",
            "inspector": "",
            "findings": "",
        }
    if step == 8:
        return "ApprovalGranted", {"approval_id": f"a{m}", "kind": "other", "document_no": ""}
    return "InvestmentReported", {"month": f"{when:%Y-%m}", "amount": "300000.00"}


def _rows(province: Province) -> Iterator[dict[str, Any]]:
    streams = [(c, p, f"project-{p}") for c, p in province.projects_by_county()]
    position = 0
    for k in range(province.per_project):
        day = START + k * STEP
        texts: dict[str, tuple[str, str]] = {}  # after registration a step's payload is
        for n, (county, project, stream) in enumerate(streams):  # the same for every project
            position += 1
            occurred = day + timedelta(seconds=n % 3600)
            type_, text = texts.get(f"{occurred:%m}") or _payload_text(project, k, occurred, county)
            if k:
                texts[f"{occurred:%m}"] = (type_, text)
            yield {
                "global_position": position,
                "event_id": str(uuid.UUID(int=position)),
                "stream_id": stream,
                "stream_version": k + 1,
                "type": type_,
                "schema_version": 1,
                "occurred_at": occurred,
                "recorded_at": day + timedelta(hours=2, milliseconds=n),
                "source": "province",
                "actor": "province",
                "correlation_id": None,
                "causation_id": None,
                "payload": text,
            }


def _payload_text(project: str, k: int, when: datetime, county: str) -> tuple[str, str]:
    type_, payload = project_event(project, k, when, county)
    return type_, canonical_json(payload)


def next_events(province: Province, count: int) -> Iterator[NewEvent]:
    """``count`` events after the generated ones, one per project in turn (investment
    reports, issues, inspections…: the script's next steps), for appending live."""
    projects = list(province.project_ids())
    for n in range(count):
        k = province.per_project + n // len(projects)
        project = projects[n % len(projects)]
        when = START + (province.per_project - 1) * STEP + timedelta(minutes=n)
        type_, payload = project_event(project, k, when)
        yield NewEvent(f"project-{project}", type_, payload, when, source="province", actor="live")


def check_script(province: Province) -> None:
    """Every event of the first project is what the catalogue would have stored."""
    registry = build_registry()
    project = project_id(0, 0)
    for k in range(province.per_project):
        type_, payload = project_event(project, k, START + k * STEP, county_code(0))
        assert registry.validate(type_, payload) == payload, (type_, payload)
        assert registry.current_version(type_) == 1, type_


def fill_province(engine: Engine, province: Province) -> int:
    """Write the province's events and its registry project list into empty tables."""
    check_script(province)
    written = copy_chained(engine, chained(_rows(province)), province.events)
    _list_projects(engine, province)
    return written


def _list_projects(engine: Engine, province: Province) -> None:
    """The registry's project list, as the registry keeps it at each append: every
    project follows the same script, so all share the first one's phase."""
    from services.registry.readmodel.projects import COLUMNS, listed
    from services.registry.readmodel.tables import projects as table

    phase = _state(project_id(0, 0), county_code(0), province.per_project).phase
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for county, project in province.projects_by_county():
            row = dict(zip(COLUMNS, listed(_state(project, county, 1)) or (), strict=True))
            batch.append({"project_id": project, **row, "phase": phase})
            if len(batch) == 5000:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)


def _state(project: str, county: str, events: int) -> Any:
    """The registry's state of a project of ``county`` after its first ``events`` events."""
    from services.registry.domain import KeyProject, ProjectEvent

    state = KeyProject(project)
    for k in range(events):
        when = START + k * STEP
        type_, payload = project_event(project, k, when, county)
        state.apply(
            ProjectEvent(
                event_id=str(uuid.UUID(int=k + 1)),
                type=type_,
                occurred_at=when,
                payload=payload,
                recorded_at=when,
                stream_version=k + 1,
                source="province",
            )
        )
    return state
