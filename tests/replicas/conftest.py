"""A real PostgreSQL streaming replica of the test server, for the module that asks; and a
server of a module's own (`pg_private`), whose configuration its tests may change.

`pg_replica` copies the primary (``GONGJIAN_TEST_POSTGRES_URL``) with ``pg_basebackup``
into a temporary directory, starts it as a hot standby on a free port of 127.0.0.1, and
stops and deletes it after that module's tests (else it would replay every database the
rest of the run clones and drops). The primary must allow replication
connections from 127.0.0.1 (``.ci/run`` sees to it). Without the binaries or the
permission the tests skip, and with ``GONGJIAN_REQUIRE_SERVICES=1`` they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.conftest import REQUIRE_SERVICES
from tests.outages.conftest import free_port

PG_BIN = Path(os.environ.get("GONGJIAN_PG_BIN", "/usr/lib/postgresql/15/bin"))
START_SECONDS = 600
"""How long a new standby may take to replay the WAL written while it was copied (seconds
on a quiet machine; more than a minute was seen with other test runs writing beside)."""
# A hot standby needs at least the primary's value of each of these.
MATCHED = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class Standby:
    """A server (a hot standby, or one of its own) in ``directory`` on ``port``: started,
    stopped, asked for its URL."""

    def __init__(self, directory: Path, port: int, user: str) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = port
        self.user = user

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Started once it accepts reads: it has replayed what the primary wrote while it
        was copied, which on a busy server can take minutes."""
        log = self.directory / "standby.log"
        wait = str(START_SECONDS)
        _run(["pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", wait, "start"])

    def stop(self, mode: str = "fast") -> None:
        _run(["pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop"], check=False)

    def execute(self, statement: str) -> object:
        engine = create_engine(self.url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                result = conn.execute(text(statement))
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run the server's tools as ``postgres``."""
    tool = [str(PG_BIN / command[0]), *command[1:]]
    return ["runuser", "-u", "postgres", "--", *tool] if os.geteuid() == 0 else tool


def _run(command: list[str], *, check: bool = True) -> None:
    timeout = START_SECONDS + 60
    done = subprocess.run(_as_postgres(command), capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def _primary_settings(server_url: str) -> dict[str, str]:
    engine = create_engine(server_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT name, setting FROM pg_settings WHERE name = ANY(:names)"),
                {"names": list(MATCHED)},
            )
            return {row.name: row.setting for row in rows}
    finally:
        engine.dispose()


def _configure(standby: Standby, matched: dict[str, str]) -> None:
    """The server's own postgresql.conf and pg_hba.conf (Debian keeps the primary's in
    /etc, so the copy has none): this port, trust on 127.0.0.1, no fsync."""
    lines = [
        f"port = {standby.port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{standby.directory}'",
        "hot_standby = on",
        "hot_standby_feedback = on",
        "fsync = off",
        "shared_buffers = 32MB",
        *(f"{name} = {value}" for name, value in matched.items()),
    ]
    (standby.data / "postgresql.conf").write_text("\n".join(lines) + "\n")
    (standby.data / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\n"
    )
    if os.geteuid() == 0:
        for path in (standby.data / "postgresql.conf", standby.data / "pg_hba.conf"):
            shutil.chown(path, "postgres", "postgres")


def make_standby(server_url: str) -> Standby:
    """A hot standby of the server at ``server_url``, started (pg_basebackup -R); on any
    failure nothing is left behind."""
    primary = make_url(server_url)

    def copied(standby: Standby) -> None:
        _copy(standby, primary.host or "127.0.0.1", primary.port or 5432)
        _configure(standby, _primary_settings(server_url))

    return _started("gj-replica-", primary.username or "postgres", copied)


def _copy(standby: Standby, host: str, port: int) -> None:
    conninfo = f"host={host} port={port} user={standby.user}"
    # No replication slot: a slot left behind by a killed run would keep WAL on the shared
    # server for ever. The WAL streams beside the copy, so none is missed meanwhile.
    options = ["-X", "stream", "--no-slot", "-R", "--checkpoint=fast", "--no-sync"]
    _run(["pg_basebackup", "-d", conninfo, "-D", str(standby.data), *options])


def make_private(server_url: str) -> Standby:
    """A server of its own, made by ``initdb`` with the test server's user and started;
    on any failure nothing is left behind."""

    def made(server: Standby) -> None:
        options = ["-U", server.user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"]
        _run(["initdb", "-D", str(server.data), *options])
        # Nothing writes to its WAL but its tests (`test_early_lock_release` counts on it).
        _configure(server, {"autovacuum": "off", "checkpoint_timeout": "1d"})

    return _started("gj-private-", make_url(server_url).username or "postgres", made)


def _started(prefix: str, user: str, make: Callable[[Standby], None]) -> Standby:
    """A server on a free port in a new directory (the server's own user's, as root),
    its data made by ``make``, started; on any failure nothing is left behind."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    server = Standby(directory, free_port(), user)
    try:
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        make(server)
        server.start()
    except BaseException:
        server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return server


@pytest.fixture(scope="module")
def pg_private(postgres_server_url) -> Iterator[Standby]:
    """A PostgreSQL server of one module's own, on a free port (stopped and deleted after
    its tests): they may change what the shared test server must keep, its configuration."""
    yield from _for_module(
        "initdb", "a server of its own", lambda: make_private(postgres_server_url)
    )


@pytest.fixture(scope="module")
def pg_replica(postgres_server_url) -> Iterator[Standby]:
    """A streaming replica of the test server for one module's tests (stopped and deleted
    after them; those tests run on one worker, `GROUPS` in tests/conftest.py)."""
    yield from _for_module("pg_basebackup", "a replica", lambda: make_standby(postgres_server_url))


def _for_module(tool: str, what: str, make: Callable[[], Standby]) -> Iterator[Standby]:
    """The server ``make`` makes with ``tool``, stopped and deleted once it is given back.
    Without the tool, or when it cannot be made, the tests skip; with
    ``GONGJIAN_REQUIRE_SERVICES=1`` they fail."""
    if not (PG_BIN / tool).exists():
        if REQUIRE_SERVICES:
            pytest.fail(f"{what} is required here but {PG_BIN}/{tool} is missing")
        pytest.skip(f"service: no {PG_BIN}/{tool}")
    try:
        server = make()
    except Exception as exc:  # noqa: BLE001
        if REQUIRE_SERVICES:
            raise
        pytest.skip(f"service: no {what} could be made: {exc}")
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(server.directory, ignore_errors=True)


def wait_for_replay(primary_url: str, standby: Standby, timeout: float = 30.0) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = _primary_lsn(primary_url)
    _until(standby, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", timeout)


def wait_for_receipt(primary_url: str, standby: Standby, timeout: float = 30.0) -> None:
    """Until the standby has received (not necessarily replayed) all the primary wrote."""
    target = _primary_lsn(primary_url)
    _until(standby, f"SELECT pg_last_wal_receive_lsn() >= '{target}'::pg_lsn", timeout)


def _primary_lsn(primary_url: str) -> str:
    engine = create_engine(primary_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar())
    finally:
        engine.dispose()


def _until(standby: Standby, question: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not standby.execute(question):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not get there in {timeout:.0f} s: {question}")
        time.sleep(0.05)
