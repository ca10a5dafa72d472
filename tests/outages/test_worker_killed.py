"""A worker process killed with SIGKILL mid-assessment, on PostgreSQL and a real Redis:
posting again returns the same job, another worker takes it up within 60 s, and the job
ends with one assessment and one ``AssessmentPublished`` event."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from services.composition import create_app, runtime_for
from services.scoring.readmodel.records import Records
from shared.config import Settings
from tests.scoring.builders import History
from tests.scoring.integration.test_assessment_jobs import county, published

from .conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(postgres_url, private_redis, tmp_path):
    settings = Settings.from_env(database_url=postgres_url, redis_url="", data_dir=tmp_path)
    runtime = runtime_for(replace(settings, redis_url=private_redis.url))
    yield runtime
    runtime.close()


def start_worker(runtime, tmp_path: Path, *modules: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GONGJIAN_DATABASE_URL": runtime.settings.database_url,
        "GONGJIAN_REDIS_URL": runtime.settings.redis_url,
        "GONGJIAN_REDIS_NAMESPACE": runtime.settings.redis_namespace,
        "GONGJIAN_DATA_DIR": str(tmp_path),
        "GONGJIAN_JOB_LEASE_SECONDS": "6",
        "GONGJIAN_CATCH_UP_SECONDS": "2",
        "GONGJIAN_HEARTBEAT_FILE": str(tmp_path / f"beat-{len(modules)}"),
        "GONGJIAN_TEST_STALL_MARKER": str(tmp_path / "stalled"),
        "GONGJIAN_LOG_FORMAT": "text",
    }
    command = [sys.executable, "-m", "dramatiq", "services.worker", *modules]
    return subprocess.Popen(
        [*command, "--processes", "1", "--threads", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / f"worker-{len(modules)}.log", "wb"),  # noqa: SIM115
        start_new_session=True,  # its own process group: killed whole, like `docker kill`
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=60)


def test_a_job_whose_worker_was_killed_is_taken_up_within_a_minute_to_one_result(runtime, tmp_path):
    county(History(runtime.store))
    client = create_app(runtime).test_client()
    office = {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}
    body = {"year": 2024, "known_at": "2024-12-31"}
    records = Records(runtime.engine)

    doomed = start_worker(runtime, tmp_path, "tests.outages.stalling_worker")
    try:
        job_id = client.post("/v1/assessments", json=body, headers=office).json["job_id"]
        assert wait_until(lambda: (tmp_path / "stalled").exists(), timeout=60)
        assert records.job(job_id)["status"] == "running"
        assert records.job(job_id)["lease_owner"] is not None
    finally:
        stop(doomed, signal.SIGKILL)
    killed_at = time.monotonic()

    again = client.post("/v1/assessments", json=body, headers=office)
    assert again.json["job_id"] == job_id

    rescuer = start_worker(runtime, tmp_path)
    try:
        assert wait_until(lambda: records.job(job_id)["status"] == "done", timeout=60)
        taken_up_in = time.monotonic() - killed_at
    finally:
        stop(rescuer)

    done = records.job(job_id)
    assert taken_up_in < 60
    assert done["takeovers"] == 1 and done["attempts"] == 2
    assert len(published(runtime.store)) == 1
    assert len(records.assessments(2024)) == 1
    view = client.get(f"/v1/assessments/jobs/{job_id}", headers=office).json
    assert view["status"] == "done" and view["takeovers"] == 1
