"""The replay's read of the log: every event up to a watermark, in global order.

Leaner than `EventStore.iter_all` because a replay of 10⁶ events is bound by it: only
the columns the replay reads, whole pages fetched at once, payloads upcast like the
store does, and the next page fetched on a second thread while this one is replayed
(the database and the driver wait on I/O, so the two overlap even under the GIL).
Memory stays at two pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from shared.eventstore import EventStore
from shared.eventstore.paging import prefetched
from shared.eventstore.schema import events as events_table

try:  # parsing payloads is a third of a replay's time; orjson does it 3-4x faster
    from orjson import loads
except ImportError:  # pragma: no cover - orjson is a dependency; json gives the same values
    from json import loads

PAGE_SIZE = 5000
_c = events_table.c
_QUERY = select(
    _c.global_position,
    _c.event_id,
    _c.stream_id,
    _c.type,
    _c.schema_version,
    _c.occurred_at,
    _c.payload,
).order_by(_c.global_position)


@dataclass(slots=True)
class LoggedEvent:
    """What the replay reads of one event."""

    global_position: int
    event_id: str
    stream_id: str
    type: str
    occurred_at: datetime
    payload: dict[str, Any]


def _pages(store: EventStore, up_to: int, page_size: int) -> Iterator[list[Any]]:
    after = 0
    while after < up_to:
        query = _QUERY.where(_c.global_position > after, _c.global_position <= up_to).limit(
            page_size
        )
        with store.reading() as conn:
            rows = conn.execute(query).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def read_log(
    store: EventStore, up_to: int, *, page_size: int = PAGE_SIZE
) -> Iterator[list[LoggedEvent]]:
    """Every event at positions 1..``up_to``, in global order, a page at a time."""
    registry = store.registry
    current = {t.name: t.version for t in registry} if registry is not None else {}
    for rows in prefetched(_pages(store, up_to, page_size), name="scoring-prefetch"):
        page = []
        for position, event_id, stream_id, type_, version, occurred_at, payload in rows:
            data = loads(payload)
            if registry is not None and version < current.get(type_, version):
                _, data = registry.upcast(type_, version, data)
            page.append(LoggedEvent(position, event_id, stream_id, type_, occurred_at, data))
        yield page
