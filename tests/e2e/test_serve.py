"""`gongjian serve`, the embedded default, as a real process: it migrates, serves all
three services, and is its own scheduler: it plans no period of an empty store, and with
``--demo`` it plans only once the demo is in."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import create_engine, text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except OSError:
        return 0, b""


def _serve(tmp_path, *args: str, **env_extra: str):  # type: ignore[no-untyped-def]
    port = _free_port()
    database = tmp_path / "serve.db"
    env = {
        **os.environ,
        "GONGJIAN_DATABASE_URL": f"sqlite:///{database}",
        "GONGJIAN_DATA_DIR": str(tmp_path),
        "GONGJIAN_REDIS_URL": "",
        "GONGJIAN_PORT": str(port),
        "GONGJIAN_LOG_FORMAT": "text",
        **env_extra,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _get(f"http://127.0.0.1:{port}/readyz")[0] != 200:
        time.sleep(0.2)
    status, body = _get(f"http://127.0.0.1:{port}/readyz")
    assert status == 200, body
    return process, port, create_engine(f"sqlite:///{database}")


def _rows(engine, sql: str) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(conn.execute(text(sql)).all())


def _wait_for(condition, seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.3)


@pytest.mark.slow
def test_serve_migrates_serves_and_stores_no_plan_of_an_empty_store(tmp_path):
    process, port, engine = _serve(tmp_path, GONGJIAN_SCHEDULING_SCHEDULER_INTERVAL_SECONDS="1")
    try:
        time.sleep(3)  # several scheduler ticks
        assert _rows(engine, "SELECT stream_id FROM events WHERE type = 'DispatchPlanned'") == []
        spec = json.loads(_get(f"http://127.0.0.1:{port}/openapi.json")[1])
        assert {"/v1/ingest", "/v1/board", "/v1/assessments"} <= set(spec["paths"])
    finally:
        engine.dispose()
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_a_fresh_start_with_the_demo_loads_it_before_any_plan_is_written(tmp_path):
    # The scheduler starts from December 2025, so that it has many periods to plan: those
    # before the demo's first project get no plan, the others only once the demo is in.
    process, _, engine = _serve(
        tmp_path, "--demo", GONGJIAN_SCHEDULING_SCHEDULER_SINCE="2025-12-01"
    )
    try:
        query = "SELECT global_position, payload FROM events WHERE type = 'DispatchPlanned'"
        _wait_for(lambda: len(_rows(engine, query)) >= 3)
        plans = _rows(engine, query)
        assert plans, "no plan was made"
        demo = _rows(
            engine,
            "SELECT max(global_position) FROM events WHERE stream_id LIKE 'project-%' "
            "OR stream_id LIKE 'campaign-%'",
        )[0][0]
        assert min(position for position, _ in plans) > demo  # the demo came first
        scopes = {
            json.loads(payload)["plan"]["period"]: json.loads(payload)["plan"]["scope"]["projects"]
            for _, payload in plans
        }
        assert all(n > 0 for n in scopes.values()), scopes  # no empty plan
    finally:
        engine.dispose()
        process.terminate()
        process.wait(timeout=30)
