"""Reading the project states and actions: from the read model, or by replaying the log up
to a cut-off when the question is about the past.

Scheduling's one place where reading is scoped to the request's counties
(`shared.tenancy`): every function here answers the current scope's projects and their
actions only (`in_scope`, `_scoped`); outside a request that is every county."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, Engine, and_, func, or_, select

from shared.config import Settings
from shared.db import reader
from shared.events import PROJECT_EVENT_TYPES, is_project_stream, project_id_of
from shared.eventstore import Cutoff, EventStore, RecordedEvent, checkpoint_of
from shared.heap import collector_paused, freeze_held
from shared.history import AMENDMENTS, Amendments
from shared.tenancy import DEFAULT_COUNTY, admits, current_scope, where_scoped

from ..domain.periods import Period
from ..domain.plan import OpenAction
from ..domain.project import ProjectState, amended_fact, apply_held
from .tables import CONSUMER, actions, plans, projects, site_meetings

ACTION_TYPES = ("ActionAssigned", "ActionClosed")


def checkpoint(store: EventStore) -> int:
    return checkpoint_of(store, CONSUMER)


KEPT_STATES = Settings.kept_states
"""Parsed states a process keeps by default (``GONGJIAN_KEPT_STATES``): a state a year
into the campaign takes some 50 KiB parsed, so a province's 50,000 projects would hold
2.5 GiB in every web worker."""


FREEZE_AFTER = 100
"""States parsed in one load from which they are frozen out of the collector's sight
(`shared.heap.freeze_held`): a county's cold board, not the few states a catch-up
changed."""


class StateCache:
    """Parsed project states, re-read only for rows whose position moved: parsing ten
    thousand states for every plan would cost more than planning them. Keeps at most
    ``keep`` states, those last asked for (a county's board or plan asks for the county's):
    beyond it the least recently asked for are let go, and parsed again when next asked
    for. One request asking for more than ``keep`` gets them all all the same."""

    def __init__(self, keep: int = KEPT_STATES) -> None:
        self.keep = max(keep, 0)  # 0 (or below): none kept, every state parsed when asked
        self._states: OrderedDict[str, tuple[int, ProjectState]] = OrderedDict()
        # Threads of a web worker share the cache: one iterating it while another adds a
        # project raised "dictionary changed size during iteration" (a 500).
        self._lock = threading.Lock()

    def load(self, engine: Engine, county: str | None = None) -> list[ProjectState]:
        """The current scope's project states (the cache holds every county's); with
        ``county``, that county's only, read by the read model's county column (one
        county's board or plan does not read every county's projects)."""
        query = select(projects.c.project_id, projects.c.position)
        if county is not None:
            query = query.where(projects.c.county == county)
        else:  # a city's board or roll-up reads its own counties', not the province's
            query = where_scoped(query, projects.c.county)
        read: dict[str, tuple[int, ProjectState]] = {}
        # The states parsed are kept and hold no cycles: the collector going through them
        # as they are made cost a county's board at 10⁷ events a fifth of its time.
        with reader(engine).connect() as conn, collector_paused():
            positions = dict(conn.execute(query).all())
            with self._lock:
                stale = [pid for pid, pos in positions.items() if self._position(pid) != pos]
            for rows in _state_rows(conn, stale, county, len(positions)):
                for pid, position, text in rows:
                    read[pid] = (position, ProjectState.from_dict(orjson.loads(text)))
        if len(read) >= FREEZE_AFTER:
            freeze_held()  # kept: out of every full collection's way
        with self._lock:
            for pid, (position, state) in read.items():
                if (self._position(pid) or 0) <= position:  # never back to an older row
                    self._states[pid] = (position, state)
            gone = [
                pid
                for pid, (_, state) in self._states.items()
                if pid not in positions
                and (admits(_county(state)) if county is None else _county(state) == county)
            ]
            for pid in gone:
                del self._states[pid]
            chosen = [self._states[pid][1] for pid in sorted(positions) if pid in self._states]
            for pid in positions:
                if pid in self._states:
                    self._states.move_to_end(pid)  # the last asked for are let go last
            while len(self._states) > self.keep:
                self._states.popitem(last=False)
        return in_scope(chosen)

    def kept(self) -> int:
        """How many states it holds now (not ``__len__``: an empty cache is still one)."""
        return len(self._states)

    def _position(self, project_id: str) -> int | None:
        cached = self._states.get(project_id)
        return cached[0] if cached is not None else None


def _state_rows(
    conn: Connection, stale: list[str], county: str | None, of: int
) -> Iterator[Iterable[Any]]:
    """The rows (id, position, state) of the ``stale`` projects: by their ids, a thousand
    at a time; or, when they are most of ``county``'s ``of`` projects (its first board),
    by the county as its positions were read (a county's 500 states at 10⁷: 17–25 ms
    against 27–40 ms by ids)."""
    columns = (projects.c.project_id, projects.c.position, projects.c.state)
    if county is not None and len(stale) * 2 > of:
        wanted = set(stale)
        rows = conn.execute(select(*columns).where(projects.c.county == county))
        yield (row for row in rows if row[0] in wanted)
        return
    for start in range(0, len(stale), 1000):
        yield conn.execute(
            select(*columns).where(projects.c.project_id.in_(stale[start : start + 1000]))
        )


def current_states(
    engine: Engine, cache: StateCache | None = None, county: str | None = None
) -> list[ProjectState]:
    """The current scope's projects (of ``county`` only when given)."""
    return (StateCache() if cache is None else cache).load(engine, county)


