"""The dramatiq actor ``scoring.assess`` on queue ``scoring``: runs one assessment job."""

from __future__ import annotations

import logging
from collections.abc import Callable

import dramatiq

from shared.checkpointing import sign_if_due
from shared.messaging import declare_actor
from shared.runtime import Runtime

from ..application import assessments, verification
from ..readmodel.records import Records
from ..wiring import ScoringParts

log = logging.getLogger(__name__)


def checkpoint_after(runtime: Runtime) -> Callable[[int], None]:
    """Sign a checkpoint of the head once an assessment is published (never fails it)."""

    def sign(_position: int) -> None:
        sign_if_due(runtime.store, runtime.settings, force=True)

    return sign


MAX_RETRIES = 5


def declare(runtime: Runtime) -> dramatiq.Actor:
    records = Records(runtime.engine)

    def assess(job_id: str) -> None:
        def progress(replayed: int, total: int) -> None:
            hook = ScoringParts.of(runtime).on_progress
            if hook is not None:
                hook(replayed, total)

        try:
            assessments.run(
                runtime.store,
                records,
                job_id,
                runtime.settings.zone,
                progress=progress,
                on_published=checkpoint_after(runtime),
            )
        except Exception as exc:
            # The job stays unfinished; dramatiq retries it from the start of the replay
            # until it gives up, and then asking for the job again sends it again.
            log.exception("assessment job failed", extra={"job_id": job_id})
            job = records.job(job_id)
            gave_up = job is not None and job["attempts"] > MAX_RETRIES
            records.update_job(
                job_id,
                status="failed" if gave_up else "retrying",
                error=f"{type(exc).__name__}: {exc}",
            )
            raise

    return declare_actor(
        runtime.broker,
        assess,
        service="scoring",
        verb="assess",
        max_retries=MAX_RETRIES,
        min_backoff=200,
        max_backoff=5000,
        time_limit=3_600_000,
    )


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
