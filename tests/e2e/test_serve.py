"""`gongjian serve`, the embedded default, as a real process: it migrates, serves all
three services, and is its own scheduler (plans appear for the periods now open)."""

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


@pytest.mark.slow
def test_serve_migrates_serves_and_plans_the_open_periods(tmp_path):
    port = _free_port()
    database = tmp_path / "serve.db"
    env = {
        **os.environ,
        "GONGJIAN_DATABASE_URL": f"sqlite:///{database}",
        "GONGJIAN_REDIS_URL": "",
        "GONGJIAN_PORT": str(port),
        "GONGJIAN_LOG_FORMAT": "text",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _get(f"http://127.0.0.1:{port}/readyz")[0] != 200:
            time.sleep(0.2)
        status, body = _get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body

        engine = create_engine(f"sqlite:///{database}")
        planned: list[str] = []

        def both_cadences() -> bool:
            return {"weekly", "monthly"} <= {s.split("-")[1] for s in planned}

        while time.monotonic() < deadline and not both_cadences():
            with engine.connect() as conn:
                planned = list(
                    conn.execute(
                        text("SELECT stream_id FROM events WHERE type = 'DispatchPlanned'")
                    ).scalars()
                )
            time.sleep(0.2)
        engine.dispose()
        assert any(s.startswith("dispatch-monthly-") for s in planned), planned
        assert any(s.startswith("dispatch-weekly-") for s in planned), planned
        spec = json.loads(_get(f"http://127.0.0.1:{port}/openapi.json")[1])
        assert {"/v1/ingest", "/v1/board", "/v1/assessments"} <= set(spec["paths"])
    finally:
        process.terminate()
        process.wait(timeout=30)
