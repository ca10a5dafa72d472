"""Consumers: read models that follow the global log from their own checkpoint.

A consumer applies a page of events and saves its checkpoint in the same transaction
as its own writes, so a crash, a lost nudge or a repeated one never loses or doubles
an event: catching up again simply starts from the saved position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..db import is_postgres
from .clocks import now_utc
from .envelope import RecordedEvent
from .schema import checkpoints
from .store import EventStore


class Projection(Protocol):
    """What a consumer implements: a name, optionally the types it reads, a handler."""

    name: str
    types: Iterable[str] | None

    def handle(self, conn: Connection, event: RecordedEvent) -> None: ...


def load_checkpoint(conn: Connection, consumer: str, *, for_update: bool = False) -> int:
    """The consumer's position, creating it at 0; locked against a second runner."""
    dialect_insert = postgresql.insert if is_postgres(conn.engine) else sqlite.insert
    conn.execute(
        dialect_insert(checkpoints)
        .values(consumer=consumer, position=0, updated_at=now_utc())
        .on_conflict_do_nothing(index_elements=["consumer"])
    )
    query = select(checkpoints.c.position).where(checkpoints.c.consumer == consumer)
    if for_update and is_postgres(conn.engine):
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def save_checkpoint(conn: Connection, consumer: str, position: int) -> None:
    conn.execute(
        update(checkpoints)
        .where(checkpoints.c.consumer == consumer)
        .values(position=position, updated_at=now_utc())
    )


def checkpoint_of(store: EventStore, consumer: str) -> int:
    with store.reading() as conn:
        value = conn.execute(
            select(checkpoints.c.position).where(checkpoints.c.consumer == consumer)
        ).scalar()
    return int(value or 0)


def all_checkpoints(conn: Connection) -> dict[str, int]:
    """Every saved checkpoint, by consumer name."""
    rows = conn.execute(select(checkpoints.c.consumer, checkpoints.c.position)).all()
    return {row.consumer: int(row.position) for row in rows}


def reset_checkpoint(store: EventStore, consumer: str) -> None:
    with store.engine.begin() as conn:
        load_checkpoint(conn, consumer)
        save_checkpoint(conn, consumer, 0)


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What one catch-up did."""

    consumer: str
    processed: int
    position: int


def catch_up(
    store: EventStore,
    projection: Projection,
    *,
    page_size: int = 500,
    up_to: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> CatchUp:
    """Apply every event after the projection's checkpoint, a page per transaction."""
    processed = 0
    types = list(projection.types) if projection.types is not None else None
    while True:
        with store.engine.begin() as conn:
            position = load_checkpoint(conn, projection.name, for_update=True)
            page = store.read_all(after=position, limit=page_size, up_to=up_to, connection=conn)
            if not page:
                return CatchUp(projection.name, processed, position)
            for event in page:
                if types is None or event.type in types:
                    projection.handle(conn, event)
            position = page[-1].global_position
            save_checkpoint(conn, projection.name, position)
        processed += len(page)
        if progress is not None:
            progress(position)
        if len(page) < page_size:
            return CatchUp(projection.name, processed, position)
