"""Drops a test run's PostgreSQL databases in a process of its own, so that no test and no
session's end waits for them: ``python -m tests.pg_drops SERVER_URL``, one database name
a line on standard input.

PostgreSQL checkpoints for every ``DROP DATABASE`` (seconds on a busy server; more than
30 s were seen at a run's end, each pytest-xdist worker waiting for its last drops).
Names are dropped ``BATCH`` at a time, in parallel (drops that run together share a
checkpoint); at the end of the input (the session closed it, or its process died) the
rest are dropped and the process exits, after the run."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

BATCH = 8


def drop(admin: Engine, name: str) -> None:
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception as exc:  # noqa: BLE001 - the others are still dropped
        print(f"tests.pg_drops: {name} not dropped: {exc}", file=sys.stderr)


def main(server_url: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    waiting: list[str] = []
    with ThreadPoolExecutor(max_workers=BATCH, thread_name_prefix="pg-drops") as drops:
        for line in sys.stdin:
            waiting += line.split()
            if len(waiting) >= BATCH:
                for name in waiting:
                    drops.submit(drop, admin, name)
                waiting = []
        for name in waiting:
            drops.submit(drop, admin, name)
    admin.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
