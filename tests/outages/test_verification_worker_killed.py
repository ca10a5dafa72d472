"""A worker process killed with SIGKILL in the middle of a verification, on PostgreSQL and
a real Redis: the job's lease runs out, another worker's timer takes it back and sends it,
and the job ends done, its takeover counted; no two workers ever run it at once."""

from __future__ import annotations

import signal
import time

import pytest

from services.composition import create_app
from services.scoring.readmodel.records import Records
from shared.eventstore.status import verification_job
from tests.scoring.builders import History
from tests.scoring.integration.test_assessment_jobs import county, request, run
from tests.shared.helpers import note

from .conftest import start_worker, stop, wait_until

STALLING = "tests.outages.stalling_verifier"


@pytest.fixture
def runtime(postgres_runtime):  # type: ignore[no-untyped-def]
    return postgres_runtime


def _killed_mid_job(runtime, tmp_path, ask, read):  # type: ignore[no-untyped-def]
    """Ask for the job with a stalling worker up, kill that worker once the job runs, then
    start a healthy one; the job as it stood when killed, and the seconds until done."""
    doomed = start_worker(runtime, tmp_path, STALLING)
    try:
        job_id = ask()
        assert wait_until(lambda: (tmp_path / "stalled").exists(), timeout=60)
        running = read(job_id)
        assert running["status"] == "running" and running["lease_owner"] is not None
    finally:
        stop(doomed, signal.SIGKILL)
    killed_at = time.monotonic()
    rescuer = start_worker(runtime, tmp_path)
    try:
        assert wait_until(lambda: read(job_id)["status"] == "done", timeout=60), read(job_id)
        return job_id, running, time.monotonic() - killed_at
    finally:
        stop(rescuer)


def test_a_chain_verification_whose_worker_was_killed_is_taken_up_and_done(runtime, tmp_path):
    for i in range(3):
        runtime.store.append([note("project-a", f"第{i}次调度")])
    client = create_app(runtime).test_client()
    auditor = {"Authorization": f"Bearer {runtime.tokens.create('auditor-1', 'auditor')}"}

    def ask() -> str:
        return client.post("/v1/chain/verifications", headers=auditor).json["job_id"]

    def read(job_id: str):  # type: ignore[no-untyped-def]
        return verification_job(runtime.store, job_id)

    job_id, running, taken_up_in = _killed_mid_job(runtime, tmp_path, ask, read)

    assert taken_up_in < 60
    done = client.get(f"/v1/chain/verifications/{job_id}", headers=auditor).json
    assert done["status"] == "done" and done["result"]["ok"] is True
    assert (done["verified"], done["total"]) == (3, 3)
    assert done["takeovers"] == 1 and done["lease"] is None


def test_an_assessment_verification_whose_worker_was_killed_is_taken_up_and_done(runtime, tmp_path):
    records = Records(runtime.engine)
    county(History(runtime.store))
    assessment_id = run(runtime, records, request())["assessment_id"]
    client = create_app(runtime).test_client()
    office = {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}
    path = f"/v1/assessments/{assessment_id}/verifications"

    def ask() -> str:
        return client.post(path, headers=office).json["verification_id"]

    job_id, running, taken_up_in = _killed_mid_job(runtime, tmp_path, ask, records.verification)

    assert taken_up_in < 60
    done = client.get(f"{path}/{job_id}", headers=office).json
    assert done["status"] == "done" and done["ok"] is True
    assert done["takeovers"] == 1 and done["lease"] is None
