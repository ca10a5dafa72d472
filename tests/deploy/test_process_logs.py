"""Every process logs one JSON object a line with a time-zone-aware ``time``: gunicorn's
own lines, the scheduler's and migrate's; and migrate refuses a database that is not
UTF-8 in words, not with a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import make_url

from services.cli import main
from tests.outages.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def json_lines(output: str) -> list[dict]:
    """Each non-empty line as JSON (fails on a line that is not), its time zone-aware."""
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    for record in records:
        assert datetime.fromisoformat(record["time"]).utcoffset() is not None, record
        assert {"level", "logger", "message"} <= set(record), record
    return records


def test_gunicorns_own_lines_are_json_with_a_time_zone(tmp_path, sqlite_url):
    port = free_port()
    env = {
        **os.environ,
        "GONGJIAN_DATABASE_URL": sqlite_url,
        "GONGJIAN_REDIS_URL": "",
        "GONGJIAN_SERVICE": "registry",
        "GONGJIAN_PORT": str(port),
        "GONGJIAN_HOST": "127.0.0.1",
        "GONGJIAN_WEB_WORKERS": "1",
        "GONGJIAN_LOG_FORMAT": "json",
        "GONGJIAN_DATA_DIR": str(tmp_path),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"]
        + ["services.wsgi:create_app()"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        import urllib.request

        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/nowhere", timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    records = json_lines(err + out)
    loggers = {record["logger"] for record in records}
    assert "gunicorn.error" in loggers  # "Starting gunicorn", "Booting worker", …
    assert any(record.get("path") == "/v1/nowhere" for record in records)
    assert "gunicorn.access" not in loggers  # a request is logged once, by the app


def test_the_scheduler_logs_json_with_a_time_zone(monkeypatch, sqlite_url, tmp_path):
    monkeypatch.setenv("GONGJIAN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GONGJIAN_REDIS_URL", "")
    monkeypatch.setenv("GONGJIAN_LOG_FORMAT", "json")
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "scheduler", "--once"],
        env={**os.environ},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    records = json_lines(done.stderr)
    assert any(r["message"].startswith("调度器已启动") for r in records)
    assert done.stdout.strip() == ""


def test_migrate_refuses_a_database_that_is_not_utf8_and_says_so(postgres_clones, monkeypatch):
    ascii_options = "ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
    name = postgres_clones.empty("gj_ascii", ascii_options)
    try:
        url = make_url(postgres_clones.url(name))
        monkeypatch.setenv("GONGJIAN_DATABASE_URL", url.render_as_string(hide_password=False))
        monkeypatch.setenv("GONGJIAN_LOG_FORMAT", "json")
        result = CliRunner().invoke(main, ["db", "upgrade"])
        import psycopg  # SQLAlchemy's own first connect fails on SQL_ASCII

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()[0]
    finally:
        postgres_clones.give_back(name)
    assert result.exit_code == 1
    assert "the database must use UTF8 encoding, it uses SQL_ASCII" in result.output
    assert "Traceback" not in result.output
    assert tables == 0
