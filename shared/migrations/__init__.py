"""Alembic migrations. ``shared`` owns the branch with the event store, checkpoints and
auth tables; each service adds its own branch (its read models) as a version location.
``upgrade`` runs all branches to their heads, under an advisory lock on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

HERE = Path(__file__).resolve().parent


def alembic_config(url: str, version_locations: Iterable[Path] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    locations = [HERE / "versions", *version_locations]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class UnsuitableDatabase(RuntimeError):
    """The database cannot hold this system's data (e.g. not UTF-8): nothing was migrated."""


def require_utf8(url: str) -> None:
    """Refuse a PostgreSQL database whose encoding is not UTF8: Chinese names, units and
    notes must be stored as they were sent (SQL_ASCII would store bytes unchecked). Asked
    of the driver directly: SQLAlchemy's first connect already fails on such a database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    import psycopg

    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, connect_timeout=10) as conn:
        encoding = conn.info.parameter_status("server_encoding") or "?"
    if encoding.upper() not in ("UTF8", "UTF-8"):
        raise UnsuitableDatabase(
            f"the database must use UTF8 encoding, it uses {encoding} "
            "(create it with: CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)"
        )


def upgrade(url: str, version_locations: Iterable[Path] = ()) -> None:
    require_utf8(url)
    command.upgrade(alembic_config(url, version_locations), "heads")


def pending(engine: Engine, url: str, version_locations: Iterable[Path] = ()) -> set[str]:
    """Heads of the migration scripts that the database has not reached.

    ``alembic_version`` keeps only the newest revisions: a head is reached when it is one
    of them or an ancestor of one, its ``depends_on`` included (a service's first revision
    depends on ``shared_0001``, which then is no longer listed). A database stamped with a
    revision this code does not know was migrated by a newer release during a rolling
    upgrade; migrations are expand-then-contract, so this code still runs on it."""
    script = ScriptDirectory.from_config(alembic_config(url, version_locations))
    with engine.connect() as conn:
        current = tuple(MigrationContext.configure(conn).get_current_heads())
    if any(not _known(script, revision) for revision in current):
        return set()
    # A branch that depends on another (``depends_on``) stands for both in alembic_version.
    applied = (
        {rev.revision for rev in script.iterate_revisions(current, "base")} if current else set()
    )
    return set(script.get_heads()) - applied


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises ResolutionError or a subclass
        return False
