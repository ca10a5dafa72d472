"""HTTP: verifying a stored assessment against the log, as a job (``scoring.verify_assessment``)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_smorest import Blueprint

from shared.auth import current_principal, require_role
from shared.http import Problem
from shared.leases import job_view
from shared.messaging import send_or_leave

from ..application import verification
from ..readmodel.records import Records
from ..wiring import ScoringParts

blp = Blueprint(
    "scoring-verifications",
    __name__,
    url_prefix="/v1",
    description="Verifying stored assessments against the log",
)
VERIFIERS = ("office", "auditor")


def _records() -> Records:
    return Records(current_app.extensions["gongjian.runtime"].engine)


def _view(job: dict[str, Any]) -> dict[str, Any]:
    return job_view(job) | {"links": {"assessment": f"/v1/assessments/{job['assessment_id']}"}}


@blp.post("/assessments/<assessment_id>/verifications")
@require_role(*VERIFIERS)
@blp.doc(security=[{"bearer": []}])
def start(assessment_id: str):  # type: ignore[no-untyped-def]
    """Queue a verification: the assessment recomputed from the log with its stored
    rulebook and inputs, every line, total, rank and digest compared; 202 with the job,
    whose ``difference`` names the first difference (``ok`` false) once done."""
    runtime = current_app.extensions["gongjian.runtime"]
    job = verification.request(_records(), assessment_id, current_principal().name)
    # With the broker away the job stays queued: the workers' timer sends it once it is back.
    send_or_leave(ScoringParts.of(runtime).verify, job["verification_id"])
    location = url_for(
        "scoring-verifications.get",
        assessment_id=assessment_id,
        verification_id=job["verification_id"],
    )
    return _view(job), 202, {"Location": location}


@blp.get("/assessments/<assessment_id>/verifications/<verification_id>")
@require_role(*VERIFIERS)
@blp.doc(security=[{"bearer": []}])
def get(assessment_id: str, verification_id: str):  # type: ignore[no-untyped-def]
    """A verification job: queued, running, done (with ``ok`` and the first
    ``difference``) or failed."""
    records = _records()
    job = records.verification(verification_id)
    seen = records.assessment(assessment_id, with_result=False)  # None: another county's
    if job is None or job["assessment_id"] != assessment_id or seen is None:
        raise Problem(404, "Not Found", f"考核 {assessment_id} 没有编号为 {verification_id} 的核验")
    return _view(job)
