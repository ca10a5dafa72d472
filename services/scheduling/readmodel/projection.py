"""The read model follows the global log from its own checkpoint, a page per transaction.

Project events are applied to the project's state; a correction or retraction re-folds
the project from its stream (up to the amending event), so the read model always equals
a replay. Scheduling's own events fill the action and plan tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, bindparam, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from shared.db import is_postgres
from shared.events import is_project_stream, project_id_of
from shared.events.catalogue import ACTION_WORKFLOW_TYPES
from shared.eventstore import (
    CatchUp,
    EventStore,
    RecordedEvent,
    load_checkpoint,
    save_checkpoint,
)
from shared.history import AMENDMENTS
from shared.tenancy import DEFAULT_COUNTY, stream_county

from ..domain.duban import stage_after, step_note
from ..domain.project import ProjectState, apply, effective_facts, fold
from .tables import CONSUMER, actions, plans, projects, site_meetings


def catch_up(
    store: EventStore, zone: ZoneInfo, *, up_to: int | None = None, page_size: int = 2000
) -> CatchUp:
    """Apply every event after the checkpoint (up to ``up_to``); safe to run concurrently."""
    processed = 0
    while True:
        with store.engine.begin() as conn:
            position = load_checkpoint(conn, CONSUMER, for_update=True)
            page = store.read_all(after=position, limit=page_size, up_to=up_to, connection=conn)
            if not page:
                return CatchUp(CONSUMER, processed, position)
            apply_page(conn, store, page, zone)
            position = page[-1].global_position
            save_checkpoint(conn, CONSUMER, position)
        processed += len(page)
        if len(page) < page_size:
            return CatchUp(CONSUMER, processed, position)


def rebuild(store: EventStore, zone: ZoneInfo, *, streams_per_read: int = 500) -> CatchUp:
    """Forget everything and build again up to the head: each project's state folded from
    its own stream and written once (a catch-up in log order writes a project's state for
    each of its events: on a province's interleaved log, 200 writes per project), then
    scheduling's own events in log order. Gives what a catch-up from empty gives."""
    with store.engine.begin() as conn:
        load_checkpoint(conn, CONSUMER, for_update=True)
        for table in (projects, actions, plans, site_meetings):
            conn.execute(delete(table))
        watermark = store.head(connection=conn).position
        registered = store.iter_all(types=["ProjectRegistered"], up_to=watermark)
        streams = list(dict.fromkeys(e.stream_id for e in registered))
        for chunk in _chunks(streams, streams_per_read):
            found = store.read_streams(dict.fromkeys(chunk, 0), up_to=watermark, connection=conn)
            rows = [row for events in found.values() if (row := _folded(events, zone))]
            if rows:
                _upsert(conn, rows)
        for page in store.pages(up_to=watermark, types=SCHEDULING_TYPES):
            apply_page(conn, store, page, zone)
        save_checkpoint(conn, CONSUMER, watermark)
    return CatchUp(CONSUMER, watermark, watermark)


SCHEDULING_TYPES = (
    "ActionAssigned",
    "ActionClosed",
    *ACTION_WORKFLOW_TYPES,
    "DispatchPlanned",
    "SiteMeetingRecorded",
)
"""Scheduling's own events that the read model keeps (actions, plans, site meetings)."""


def _folded(events: list[RecordedEvent], zone: ZoneInfo) -> dict | None:
    """The read model's row of one project from its whole stream, as `_apply_projects`
    leaves it after applying the same events one by one."""
    if any(e.type in AMENDMENTS for e in events):
        facts = effective_facts(events)
        last = max((f.occurred_at for f in facts), default=None)
    else:
        facts, last = events, max(e.occurred_at for e in events)
    state = fold(facts, zone)
    if state is None:
        return None
    return {
        "project_id": project_id_of(events[-1].stream_id),
        "state": state_text(state),
        "county": state.county or DEFAULT_COUNTY,
        "last_occurred_at": last,
        "position": events[-1].global_position,
    }


def apply_page(
    conn: Connection, store: EventStore, page: list[RecordedEvent], zone: ZoneInfo
) -> None:
    project_events = [e for e in page if is_project_stream(e.stream_id)]
    if project_events:
        _apply_projects(conn, store, project_events, zone)
    opening: list[dict] = []  # consecutive assignments, opened in one statement
    for event in page:  # in log order: an item's action closed, then a new one opened
        if event.type == "ActionAssigned":
            opening.append(assigned_row(event.payload, event.recorded_at, event.event_id))
            continue
        if opening:
            open_actions(conn, opening)
            opening = []
        if event.type == "ActionClosed":
            close_action(conn, closed_row(event))
        elif event.type in ACTION_WORKFLOW_TYPES:
            step_action(conn, step_row(event))
        elif event.type == "DispatchPlanned" and not event.payload.get("audit"):
            _plan_recorded(conn, event)
        elif event.type == "SiteMeetingRecorded":
            _site_meeting_recorded(conn, event)
    if opening:
        open_actions(conn, opening)


def _apply_projects(
    conn: Connection, store: EventStore, events: list[RecordedEvent], zone: ZoneInfo
) -> None:
    ids = sorted({project_id_of(e.stream_id) for e in events})
    loaded: dict[str, tuple[ProjectState | None, datetime | None]] = {}
    for chunk in _chunks(ids, 500):
        for row in conn.execute(select(projects).where(projects.c.project_id.in_(chunk))):
            loaded[row.project_id] = (
                ProjectState.from_dict(orjson.loads(row.state)),
                row.last_occurred_at,
            )
    touched: dict[str, int] = {}
    for event in events:
        pid = project_id_of(event.stream_id)
        state, last = loaded.get(pid, (None, None))
        if event.type in AMENDMENTS or _registered_after_pool(state, event):
            facts = [
                f
                for f in store.read_stream(event.stream_id, connection=conn)
                if f.global_position <= event.global_position
            ]
            effective = effective_facts(facts)
            state = fold(effective, zone)
            # A correction may have moved business time: the latest is the amended one.
            last = max((f.occurred_at for f in effective), default=last)
        else:
            state = apply(state, event, zone)
            last = event.occurred_at if last is None else max(last, event.occurred_at)
        loaded[pid] = (state, last)
        touched[pid] = event.global_position
    rows = [
        {
            "project_id": pid,
            "state": state_text(loaded[pid][0]),  # type: ignore[arg-type]
            "last_occurred_at": loaded[pid][1],
            "position": position,
            "county": loaded[pid][0].county or DEFAULT_COUNTY,  # type: ignore[union-attr]
        }
        for pid, position in touched.items()
        if loaded[pid][0] is not None
    ]
    if rows:
        _upsert(conn, rows)


def _registered_after_pool(state: ProjectState | None, event: RecordedEvent) -> bool:
    """A registration after the project's pool entry: fold its stream to keep the pool's
    stages (`domain.project.apply_held`)."""
    return state is None and event.type == "ProjectRegistered" and event.stream_version > 1


def state_text(state: ProjectState) -> str:
    """The JSON of ``state.to_dict()``, written by orjson straight from the dataclasses
    (some ten times faster than encoding the dict: a province's catch-up writes a state
    for every event it applies)."""
    return orjson.dumps(state, default=_decimal, option=orjson.OPT_NON_STR_KEYS).decode()


def _decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(type(value).__name__)


def _upsert(conn: Connection, rows: list[dict]) -> None:
    dialect_insert = postgresql.insert if is_postgres(conn.engine) else sqlite.insert
    stmt = dialect_insert(projects)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["project_id"],
            set_={
                "state": stmt.excluded.state,
                "last_occurred_at": stmt.excluded.last_occurred_at,
                "position": stmt.excluded.position,
                "county": stmt.excluded.county,
            },
        ),
        rows,
    )


