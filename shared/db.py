"""Engines for the two backends: SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.types import TypeDecorator

READ_ONLY = "gongjian_read_only"
"""Execution option: a transaction that only reads (SQLite then takes no write lock)."""


_ROUTED: ContextVar[tuple[Engine, Engine] | None] = ContextVar("gongjian_read_route", default=None)
"""(primary, replica) while a request is routed to a replica (`reads_from`)."""


@contextmanager
def reads_from(primary: Engine, replica: Engine) -> Iterator[None]:
    """Inside: the reads that ask `reader` for ``primary`` are served by ``replica``."""
    token = _ROUTED.set((primary, replica))
    try:
        yield
    finally:
        _ROUTED.reset(token)


def reader(engine: Engine) -> Engine:
    """The engine a read of ``engine``'s data goes to: its replica while the request is
    routed to one (`reads_from`), otherwise ``engine`` itself. Writes never ask."""
    routed = _ROUTED.get()
    if routed is not None and routed[0] is engine:
        return routed[1]
    return engine


def create_db_engine(url: str, *, pool_size: int = 5, connect_timeout: int | None = None) -> Engine:
    """An engine whose transactions really serialise writers on SQLite, too."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _make_sqlite_transactional(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    options = {"options": "-c plan_cache_mode=force_custom_plan -c timezone=UTC"}
    if connect_timeout is not None:
        options["connect_timeout"] = str(connect_timeout)
    # psycopg prepares a statement after a few executions; PostgreSQL then may settle on
    # a generic plan, and for `event_id IN (…100 ids…)` that plan scans the whole table.
    # Custom plans cost a little planning and keep every lookup on its index.
    engine = create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=10,
        # UTC sessions: the driver then hands back instants already in UTC.
        connect_args=options,
    )
    _check_pooled_connections(engine)
    return engine


RESTED_SECONDS = 10.0
"""A pooled connection idle for longer than this is pinged before it is handed out."""


def _check_pooled_connections(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping`` without its round trip on every checkout (which
    cost a single-event append a third of its time): a connection the server closed or
    terminated has something to read on its idle socket (the server's goodbye, then
    EOF), which a zero-timeout ``select`` sees at no cost; only a connection that has
    rested longer than `RESTED_SECONDS` (where a silent network could have dropped it)
    is pinged. Either failure makes the pool discard the connection and take another."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        if not is_idle_and_open(dbapi_connection):
            raise DisconnectionError("the server closed this pooled connection")
        rested = time.monotonic() - record.info.get("rested_since", time.monotonic())
        if rested <= RESTED_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the connection is not to be trusted
            raise DisconnectionError("a rested pooled connection did not answer") from exc


def is_idle_and_open(dbapi_connection: Any) -> bool:
    """Whether an idle psycopg connection is still open with nothing unread on it."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return False
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite defers BEGIN until the first write; writers must instead take the write
    # lock up front (BEGIN IMMEDIATE) so that reading the head and appending are atomic.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        readonly = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """The driver's errors on a statement sent past SQLAlchemy, raised as SQLAlchemy
    raises them (`OperationalError` when the server is away: answered 503, not 500), and
    a connection the server dropped taken out of the pool."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        dropped = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
        if dropped:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            statement, None, exc, dbapi.Error, connection_invalidated=dropped
        ) from exc


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: bound as aware UTC, read back as aware UTC on both backends."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        # SQLite keeps text; store it without offset so comparisons sort correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
