"""Nothing read from the log is shown before it is durable (issue 18, early lock release).

A batch's append on PostgreSQL lets the log's lock go as soon as its commit is recorded,
before the WAL is flushed (`probed_copy`, ``release_early``), and answers its caller only
once the flush is done. In between, for about a millisecond, its rows are visible to
every reader. What a reader writes from them (a read model, an assessment) commits after
them and is flushed with them, or lost with them. What a reader hands out of the
database is another matter: an auditor shown a chain head, a feed consumer sent events,
would keep them, and a crash of the server in that millisecond would take them away.

So a read through the store (`EventStore.reading`) asks, once its statements have run,
whether everything in the WAL is flushed (`unflushed`): every commit its statements saw
was recorded before then. When something is not (an append between its commit and its
flush, or a page a read has pruned: the answer errs on the safe side), it waits for a
flush past that point (`flush`: a one-record transaction that commits as the session's
own ``synchronous_commit`` says, as an append's `DURABLE` does) before it gives its rows
to its caller; with a synchronous standby asked for, a read always waits for one. Reads
on a streaming replica are left alone: a replica receives only WAL that the primary has
flushed."""

from __future__ import annotations

from typing import Any

from psycopg import pq
from sqlalchemy import Connection

from ..db import driver_errors

DURABLE = "SELECT pg_logical_emit_message(true, 'gongjian', 'durable')"
"""A transaction of its own: it writes one record to the WAL (a transactional
logical-decoding message, allowed to any role, no table touched; a consumer of logical
decoding sees it under the prefix ``gongjian``), so its commit waits for the WAL to be
flushed up to it, past every commit recorded before it. A transaction that writes
nothing would not wait."""

_UNFLUSHED = (
    "SELECT CASE current_setting('synchronous_commit') WHEN 'off' THEN false"
    " WHEN 'local' THEN pg_current_wal_flush_lsn() < pg_current_wal_insert_lsn()"
    " ELSE pg_current_wal_flush_lsn() < pg_current_wal_insert_lsn()"
    " OR current_setting('synchronous_standby_names') <> '' END"
)
"""Whether a commit seen so far may not be durable yet, as the session's
``synchronous_commit`` has it: some WAL written up to now is not flushed (whichever of
the two positions is read first, the answer errs only on the safe side); or a synchronous
standby is asked for, whose progress a role may not be allowed to read (then every read
waits for a flush that the standby has confirmed)."""

_ENDED = (_UNFLUSHED + "; COMMIT").encode()
"""The question and the end of the read's transaction, in one message (no parameters:
sent as it is, both statements run)."""


def unflushed(conn: Connection) -> bool:
    """Whether the statements run so far in ``conn``'s transaction (one that wrote
    nothing) may have seen a commit that is not durable yet (`_UNFLUSHED`; PostgreSQL, on
    the primary). The transaction is ended in the same message, its ``COMMIT`` after the
    question: no round trip is added to the read's (the driver's own commit then has
    nothing to send)."""
    driver: Any = conn.connection.driver_connection
    if driver.pgconn.transaction_status == pq.TransactionStatus.INERROR:
        return True  # a statement failed (the caller took its error): no question, a flush
    with driver_errors(conn, _UNFLUSHED), driver.cursor() as cursor:
        cursor.execute(_ENDED, prepare=False)
        return bool(cursor.fetchone()[0])


def flush(conn: Connection) -> None:
    """Waits until every commit recorded so far is durable, as the server's
    ``synchronous_commit`` has it: `DURABLE` in a transaction of its own on ``conn``
    (none open)."""
    with conn.begin():
        conn.exec_driver_sql(DURABLE)
