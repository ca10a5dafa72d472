"""A chain verification asked for while Redis is down is kept (the database is the
outbox) and sent by the workers' timer once Redis is back: it is not lost."""

from __future__ import annotations

from datetime import timedelta

from services.composition import create_app, worker_timer
from services.scoring.application import verification
from services.scoring.readmodel.records import Records
from shared.messaging import start_worker
from tests.scoring.builders import History
from tests.scoring.integration.test_assessment_jobs import county, request, run

from .conftest import wait_until


def test_a_verification_asked_for_while_redis_is_down_runs_once_it_is_back(
    runtime, private_redis, monkeypatch
):
    records = Records(runtime.engine)
    county(History(runtime.store))
    assessment_id = run(runtime, records, request())["assessment_id"]
    client = create_app(runtime).test_client()
    headers = {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}

    private_redis.stop()
    asked = client.post(f"/v1/assessments/{assessment_id}/verifications", headers=headers)
    assert asked.status_code == 202, asked.json  # kept, not refused: the broker is not needed
    assert asked.json["status"] == "queued"
    verification_id = asked.json["verification_id"]

    private_redis.start()
    worker = start_worker(runtime.broker, threads=1)
    try:
        timer = worker_timer(runtime)
        timer.run_once(runtime.broker)  # not yet: it may only be on its way
        assert records.verification(verification_id)["status"] == "queued"
        monkeypatch.setattr(verification, "UNSENT_AFTER", timedelta(0))
        timer.run_once(runtime.broker)  # the workers' timer finds it waiting and sends it
        assert wait_until(
            lambda: records.verification(verification_id)["status"] == "done", timeout=60
        )
    finally:
        worker.stop()
    done = client.get(asked.headers["Location"], headers=headers).json
    assert done["ok"] is True and done["difference"] is None
    timer.run_once(runtime.broker)  # done: never sent again
    assert records.unsent_verifications(verification.now_utc(), timedelta(0)) == []