def _county(state: ProjectState) -> str:
    return state.county or DEFAULT_COUNTY


def of_county(states: Iterable[ProjectState], county: str | None) -> list[ProjectState]:
    """The states of ``county`` (all of them when None)."""
    return [s for s in states if county is None or _county(s) == county]


def latest_business_time(engine: Engine) -> datetime | None:
    """The latest ``occurred_at`` the read model has applied (across all projects)."""
    with reader(engine).connect() as conn:
        return conn.execute(select(func.max(projects.c.last_occurred_at))).scalar()


def replayed_states(store: EventStore, cutoff: Cutoff, zone: ZoneInfo) -> list[ProjectState]:
    """Every project as it stood at ``cutoff``, in two passes over the log (memory: one
    state per project). Corrections count by ``known_at`` only, so the log is read up to
    ``known_at`` and ``as_of`` is applied after amending."""
    known = Cutoff(known_at=cutoff.known_at)
    amendments: Amendments[RecordedEvent] = Amendments(
        e for e in store.iter_types(AMENDMENTS, cutoff=known) if _is_project(e)
    )
    facts = [t for t in PROJECT_EVENT_TYPES if t not in AMENDMENTS]
    states: dict[str, ProjectState | None] = {}
    held: dict[str, list] = {}
    for event in store.iter_all(types=facts, cutoff=known):
        fact = amended_fact(amendments, event, cutoff.as_of) if _is_project(event) else None
        if fact is not None:
            pid = project_id_of(fact.stream_id)
            states[pid] = apply_held(states.get(pid), fact, zone, held.setdefault(pid, []))
    return in_scope(state for _, state in sorted(states.items()) if state is not None)


def in_scope(states: Iterable[ProjectState]) -> list[ProjectState]:
    """The states of the current scope's counties."""
    return [s for s in states if admits(s.county)]


def _scoped(query: Any, county: str | None = None) -> Any:
    """An actions query limited to the actions of the current scope's projects, and of
    its counties' units (an inspection finding about a unit alone hangs on
    ``unit:<digest>``, another county's on ``unit:<county>:<digest>``); of ``county``'s
    only when given."""
    scope = current_scope()
    counties = sorted(scope.counties)
    if county is not None:
        counties = [county] if scope.admits(county) else []
    elif scope.everywhere:
        return query
    own = select(projects.c.project_id).where(projects.c.county.in_(counties))
    units = [
        actions.c.project_id.startswith(f"unit:{code}:", autoescape=True)
        for code in counties
        if code != DEFAULT_COUNTY
    ]
    if DEFAULT_COUNTY in counties:
        key = actions.c.project_id
        units.append(and_(key.startswith("unit:"), ~key.like("unit:%:%")))
    return query.where(or_(actions.c.project_id.in_(own), *units))


def _is_project(event: RecordedEvent) -> bool:
    return is_project_stream(event.stream_id)


def current_open_actions(engine: Engine, county: str | None = None) -> list[OpenAction]:
    query = select(actions).where(actions.c.status == "open").order_by(actions.c.action_id)
    with reader(engine).connect() as conn:
        rows = conn.execute(_scoped(query, county)).all()
    return [open_action_of(row._asdict()) for row in rows]


def replayed_actions(store: EventStore, known_at: datetime | None) -> dict[str, dict[str, Any]]:
    """Every action as known at ``known_at``: id → its assignment and, if closed, closure."""
    out: dict[str, dict[str, Any]] = {}
    holders: dict[tuple[str, str], str] = {}
    for event in store.iter_types(ACTION_TYPES, cutoff=Cutoff(known_at=known_at)):
        p = event.payload
        if event.type == "ActionAssigned":
            holder = holders.get((p["project_id"], p["item"]))
            if holder is not None and out[holder]["status"] == "open":
                continue  # the item has its open action: as the read model's unique key
            holders[(p["project_id"], p["item"])] = p["action_id"]
            out.setdefault(
                p["action_id"],
                {
                    **p,
                    "due": date.fromisoformat(p["due"]),
                    "status": "open",
                    "description": p.get("description") or "",
                },
            )
        elif p["action_id"] in out:
            out[p["action_id"]]["status"] = "closed"
    return out


