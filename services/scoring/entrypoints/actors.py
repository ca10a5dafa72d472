"""The dramatiq actors on queue ``scoring``: ``scoring.assess`` runs one assessment job
under a lease; ``scoring.take_up_lost_jobs`` (the workers' timer runs it) sends again the
jobs whose worker died or whose message was lost, and the verifications
(``scoring.verify_assessment``, under a lease too) whose worker died, or whose message
was lost or never sent while the broker was away."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import dramatiq

from shared.checkpointing import sign_if_due
from shared.messaging import declare_actor
from shared.runtime import Runtime

from ..application import assessments, jobs, verification
from ..readmodel.leases import Claim, JobLeases
from ..readmodel.records import Records
from ..wiring import ScoringParts

log = logging.getLogger(__name__)


def checkpoint_after(runtime: Runtime) -> Callable[[int], None]:
    """Sign a checkpoint of the head once an assessment is recorded or published (never
    fails it)."""

    def sign(_position: int) -> None:
        sign_if_due(runtime.store, runtime.settings, force=True)

    return sign


MAX_RETRIES = 5


def run_job(runtime: Runtime, records: Records, job_id: str, lost: threading.Event) -> None:
    """Run the job; between pages, stop if another worker took it over."""

    def progress(replayed: int, total: int) -> None:
        if lost.is_set():
            raise jobs.LeaseLost(f"job {job_id} was taken over by another worker")
        hook = ScoringParts.of(runtime).on_progress
        if hook is not None:
            hook(replayed, total)

    assessments.run(
        runtime.store,
        records,
        job_id,
        runtime.settings.zone,
        progress=progress,
        on_recorded=checkpoint_after(runtime),
    )


def note_failure(records: Records, job_id: str, exc: Exception) -> None:
    """The job stays unfinished; dramatiq retries it from the start of the replay until
    it gives up, and then asking for the job again sends it again."""
    log.exception("assessment job failed", extra={"job_id": job_id})
    job = records.job(job_id)
    gave_up = job is not None and job["attempts"] > MAX_RETRIES
    records.update_job(
        job_id, status="failed" if gave_up else "retrying", error=f"{type(exc).__name__}: {exc}"
    )


def declare(runtime: Runtime) -> dramatiq.Actor:
    records, leases = Records(runtime.engine), JobLeases(runtime.engine)

    def assess(job_id: str) -> None:
        try:
            claim = jobs.run_leased(
                leases, job_id, lambda lost: run_job(runtime, records, job_id, lost)
            )
        except jobs.LeaseLost:
            log.warning("assessment job taken over; this run stops", extra={"job_id": job_id})
            return
        except Exception as exc:
            note_failure(records, job_id, exc)
            raise
        if claim is Claim.CLAIMED:  # the group is free: the next waiting job may run
            for waiting in leases.waiting_beside(job_id):
                actor.send(waiting)

    def take_up_lost_jobs() -> None:
        jobs.take_up_lost(leases, actor.send)
        verification.take_up_unsent(records, ScoringParts.of(runtime).verify.send)

    actor = declare_actor(
        runtime.broker,
        assess,
        service="scoring",
        verb="assess",
        max_retries=MAX_RETRIES,
        min_backoff=200,
        max_backoff=5000,
        time_limit=3_600_000,
    )
    declare_actor(runtime.broker, take_up_lost_jobs, service="scoring", verb="take_up_lost_jobs")
    return actor


def declare_verify(runtime: Runtime) -> dramatiq.Actor:
    records = Records(runtime.engine)

    def verify_assessment(verification_id: str) -> None:
        try:
            verification.run(runtime.store, records, verification_id, runtime.settings.zone)
        except Exception as exc:
            log.exception("verification failed", extra={"verification_id": verification_id})
            records.update_verification(
                verification_id, status="failed", difference=f"{type(exc).__name__}: {exc}"
            )
            raise

    return declare_actor(
        runtime.broker,
        verify_assessment,
        service="scoring",
        verb="verify_assessment",
        max_retries=3,
        time_limit=3_600_000,
    )
