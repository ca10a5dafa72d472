"""Connections kept for small appends on PostgreSQL, called through libpq (issue 18).

A small append is one call of ``gongjian_append`` (`server_append`). Made on a pooled
connection through psycopg's cursor, the client's part of a single append executed about
480 k instructions (callgrind), of which the pool's checkout and check-in took ~106 k and
the cursor's execute and fetch ~150 k; the same call made through libpq's own functions
takes ~22 k. So small appends take a connection from the few kept here: taken once from
the engine (its options and session settings) and detached from its pool, in autocommit,
the call prepared on it once. Each append sends the call's three texts and reads its one
answer row as text, waiting on the socket with ``select`` (`libpq_answers`).

A kept connection the server closed meanwhile (a restart, a terminated backend) is seen
before it is used, as the pool's checkout sees it (`shared.db`), and replaced; one that
fails during a call is closed, and the error raised as the pooled path raised it. The
engine's ``dispose()`` closes the idle ones; a process made by ``fork`` never uses its
parent's, nor closes them (that would end the parent's sessions on the server; psycopg
does not close them when they are collected in the child either)."""

from __future__ import annotations

import os
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any

from psycopg import OperationalError, pq
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..db import is_idle_and_open
from .libpq_answers import answered, sent

_NAME = b"gongjian_append"
_CALL = b"SELECT * FROM gongjian_append($1, $2, $3)"
_IDLE = pq.TransactionStatus.IDLE
_OK = pq.ConnStatus.OK


class AppendConnections:
    """At most ``keep`` idle connections of ``engine``, for `call`; one per engine
    (`for_engine`), shared by every store and thread on it."""

    def __init__(self, engine: Engine, keep: int) -> None:
        self._engine = weakref.ref(engine)  # the engine keeps this, not this the engine
        self._keep = keep
        self._idle: deque[Any] = deque()
        self._pid = os.getpid()
        self._lock = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def call(self, lock_timeout: str, batch: str, recorded_at: str) -> Sequence[str | None]:
        """``gongjian_append``'s answer row (texts, None for NULL); the driver's error if
        it failed (a `psycopg.Error`)."""
        connection = self._take()
        try:
            row = _called(connection.pgconn, lock_timeout, batch, recorded_at)
        except BaseException:
            self._give_back_or_close(connection)
            raise
        self._give_back_or_close(connection)
        return row

    def close(self) -> None:
        """Close every idle connection."""
        if os.getpid() != self._pid:
            return
        while self._idle:
            try:
                self._idle.pop().close()
            except IndexError:  # taken by a call meanwhile
                break

    def _take(self) -> Any:
        self._forget_parents()
        while True:
            try:
                connection = self._idle.pop()
            except IndexError:
                return self._opened()
            if is_idle_and_open(connection):
                return connection
            connection.close()

    def _give_back_or_close(self, connection: Any) -> None:
        pgconn = connection.pgconn
        usable = pgconn.status == _OK and pgconn.transaction_status == _IDLE
        if usable and os.getpid() == self._pid and len(self._idle) < self._keep:
            self._idle.append(connection)
        elif os.getpid() == self._pid:
            connection.close()

    def _opened(self) -> Any:
        """A new connection from the engine (its connect options, its settings), taken
        out of the pool for good, in autocommit, the call prepared."""
        engine = self._engine()
        if engine is None:
            raise OperationalError("the engine of these connections is gone")
        pooled = engine.raw_connection()
        connection: Any = pooled.driver_connection
        pooled.detach()  # the pool forgets it: closed here, not given back
        try:
            connection.autocommit = True
            sent(connection.pgconn, lambda pgconn: pgconn.send_prepare(_NAME, _CALL))
            answered(connection.pgconn, pq.ExecStatus.COMMAND_OK)
        except BaseException:
            connection.close()
            raise
        return connection

    def _forget_parents(self) -> None:
        if os.getpid() == self._pid:
            return
        with self._lock:
            if os.getpid() != self._pid:
                self._idle = deque()  # the parent's, left to it
                self._pid = os.getpid()


def _called(
    pgconn: pq.abc.PGconn, lock_timeout: str, batch: str, recorded_at: str
) -> Sequence[str | None]:
    params = [lock_timeout.encode(), batch.encode(), recorded_at.encode()]
    sent(pgconn, lambda conn: conn.send_query_prepared(_NAME, params))
    result = answered(pgconn, pq.ExecStatus.TUPLES_OK)
    if result is None or result.ntuples != 1:
        raise OperationalError("gongjian_append answered no row")
    values = (result.get_value(0, column) for column in range(result.nfields))
    return [None if value is None else value.decode() for value in values]


_kept: weakref.WeakKeyDictionary[Engine, AppendConnections] = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def for_engine(engine: Engine) -> AppendConnections:
    """The engine's kept connections, made on first use (as many kept idle as its pool
    holds), gone with the engine."""
    kept = _kept.get(engine)
    if kept is None:
        with _kept_lock:
            kept = _kept.get(engine)
            if kept is None:
                size = getattr(engine.pool, "size", lambda: 5)()
                kept = _kept[engine] = AppendConnections(engine, keep=max(1, size))
    return kept
