"""A worker process killed with SIGKILL mid-assessment, on PostgreSQL and a real Redis:
posting again returns the same job, another worker takes it up within 60 s, and the job
ends with one assessment and one ``AssessmentComputed`` event (its draft)."""

from __future__ import annotations

import signal
import time

import pytest

from services.composition import create_app
from services.scoring.readmodel.records import Records
from tests.scoring.builders import History
from tests.scoring.integration.test_assessment_jobs import computed, county

from .conftest import start_worker, stop, wait_until


@pytest.fixture
def runtime(postgres_runtime):  # type: ignore[no-untyped-def]
    return postgres_runtime


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
    assert len(computed(runtime.store)) == 1
    assert len(records.assessments(2024)) == 1
    view = client.get(f"/v1/assessments/jobs/{job_id}", headers=office).json
    assert view["status"] == "done" and view["takeovers"] == 1
