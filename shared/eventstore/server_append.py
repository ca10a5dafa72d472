"""A small append on PostgreSQL in one round trip: the ``gongjian_append`` function
(migration ``shared_0009_h1``, ``gongjian_append`` of ``shared_0004`` with one plan per
statement for the session) locks, checks and chains on the server.

The store sends each event's hashed text in four pieces around the four values that only
the locked log knows: its position, the previous hash, the record time and its stream
version. `assembled` puts the pieces together the way the function does, so a test can
hold the two to the same bytes as `hashed_text`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from orjson import dumps as _orjson_dumps
from orjson import loads as _orjson_loads

from .canonical import canonical_flat_json
from .envelope import NewEvent
from .ready import Ready

_CALL = "SELECT * FROM gongjian_append(%s, %s, %s)"


class Pieces(NamedTuple):
    """An event's hashed text without its position, previous hash, record time and
    stream version (the keys sort ``event_id < global_position < occurred_at < payload <
    prev_hash < recorded_at < schema_version … stream_id < stream_version < type``)."""

    to_position: str
    to_prev_hash: str
    to_stream_version: str
    rest: str


class Answer(NamedTuple):
    """What the function answered: ``ok`` (the head's position and each stream's version
    before the append), ``seen`` (an id is stored already) or ``conflict`` (``stream`` is
    at ``have``, not ``want``). Nothing is written unless ``ok``."""

    status: str
    head_position: int = 0
    start_versions: dict[str, int] = {}  # noqa: RUF012 (a tuple's default, never mutated)
    stream: str = ""
    have: int = 0
    want: int | None = None


def pieces(event: NewEvent | Ready, payload: str, occurred_at: str) -> Pieces:
    before = canonical_flat_json(
        {
            "actor": event.actor,
            "causation_id": event.causation_id,
            "correlation_id": event.correlation_id,
            "event_id": event.event_id,
        }
    )
    middle = canonical_flat_json(
        {
            "schema_version": event.schema_version,
            "source": event.source,
            "stream_id": event.stream_id,
        }
    )
    return Pieces(
        before[:-1] + ',"global_position":',
        f',"occurred_at":"{occurred_at}","payload":{payload},"prev_hash":"',
        f'",{middle[1:-1]},"stream_version":',
        f',"type":{json.dumps(event.type, ensure_ascii=False)}}}',
    )


def assembled(
    parts: Pieces, position: int, prev_hash: str, recorded_at: str, stream_version: int
) -> str:
    """The hashed text as the function builds it (without the leading previous hash)."""
    return (
        f"{parts.to_position}{position}{parts.to_prev_hash}{prev_hash}"
        f'","recorded_at":"{recorded_at}{parts.to_stream_version}{stream_version}{parts.rest}'
    )


def batch_text(
    events: Sequence[NewEvent | Ready],
    texts: Sequence[tuple[str, str]],
    streams: Sequence[str],
    expected: Mapping[str, int | None],
) -> str:
    rows = []
    for event, (payload, occurred_at) in zip(events, texts, strict=True):
        rows.append(
            [
                event.event_id,
                event.stream_id,
                event.type,
                event.schema_version,
                occurred_at,
                event.source,
                event.actor,
                event.correlation_id,
                event.causation_id,
                payload,
                *pieces(event, payload, occurred_at),
            ]
        )
    body = {"streams": list(streams), "expected": dict(expected), "rows": rows}
    try:
        return _orjson_dumps(body).decode()  # what json.dumps gives, at a fifth of its time
    except TypeError:  # text orjson refuses (a lone surrogate): the server refuses it too
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def call(cursor: Any, timeout_ms: int, batch: str, recorded_at: Any) -> None:
    cursor.execute(_CALL, (f"{int(timeout_ms)}ms", batch, recorded_at))


def answer(row: Sequence[Any]) -> Answer:
    status, head_position, _recorded, start_versions, stream, have, want = row
    if status == "ok":
        return Answer(status, head_position, dict(start_versions))
    if status == "conflict":
        return Answer(status, stream=stream, have=have, want=want)
    return Answer(status)


def answer_of_texts(row: Sequence[str | None]) -> Answer:
    """`answer` of the row as libpq's text (`kept_connections`)."""
    status, head_position, recorded, start_versions, stream, have, want = row
    return answer(
        (
            status,
            _number(head_position),
            recorded,
            None if start_versions is None else _orjson_loads(start_versions),
            stream,
            _number(have),
            _number(want),
        )
    )


def _number(text: str | None) -> int | None:
    return None if text is None else int(text)
