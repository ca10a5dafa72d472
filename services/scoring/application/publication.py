"""审定 before publication: a computed assessment is a draft until the approver (or an
administrator) signs it off; the sign-off (`AssessmentApproved`: who, when, the digest
signed) and the publication (`AssessmentPublished`) are one append on the year's
stream, so a result is never published unsigned nor signed unpublished.

A year's published versions are numbered in order (a county's own: its year's stream is kept
per county, `shared.tenancy.county_stream`); a correction after publication is a
later assessment of the same year approved with its reason, and it supersedes the one
published before it. An `AssessmentPublished` written before sign-off existed (the job
published at once then) still counts as published."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from shared.eventstore import EventStore, NewEvent, RecordedEvent, format_instant, now_utc
from shared.tenancy import DEFAULT_COUNTY, county_stream

from ..domain.errors import AssessmentAlreadyPublished, CorrectionReasonMissing
from ..readmodel.records import Records
from . import assessments, verification

STATES = ("draft", "approved", "published", "superseded")
"""Where an assessment stands: a draft (草稿), signed off, published, or replaced by a
later published correction."""

_NAMESPACE = uuid.UUID("0c6f7a52-8d8e-4f36-a3a5-0e4b8a1d2c77")
_SEALED = ("year", "as_of", "known_at", "rulebook_version", "rulebook_hash")
_SEALED += ("chain_head_position", "chain_head_hash", "result_hash", "digest")


@dataclass(frozen=True, slots=True)
class Publication:
    """One published version of a year's assessment."""

    assessment_id: str
    version: int
    position: int
    approved_by: str | None
    approved_at: str | None
    supersedes: str | None
    reason: str | None


def stream_of(year: int, county: str | None = DEFAULT_COUNTY) -> str:
    """The year's stream of ``county`` (the default county's as before tenancy)."""
    return county_stream(f"assessment-{year}", county)


def publications(
    store: EventStore, year: int, county: str | None = DEFAULT_COUNTY
) -> list[Publication]:
    """The year's published versions of ``county``, oldest first."""
    events = store.read_stream(stream_of(year, county))
    approvals = {e.payload["assessment_id"]: e for e in events if e.type == "AssessmentApproved"}
    published = [e for e in events if e.type == "AssessmentPublished"]
    return [
        _publication(event, approvals.get(event.payload["assessment_id"]), version)
        for version, event in enumerate(published, start=1)
    ]


def _publication(event: RecordedEvent, approval: RecordedEvent | None, version: int) -> Publication:
    signed = approval.payload if approval is not None else {}
    return Publication(
        assessment_id=event.payload["assessment_id"],
        version=version,
        position=event.global_position,
        approved_by=signed.get("approved_by"),
        approved_at=format_instant(approval.recorded_at) if approval is not None else None,
        supersedes=signed.get("supersedes"),
        reason=signed.get("reason"),
    )


def standing(store: EventStore, record: dict[str, Any]) -> dict[str, Any]:
    """The assessment's state with its sign-off: who, when, its version, what it
    supersedes and why, and the current published version of its year."""
    published = publications(store, record["year"], record.get("county"))
    mine = next((p for p in published if p.assessment_id == record["assessment_id"]), None)
    current = published[-1] if published else None
    if mine is None:
        state = "draft"
    elif mine is current:
        state = "published"
    else:
        state = "superseded"
    return {
        "state": state,
        "version": mine.version if mine else None,
        "approved_by": mine.approved_by if mine else None,
        "approved_at": mine.approved_at if mine else None,
        "supersedes": mine.supersedes if mine else None,
        "correction_reason": mine.reason if mine else None,
        "published_id": current.assessment_id if current else None,
    }


def approve(
    store: EventStore, records: Records, assessment_id: str, *, by: str, reason: str | None
) -> tuple[dict[str, Any], bool]:
    """Sign off and publish the assessment (its digest check must pass): (standing,
    newly published). A correction of a published year needs its reason; approving a
    published one again changes nothing, approving a superseded one is refused."""
    record = verification.read(records, assessment_id)
    stream = stream_of(record["year"], record.get("county"))
    # Read before the standing: a sign-off appended in between makes this append a 409.
    expected = store.stream_version(stream)
    before = standing(store, record)
    if before["state"] == "published":
        return before, False
    if before["state"] == "superseded":
        raise AssessmentAlreadyPublished(assessment_id, before["published_id"])
    supersedes = before["published_id"]
    reason = (reason or "").strip() or None
    if supersedes is not None and reason is None:
        raise CorrectionReasonMissing(assessment_id, supersedes)
    version = len(publications(store, record["year"], record.get("county"))) + 1
    approval = {
        "assessment_id": assessment_id,
        "year": record["year"],
        "digest": record["digest"],
        "version": version,
        "approved_by": by,
        "supersedes": supersedes,
        "reason": reason,
    }
    appended = store.append(
        [
            _event(stream, "AssessmentApproved", approval, f"{assessment_id}:approved", by),
            _event(stream, "AssessmentPublished", _published(record), assessment_id, by),
        ],
        {stream: expected},
    )
    records.mark_published(assessment_id, appended.last_position)
    return standing(store, record), True


def _published(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "assessment_id": record["assessment_id"],
        "summary": assessments.summary_of(record["result"]),
        **{k: record[k] for k in _SEALED},
    }


def _event(stream: str, type_: str, payload: dict[str, Any], key: str, by: str) -> NewEvent:
    """Both events occur at the sign-off."""
    return NewEvent(
        stream_id=stream,
        type=type_,
        payload=payload,
        occurred_at=now_utc(),
        event_id=str(uuid.uuid5(_NAMESPACE, key)),
        source="scoring",
        actor=by,
    )
