"""Fixtures for both backends and both brokers.

PostgreSQL and Redis tests use ``GONGJIAN_TEST_POSTGRES_URL`` (a server URL: each run migrates
one template database there and each test gets its own clone of it) and
``GONGJIAN_TEST_REDIS_URL``. SQLite tests get a copy of a database migrated once per run. Where they
are unset the tests skip, except with ``GONGJIAN_REQUIRE_SERVICES=1`` (CI), where a
missing service fails them.

Under pytest-xdist (``make test`` runs ``-n 3 --dist loadgroup``) each worker is a run of
its own: its own template databases, browser and demo site (session fixtures), its own
Redis database (the configured one plus the worker's number), and ports found free. Tests
that share one costly thing run on one worker (`GROUPS`): the streaming replica, the
browser.
"""

from __future__ import annotations

import collections
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore
from shared.migrations import upgrade
from shared.tenancy import configure, configured

REQUIRE_SERVICES = os.environ.get("GONGJIAN_REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parents[1]

# Property tests state what must hold, not how fast: on a loaded 2-core CI machine an
# example can take longer than hypothesis's default 200 ms deadline, which would fail a
# run for no fault of the code. Each test's own settings still apply.
settings.register_profile("gongjian", deadline=None)
settings.load_profile("gongjian")


@pytest.fixture(autouse=True, scope="module")
def _tenancy_kept_per_module() -> Iterator[None]:
    """The hierarchy the process serves, as it was before the module, given back after
    it: building a runtime sets it for the whole process (`shared.tenancy.configure`), and
    a many-county fixture would otherwise leave it to whatever runs next on the worker."""
    before = configured()
    yield
    configure(before)


@pytest.fixture(autouse=True)
def _tenancy_kept_per_test(_tenancy_kept_per_module: None) -> Iterator[None]:
    """The same around each test (a module's own many-county fixture is set up before:
    its hierarchy is kept for the module's next test)."""
    before = configured()
    yield
    configure(before)


def _service_missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required here (GONGJIAN_REQUIRE_SERVICES=1) but not configured")
    pytest.skip(f"service: {what} not configured")


def migration_locations() -> list:
    from services.composition import migration_locations as locations

    return locations()


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server to make this run's databases on (its own database unused)."""
    url = os.environ.get("GONGJIAN_TEST_POSTGRES_URL")
    if not url:
        _service_missing("PostgreSQL (GONGJIAN_TEST_POSTGRES_URL)")
    server = make_url(url).set(drivername="postgresql+psycopg")
    return server.render_as_string(hide_password=False)


class _PostgresClones:
    """Fresh databases cloned from one migrated template (``CREATE DATABASE … TEMPLATE``).

    Clones are made ``ahead`` of the tests that take them. Used ones are dropped by a
    process of their own (`tests.pg_drops`), in batches: a clone is cheap, but PostgreSQL
    checkpoints for every ``DROP DATABASE`` (seconds on a busy server), and neither a clone
    nor the session's end should wait in line behind the drops. At the session's end that
    process is told the rest (the clones made ahead, the template) and drops them after
    the run."""

    def __init__(self, server_url: str, template: str, ahead: int = 3) -> None:
        self._server = make_url(server_url)
        self._admin = create_engine(self._server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._template = template
        # Nothing of it in the run's output, and no pipe held open: a database it could not
        # drop is told in var/pg_drops.log (left on the server, it would be there for good).
        (ROOT / "var").mkdir(exist_ok=True)
        with (ROOT / "var" / "pg_drops.log").open("a") as told:
            self._drops = subprocess.Popen(
                [sys.executable, "-m", "tests.pg_drops", server_url],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=told,
                text=True,
                start_new_session=True,  # a Ctrl-C of the run does not stop it mid-drop
            )
        self._work = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="pg-clones")
        self._ready = collections.deque(self._work.submit(self._clone) for _ in range(ahead))

    def url(self, name: str) -> str:
        return self._server.set(database=name).render_as_string(hide_password=False)

    def take(self) -> str:
        self._ready.append(self._work.submit(self._clone))
        return self._ready.popleft().result(timeout=300)

    def empty(self, prefix: str, options: str = "") -> str:
        """A new database that is no clone (``CREATE DATABASE … options``), not migrated;
        given back like a clone, so that its drop too waits for no test."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self._execute(f'CREATE DATABASE "{name}" {options}'.rstrip())
        return name

    def give_back(self, name: str) -> None:
        """A database of this run's that no test uses any more: dropped in a later batch."""
        assert self._drops.stdin is not None
        self._drops.stdin.write(f"{name}\n")
        self._drops.stdin.flush()

    def _clone(self) -> str:
        name = f"{self._template}_{uuid.uuid4().hex[:8]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        return name

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(statement))

    def close(self) -> None:
        """The clones made ahead and the template (no clone is being made from it any
        more) go to the drops; the drops' input ends, and they end after the run."""
        for name in [clone.result() for clone in self._ready]:
            self.give_back(name)
        self._work.shutdown()
        self.give_back(self._template)
        assert self._drops.stdin is not None
        self._drops.stdin.close()
        self._admin.dispose()


