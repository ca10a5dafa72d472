"""What can go wrong with the event store, each with the facts a caller needs."""

from __future__ import annotations


class EventStoreError(Exception):
    """Base of every event-store error."""


class ConcurrencyConflict(EventStoreError):
    """A stream's current version is not the one the writer expected."""

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id!r} is at version {actual}, expected {expected}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class DuplicateEventConflict(EventStoreError):
    """An ``event_id`` already stored with different content."""

    def __init__(self, event_id: str, reason: str = "different content") -> None:
        super().__init__(f"event {event_id} is already stored with {reason}")
        self.event_id = event_id


class LockTimeout(EventStoreError):
    """The global log stayed locked longer than the configured lock timeout."""


class UnknownEventType(EventStoreError):
    """A ``type`` that the event-type registry does not know."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class InvalidEventPayload(EventStoreError):
    """A payload that does not match its event type's schema."""

    def __init__(self, event_type: str, errors: dict) -> None:
        fields = ", ".join(sorted(str(k) for k in errors)) or "payload"
        super().__init__(f"invalid {event_type} payload: {fields}")
        self.event_type = event_type
        self.errors = errors
