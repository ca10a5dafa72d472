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


def upgrade(url: str, version_locations: Iterable[Path] = ()) -> None:
    command.upgrade(alembic_config(url, version_locations), "heads")


def pending(engine: Engine, url: str, version_locations: Iterable[Path] = ()) -> set[str]:
    """Heads of the migration scripts that the database has not reached."""
    script = ScriptDirectory.from_config(alembic_config(url, version_locations))
    with engine.connect() as conn:
        current = tuple(MigrationContext.configure(conn).get_current_heads())
    # A branch that depends on another (``depends_on``) stands for both in alembic_version.
    applied = (
        {rev.revision for rev in script.iterate_revisions(current, "base")} if current else set()
    )
    return set(script.get_heads()) - applied
