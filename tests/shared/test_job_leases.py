"""Chain verification jobs under a lease (`shared.leases`), on SQLite and PostgreSQL: one
worker walks a job at a time, a job whose worker died is taken back once and says so
(``retrying``, ``takeovers``, its progress kept), and the next worker runs it to done."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared.eventstore import now_utc
from shared.eventstore.signed import Keyring
from shared.eventstore.status import (
    _update,
    request_verification,
    run_verification,
    verification_job,
    verification_leases,
)
from shared.leases import Claim, heartbeat, job_view, run_leased

from .helpers import note

LEASE = timedelta(seconds=30)


def _asked(store, events: int = 3) -> str:  # type: ignore[no-untyped-def]
    for i in range(events):
        store.append([note("project-a", f"第{i}次调度")])
    return request_verification(store)


def test_a_claimed_job_is_not_claimed_by_a_second_worker(store):
    job_id, leases, now = _asked(store), verification_leases(store.engine), now_utc()

    assert leases.claim(job_id, "worker-a", now, LEASE) is Claim.CLAIMED
    assert leases.claim(job_id, "worker-b", now, LEASE) is Claim.HELD
    job = verification_job(store, job_id)
    assert (job["status"], job["lease_owner"], job["takeovers"]) == ("running", "worker-a", 0)
    assert leases.claim("no-such-job", "worker-b", now, LEASE) is Claim.MISSING


def test_of_workers_claiming_one_job_at_once_exactly_one_gets_it(store):
    job_id, leases, now = _asked(store), verification_leases(store.engine), now_utc()
    start, claims = threading.Barrier(4), []

    def claim(owner: str) -> None:
        start.wait()
        claims.append(leases.claim(job_id, owner, now, LEASE))

    threads = [threading.Thread(target=claim, args=(f"worker-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(claims) == sorted([Claim.CLAIMED, Claim.HELD, Claim.HELD, Claim.HELD])


def test_a_job_whose_lease_ran_out_is_taken_back_once_with_its_progress_kept(store):
    job_id, leases = _asked(store), verification_leases(store.engine)
    leases.claim(job_id, "dead-worker", now_utc() - 2 * LEASE, LEASE)
    _update(store, job_id, verified=2)  # how far the dead worker got

    assert leases.take_back_expired(now_utc()) == [job_id]
    assert leases.take_back_expired(now_utc()) == []

    job = verification_job(store, job_id)
    assert (job["status"], job["takeovers"], job["verified"], job["total"]) == (
        "retrying",
        1,
        2,
        3,
    )
    assert job["lease_owner"] is None and job["lease_expires_at"] is None
    assert not leases.renew(job_id, "dead-worker", now_utc(), LEASE)  # it lost the job


def test_a_live_lease_is_left_alone_while_its_heartbeat_renews_it(store):
    job_id, leases = _asked(store), verification_leases(store.engine)
    short = timedelta(seconds=0.3)
    leases.claim(job_id, "alive", now_utc(), short)

    with heartbeat(leases, job_id, "alive", short) as lost:
        threading.Event().wait(0.8)  # more than two leases: renewed meanwhile
        assert leases.take_back_expired(now_utc()) == []
    assert not lost.is_set()
    assert verification_job(store, job_id)["status"] == "running"


def test_a_job_left_running_by_a_dead_worker_is_walked_to_done_by_the_next(store):
    job_id, leases = _asked(store), verification_leases(store.engine)
    leases.claim(job_id, "dead-worker", now_utc() - 2 * LEASE, LEASE)

    done = run_verification(store, Keyring(), job_id)  # its message redelivered

    assert done is not None
    assert (done["status"], done["verified"], done["total"]) == ("done", 3, 3)
    assert done["result"]["ok"] is True and done["takeovers"] == 1
    assert done["lease_owner"] is None
    ran: list[str] = []
    assert run_leased(leases, job_id, lambda _lost: ran.append("again")) is Claim.DONE
    assert ran == []


def test_a_job_another_worker_holds_is_not_walked_twice(store):
    job_id, leases = _asked(store), verification_leases(store.engine)
    leases.claim(job_id, "busy-worker", now_utc(), LEASE)

    held = run_verification(store, Keyring(), job_id)

    assert held is not None
    assert (held["status"], held["lease_owner"], held["verified"]) == ("running", "busy-worker", 0)


@pytest.mark.parametrize(
    ("status", "shown"), [("running", True), ("done", False), ("failed", False)]
)
def test_a_finished_job_shows_no_lease_though_its_worker_has_not_let_it_go_yet(status, shown):
    """The worker writes the final status, then releases the lease in a write of its own:
    a reader between the two sees the job finished, and no worker holding it."""
    at = datetime(2026, 12, 5, 9, 37, 51, tzinfo=UTC)
    job = {"job_id": "j1", "status": status, "lease_owner": "w1", "lease_expires_at": at}
    view = job_view(job | {"heartbeat_at": at})
    assert (view["lease"] is not None) is shown
    if shown:
        assert view["lease"] == {
            "expires_at": "2026-12-05T09:37:51.000000Z",
            "heartbeat_at": "2026-12-05T09:37:51.000000Z",
        }
