"""Readiness asks whether the database is at the head of every migration branch. It must
say yes once `gongjian db upgrade` has run (also when a service's branch depends on the
shared one), no while a migration is missing, and yes to the previous release while a
rolling upgrade runs against a database the new release has migrated."""

from __future__ import annotations

import textwrap

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from shared.migrations import alembic_config, pending, upgrade

REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = {down}
branch_labels = {labels}
depends_on = {depends}


def upgrade():
    op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("{table}")
"""


@pytest.fixture
def service_branch(tmp_path):
    """A service's own branch: demo_0001 (depends on shared_0001), then demo_0002."""
    versions = tmp_path / "versions"
    versions.mkdir()
    revisions = [
        ("demo_0001", None, ("demo",), "shared_0001", "demo_first"),
        ("demo_0002", "demo_0001", None, None, "demo_second"),
    ]
    for revision, down, labels, depends, table in revisions:
        (versions / f"{revision}.py").write_text(
            textwrap.dedent(
                REVISION.format(
                    revision=revision,
                    down=repr(down),
                    labels=repr(labels),
                    depends=repr(depends),
                    table=table,
                )
            )
        )
    return versions


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'readiness.db'}"
    engine = create_engine(url)
    yield url, engine
    engine.dispose()


def test_a_database_upgraded_to_every_head_has_nothing_pending(service_branch, database):
    url, engine = database
    upgrade(url, [service_branch])

    assert pending(engine, url, [service_branch]) == set()


def test_a_missing_migration_of_a_service_branch_is_pending(service_branch, database):
    url, engine = database
    command.upgrade(alembic_config(url, [service_branch]), "shared@head")
    command.upgrade(alembic_config(url, [service_branch]), "demo_0001")

    assert pending(engine, url, [service_branch]) == {"demo_0002"}


def test_a_database_with_only_the_shared_branch_lacks_the_service_head(service_branch, database):
    url, engine = database
    command.upgrade(alembic_config(url, [service_branch]), "shared@head")

    assert pending(engine, url, [service_branch]) == {"demo_0002"}


def test_an_empty_database_lacks_every_head(service_branch, database):
    url, engine = database

    shared_head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert pending(engine, url, [service_branch]) == {shared_head, "demo_0002"}


def test_the_previous_release_stays_ready_on_a_database_a_newer_release_migrated(
    service_branch, database
):
    url, engine = database
    upgrade(url, [service_branch])
    with engine.begin() as conn:  # the new release's demo_0003 has run
        conn.execute(
            text(
                "UPDATE alembic_version SET version_num = 'demo_0003'"
                " WHERE version_num = 'demo_0002'"
            )
        )

    assert pending(engine, url, [service_branch]) == set()
