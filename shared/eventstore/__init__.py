"""The event store: the one place the brief's vocabulary is defined.

- *event*: an immutable fact, carried in an envelope (`RecordedEvent`).
- *stream*: the events of one aggregate (``project-<id>``), numbered by *stream version*
  1, 2, 3 …
- *global position*: 1, 2, 3 … across the store, gapless and in commit order.
- *checkpoint*: the global position a consumer has processed up to.
- *as_of*: business-time bound (``occurred_at``); *known_at*: record-time bound
  (``recorded_at``); together a `Cutoff`.
- *chain*: ``hash = SHA-256(prev_hash ‖ canonical JSON of the envelope without hash)``.
"""

from .clocks import (
    KNOWN_AT_IN_FUTURE,
    Cutoff,
    FutureKnownAt,
    end_of_day,
    known_at_bound,
    now_utc,
)
from .consumer import (
    CatchUp,
    Projection,
    all_checkpoints,
    catch_up,
    checkpoint_of,
    load_checkpoint,
    reset_checkpoint,
    save_checkpoint,
)
from .envelope import (
    ANY_VERSION,
    GENESIS_HASH,
    NO_STREAM,
    NewEvent,
    RecordedEvent,
    canonical_json,
    chain_hash,
    format_instant,
    hashed_text,
    parse_instant,
    stored_text,
    utc,
)
from .errors import (
    ConcurrencyConflict,
    DuplicateEventConflict,
    EventStoreError,
    InvalidEventPayload,
    LockTimeout,
    UnknownEventType,
)
from .limits import MAX_LENGTHS, InvalidEnvelope, check_envelope, check_payload_size, text_problem
from .probed_copy import Ahead
from .store import AppendResult, EventStore, Head, StoredPosition, TypeSpan
from .types import EventType, EventTypeRegistry
from .verify import Verification, verify_chain

__all__ = [
    "Ahead",
    # envelope
    "NewEvent",
    "RecordedEvent",
    "ANY_VERSION",
    "NO_STREAM",
    "GENESIS_HASH",
    "canonical_json",
    "chain_hash",
    "hashed_text",
    "stored_text",
    "format_instant",
    "parse_instant",
    "utc",
    # store
    "EventStore",
    "AppendResult",
    "StoredPosition",
    "TypeSpan",
    "Head",
    # clocks
    "Cutoff",
    "end_of_day",
    "now_utc",
    "known_at_bound",
    "FutureKnownAt",
    "KNOWN_AT_IN_FUTURE",
    # types
    "EventType",
    "EventTypeRegistry",
    # consumers
    "Projection",
    "CatchUp",
    "catch_up",
    "checkpoint_of",
    "all_checkpoints",
    "load_checkpoint",
    "save_checkpoint",
    "reset_checkpoint",
    # verification
    "Verification",
    "verify_chain",
    # errors
    "EventStoreError",
    "ConcurrencyConflict",
    "DuplicateEventConflict",
    "LockTimeout",
    "UnknownEventType",
    "InvalidEventPayload",
    "InvalidEnvelope",
    # limits
    "MAX_LENGTHS",
    "check_envelope",
    "check_payload_size",
    "text_problem",
]
