"""Running assessment jobs under a lease: at most one worker per job and one running job
per county, year and rulebook; a job whose worker died is taken up again.

`run_leased` claims the job, renews its lease from a heartbeat thread while the work
runs, and releases it after. `take_up_lost` is the reaper: run on a timer by every
worker, it finds jobs whose lease ran out (a worker killed mid-job) and jobs waiting
without a message (lost, or never sent while the broker was away), and sends them again.
Running a job twice is harmless: its assessment and its ``AssessmentPublished`` event
are keyed by the job."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from shared.eventstore import now_utc

from ..readmodel.leases import Claim, JobLeases

log = logging.getLogger(__name__)

LEASE_VARIABLE = "GONGJIAN_JOB_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 30
"""A running job's lease; its heartbeat renews it every third of that. With the
workers' reaper every 15 s, a dead worker's job is taken up within 45 s."""
UNSENT_AFTER = timedelta(seconds=60)
"""A job waiting this long without being claimed is sent again."""


class LeaseLost(RuntimeError):
    """Another worker took the job over (this one stalled past its lease): stop."""


def lease_length() -> timedelta:
    return timedelta(seconds=float(os.environ.get(LEASE_VARIABLE) or DEFAULT_LEASE_SECONDS))


@contextmanager
def heartbeat(
    leases: JobLeases, job_id: str, owner: str, lease: timedelta
) -> Iterator[threading.Event]:
    """Renew the lease every third of its length; the yielded event is set when the lease
    was lost."""
    lost, stop = threading.Event(), threading.Event()

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                if not leases.renew(job_id, owner, now_utc(), lease):
                    lost.set()
                    return
            except Exception as exc:  # noqa: BLE001 - the next beat tries again
                log.warning("lease not renewed", extra={"job_id": job_id, "reason": str(exc)[:200]})

    thread = threading.Thread(target=beat, name=f"lease-{job_id[:8]}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(timeout=5)


def run_leased(leases: JobLeases, job_id: str, work: Callable[[threading.Event], None]) -> Claim:
    """Claim the job and run ``work(lost)`` under its lease; what the claim said."""
    owner, lease = uuid.uuid4().hex, lease_length()
    claim = leases.claim(job_id, owner, now_utc(), lease)
    if claim is not Claim.CLAIMED:
        log.info("assessment job not run here", extra={"job_id": job_id, "claim": str(claim)})
        return claim
    try:
        with heartbeat(leases, job_id, owner, lease) as lost:
            work(lost)
    finally:
        leases.release(job_id, owner)
    return claim


def needs_sending(job: dict[str, Any], created: bool) -> bool:
    """Whether a job just asked for must be sent to a worker: a new one, a failed one, or
    one whose worker died (its lease ran out; the claim takes it over)."""
    if created or job["status"] == "failed":
        return True
    expiry = job.get("lease_expires_at")
    return job["status"] == "running" and (expiry is None or expiry < now_utc())


def take_up_lost(leases: JobLeases, send: Callable[[str], None]) -> list[str]:
    """The reaper: send again every job whose lease ran out or that waits unsent."""
    now = now_utc()
    lost = leases.take_back_expired(now)
    for job_id in lost:
        log.warning("assessment job's worker was lost; taken up again", extra={"job_id": job_id})
    again = [*lost, *leases.unsent(now, UNSENT_AFTER)]
    for job_id in again:
        send(job_id)
    return again
