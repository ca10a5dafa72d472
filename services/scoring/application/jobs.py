"""Running assessment jobs under a lease: at most one worker per job and one running job
per county, year and rulebook; a job whose worker died is taken up again.

`run_leased` (`shared.leases`) claims the job, renews its lease from a heartbeat thread
while the work runs, and releases it after. `take_up_lost` is the reaper: run on a timer by every
worker, it finds jobs whose lease ran out (a worker killed mid-job) and jobs waiting
without a message (lost, or never sent while the broker was away), and sends them again.
Running a job twice is harmless: its assessment and its ``AssessmentPublished`` event
are keyed by the job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from shared.eventstore import now_utc
from shared.leases import heartbeat, lease_length, run_leased

from ..readmodel.leases import JobLeases

__all__ = ["LeaseLost", "heartbeat", "lease_length", "needs_sending", "run_leased", "take_up_lost"]

UNSENT_AFTER = timedelta(seconds=60)
"""A job waiting this long without being claimed is sent again."""


class LeaseLost(RuntimeError):
    """Another worker took the job over (this one stalled past its lease): stop."""


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
    again = [*leases.take_back_expired(now), *leases.unsent(now, UNSENT_AFTER)]
    for job_id in again:
        send(job_id)
    return again
