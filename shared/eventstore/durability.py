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

from sqlalchemy import Connection

DURABLE = "SELECT pg_logical_emit_message(true, 'gongjian', 'durable')"
"""A transaction of its own: it writes one record to the WAL (a transactional
logical-decoding message, allowed to any role, no table touched; a consumer of logical
decoding sees it under the prefix ``gongjian``), so its commit waits for the WAL to be
flushed up to it, past every commit recorded before it. A transaction that writes
nothing would not wait."""

_UNFLUSHED = """
SELECT CASE current_setting('synchronous_commit')
         WHEN 'off' THEN false
         WHEN 'local' THEN pg_current_wal_flush_lsn() < inserted
         ELSE current_setting('synchronous_standby_names') <> ''
              OR pg_current_wal_flush_lsn() < inserted
       END
  FROM (SELECT pg_current_wal_insert_lsn() AS inserted OFFSET 0) AS now
"""
"""Whether a commit seen so far may not be durable yet, as the session's
``synchronous_commit`` has it: some WAL written up to now (read first) is not flushed
(read after); or a synchronous standby is asked for, whose progress a role may not be
allowed to read (then every read waits for a flush that the standby has confirmed)."""


def unflushed(conn: Connection) -> bool:
    """Whether the statements run so far on ``conn`` may have seen a commit that is not
    durable yet (`_UNFLUSHED`; PostgreSQL, on the primary)."""
    return bool(conn.exec_driver_sql(_UNFLUSHED).scalar())


def flush(conn: Connection) -> None:
    """Waits until every commit recorded so far is durable, as the server's
    ``synchronous_commit`` has it: `DURABLE` in a transaction of its own on ``conn``
    (none open)."""
    with conn.begin():
        conn.exec_driver_sql(DURABLE)
