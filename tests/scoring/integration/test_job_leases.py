"""Assessment jobs under a lease, on SQLite and PostgreSQL: one worker per job, one
running job per year and rulebook, a dead worker's job taken up again."""

from __future__ import annotations

from datetime import timedelta

from services.scoring.application import assessments, jobs
from services.scoring.readmodel.leases import Claim, JobLeases
from shared.eventstore import now_utc
from tests.scoring.integration.test_assessment_jobs import computed, county, request

LEASE = timedelta(seconds=30)


def test_a_claimed_job_is_not_claimed_by_a_second_worker(runtime, records):
    job, _ = assessments.submit(records, request())
    leases, now = JobLeases(runtime.engine), now_utc()

    assert leases.claim(job["job_id"], "worker-a", now, LEASE) is Claim.CLAIMED
    assert leases.claim(job["job_id"], "worker-b", now, LEASE) is Claim.HELD
    assert records.job(job["job_id"])["lease_owner"] == "worker-a"


def test_one_job_runs_per_year_and_rulebook_and_the_others_wait_their_turn(runtime, records):
    first, _ = assessments.submit(records, request(known_at="2024-12-30"))
    second, _ = assessments.submit(records, request(known_at="2024-12-31"))
    other_year, _ = assessments.submit(records, request(year=2025, known_at="2025-12-31"))
    leases, now = JobLeases(runtime.engine), now_utc()

    assert leases.claim(first["job_id"], "a", now, LEASE) is Claim.CLAIMED
    assert leases.claim(second["job_id"], "b", now, LEASE) is Claim.WAITING
    assert leases.claim(other_year["job_id"], "c", now, LEASE) is Claim.CLAIMED
    assert records.job(second["job_id"])["status"] == "queued"
    assert leases.waiting_beside(first["job_id"]) == [second["job_id"]]

    leases.release(first["job_id"], "a")
    assert leases.claim(second["job_id"], "b", now, LEASE) is Claim.CLAIMED


def test_each_countys_jobs_wait_only_for_that_countys(runtime, records):
    from dataclasses import replace

    first, _ = assessments.submit(records, request(known_at="2024-12-30"))
    second, _ = assessments.submit(records, request(known_at="2024-12-31"))
    other, _ = assessments.submit(records, replace(request(known_at="2024-12-31"), county="b"))
    leases, now = JobLeases(runtime.engine), now_utc()

    assert other["job_id"] not in (first["job_id"], second["job_id"])
    assert leases.claim(first["job_id"], "a", now, LEASE) is Claim.CLAIMED
    assert leases.claim(second["job_id"], "b", now, LEASE) is Claim.WAITING
    assert leases.claim(other["job_id"], "c", now, LEASE) is Claim.CLAIMED
    assert leases.waiting_beside(first["job_id"]) == [second["job_id"]]


def test_a_job_whose_lease_ran_out_is_taken_back_once_and_says_so(runtime, records):
    job, _ = assessments.submit(records, request())
    leases, now = JobLeases(runtime.engine), now_utc()
    leases.claim(job["job_id"], "dead-worker", now - 2 * LEASE, LEASE)
    sent: list[str] = []

    assert jobs.take_up_lost(leases, sent.append) == [job["job_id"]]
    assert jobs.take_up_lost(leases, sent.append) == []

    taken = records.job(job["job_id"])
    assert sent == [job["job_id"]]
    assert taken["status"] == "retrying" and taken["takeovers"] == 1
    assert taken["error"].startswith("执行进程失联：租约已于")
    assert taken["lease_owner"] is None


def test_a_live_lease_is_left_alone_and_its_heartbeat_keeps_it_alive(runtime, records):
    job, _ = assessments.submit(records, request())
    leases = JobLeases(runtime.engine)
    short = timedelta(seconds=0.3)
    leases.claim(job["job_id"], "alive", now_utc(), short)

    with jobs.heartbeat(leases, job["job_id"], "alive", short) as lost:
        import time

        time.sleep(0.8)  # more than two leases: renewed meanwhile
        assert jobs.take_up_lost(leases, lambda _: None) == []
    assert not lost.is_set()


def test_asking_again_for_a_job_whose_worker_died_sends_the_same_job(runtime, records):
    job, _ = assessments.submit(records, request())
    JobLeases(runtime.engine).claim(job["job_id"], "dead", now_utc() - 2 * LEASE, LEASE)

    again, created = assessments.submit(records, request())

    assert again["job_id"] == job["job_id"] and not created
    assert jobs.needs_sending(again, created)


def test_a_job_taken_over_and_run_twice_leaves_one_result(runtime, records, history):
    county(history)
    job, _ = assessments.submit(records, request())
    leases = JobLeases(runtime.engine)
    leases.claim(job["job_id"], "dead", now_utc() - 2 * LEASE, LEASE)
    jobs.take_up_lost(leases, lambda _: None)

    for _ in range(2):  # the taken-over run, and the dead worker's message redelivered
        claim = jobs.run_leased(
            leases,
            job["job_id"],
            lambda lost: assessments.run(
                runtime.store, records, job["job_id"], runtime.settings.zone
            ),
        )
    done = records.job(job["job_id"])
    assert claim is Claim.DONE
    assert done["status"] == "done" and done["takeovers"] == 1
    assert len(computed(runtime.store)) == 1 and len(records.assessments(2024)) == 1
