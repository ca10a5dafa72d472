"""The two PostgreSQL roles: the migration role owns the tables; the application role
may read and write the read models but only INSERT and SELECT the append-only tables.

`gongjian db upgrade` runs with the owner's URL (``GONGJIAN_MIGRATE_DATABASE_URL``) and,
when the application's URL (``GONGJIAN_DATABASE_URL``) names another user, grants that
user its privileges again after every upgrade, so tables added by a migration are covered.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from shared.eventstore.partitions import partitions

APPEND_ONLY_TABLES = ("events", "signed_checkpoints")
"""Tables the application may only append to and read."""


def application_role(app_url: str, migrate_url: str) -> str | None:
    """The application's role when it differs from the migration role, else None."""
    app, owner = make_url(app_url), make_url(migrate_url)
    if app.get_backend_name() != "postgresql" or not app.username:
        return None
    return None if app.username == owner.username else app.username


def grant_application_role(engine: Engine, role: str) -> None:
    """Give ``role`` exactly what the services need, in one transaction (no window in
    which it holds more or less)."""
    with engine.begin() as conn:
        quoted = conn.dialect.identifier_preparer.quote(role)
        schema = conn.dialect.identifier_preparer.quote(
            conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        )
        for statement in (
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {quoted}",
            f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
            f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {quoted}",
            *(f"REVOKE UPDATE, DELETE ON {t} FROM {quoted}" for t in APPEND_ONLY_TABLES),
            # The events' partitions (made later ones are the owner's alone) and their list.
            *(f"REVOKE UPDATE, DELETE ON {p.name} FROM {quoted}" for p in partitions(conn)),
            *(
                [f"REVOKE INSERT, UPDATE, DELETE ON event_partitions FROM {quoted}"]
                if partitions(conn)
                else []
            ),
        ):
            conn.exec_driver_sql(statement)
