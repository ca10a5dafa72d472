"""Verifying stored assessments against the log, and reading them only when sealed.

`verify` recomputes a stored assessment from the log with its stored rulebook and what
it was asked, and compares every line, total and rank, then the hashes and the digest,
with what is stored; the first difference is named. `read` serves a stored assessment
only if its result still matches its own hashes. As a job (`scoring.verify_assessment`)
a verification records its outcome in ``scoring_verifications``; one asked for while the
broker was away is sent by the workers' timer once it is back (`take_up_unsent`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.eventstore import EventStore, now_utc
from shared.leases import run_leased

from ..domain.errors import AssessmentAltered, AssessmentNotFound
from ..domain.verification import Difference, first_difference
from ..readmodel.records import Records
from .assessments import recompute, seal

UNSENT_AFTER = timedelta(seconds=60)
"""A verification queued this long without being taken up is sent again (as a job is)."""
SEALED_PARTS = ("rulebook_hash", "chain_head_position", "chain_head_hash", "result_hash", "digest")


@dataclass(frozen=True, slots=True)
class Verification:
    """One stored assessment against its recomputation."""

    assessment_id: str
    stored_digest: str
    recomputed_digest: str
    difference: Difference | None

    @property
    def ok(self) -> bool:
        return self.difference is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment_id": self.assessment_id,
            "ok": self.ok,
            "stored_digest": self.stored_digest,
            "recomputed_digest": self.recomputed_digest,
            "difference": None if self.difference is None else self.difference.to_dict(),
            "difference_text": None if self.difference is None else str(self.difference),
        }


def broken_seal(record: dict[str, Any]) -> Difference | None:
    """Whether a stored record (its result as stored text) still matches its own result
    hash and digest; the first part that does not."""
    result_hash, digest = seal(
        record["rulebook_hash"],
        record["chain_head_position"],
        record["chain_head_hash"],
        record["result"],
    )
    if result_hash != record["result_hash"]:
        return Difference("result_hash", record["result_hash"], result_hash)
    if digest != record["digest"]:
        return Difference("digest", record["digest"], digest)
    return None


def read(records: Records, assessment_id: str) -> dict[str, Any]:
    """The stored assessment with its result, refused (`AssessmentAltered`) when the
    result or its hashes were changed after it was computed."""
    record = _stored(records, assessment_id)
    broken = broken_seal(record)
    if broken is not None:
        raise AssessmentAltered(assessment_id, str(broken))
    record["result"] = json.loads(record["result"])
    return record


def verify(store: EventStore, records: Records, assessment_id: str, zone: ZoneInfo) -> Verification:
    """Recompute from the log and compare: every line, total and rank of the result, then
    the rulebook, the chain head, the result hash and the digest, then the seal."""
    stored = _stored(records, assessment_id)
    again = recompute(store, stored, zone)
    difference = (
        _first_in_results(stored["result"], again["result"])
        or next(
            (
                Difference(part, stored[part], again[part])
                for part in SEALED_PARTS
                if stored[part] != again[part]
            ),
            None,
        )
        or broken_seal(stored)
    )
    return Verification(assessment_id, stored["digest"], again["digest"], difference)


def verify_all(store: EventStore, records: Records, zone: ZoneInfo) -> list[Verification]:
    """Every stored assessment, oldest first."""
    return [verify(store, records, row["assessment_id"], zone) for row in records.assessments()]


def _stored(records: Records, assessment_id: str) -> dict[str, Any]:
    record = records.assessment(assessment_id, parsed=False)
    if record is None:
        raise AssessmentNotFound(assessment_id)
    return record


def _first_in_results(stored_text: str, recomputed_text: str) -> Difference | None:
    try:
        stored = json.loads(stored_text)
    except ValueError:
        return Difference("result", "（不是有效的 JSON）", "（重算结果）")
    return first_difference(stored, json.loads(recomputed_text))


# -- as a job ------------------------------------------------------------------------


def request(records: Records, assessment_id: str, requested_by: str) -> dict[str, Any]:
    """A queued verification of one stored assessment."""
    _stored_exists(records, assessment_id)
    verification_id = str(uuid.uuid4())
    records.create_verification(verification_id, assessment_id, requested_by)
    job = records.verification(verification_id)
    assert job is not None
    return job


def take_up_unsent(records: Records, send: Callable[[str], None]) -> list[str]:
    """Send again every verification whose worker died (its lease ran out: taken back as
    ``retrying``, `shared.leases`) and every one still waiting after `UNSENT_AFTER`: its
    message was lost, or never sent while the broker was away (the job is in the
    database, which is the outbox). Running one twice is harmless: it records the same
    outcome."""
    now = now_utc()
    lost = records.verification_leases().take_back_expired(now)
    again = [*lost, *records.unsent_verifications(now, UNSENT_AFTER)]
    for verification_id in again:
        send(verification_id)
    return again


def run(
    store: EventStore, records: Records, verification_id: str, zone: ZoneInfo
) -> dict[str, Any] | None:
    """Run a verification job under its lease and record its outcome; one finished, or
    run by another worker whose lease is alive, is left as it is."""
    job = records.verification(verification_id)
    if job is None or job["status"] == "done":
        return job
    run_leased(
        records.verification_leases(),
        verification_id,
        lambda _lost: _record(store, records, verification_id, job["assessment_id"], zone),
    )
    return records.verification(verification_id)


def _record(
    store: EventStore, records: Records, verification_id: str, assessment_id: str, zone: ZoneInfo
) -> None:
    outcome = verify(store, records, assessment_id, zone)
    records.update_verification(
        verification_id,
        status="done",
        ok=outcome.ok,
        recomputed_digest=outcome.recomputed_digest,
        difference=None if outcome.ok else str(outcome.difference),
    )


def _stored_exists(records: Records, assessment_id: str) -> None:
    if records.assessment(assessment_id, with_result=False) is None:
        raise AssessmentNotFound(assessment_id)
