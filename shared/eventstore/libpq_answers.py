"""A statement sent and its answer read on libpq's own functions (`psycopg.pq`), for the
two places that go below psycopg's cursor: the overlapped COPYs and the kept connections
of small appends. Waits on the socket with ``select`` (the GIL is released, nothing
spins); the first error answered is raised as psycopg raises it."""

from __future__ import annotations

import select
from collections.abc import Callable
from typing import Any

from psycopg import errors, pq


def sent(pgconn: pq.abc.PGconn, send: Callable[[pq.abc.PGconn], Any]) -> None:
    """``send(pgconn)`` (one of libpq's ``send_*``), then everything it queued flushed."""
    send(pgconn)
    while pgconn.flush() != 0:
        wait(pgconn, write=True)


def answered(pgconn: pq.abc.PGconn, done: pq.ExecStatus) -> pq.abc.PGresult | None:
    """Every result of the statement sent, read to the end; the last one, or the first
    one that is not ``done`` raised as the driver's error."""
    failed: errors.Error | None = None
    last = None
    while True:
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                break
            wait(pgconn, write=False)
        result = pgconn.get_result()
        if result is None:
            break
        if result.status != done and failed is None:
            failed = errors.error_from_result(result, encoding=pgconn._encoding)
        last = result
    if failed is not None:
        raise failed
    return last


def wait(pgconn: pq.abc.PGconn, *, write: bool) -> None:
    socket = pgconn.socket
    if write:
        select.select([], [socket], [])
    else:
        select.select([socket], [], [])