def assigned_row(p: dict, recorded_at: datetime, event_id: str) -> dict:
    """The action table's row of an ``ActionAssigned`` payload."""
    return {
        "action_id": p["action_id"],
        "project_id": p["project_id"],
        "item": p["item"],
        "assignee": p["assignee"],
        "due": date.fromisoformat(p["due"]),
        "period": p["period"],
        "description": p.get("description") or "",
        "status": "open",
        "assigned_at": recorded_at,
        "assigned_event_id": event_id,
    }


def open_action(conn: Connection, row: dict) -> bool:
    """Insert an open action unless its id is taken or its agenda item (project + rule +
    subject) already has an open action: the unique key decides, in one statement (an
    upsert, never a read before the write). True when this row is the one inserted."""
    return conn.execute(_opening(is_postgres(conn.engine)), row).first() is not None


def open_actions(conn: Connection, rows: list[dict]) -> set[str]:
    """`open_action` for many rows at once, in the given order (callers sort them:
    concurrent planners then never wait on each other in a cycle): one statement run for
    all rows, which SQLAlchemy sends as multi-row inserts. Built with the rows' values in
    it, a 500-row insert took 0.1 s to compile, and a monthly plan of 10,000 projects
    (11,000 new actions, each also opened again by the catch-up one statement at a time)
    spent half its time compiling them. The ids of the rows inserted."""
    if not rows:
        return set()
    return set(conn.execute(_opening(is_postgres(conn.engine)), rows).scalars())


@cache
def _opening(postgres: bool) -> Any:
    dialect_insert = postgresql.insert if postgres else sqlite.insert
    statement = dialect_insert(actions).on_conflict_do_nothing()
    return statement.returning(actions.c.action_id)