def replayed_open_actions(store: EventStore, known_at: datetime | None) -> list[OpenAction]:
    return [
        open_action_of(a)
        for _, a in sorted(replayed_actions(store, known_at).items())
        if a["status"] == "open"
    ]


def action_ids_taken(engine: Engine) -> set[str]:
    with reader(engine).connect() as conn:
        return set(conn.execute(select(actions.c.action_id)).scalars())


def list_actions(
    engine: Engine,
    *,
    status: str | None,
    project_id: str | None,
    limit: int,
    after: str | None,
    campaign: tuple[int, list[str]] | None = None,
    assignee: str | None = None,
    stage: str | None = None,
) -> list[dict[str, Any]]:
    """``campaign``: (year, its projects): their actions assigned in a period that began in
    that year or before (a period's label begins with its year, but for an ISO week 1 that
    begins in the December before)."""
    query = _scoped(select(actions).order_by(actions.c.action_id).limit(limit))
    if campaign is not None:
        year, members = campaign
        week_one = Period.parse("weekly", f"{year + 1}-W01")
        query = query.where(
            actions.c.project_id.in_(members),
            or_(
                func.substr(actions.c.period, 1, 4) <= f"{year:04d}",
                actions.c.period == (week_one.label if week_one.start.year == year else ""),
            ),
        )
    if status:
        query = query.where(actions.c.status == status)
    if project_id:
        query = query.where(actions.c.project_id == project_id)
    if assignee:
        query = query.where(actions.c.assignee == assignee)
    if stage:
        query = query.where(actions.c.stage == stage)
    if after:
        query = query.where(actions.c.action_id > after)
    with reader(engine).connect() as conn:
        return [row._asdict() for row in conn.execute(query)]


def open_actions_for(
    conn: Connection, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], OpenAction]:
    """The open actions that hold these agenda items (project, item), by item."""
    found: dict[tuple[str, str], OpenAction] = {}
    projects = sorted({project_id for project_id, _ in keys})
    for start in range(0, len(projects), 500):
        query = select(actions).where(
            actions.c.status == "open", actions.c.project_id.in_(projects[start : start + 500])
        )
        for row in conn.execute(query):
            if (row.project_id, row.item) in keys:
                found[(row.project_id, row.item)] = open_action_of(row._asdict())
    return found


def get_action(engine: Engine, action_id: str) -> dict[str, Any] | None:
    with reader(engine).connect() as conn:
        row = conn.execute(_scoped(select(actions).where(actions.c.action_id == action_id))).first()
    return row._asdict() if row is not None else None


def action_statuses(store: Any, action_ids: list[str]) -> dict[str, str | None]:
    """Each action's status as the read model has it (None: not there yet), unscoped: for
    a record the request already sees (an inspection round of its county), whose
    findings' actions may hang on a unit rather than a project."""
    if not action_ids:
        return {}
    with reader(store.engine).connect() as conn:
        rows = conn.execute(
            select(actions.c.action_id, actions.c.status).where(actions.c.action_id.in_(action_ids))
        ).all()
    found = {row.action_id: row.status for row in rows}
    return {action_id: found.get(action_id) for action_id in action_ids}


def list_plans(
    engine: Engine, *, cadence: str | None, period: str | None, counties: list[str]
) -> list[dict[str, Any]]:
    """The stored plan versions of ``counties``, by county (in that order), cadence,
    period and version."""
    order = {county: i for i, county in enumerate(counties)}
    query = select(plans).where(plans.c.county.in_(counties))
    if cadence:
        query = query.where(plans.c.cadence == cadence)
    if period:
        query = query.where(plans.c.period == period)
    with reader(engine).connect() as conn:
        rows = [row._asdict() for row in conn.execute(query)]
    return sorted(rows, key=lambda r: (order[r["county"]], r["cadence"], r["period"], r["version"]))


def open_action_of(row: dict[str, Any]) -> OpenAction:
    return OpenAction(
        action_id=row["action_id"],
        project_id=row["project_id"],
        item=row["item"],
        assignee=row["assignee"],
        due=row["due"],
        period=row["period"],
        description=row.get("description") or "",
    )


def site_meeting_positions(
    engine: Engine,
    counties: list[str],
    *,
    record_id: str | None = None,
    year: int | None = None,
    project_id: str | None = None,
) -> list[tuple[str, int]]:
    """``(county, position)`` of the site meetings of ``counties`` (of one record id, of a
    year, of a project when given), latest first (by date, then record id)."""
    c = site_meetings.c
    query = select(c.county, c.global_position).where(c.county.in_(counties))
    if record_id is not None:
        query = query.where(c.record_id == record_id)
    if year is not None:
        query = query.where(c.held_on >= f"{year}-01-01", c.held_on <= f"{year}-12-31")
    if project_id is not None:
        query = query.where(c.project_id == project_id)
    query = query.order_by(c.held_on.desc(), c.record_id.desc())
    with reader(engine).connect() as conn:
        return [(row.county, row.global_position) for row in conn.execute(query)]
