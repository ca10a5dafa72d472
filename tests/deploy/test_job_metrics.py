"""/metrics shows what an operator must see first: assessment jobs by state and age,
leases alive and run out, takeovers of every kind of leased job, live workers, when the
chain last verified."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import timedelta

from services.composition import runtime_for
from services.scoring.application import assessments, jobs
from services.scoring.readmodel.leases import JobLeases
from services.scoring.readmodel.records import Records
from shared.eventstore import now_utc
from shared.eventstore.status import request_verification, verification_leases
from shared.heartbeat import Heartbeat
from shared.metrics import record_verification
from tests.deploy.test_metrics import scrape
from tests.scoring.integration.test_assessment_jobs import request
from tests.shared.helpers import note

LEASE = timedelta(seconds=30)


def test_jobs_are_counted_by_state_with_the_oldest_ones_age_and_their_leases(wired_runtime):
    runtime = wired_runtime
    records, leases = Records(runtime.engine), JobLeases(runtime.engine)
    running, _ = assessments.submit(records, request(known_at="2024-12-29"))
    lost, _ = assessments.submit(records, request(year=2023, known_at="2023-12-31"))
    assessments.submit(records, request(known_at="2024-12-30"))  # waits behind `running`
    leases.claim(running["job_id"], "alive", now_utc(), LEASE)
    leases.claim(lost["job_id"], "dead", now_utc() - 2 * LEASE, LEASE)

    before = scrape(runtime)
    jobs.take_up_lost(leases, lambda _: None)
    after = scrape(runtime)

    state = before["gongjian_jobs"]
    assert state[(("kind", "assessment"), ("status", "running"))] == 2
    assert state[(("kind", "assessment"), ("status", "queued"))] == 1
    assert state[(("kind", "assessment"), ("status", "done"))] == 0
    leased = before["gongjian_job_leases"]
    assert leased[(("kind", "assessment"), ("state", "live"))] == 1
    assert leased[(("kind", "assessment"), ("state", "expired"))] == 1
    assert (
        before["gongjian_job_oldest_age_seconds"][(("kind", "assessment"), ("status", "queued"))]
        >= 0
    )
    assert after["gongjian_job_lease_expiries_total"][(("kind", "assessment"),)] == 1
    assert after["gongjian_job_leases"][(("kind", "assessment"), ("state", "expired"))] == 0


def test_a_verification_whose_worker_was_lost_is_counted_under_its_own_kind(wired_runtime):
    runtime = wired_runtime
    chain = verification_leases(runtime.engine)
    records = Records(runtime.engine)
    walk = request_verification(runtime.store)
    records.create_verification("v-lost", "a-1", by="auditor")
    chain.claim(walk, "dead", now_utc() - 2 * LEASE, LEASE)
    records.verification_leases().claim("v-lost", "dead", now_utc() - 2 * LEASE, LEASE)
    assert set(scrape(runtime)["gongjian_job_lease_expiries_total"].values()) == {0}

    chain.take_back_expired(now_utc())
    records.verification_leases().take_back_expired(now_utc())

    assert scrape(runtime)["gongjian_job_lease_expiries_total"] == {
        (("kind", "assessment"),): 0,
        (("kind", "assessment-verification"),): 1,
        (("kind", "chain-verification"),): 1,
    }


def test_the_time_of_the_last_good_chain_verification_is_exposed(wired_runtime):
    runtime = wired_runtime
    assert scrape(runtime)["gongjian_chain_verified_timestamp_seconds"] == {(): 0}
    runtime.store.append([note()])
    record_verification(runtime.store, runtime.store.verify())
    verified = scrape(runtime)["gongjian_chain_verified_timestamp_seconds"][()]
    assert abs(verified - time.time()) < 60


def test_live_workers_are_the_ones_that_beat_within_a_minute(settings, redis_url):
    runtime = runtime_for(
        replace(settings, redis_url=redis_url, redis_namespace=f"gj-live-{uuid.uuid4().hex[:8]}")
    )
    try:
        for number in range(2):
            beat = Heartbeat()
            beat.worker_id = f"worker-{number}"
            beat._announce(runtime.broker)
        key = f"{runtime.broker.namespace}:gongjian:live-workers"
        runtime.broker.client.zadd(key, {"long-gone": time.time() - 600})
        assert scrape(runtime)["gongjian_live_workers"] == {(): 2}
    finally:
        runtime.broker.client.delete(f"{runtime.broker.namespace}:gongjian:live-workers")
        runtime.close()