def date_assignments(conn: Connection, recorded: dict[str, datetime]) -> None:
    """The record time of actions opened by a planner, once their events are stored."""
    if recorded:
        conn.execute(
            actions.update()
            .where(actions.c.action_id == bindparam("target"))
            .values(assigned_at=bindparam("recorded_at")),
            [{"target": k, "recorded_at": v} for k, v in recorded.items()],
        )


def closed_row(event: RecordedEvent) -> dict:
    return {
        "target": event.payload["action_id"],
        "closed_at": event.recorded_at,
        "closed_event_id": event.event_id,
        "close_note": event.payload.get("note") or "",
        "stage_by": event.actor or "",
        "stage_position": event.global_position,
    }


def close_action(conn: Connection, row: dict) -> None:
    """Close an open action (a closed one stays as it was); a row made before the 督办
    workflow (without ``stage_by``, ``stage_position``) still closes it."""
    row = {"stage_by": "", "stage_position": None, **row}
    conn.execute(
        actions.update()
        .where(actions.c.action_id == bindparam("target"))
        .where(actions.c.status == "open")
        .values(
            status="closed",
            closed_at=bindparam("closed_at"),
            closed_event_id=bindparam("closed_event_id"),
            close_note=bindparam("close_note"),
            stage="closed",
            stage_at=bindparam("closed_at"),
            stage_by=bindparam("stage_by"),
            stage_note=bindparam("close_note"),
            stage_position=bindparam("stage_position"),
        ),
        row,
    )


def step_row(event: RecordedEvent) -> dict:
    """The action's stage after a step of the 督办 workflow, who took it, when and why."""
    return {
        "target": event.payload["action_id"],
        "stage": stage_after(event.type, event.payload),
        "stage_at": event.recorded_at,
        "stage_by": event.actor or "",
        "stage_note": step_note(event.payload),
        "stage_position": event.global_position,
    }


def step_action(conn: Connection, row: dict) -> None:
    """Move an open action to a step's stage, unless a later step moved it already (the
    writer applies its own event at once; the catch-up then finds it applied)."""
    conn.execute(
        actions.update()
        .where(actions.c.action_id == bindparam("target"))
        .where(actions.c.status == "open")
        .where(
            or_(
                actions.c.stage_position.is_(None),
                actions.c.stage_position < bindparam("stage_position"),
            )
        )
        .values(
            stage=bindparam("stage"),
            stage_at=bindparam("stage_at"),
            stage_by=bindparam("stage_by"),
            stage_note=bindparam("stage_note"),
            stage_position=bindparam("stage_position"),
        ),
        row,
    )


def claim_step(conn: Connection, action_id: str, before: tuple[str, ...], after: str) -> bool:
    """Move an open action from one of the ``before`` stages to ``after`` (the row lock
    orders two offices taking a step at once); False when it is no longer there."""
    result = conn.execute(
        actions.update()
        .where(actions.c.action_id == action_id)
        .where(actions.c.status == "open")
        .where(actions.c.stage.in_(before))
        .values(stage=after)
    )
    return result.rowcount == 1


def _plan_recorded(conn: Connection, event: RecordedEvent) -> None:
    p = event.payload
    items = sum(len(g["items"]) for g in p["plan"].get("groups", []))
    dialect_insert = postgresql.insert if is_postgres(conn.engine) else sqlite.insert
    conn.execute(
        dialect_insert(plans)
        .values(
            county=stream_county(event.stream_id)[0],
            cadence=p["cadence"],
            period=p["period"],
            version=p["plan_version"],
            digest=p["digest"],
            known_at=p["known_at"],
            meeting_date=p["plan"]["meeting"]["date"] or "",  # "": no meeting held
            items=items,
            event_id=event.event_id,
            global_position=event.global_position,
            recorded_at=event.recorded_at,
        )
        .on_conflict_do_nothing(index_elements=["county", "cadence", "period", "version"])
    )


def _site_meeting_recorded(conn: Connection, event: RecordedEvent) -> None:
    """A county's site meeting: the county its stream names (one recorded before ids
    were per county, in a stream without a county: its project's county)."""
    p = event.payload
    county, _ = stream_county(event.stream_id)
    if county == DEFAULT_COUNTY:
        found = conn.execute(
            select(projects.c.county).where(projects.c.project_id == p["project_id"])
        ).scalar()
        county = found or DEFAULT_COUNTY
    dialect_insert = postgresql.insert if is_postgres(conn.engine) else sqlite.insert
    conn.execute(
        dialect_insert(site_meetings)
        .values(
            county=county,
            record_id=p["record_id"],
            project_id=p["project_id"],
            held_on=p["held_on"],
            global_position=event.global_position,
        )
        .on_conflict_do_nothing(index_elements=["county", "record_id"])
    )


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
