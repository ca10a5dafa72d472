"""A real dramatiq worker on Redis runs the assessment job to one result."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import dramatiq
import pytest

from services.composition import runtime_for
from services.scoring.application import assessments
from services.scoring.readmodel.records import Records
from services.scoring.wiring import ScoringParts
from tests.scoring.builders import History
from tests.scoring.integration.test_assessment_jobs import county, request

pytestmark = pytest.mark.redis


def test_a_redis_worker_runs_the_job_and_publishes_once(settings, redis_url):
    runtime = runtime_for(
        replace(settings, redis_url=redis_url, redis_namespace=f"gj-scoring-{uuid.uuid4().hex[:8]}")
    )
    worker = dramatiq.Worker(runtime.broker, worker_threads=1, worker_timeout=100)
    try:
        county(History(runtime.store))
        records = Records(runtime.engine)
        job, _ = assessments.submit(records, request())
        ScoringParts.of(runtime).assess.send(job["job_id"])
        ScoringParts.of(runtime).assess.send(job["job_id"])  # a duplicate delivery
        worker.start()
        deadline = time.monotonic() + 30
        while records.job(job["job_id"])["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
        runtime.broker.join("scoring", timeout=30_000)
        done = records.job(job["job_id"])
        assert done["status"] == "done"
        assert len(list(runtime.store.iter_all(types=["AssessmentComputed"]))) == 1
        assert len(records.assessments(2024)) == 1
    finally:
        worker.stop()
        runtime.broker.flush_all()
        runtime.close()


def test_a_job_killed_half_way_on_a_redis_worker_is_retried_to_one_result(
    settings, redis_url, monkeypatch
):

    monkeypatch.setattr(assessments, "PROGRESS_EVERY", 5)
    runtime = runtime_for(
        replace(settings, redis_url=redis_url, redis_namespace=f"gj-scoring-{uuid.uuid4().hex[:8]}")
    )
    worker = dramatiq.Worker(runtime.broker, worker_threads=1, worker_timeout=100)
    kills = []

    def kill_once(replayed, total):
        if not kills and replayed >= 10:
            kills.append(replayed)
            raise RuntimeError("worker killed")

    ScoringParts.of(runtime).on_progress = kill_once
    try:
        county(History(runtime.store))
        records = Records(runtime.engine)
        job, _ = assessments.submit(records, request())
        ScoringParts.of(runtime).assess.send(job["job_id"])
        worker.start()
        deadline = time.monotonic() + 30
        while records.job(job["job_id"])["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
        done = records.job(job["job_id"])
        assert kills == [10]
        assert done["status"] == "done" and done["attempts"] == 2
        assert len(list(runtime.store.iter_all(types=["AssessmentComputed"]))) == 1
    finally:
        worker.stop()
        runtime.broker.flush_all()
        runtime.close()