@pytest.fixture(scope="session")
def postgres_clones(postgres_server_url) -> Iterator[_PostgresClones]:
    """A template database migrated once for the run; each test gets a clone of it."""
    server = make_url(postgres_server_url)
    template = f"gj_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{template}"'))
    except Exception as exc:  # noqa: BLE001
        if REQUIRE_SERVICES:
            raise
        pytest.skip(f"service: PostgreSQL unreachable: {exc}")
    finally:
        admin.dispose()
    # Migrated before the first clone is made; alembic disposes its engine, so no session
    # holds the template open (CREATE DATABASE … TEMPLATE refuses a template in use).
    upgrade(
        server.set(database=template).render_as_string(hide_password=False), migration_locations()
    )
    clones = _PostgresClones(postgres_server_url, template)
    yield clones
    clones.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite database migrated once for the run; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "gongjian.db"
    upgrade(f"sqlite:///{path}", migration_locations())
    return path


def copy_sqlite(template: Path, path: Path) -> str:
    """A migrated SQLite database at ``path``, copied from the template; its URL."""
    with sqlite3.connect(template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    return copy_sqlite(sqlite_template, tmp_path / "gongjian.db")


@pytest.fixture
def postgres_url(postgres_clones) -> Iterator[str]:
    name = postgres_clones.take()
    yield postgres_clones.url(name)
    postgres_clones.give_back(name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated database on each backend that a module's tests share (the costly things
    they all only read: a played demo year, the fuzzer's store)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        yield copy_sqlite(template, tmp_path_factory.mktemp("module") / "g.db")
        return
    clones = request.getfixturevalue("postgres_clones")
    name = clones.take()
    yield clones.url(name)
    clones.give_back(name)


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine) -> EventStore:
    return EventStore(engine, build_registry(), lock_timeout_ms=2000)


def worker_number() -> int:
    """This pytest-xdist worker's number (``gw1`` → 1); 0 without xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


def _worker_redis(url: str) -> str:
    """The configured Redis database plus this worker's number (modulo Redis's 16)."""
    parsed = make_url(url)
    base = int(parsed.database) if parsed.database and parsed.database.isdigit() else 0
    if worker_number() == 0:
        return url
    return parsed.set(database=str((base + worker_number()) % 16)).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("GONGJIAN_TEST_REDIS_URL")
    if not url:
        _service_missing("Redis (GONGJIAN_TEST_REDIS_URL)")
    url = _worker_redis(url)
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except Exception as exc:  # noqa: BLE001
        if REQUIRE_SERVICES:
            raise
        pytest.skip(f"service: Redis unreachable: {exc}")
    return url


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings.from_env(database_url=database_url, redis_url="", data_dir=tmp_path)


_NEEDS = {
    "postgres": {"postgres_url", "postgres_clones", "postgres_server_url"},
    "redis": {"redis_url"},
}


REPLICA_TIMEOUT = 900
"""Seconds a test that takes the streaming replica may run (its copy and start included)."""
GROUPS = {"pg_replica": "replica", "browser": "browser"}
"""Fixtures too costly to make once per xdist worker (the browser is the session's, the
replica its module's): the tests that take one run on one worker (``--dist loadgroup``),
which makes it once."""


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """Marks each test by the services it needs (``-m "not postgres and not redis"`` runs
    the embedded part alone), whether it asks for them by fixture or by parameter, and by
    the costly session fixture it shares (`GROUPS`): before ``-m`` deselects by these
    markers and before xdist reads the groups. After them, a grouped test's node id ends
    in its group (`_join_group`)."""
    for item in items:
        _mark(item)
    yield
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        for item in items:
            _join_group(item)


def _mark(item: pytest.Item) -> None:
    params = getattr(item, "callspec", None)
    chosen = [v for v in params.params.values() if isinstance(v, str)] if params else []
    names = set(getattr(item, "fixturenames", ()))
    for marker, fixtures in _NEEDS.items():
        if names & fixtures or marker in chosen:
            item.add_marker(marker)
    group = next((GROUPS[name] for name in GROUPS if name in names), None)
    if group is not None and item.get_closest_marker("xdist_group") is None:
        item.add_marker(pytest.mark.xdist_group(group))
    if "pg_replica" in names and item.get_closest_marker("timeout") is None:
        # The first to ask waits for the copy and its replay (minutes on a busy server).
        item.add_marker(pytest.mark.timeout(REPLICA_TIMEOUT))


def _join_group(item: pytest.Item) -> None:
    """``--dist loadgroup`` sends the tests whose node ids end in the same ``@group`` to
    one worker. xdist (3.8) adds that ending on the worker by setting ``item._nodeid``,
    which pytest 9.2 no longer reads (its node id is ``item._id``): there every test ran
    wherever it fell, and each worker made its own replica and browser. Here the ending is
    added where it is missing, the way the installed pytest keeps node ids."""
    marker = item.get_closest_marker("xdist_group")
    if marker is None:
        return
    group = marker.args[0] if marker.args else marker.kwargs.get("name", "default")
    if item.nodeid.endswith(f"@{group}") or not hasattr(item, "_id"):
        return  # done by xdist (pytest before 9.2)
    from _pytest.nodeid import coerce_node_id

    item._id = coerce_node_id(f"{item.nodeid}@{group}")
    if not item.nodeid.endswith(f"@{group}"):  # another change of pytest's: say so
        raise RuntimeError(f"{item.nodeid} could not join xdist group {group!r}")
