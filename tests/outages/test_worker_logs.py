"""The worker role logs JSON with time-zone-aware times in every process: dramatiq's main
process and the worker processes it forks (``services.worker_main``)."""

from __future__ import annotations

from services.composition import runtime_for
from shared.config import Settings
from tests.deploy.test_process_logs import json_lines

from .conftest import start_worker, stop, wait_until


def test_every_line_of_the_worker_role_is_json_with_a_time_zone(
    sqlite_url, private_redis, tmp_path
):
    runtime = runtime_for(
        Settings.from_env(database_url=sqlite_url, redis_url=private_redis.url, data_dir=tmp_path)
    )
    worker = start_worker(runtime, tmp_path, GONGJIAN_LOG_FORMAT="json")
    try:
        assert wait_until(lambda: (tmp_path / "beat-0").exists(), timeout=60), "no boot"
    finally:
        stop(worker)
        runtime.close()
    records = json_lines((tmp_path / "worker-0.log").read_text())
    loggers = {record["logger"] for record in records}
    assert "dramatiq.MainProcess" in loggers  # dramatiq's own main process, as JSON too
    assert "gongjian.worker" in loggers
