"""An event made ready to append: checked, its payload in stored form, and the two texts
that are stored and hashed (the payload's canonical JSON, ``occurred_at``'s one form).

`ready` does for a plain event, in one pass, what the store's own checks do one after
the other (the envelope's limits, the schema, canonical JSON, the instant's text): a
batched append spent more client time on those than PostgreSQL spent storing the rows
(issue 18). It only ever accepts: whatever it is not sure of (a nested payload, a
non-UTC instant, a schema version other than the current one, text that is not plain) it leaves to the
full checks, which refuse and word the errors as they always did."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from .canonical import wall_clock_text
from .envelope import NewEvent, content_fingerprint
from .limits import EARLIEST_OCCURRED_AT, LATEST_OCCURRED_AT, MAX_LENGTHS, MAX_STORED_PAYLOAD_BYTES
from .types import EventTypeRegistry

try:
    from orjson import OPT_SORT_KEYS as _SORTED
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover - a dependency; the full checks do it all then
    _dumps = None  # type: ignore[assignment]
    _SORTED = 0


class Ready(NamedTuple):
    """An event checked and in its stored form (a tuple: built ten times faster than a
    `NewEvent`). Its fields have `NewEvent`'s names."""

    event_id: str
    stream_id: str
    type: str
    schema_version: int
    occurred_at: datetime
    source: str
    actor: str
    correlation_id: str | None
    causation_id: str | None
    payload: dict[str, Any]

    def content_fingerprint(self) -> str:
        return content_fingerprint(
            self.stream_id, self.type, self.schema_version, self.occurred_at, self.payload
        )


class Texts(NamedTuple):
    """An event's payload as stored (canonical JSON) and its ``occurred_at`` as hashed."""

    payload: str
    occurred_at: str


_EVENT_ID, _STREAM_ID, _TYPE = (MAX_LENGTHS[n] for n in ("event_id", "stream_id", "type"))
_SOURCE, _ACTOR = MAX_LENGTHS["source"], MAX_LENGTHS["actor"]
_CORRELATION, _CAUSATION = MAX_LENGTHS["correlation_id"], MAX_LENGTHS["causation_id"]
_SCALARS = frozenset((str, int, bool, type(None)))  # a set: no == against each type
_new = tuple.__new__
_NUL = b"\\u0000"  # how canonical JSON writes a NUL character


def ready(event: NewEvent, registry: EventTypeRegistry | None) -> tuple[Ready, Texts] | None:
    """The event ready and its texts, when it is plainly within every limit and its
    payload plainly valid and flat; None: take the full checks. Without a ``registry``
    (a store whose caller validated the payloads: the registry service's) the payload is
    taken as stored, at the version the event names (1 when it names none), as the full
    checks take it then.

    Long because it is one pass on purpose: the envelope's texts, the instant, the
    schema's fast validator, then canonical JSON of the stored payload by the very call
    `canonical_json` makes for plain JSON (so the same bytes), checked for NUL and size."""
    event_id, stream, type_ = event.event_id, event.stream_id, event.type
    source, actor = event.source, event.actor
    correlation, causation = event.correlation_id, event.causation_id
    occurred = event.occurred_at
    explicit = event.schema_version
    if (
        _dumps is None
        or type(event_id) is not str
        or type(stream) is not str
        or type(type_) is not str
        or type(source) is not str
        or type(actor) is not str
        or len(event_id) > _EVENT_ID
        or len(stream) > _STREAM_ID
        or len(type_) > _TYPE
        or len(source) > _SOURCE
        or len(actor) > _ACTOR
        or occurred.tzinfo is not UTC
        or not EARLIEST_OCCURRED_AT <= occurred < LATEST_OCCURRED_AT
    ):
        return None
    if correlation is not None and (
        type(correlation) is not str or len(correlation) > _CORRELATION
    ):
        return None
    if causation is not None and (type(causation) is not str or len(causation) > _CAUSATION):
        return None
    joined = "".join((event_id, stream, type_, source, actor, correlation or "", causation or ""))
    if "\x00" in joined or not (joined.isascii() or _utf8(joined)):
        return None
    if registry is None:
        version, payload = explicit or 1, event.payload
        if type(payload) is not dict:
            return None
    else:
        found = registry.quickly_stored(type_, event.payload)
        if found is None:
            return None
        version, payload = found
        if explicit is not None and explicit != version:
            return None  # an older version is upcast (or refused) by the full checks
    for value in payload.values():
        if type(value) not in _SCALARS:
            return None  # nested: depth and the keys inside are the full checks' work
    try:
        text = _dumps(payload, option=_SORTED)  # refuses a lone surrogate, a huge integer
    except (TypeError, ValueError):
        return None
    if _NUL in text or len(text) > MAX_STORED_PAYLOAD_BYTES:
        return None
    checked = _new(
        Ready,
        (
            event_id,
            stream,
            type_,
            version,
            occurred,
            source,
            actor,
            correlation,
            causation,
            payload,
        ),
    )
    # occurred_at is in UTC: its text is its wall clock's (`format_instant`)
    return checked, _new(Texts, (text.decode(), wall_clock_text(occurred)))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def from_checked(event: NewEvent, payload_text: str, occurred_text: str) -> tuple[Ready, Texts]:
    """An event the full checks passed (its payload stored, version and instant set)."""
    return (
        Ready(
            event.event_id,
            event.stream_id,
            event.type,
            event.schema_version or 1,
            event.occurred_at,
            event.source,
            event.actor,
            event.correlation_id,
            event.causation_id,
            event.payload,
        ),
        Texts(payload_text, occurred_text),
    )
