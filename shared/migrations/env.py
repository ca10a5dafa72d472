"""Alembic environment: online migrations, serialised on PostgreSQL by an advisory lock
so that two replicas starting at once cannot race."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from shared.db import create_db_engine

MIGRATION_LOCK_KEY = 7_246_150_311  # any constant; the same for every replica

config = context.config
engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "", pool_size=1)

with engine.connect() as connection:
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
    try:
        context.configure(connection=connection, target_metadata=None, render_as_batch=not postgres)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if postgres:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
engine.dispose()
