"""A full chain verification (``POST /v1/chain/verifications``) asked for while Redis is
down is kept (``verification_jobs`` is the outbox) and sent by the workers' timer once
Redis is back, once a period, never after it is done."""

from __future__ import annotations

from datetime import timedelta

from services.composition import create_app, worker_timer
from services.registry.application import chain_verifications
from shared.eventstore.status import verification_job
from shared.messaging import start_worker
from tests.shared.helpers import note

from .conftest import wait_until


def test_a_chain_verification_asked_for_while_redis_is_down_runs_once_it_is_back(
    runtime, private_redis, monkeypatch
):
    for i in range(3):
        runtime.store.append([note("project-a", f"event {i}")])
    client = create_app(runtime).test_client()
    headers = {"Authorization": f"Bearer {runtime.tokens.create('auditor-1', 'auditor')}"}

    private_redis.stop()
    asked = client.post("/v1/chain/verifications", headers=headers)
    assert asked.status_code == 202, asked.json  # kept, not refused: the broker is not needed
    job_id = asked.json["job_id"]
    assert asked.json["status"] == "queued"

    private_redis.start()
    worker = start_worker(runtime.broker, threads=1)
    try:
        timer = worker_timer(runtime)
        timer.run_once(runtime.broker)  # not yet: its message may only be on its way
        assert verification_job(runtime.store, job_id)["status"] == "queued"
        monkeypatch.setattr(chain_verifications, "UNSENT_AFTER", timedelta(0))
        timer.run_once(runtime.broker)  # the workers' timer finds it waiting and sends it
        assert wait_until(
            lambda: verification_job(runtime.store, job_id)["status"] == "done", timeout=60
        )
    finally:
        worker.stop()
    done = client.get(asked.headers["Location"], headers=headers).json
    assert (done["verified"], done["total"]) == (3, 3) and done["result"]["ok"] is True
    assert (
        chain_verifications.unsent(runtime.engine, chain_verifications.now_utc(), timedelta(0))
        == []
    )


def test_a_waiting_verification_is_sent_again_once_a_period(runtime, private_redis):
    private_redis.stop()
    client = create_app(runtime).test_client()
    headers = {"Authorization": f"Bearer {runtime.tokens.create('office-1', 'office')}"}
    job_id = client.post("/v1/chain/verifications", headers=headers).json["job_id"]
    asked_at, period = chain_verifications.now_utc(), chain_verifications.UNSENT_AFTER
    assert chain_verifications.unsent(runtime.engine, asked_at + period / 2, period) == []
    assert chain_verifications.unsent(runtime.engine, asked_at + 2 * period, period) == [job_id]
    assert chain_verifications.unsent(runtime.engine, asked_at + 2.5 * period, period) == []
    assert chain_verifications.unsent(runtime.engine, asked_at + 4 * period, period) == [job_id]
