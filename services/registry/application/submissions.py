"""What is submitted to the registry and what becomes of each submission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.eventstore import (
    ConcurrencyConflict,
    DuplicateEventConflict,
    EventStoreError,
    InvalidEnvelope,
    InvalidEventPayload,
    LockTimeout,
    UnknownEventType,
)
from shared.i18n.validation import in_chinese

from ..domain import AlreadyRegistered, ProjectNotFound, RuleViolation

ACCEPTED, DUPLICATE, REJECTED, RETRY = "accepted", "duplicate", "rejected", "retry"
"""``retry``: not stored because concurrent writers held the log; send it again."""


class Contended(EventStoreError):
    """Concurrent writers kept taking the versions a batch was decided on."""

    code = "contended"

    def __init__(self, attempts: int, last: Exception) -> None:
        super().__init__(
            f"并发写入冲突：尝试 {attempts} 次仍未写入，请稍后用同一 event_id 重发（{last}）"
        )


@dataclass(slots=True)
class Submission:
    """An event someone wants appended to a project's stream. Not changed once built
    (a new one is built instead); not frozen only because a frozen dataclass takes ten
    times as long to build, and signed ingest builds two for every event (issue 18)."""

    event_id: str
    type: str
    occurred_at: datetime
    payload: dict[str, Any]
    project_id: str | None = None
    national_code: str | None = None
    expected_version: int | None = None
    actor: str = ""
    source: str = ""
    correlation_id: str | None = None
    causation_id: str | None = None


@dataclass
class Outcome:
    """What became of one submission."""

    event_id: str
    status: str
    project_id: str | None = None
    stream_version: int | None = None
    global_position: int | None = None
    error: Exception | None = None

    @property
    def errors(self) -> dict[str, Any] | None:
        return None if self.error is None else in_chinese(errors_of(self.error))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "status": self.status,
            "project_id": self.project_id,
            "stream_version": self.stream_version,
            "global_position": self.global_position,
        }
        if self.error is not None:
            out["reason"] = str(self.error)
            out["code"] = code_of(self.error)
            out["errors"] = self.errors
        return out


_CODES: tuple[tuple[type[Exception], str], ...] = (
    (RuleViolation, "rule_violation"),
    (InvalidEventPayload, "invalid_payload"),
    (UnknownEventType, "unknown_event_type"),
    (AlreadyRegistered, "already_registered"),
    (ProjectNotFound, "project_not_found"),
    (DuplicateEventConflict, "duplicate_event"),
    (ConcurrencyConflict, "version_conflict"),
    (LockTimeout, "busy"),
)


def code_of(error: Exception) -> str:
    """The machine code beside a refusal's reason: the problem type an API answer about
    it would carry (``shared/http/problems.py``)."""
    code = getattr(error, "code", None)
    if isinstance(code, str):
        return code
    return next((c for kind, c in _CODES if isinstance(error, kind)), "invalid_item")


def errors_of(error: Exception) -> dict[str, Any]:
    """Field → messages, as problem documents carry them."""
    messages = getattr(error, "messages", None)
    if isinstance(messages, dict):
        return messages
    if isinstance(error, InvalidEnvelope):
        return {error.field: [error.message]}
    if isinstance(error, RuleViolation):
        return {error.field: [error.message]}
    if isinstance(error, InvalidEventPayload):
        return {"payload": error.errors}
    if isinstance(error, UnknownEventType):
        return {"type": [str(error)]}
    if isinstance(error, AlreadyRegistered):
        return {error.field: [str(error)]}
    if isinstance(error, ProjectNotFound):
        return {"project_id": [str(error)]}
    if isinstance(error, DuplicateEventConflict):
        return {"event_id": [str(error)]}
    if isinstance(error, ConcurrencyConflict):
        return {"expected_version": [str(error)]}
    return {"event": [str(error)]}
