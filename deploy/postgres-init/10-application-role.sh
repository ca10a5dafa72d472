#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory: creates the
# application's login role. `POSTGRES_USER` (gongjian) owns the tables and runs the
# migrations; `gongjian db upgrade` then grants gongjian_app INSERT and SELECT only on the
# append-only tables (deploy/README.md, "Two database roles").
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE gongjian_app LOGIN PASSWORD :'app_password';
SQL
