"""Append-only tables: triggers that refuse UPDATE, DELETE and TRUNCATE on both backends.

The triggers fire for every role, the owner included: a change to a stored event must be
a deliberate act (disabling the trigger, which PostgreSQL allows only the table's owner),
never a stray statement. The application role does not even hold the privileges
(`shared.migrations.roles`)."""

from __future__ import annotations

from sqlalchemy import Connection

REFUSED = "append-only"
"""Part of every refusal's message, for callers that recognise it."""

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION gongjian_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = TG_TABLE_NAME || ' 只能追加，拒绝 ' || TG_OP
      || ' (table ' || TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused)',
    ERRCODE = 'insufficient_privilege';
END
$$
"""


def create_triggers(conn: Connection, table: str) -> None:
    """Refuse UPDATE, DELETE and TRUNCATE of ``table`` from now on."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_POSTGRES_FUNCTION)
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION gongjian_refuse_change()"
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION gongjian_refuse_change()"
        )
        return
    # SQLite has no TRUNCATE: a DELETE without WHERE fires the DELETE trigger.
    for operation in ("UPDATE", "DELETE"):
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table}"
            f" BEGIN SELECT RAISE(ABORT, '{table} 只能追加，拒绝 {operation}"
            f" (table {table} is {REFUSED}: {operation} refused)'); END"
        )


def drop_triggers(conn: Connection, table: str) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        return
    for operation in ("update", "delete"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
