"""The event store: append with expected versions, read by stream, by global position
and by the two clocks, verify the chain. One code path for SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import hashlib
import heapq
import json
import logging
import re
import time
from binascii import hexlify
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from json.encoder import encode_basestring as _encode_string  # json.dumps's own encoder
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    String,
    and_,
    column,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.sql.elements import ColumnElement

try:
    from orjson import dumps as _fast_dumps
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - a dependency; json gives the same values
    _fast_loads = json.loads  # type: ignore[assignment]

    def _fast_dumps(value: Any) -> bytes:  # type: ignore[misc]
        return json.dumps(value, ensure_ascii=False).encode()


from ..db import READ_ONLY, UTCDateTime, is_postgres, reader
from ..db import driver_errors as _driver_errors
from . import durability, holder_slice, kept_connections, server_append
from .clocks import Cutoff, as_instant, now_utc
from .envelope import (
    GENESIS_HASH,
    NewEvent,
    RecordedEvent,
    canonical_json,
    chain_hash,
    content_fingerprint,
    format_instant,
    utc,
)
from .errors import ConcurrencyConflict, DuplicateEventConflict, LockTimeout
from .limits import MAX_STORED_PAYLOAD_BYTES, MAX_VERSION, check_envelope, check_payload_size
from .meanwhile import MadeAhead
from .overlapped_copy import copy_overlapped
from .paging import DriverRows, ListedRows, Rows, prefetched
from .partitions import PartitionKeeper
from .probed_copy import Ahead, NotWritten, in_encoding, probed_copy, run_ahead
from .ready import Ready, from_checked, ready
from .ready import Texts as _Texts
from .schema import events as events_table
from .types import EventTypeRegistry
from .verify import Verification, verify_chain

log = logging.getLogger(__name__)

ExpectedVersions = Mapping[str, int | None]

EVENT_LOG_LOCK_KEY = 7_246_150_312
"""PostgreSQL advisory lock held by the one writer that appends (until it commits)."""

_COLUMNS = (
    events_table.c.event_id,
    events_table.c.stream_id,
    events_table.c.stream_version,
    events_table.c.global_position,
    events_table.c.type,
    events_table.c.schema_version,
    events_table.c.occurred_at,
    events_table.c.recorded_at,
    events_table.c.source,
    events_table.c.actor,
    events_table.c.correlation_id,
    events_table.c.causation_id,
    events_table.c.payload,
    events_table.c.prev_hash,
    events_table.c.hash,
)

_GLOBAL_POSITION, _TYPE, _SCHEMA_VERSION, _OCCURRED_AT, _RECORDED_AT, _PAYLOAD = (
    [c.name for c in _COLUMNS].index(name)
    for name in (
        "global_position",
        "type",
        "schema_version",
        "occurred_at",
        "recorded_at",
        "payload",
    )
)

_STREAM_ID, _STREAM_VERSION = (
    [c.name for c in _COLUMNS].index(name) for name in ("stream_id", "stream_version")
)

_STREAM_TAILS = (
    f"SELECT {', '.join('e.' + c.name for c in _COLUMNS)} FROM events e"
    " JOIN unnest(%(streams)s::text[], %(after)s::integer[]) AS t(stream_id, after_version)"
    " ON e.stream_id = t.stream_id AND e.stream_version > t.after_version"
)
"""Streams after given versions (`EventStore._stream_tails_postgres`)."""

_STREAM_SPANS = (
    "SELECT e.stream_id, e.type, count(*), max(e.occurred_at), max(e.recorded_at) FROM events e"
    " JOIN unnest(%(streams)s::text[], %(after)s::integer[], %(up_to)s::integer[])"
    " AS t(stream_id, after_version, up_to)"
    " ON e.stream_id = t.stream_id AND e.stream_version > t.after_version"
    " AND e.stream_version <= t.up_to GROUP BY e.stream_id, e.type"
)
"""Streams' spans summed up by type (`EventStore.stream_spans`): one text for any streams."""

_KEYS_PER_QUERY = 500
"""Ids or positions per ``IN (…)`` lookup: far below every driver's parameter limit."""

_DECODED_COLUMNS = tuple(
    type_coerce(column, DateTime(timezone=True)).label(column.name)
    if isinstance(column.type, UTCDateTime)
    else column
    for column in _COLUMNS
)
"""The columns as `_decode` takes them: it makes the instants UTC itself, which costs a
whole-log read a quarter of the time that `UTCDateTime`'s result processing did."""


class StoredPosition(NamedTuple):
    """Where one appended event landed (a tuple: a batch of 1,000 builds 1,000 of them,
    five times faster than a frozen dataclass)."""

    event_id: str
    stream_id: str
    stream_version: int
    global_position: int


@dataclass(frozen=True, slots=True)
class AppendResult:
    """The positions of an append; ``duplicate`` when all events were already stored."""

    positions: tuple[StoredPosition, ...]
    duplicate: bool = False

    @property
    def last_position(self) -> int:
        return max(p.global_position for p in self.positions)


class TypeSpan(NamedTuple):
    """A stream's events of one type within a span of versions (`EventStore.stream_spans`)."""

    events: int
    last_occurred_at: datetime
    last_recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Head:
    """The last event of the global log (position 0 and the genesis hash when empty)."""

    position: int
    hash: str
    recorded_at: datetime | None


class EventStore:
    """Appends and reads events; after each committed append, tells ``on_appended``.

    Every read returns `RecordedEvent`s with payloads upcast to the current schema
    version. Reads about the past take ``as_of`` (a calendar date in ``zone``, the
    campaign's time zone) and ``known_at`` (an instant; a bare date means the end of that
    day in ``zone``), or a ready `Cutoff`."""

    def __init__(
        self,
        engine: Engine,
        registry: EventTypeRegistry | None = None,
        *,
        lock_timeout_ms: int = 5000,
        clock: Callable[[], datetime] = now_utc,
        zone: ZoneInfo | None = None,
        holder_slice_us: int = holder_slice.DEFAULT_US,
        release_early: bool = True,
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.lock_timeout_ms = lock_timeout_ms
        self.holder_slice_us = holder_slice_us
        self.release_early = release_early
        """Whether a batch's append on PostgreSQL lets the log's lock go before its commit
        is flushed, answering after the flush all the same (`probed_copy`)."""
        self.clock = clock
        self.zone = zone or ZoneInfo("Asia/Shanghai")
        self.on_appended: list[Callable[[int], None]] = []
        self.partitions = PartitionKeeper(engine)
        self._kept: kept_connections.AppendConnections | None = None

    def with_clock(self, clock: Callable[[], datetime]) -> EventStore:
        """The same store (engine, types, zone, subscribers) recording with ``clock``: the
        clock is a port, for a simulation that plays a year on its own time (the demo);
        the processes never pass one. Record time still never decreases with position."""
        twin = EventStore(
            self.engine,
            self.registry,
            lock_timeout_ms=self.lock_timeout_ms,
            clock=clock,
            zone=self.zone,
            holder_slice_us=self.holder_slice_us,
            release_early=self.release_early,
        )
        twin.on_appended = self.on_appended
        twin.partitions = self.partitions
        return twin

    # -- appending ----------------------------------------------------------------

    def append(
        self,
        events: Sequence[NewEvent],
        expected_versions: ExpectedVersions | None = None,
        *,
        connection: Connection | None = None,
        look_up_ids: bool = True,
        commit: bool = False,
        ahead: Sequence[Ahead] = (),
    ) -> AppendResult:
        """Append ``events`` atomically; each stream named in ``expected_versions`` must
        be at that version (0: must not exist; None or absent: any version).

        ``look_up_ids=False`` (with ``connection``): on PostgreSQL a batch written by COPY
        leaves its ids to the unique index of the partition it lands in instead of
        looking each up under the log's lock (`_lock_and_probe` with ``written``); an id
        stored there already then raises `DuplicateEventConflict` with the transaction
        spent (roll it back), where a lookup would have answered an identical batch as a
        duplicate. For a caller that decides again on that (the registry).

        ``commit`` (with ``connection``): the append ends the caller's transaction (write
        nothing after it): on PostgreSQL a batch by COPY sends its ``COMMIT`` with its rows,
        and the lock is let go once they are stored (`_locked_copy`). ``ahead`` (the same,
        PostgreSQL): the caller's statements, written before the lock (`probed_copy.Ahead`)."""
        if not events:
            raise ValueError("nothing to append")
        if ahead and (connection is None or not is_postgres(self.engine)):
            raise ValueError("statements ahead need the append's connection, on PostgreSQL")
        ids = [e.event_id for e in events]
        if len(set(ids)) != len(ids):
            raise DuplicateEventConflict(_first_repeat(ids), "the same id twice in one append")
        expected = expected_versions or {}
        if connection is None and len(events) >= _COPY_FROM and is_postgres(self.engine):
            return self._notified(self._append_streamed(events, expected))
        # The texts that are stored and hashed are made before the lock is taken:
        # concurrent writers overlap this work.
        prepared, texts = self._ready_all(events)
        if connection is not None:
            return self._append_in(
                connection,
                prepared,
                texts,
                expected,
                look_up_ids=look_up_ids,
                commit=commit,
                ahead=ahead,
            )
        if len(prepared) < _COPY_FROM and is_postgres(self.engine):
            return self._notified(self._append_alone(prepared, texts, expected))
        return self._notified(self._append_own(prepared, texts, expected))

    def _notified(self, result: AppendResult) -> AppendResult:
        """``result``, its events told to subscribers when they are new; a retry's
        answer (events found stored) only once what was found is durable."""
        if not result.duplicate:
            self.notify(result.last_position)
        else:
            self.wait_durable()
        return result

    def wait_durable(self) -> None:
        """Returns once every commit this process may have seen is durable, for an answer
        given from what was read outside `reading` (events found stored, say): with appends
        letting the lock go before their flush, on PostgreSQL's primary (`durability`)."""
        with self._read(self.engine):
            pass  # a read of nothing, on the primary: it asks, and waits when it must

    def _append_own(
        self, events: list[Ready], texts: list[_Texts], expected: ExpectedVersions
    ) -> AppendResult:
        """A batch in its own transaction (SQLite)."""
        with self.writing() as conn:
            return self._append_in(conn, events, texts, expected, commit=True)

    def _append_streamed(
        self, events: Sequence[NewEvent], expected: ExpectedVersions
    ) -> AppendResult:
        """A batch on PostgreSQL in its own transaction, each event made ready as its row
        is sent (the server stores one chunk while the next is checked and chained), the
        first ones while the lock's answer is out (`meanwhile`). Errors are the ones a
        check before the lock gives: a batch that is refused (an event beyond a limit or
        its schema, an id stored, a stream moved on, the lock not had in time) is checked
        whole first, and nothing is written. The probe leaves the ids to the unique index
        of the partition written (``shared_0008_h1``): an id stored there refuses the COPY,
        and the append is tried again with every id looked up (a retry's answer)."""
        ids = [str(e.event_id) for e in events]
        streams = sorted({e.stream_id for e in events} | set(expected))
        if not _plain_keys(ids, streams):
            return self._append_checked(events, expected)  # what the probe cannot take
        prepared: list[Ready] = []
        texts: list[_Texts] = []
        positions: list[StoredPosition] = []
        pairs = self._readied(events, prepared, texts)
        pieces = MadeAhead(_row_pieces(event, made) for event, made in pairs)

        def rows_of(probed: list[Any]) -> Iterator[bytes]:
            seen, current, head = _probed(probed)
            conflict = _conflict(streams, expected, current)
            if seen or conflict is not None:  # `_append_checked` answers it, every id looked up
                raise NotWritten(conflict or DuplicateEventConflict(ids[0], "stored"))
            recorded_at = self._recorded_after(head)
            return _chained_copy_text(pieces, current, head, recorded_at, positions)

        try:
            with self.writing() as conn, _gc_paused(len(events)):
                _locked_copy(
                    conn,
                    self.lock_timeout_ms,
                    (ids, streams, len(events)),
                    rows_of,
                    slice_us=self.holder_slice_us,
                    release_early=self.release_early,
                    meanwhile=pieces.step,
                )
            return AppendResult(tuple(positions))
        except LockTimeout:
            self._ready_all(events)  # an event beyond a limit says so first
            raise
        except NotWritten:
            pass  # a stream moved on, or an id is stored: checked whole, ids looked up
        except IntegrityError:
            pass  # an id stored in the partition written, most likely: every id looked up
        return self._append_checked(events, expected)

    def _append_checked(
        self, events: Sequence[NewEvent], expected: ExpectedVersions
    ) -> AppendResult:
        """A batch checked whole, then locked, probed with every id and written."""
        prepared, texts = self._ready_all(events)
        with self.writing() as conn:
            return self._append_in(conn, prepared, texts, expected, commit=True)

    @contextmanager
    def writing(self, connection: Connection | None = None) -> Iterator[Connection]:
        """A write transaction for an append and the caller's own writes beside it
        (committed together), on ``connection`` (not in a transaction) when given. A lock
        timeout inside it raises `LockTimeout`, whichever backend and driver reported it."""
        try:
            if connection is None:
                with self.engine.begin() as conn:
                    yield conn
            else:
                with connection.begin():
                    yield connection
        except OperationalError as exc:
            if _is_lock_timeout(exc):
                raise LockTimeout(
                    f"the event log stayed locked for more than {self.lock_timeout_ms} ms"
                ) from exc
            raise

    def append_to_stream(
        self, stream_id: str, expected_version: int | None, events: Sequence[NewEvent]
    ) -> AppendResult:
        return self.append(events, {stream_id: expected_version})

    def notify(self, position: int) -> None:
        """Tell subscribers that events up to ``position`` are committed."""
        self.partitions.appended(position)
        for callback in self.on_appended:
            try:
                callback(position)
            except Exception:  # a lost nudge is harmless: consumers catch up on a timer
                log.exception("nudge failed", extra={"position": position})

    def _ready_all(self, events: Sequence[NewEvent]) -> tuple[list[Ready], list[_Texts]]:
        """Each event checked, in stored form, with its texts (`ready`'s one pass where it
        is sure, the full checks of `_prepare` elsewhere)."""
        prepared: list[Ready] = []
        texts: list[_Texts] = []
        with _gc_paused(len(events)):
            self._ready_into(events, prepared, texts)
        return prepared, texts

    def _ready_into(
        self, events: Sequence[NewEvent], prepared: list[Ready], texts: list[_Texts]
    ) -> None:
        for _done in self._readied(events, prepared, texts):
            pass

    def _readied(
        self, events: Sequence[NewEvent], prepared: list[Ready], texts: list[_Texts]
    ) -> Iterator[tuple[Ready, _Texts]]:
        """Each event made ready as it is taken (and kept in ``prepared`` and ``texts``)."""
        registry = self.registry
        for event in events:
            done = ready(event, registry)
            if done is None:
                checked = self._prepare(event)
                payload = canonical_json(checked.payload)
                check_payload_size(payload, MAX_STORED_PAYLOAD_BYTES)
                done = from_checked(checked, payload, format_instant(checked.occurred_at))
            prepared.append(done[0])
            texts.append(done[1])
            yield done

    def _prepare(self, event: NewEvent) -> NewEvent:
        check_envelope(
            occurred_at=event.occurred_at,
            payload=event.payload,
            event_id=str(event.event_id),
            stream_id=event.stream_id,
            type=event.type,
            source=event.source,
            actor=event.actor,
            correlation_id=event.correlation_id,
            causation_id=event.causation_id,
        )
        occurred_at = event.occurred_at
        if occurred_at.tzinfo is not UTC:
            occurred_at = utc(occurred_at)
        payload, version = event.payload, event.schema_version or 1
        if self.registry is not None:
            payload = self.registry.validate(event.type, payload, event.schema_version)
            version = self.registry.current_version(event.type)
        return NewEvent(
            stream_id=event.stream_id,
            type=event.type,
            payload=payload,
            occurred_at=occurred_at,
            event_id=str(event.event_id),
            schema_version=version,
            source=event.source,
            actor=event.actor,
            correlation_id=event.correlation_id,
            causation_id=event.causation_id,
        )

    def _append_in(
        self,
        conn: Connection,
        events: list[Ready],
        texts: list[_Texts],
        expected: ExpectedVersions,
        *,
        commit: bool = False,
        look_up_ids: bool = True,
        ahead: Sequence[Ahead] = (),
    ) -> AppendResult:
        ids = [e.event_id for e in events]
        streams = sorted({e.stream_id for e in events} | set(expected))
        on_postgres = is_postgres(conn.engine)
        written = 0 if look_up_ids or not on_postgres else len(events)
        probed = written and len(events) >= _COPY_FROM and _plain_keys(ids, streams)
        if probed:
            return self._append_probed(conn, events, texts, expected, ids, streams, commit, ahead)
        if ahead:
            with _driver_errors(conn, "ahead"):
                run_ahead(conn.connection.driver_connection, ahead)
        if on_postgres and len(events) < _COPY_FROM:
            return self._append_on_server(conn, events, texts, streams, expected, commit=commit)
        asked = time.perf_counter()
        seen, current, head = self._lock_and_probe(conn, ids, streams, written)
        queued = _queued(asked)
        if seen:
            return self._replay_of(events, self._existing(conn, ids))
        conflict = _conflict(streams, expected, current)
        if conflict is not None:
            raise conflict
        recorded_at = self._recorded_after(head)
        if on_postgres:  # a batch of `_COPY_FROM` events or more
            chunk, overlapped = _copy_plan(len(events), queued=queued)
            data, positions = _chained_copy(events, texts, current, head, recorded_at, chunk)
            with _gc_paused(len(events)), _id_refused(written):
                _copy(conn, data, overlapped=overlapped)
        else:
            rows, positions = _chained(events, texts, current, head, recorded_at)
            conn.execute(insert(events_table), rows)
        return AppendResult(tuple(positions))

    def _append_probed(
        self,
        conn: Connection,
        events: list[Ready],
        texts: list[_Texts],
        expected: ExpectedVersions,
        ids: list[str],
        streams: list[str],
        commit: bool,
        ahead: Sequence[Ahead] = (),
    ) -> AppendResult:
        """A batch in the caller's transaction on PostgreSQL, its ids left to the unique
        index: the statements ``ahead``, then locked, probed and written, in one message
        (`_locked_copy`). A stream not at its expected version, or an id found stored
        below the partition written, raises with the transaction spent, as an id the
        index refuses does."""
        positions: list[StoredPosition] = []
        pieces = [_row_pieces(e, t) for e, t in zip(events, texts, strict=True)]

        def rows_of(probed: list[Any]) -> Iterator[bytes]:
            seen, current, head = _probed(probed)
            conflict = _conflict(streams, expected, current)
            if conflict is not None:
                raise NotWritten(conflict)
            if seen:
                raise NotWritten(DuplicateEventConflict(ids[0], "an append that came first"))
            recorded_at = self._recorded_after(head)
            return _chained_copy_text(pieces, current, head, recorded_at, positions)

        try:
            with _gc_paused(len(events)), _id_refused(len(events)):
                _locked_copy(
                    conn,
                    self.lock_timeout_ms,
                    (ids, streams, len(events)),
                    rows_of,
                    commit=commit,
                    ahead=ahead,
                    slice_us=self.holder_slice_us,
                    release_early=self.release_early,
                )
        except NotWritten as refused:
            raise refused.reason from None
        return AppendResult(tuple(positions))

    def _recorded_after(self, head: Head) -> datetime:
        """The record time of rows chained after ``head``: the clock's, never earlier than
        the head's (record time never decreases with position)."""
        recorded_at = utc(self.clock())
        if head.recorded_at is not None and recorded_at < head.recorded_at:
            return head.recorded_at
        return recorded_at

    def _append_alone(
        self, events: list[Ready], texts: list[_Texts], expected: ExpectedVersions
    ) -> AppendResult:
        """A few events on PostgreSQL in their own transaction: `_append_on_server`'s
        call, on a connection kept for small appends and called through libpq
        (`kept_connections`: the pool's checkout and psycopg's cursor took over half of a
        single append's client instructions)."""
        streams = sorted({e.stream_id for e in events} | set(expected))
        batch = server_append.batch_text(events, texts, streams, expected)
        dbapi = self.engine.dialect.loaded_dbapi
        if self._kept is None:
            self._kept = kept_connections.for_engine(self.engine)
        try:
            row = self._kept.call(
                f"{int(self.lock_timeout_ms)}ms", batch, format_instant(utc(self.clock()))
            )
        except dbapi.Error as exc:
            error = DBAPIError.instance("gongjian_append", None, exc, dbapi.Error)
            if isinstance(error, OperationalError) and _is_lock_timeout(error):
                raise LockTimeout(
                    f"the event log stayed locked for more than {self.lock_timeout_ms} ms"
                ) from error
            raise error from exc
        answer = server_append.answer_of_texts(row)
        if answer.status == "seen":
            # Committed before the call answered: the primary's connection sees it.
            with self.engine.connect() as conn:
                existing = self._existing(conn, [e.event_id for e in events])
            return self._replay_of(events, existing)
        if answer.status == "conflict":
            raise ConcurrencyConflict(answer.stream, answer.want, answer.have)
        return AppendResult(tuple(_positions(events, answer.head_position, answer.start_versions)))

    def _append_on_server(
        self,
        conn: Connection,
        events: list[Ready],
        texts: list[_Texts],
        streams: list[str],
        expected: ExpectedVersions,
        *,
        commit: bool,
    ) -> AppendResult:
        """A few events on PostgreSQL: one statement that locks, checks and chains on
        the server (`server_append`), with the COMMIT in the same round trip."""
        batch = server_append.batch_text(events, texts, streams, expected)
        driver: Any = conn.connection.driver_connection
        # Our own transaction, nothing sent in it yet: the call in autocommit is its own
        # transaction, one statement and one round trip (no BEGIN, no COMMIT). psycopg's
        # pipeline would do it in one round trip too, but waits for the answer by polling
        # a socket that is always writable: it spins a core the server needs.
        alone = commit and driver.info.transaction_status == _IDLE
        try:
            if alone:
                driver.autocommit = True
            with driver.cursor() as called:
                server_append.call(called, self.lock_timeout_ms, batch, utc(self.clock()))
                answer = server_append.answer(called.fetchone())
        except conn.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(
                "gongjian_append", None, exc, conn.dialect.loaded_dbapi.Error
            ) from exc
        finally:
            if alone:
                driver.autocommit = False
        if answer.status == "seen":
            return self._replay_of(events, self._existing(conn, [e.event_id for e in events]))
        if answer.status == "conflict":
            raise ConcurrencyConflict(answer.stream, answer.want, answer.have)
        return AppendResult(tuple(_positions(events, answer.head_position, answer.start_versions)))

    def _lock_and_probe(
        self, conn: Connection, ids: list[str], streams: list[str], written: int = 0
    ) -> tuple[bool, dict[str, int], Head]:
        """Take the log's lock, then: whether any id is stored, the streams' versions, the
        head. One writer at a time assigns positions and hashes, and commits before the
        next one starts: positions are gapless and in commit order. Readers are not
        blocked. On PostgreSQL a transaction-scoped advisory lock (the application role
        may only INSERT and SELECT events, and LOCK TABLE in EXCLUSIVE mode would need
        UPDATE or DELETE); SQLite: the transaction's BEGIN IMMEDIATE. ``written`` (PostgreSQL):
        the rows to be written, whose partition's unique index may check the ids (0: every
        id is looked up)."""
        if is_postgres(conn.engine):
            rows = _locked_probe_postgres(conn, self.lock_timeout_ms, ids, streams, written)
            return _probed(rows)
        return _probed(_probe_sqlite(conn, ids, streams))

    def _existing(self, conn: Connection, ids: list[str]) -> dict[str, Any]:
        rows = conn.execute(select(*_COLUMNS).where(events_table.c.event_id.in_(ids))).all()
        return {row.event_id: row for row in rows}

    def _replay_of(self, events: list[Ready], existing: Mapping[str, Any]) -> AppendResult:
        """An idempotent retry returns the stored positions; anything else conflicts."""
        for event in events:
            row = existing.get(event.event_id)
            if row is None:
                other = next(iter(existing))
                raise DuplicateEventConflict(
                    other, "a different batch (the batch is partly stored already)"
                )
            stored = content_fingerprint(
                row.stream_id,
                row.type,
                row.schema_version,
                row.occurred_at,
                json.loads(row.payload),
            )
            if stored != event.content_fingerprint():
                raise DuplicateEventConflict(event.event_id)
        return AppendResult(
            tuple(
                StoredPosition(r.event_id, r.stream_id, r.stream_version, r.global_position)
                for r in (existing[e.event_id] for e in events)
            ),
            duplicate=True,
        )

    # -- reading ------------------------------------------------------------------

    @contextmanager
    def reading(self, connection: Connection | None = None) -> Iterator[Connection]:
        """A read transaction (no write lock on SQLite), or the caller's own; on the
        replica while the request is routed to one (`shared.db.reader`). On the primary
        of PostgreSQL, with appends letting the lock go before their flush, what the
        block read is durable before the block ends (`durability`)."""
        if connection is not None:
            yield connection
            return
        with self._read(reader(self.engine)) as conn:
            yield conn

    @contextmanager
    def _read(self, engine: Engine) -> Iterator[Connection]:
        """A read transaction on ``engine``, asking at its end, on the primary, whether
        what it saw is durable, and waiting for it when not (`durability`)."""
        watched = self.release_early and engine is self.engine and is_postgres(engine)
        with engine.connect() as conn:
            with conn.execution_options(**{READ_ONLY: True}).begin():
                yield conn
                waiting = watched and durability.unflushed(conn)
            if waiting:
                durability.flush(conn)

    def head(self, *, connection: Connection | None = None) -> Head:
        with self.reading(connection) as conn:
            return self._head(conn)

    def _head(self, conn: Connection) -> Head:
        row = conn.execute(
            select(events_table.c.global_position, events_table.c.hash, events_table.c.recorded_at)
            .order_by(events_table.c.global_position.desc())
            .limit(1)
        ).first()
        if row is None:
            return Head(0, GENESIS_HASH, None)
        return Head(row.global_position, row.hash, row.recorded_at)

    def stream_version(self, stream_id: str, *, connection: Connection | None = None) -> int:
        with self.reading(connection) as conn:
            value = conn.execute(
                select(func.max(events_table.c.stream_version)).where(
                    events_table.c.stream_id == stream_id
                )
            ).scalar()
        return int(value or 0)

    def cutoff(self, as_of: date | None = None, known_at: date | datetime | None = None) -> Cutoff:
        """The `Cutoff` of ``as_of`` and ``known_at`` in the store's campaign time zone."""
        return Cutoff(as_instant(as_of, self.zone), as_instant(known_at, self.zone))

    def _bounds(
        self, cutoff: Cutoff | None, as_of: date | None, known_at: date | datetime | None
    ) -> Cutoff | None:
        if cutoff is None:
            return None if as_of is None and known_at is None else self.cutoff(as_of, known_at)
        if as_of is not None or known_at is not None:
            raise ValueError("give either a cutoff or as_of/known_at, not both")
        return cutoff

    def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int = 1,
        to_version: int | None = None,
        as_of: date | None = None,
        known_at: date | datetime | None = None,
        cutoff: Cutoff | None = None,
        connection: Connection | None = None,
        beyond_as_of: Collection[str] = (),
    ) -> list[RecordedEvent]:
        """A stream's events in version order, only those ``as_of``/``known_at`` admit;
        events of the types ``beyond_as_of`` are read whatever their business time (a
        reader whose amendments count by when they were known reads them all, and
        applies ``as_of`` to the events they amend itself)."""
        if from_version > MAX_VERSION:
            return []  # no stream gets that far (and PostgreSQL's column cannot compare it)
        query = (
            select(*_DECODED_COLUMNS)
            .where(events_table.c.stream_id == stream_id)
            .where(events_table.c.stream_version >= from_version)
            .order_by(events_table.c.stream_version)
        )
        if to_version is not None:
            query = query.where(events_table.c.stream_version <= min(to_version, MAX_VERSION))
        query = _apply_cutoff(query, self._bounds(cutoff, as_of, known_at), beyond_as_of)
        with self.reading(connection) as conn:
            return self._decode_all(conn.execute(query).all())

    def read_streams(
        self,
        after_versions: Mapping[str, int],
        *,
        known_at: date | datetime | None = None,
        up_to: int | None = None,
        connection: Connection | None = None,
    ) -> dict[str, list[RecordedEvent]]:
        """Several streams at once, each from the version after the one given, in
        version order (one query: for bringing many known states up to date), only
        events at positions up to ``up_to`` when given."""
        found: dict[str, list[RecordedEvent]] = {stream_id: [] for stream_id in after_versions}
        if not after_versions:
            return found
        if up_to is None and is_postgres(self.engine):
            rows = self._stream_tails_postgres(after_versions, known_at, connection)
            for event in self._decode_all(rows):
                found[event.stream_id].append(event)
            return found
        cutoff = self._bounds(None, None, known_at)
        for part in _parts(after_versions, postgres=is_postgres(self.engine)):
            query = _streams_after_query(part, cutoff, up_to)
            for event in self._decode_all(self._driver_rows(query, connection)):
                found[event.stream_id].append(event)
        return found

    def _stream_tails_postgres(
        self,
        after_versions: Mapping[str, int],
        known_at: date | datetime | None,
        connection: Connection | None,
    ) -> list[Any]:
        """`read_streams`' rows on PostgreSQL: one statement whose text is the same for
        any streams (they come as two arrays), so the driver prepares it once and it is
        never planned or built again; building and compiling a clause per stream took a
        tenth of an ingest request's time (issue 18). The whole-log replays, which read
        streams up to a position, keep the IN list measured at 10⁷ events."""
        cutoff = self._bounds(None, None, known_at)
        params: dict[str, Any] = {
            "streams": list(after_versions),
            "after": [max(int(v), 0) for v in after_versions.values()],
        }
        sql = _STREAM_TAILS
        if cutoff is not None and cutoff.known_at is not None:
            sql += " AND e.recorded_at <= %(known_at)s"
            params["known_at"] = cutoff.known_at
        sql += " ORDER BY e.stream_id, e.stream_version"
        with self.reading(connection) as conn, _driver_errors(conn, sql):
            cursor = conn.connection.cursor()
            try:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
            finally:
                cursor.close()

    def stream_spans(
        self,
        spans: Mapping[str, tuple[int, int]],
        *,
        connection: Connection | None = None,
    ) -> dict[str, dict[str, TypeSpan]]:
        """For each stream, its events at versions after ``spans[stream][0]`` up to
        ``spans[stream][1]``, summed up by type: how many, the latest business time and
        the latest record time (one query, no event read out: what dating a snapshot
        needs when no event in the span changes another's time)."""
        found: dict[str, dict[str, TypeSpan]] = {stream_id: {} for stream_id in spans}
        if not spans:
            return found
        with self.reading(connection) as conn:
            if is_postgres(conn.engine):
                params = {
                    "streams": list(spans),
                    "after": [max(int(a), 0) for a, _ in spans.values()],
                    "up_to": [int(b) for _, b in spans.values()],
                }
                with _driver_errors(conn, _STREAM_SPANS):
                    rows = _fetched(conn, _STREAM_SPANS, params, by_index=False)
            else:
                rows = [
                    row
                    for part in _parts(spans, postgres=False)
                    for row in conn.execute(_stream_spans_query(part)).all()
                ]
        for stream_id, type_, count, occurred_at, recorded_at in rows:
            found[stream_id][type_] = TypeSpan(
                int(count), _in_utc(occurred_at), _in_utc(recorded_at)
            )
        return found

    def read_all(
        self,
        *,
        after: int = 0,
        limit: int = 1000,
        types: Iterable[str] | None = None,
        as_of: date | None = None,
        known_at: date | datetime | None = None,
        cutoff: Cutoff | None = None,
        up_to: int | None = None,
        connection: Connection | None = None,
    ) -> list[RecordedEvent]:
        """One page of the global feed after position ``after`` (and at most ``up_to``),
        in global order, only the events ``as_of``/``known_at`` admit."""
        query = _after_query(after, limit, types, self._bounds(cutoff, as_of, known_at), up_to)
        return self._decode_all(self._rows_in_index_order(query, connection))

    def _rows_in_index_order(self, query: Any, connection: Connection | None = None) -> list[Any]:
        """The rows of a query that pages along an index (positions, or streams and
        versions): on PostgreSQL the driver's own tuples, and the planner kept on the
        index (a page is a few thousand rows; no scan of the whole table, no sort)."""
        return self._driver_rows(query, connection, by_index=True)

    def _page_in_index_order(self, query: Any) -> Rows:
        """`_rows_in_index_order`'s rows in a transaction of their own, left as the driver
        received them (`paging.DriverRows`): for the thread that fetches a page ahead."""
        with self.reading() as conn:
            if not is_postgres(conn.engine):
                return ListedRows(conn.execute(query).all())
            sql, params = _compiled(conn, query)
            with _driver_errors(conn, sql):
                return _unread(conn, sql, params)

    def _driver_rows(
        self, query: Any, connection: Connection | None = None, *, by_index: bool = False
    ) -> list[Any]:
        """The rows of a query of `_DECODED_COLUMNS`: on PostgreSQL the driver's own tuples
        (SQLAlchemy's rows cost a whole-log read a quarter of its time, and `_decode_all`
        does all the conversion these columns need), ``by_index`` with the planner kept on
        the index."""
        with self.reading(connection) as conn:
            if not is_postgres(conn.engine):
                return list(conn.execute(query).all())
            sql, params = _compiled(conn, query)
            with _driver_errors(conn, sql):
                return _fetched(conn, sql, params, by_index)

    def stream_pages(
        self, *, up_to: int | None = None, page_size: int = 5000
    ) -> Iterator[list[RecordedEvent]]:
        """Every event at positions up to ``up_to``, stream by stream, a page at a time:
        each stream's events together and in version order (the streams in the database's
        order of their ids), the next page fetched while the caller works through this
        one. For replays that fold one stream at a time and let it go when the stream
        ends: their memory is a stream's state, not the whole log's. Reads the
        ``(stream_id, stream_version)`` index, so the rows come from all over the table;
        `pages` (global order) reads it in the order it was written."""
        c = events_table.c

        def raw_pages() -> Iterator[Rows]:
            after: tuple[str, int] | None = None
            while True:
                query = (
                    select(*_DECODED_COLUMNS)
                    .order_by(c.stream_id, c.stream_version)
                    .limit(page_size)
                )
                if after is not None:
                    query = query.where(
                        tuple_(c.stream_id, c.stream_version) > tuple_(*after)  # type: ignore[arg-type]
                    )
                if up_to is not None:
                    query = query.where(c.global_position <= up_to)
                rows = self._page_in_index_order(query)
                if rows:
                    yield rows
                if len(rows) < page_size:
                    return
                last = rows.last()
                after = (last[_STREAM_ID], last[_STREAM_VERSION])

        for rows in prefetched(raw_pages(), name="stream-prefetch"):
            yield self._decode_all(rows)

    def pages(
        self,
        *,
        after: int = 0,
        up_to: int | None = None,
        page_size: int = 5000,
        types: Iterable[str] | None = None,
        as_of: date | None = None,
        known_at: date | datetime | None = None,
        cutoff: Cutoff | None = None,
    ) -> Iterator[list[RecordedEvent]]:
        """The global feed after ``after`` a page at a time (constant memory: two pages);
        the next page is fetched while the caller works through this one. What long
        replays read: the events of a page come decoded in one pass."""
        wanted = list(types) if types is not None else None
        bounds = self._bounds(cutoff, as_of, known_at)

        def raw_pages() -> Iterator[Rows]:
            position = after
            while up_to is None or position < up_to:
                query = _after_query(position, page_size, wanted, bounds, up_to)
                rows = self._page_in_index_order(query)
                if rows:
                    yield rows
                if len(rows) < page_size:
                    return
                position = rows.last()[_GLOBAL_POSITION]

        for rows in prefetched(raw_pages()):
            yield self._decode_all(rows)

    def iter_all(
        self,
        *,
        after: int = 0,
        page_size: int = 5000,
        types: Iterable[str] | None = None,
        as_of: date | None = None,
        known_at: date | datetime | None = None,
        cutoff: Cutoff | None = None,
        up_to: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Every event of the global feed after ``after``, one by one (see `pages`)."""
        for page in self.pages(
            after=after,
            up_to=up_to,
            page_size=page_size,
            types=types,
            as_of=as_of,
            known_at=known_at,
            cutoff=cutoff,
        ):
            yield from page

    def iter_types(
        self,
        types: Iterable[str],
        *,
        cutoff: Cutoff | None = None,
        up_to: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Every event of ``types``, in log order, each type read along the type index and
        the types merged by position: for types that are a small part of the log
        (amendments, escalations, actions). `iter_all` with several types walks the whole
        log by position, filtering, since the planner cannot merge one index's ranges in
        position order (2.5 s at 10⁷ events for three types with no event at all)."""
        by_type = [
            self.iter_all(types=[type_], cutoff=cutoff, up_to=up_to)
            for type_ in dict.fromkeys(types)
        ]
        if len(by_type) == 1:
            return by_type[0]
        return heapq.merge(*by_type, key=attrgetter("global_position"))

    def get(self, event_id: str, *, connection: Connection | None = None) -> RecordedEvent | None:
        """The event with this ``event_id``, or None."""
        return self.get_many([event_id], connection=connection).get(str(event_id))

    def get_many(
        self, event_ids: Iterable[str], *, connection: Connection | None = None
    ) -> dict[str, RecordedEvent]:
        """The stored events among ``event_ids``, by id (ids not stored are left out)."""
        found = self._where_in(events_table.c.event_id, [str(i) for i in event_ids], connection)
        return {event.event_id: event for event in found}

    def at_positions(
        self, positions: Iterable[int], *, connection: Connection | None = None
    ) -> dict[int, RecordedEvent]:
        """The events at these global positions, by position."""
        found = self._where_in(events_table.c.global_position, list(positions), connection)
        return {event.global_position: event for event in found}

    def _where_in(
        self, column: Any, keys: list[Any], connection: Connection | None
    ) -> list[RecordedEvent]:
        found: list[RecordedEvent] = []
        with self.reading(connection) as conn:
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = keys[start : start + _KEYS_PER_QUERY]
                rows = conn.execute(select(*_DECODED_COLUMNS).where(column.in_(chunk))).all()
                found.extend(self._decode_all(rows))
        return found

    def iter_stored(
        self, *, after: int = 0, up_to: int | None = None, page_size: int = 5000
    ) -> Iterator[dict[str, Any]]:
        """Rows exactly as stored and hashed (no upcasting, the payload the stored text
        itself): for verification and export."""
        while True:
            query = _after_query(after, page_size, None, None, up_to, _COLUMNS)
            with self.reading() as conn:
                if is_postgres(conn.engine):
                    conn.exec_driver_sql(_POSITION_ORDER)
                rows = conn.execute(query).all()
            for row in rows:
                yield row._asdict()
            if len(rows) < page_size:
                return
            after = rows[-1].global_position

    def verify(
        self, *, up_to: int | None = None, progress: Callable[[int], None] | None = None
    ) -> Verification:
        """Recompute the chain over the stored log (up to ``up_to``)."""
        return verify_chain(self.iter_stored(up_to=up_to), progress=progress)

    def position_known_at(self, known_at: datetime, *, connection: Connection | None = None) -> int:
        """The last global position recorded at or before ``known_at`` (the watermark)."""
        # Record time never decreases with position, so the answer is the last event of
        # the latest record time at or before ``known_at``: a walk down the index on
        # recorded_at, not the scan of every earlier event that max() needed.
        with self.reading(connection) as conn:
            value = conn.execute(
                select(events_table.c.global_position)
                .where(events_table.c.recorded_at <= utc(known_at))
                .order_by(events_table.c.recorded_at.desc(), events_table.c.global_position.desc())
                .limit(1)
            ).scalar()
        return int(value or 0)

    def _decode_all(self, rows: Sequence[Any] | DriverRows) -> list[RecordedEvent]:
        """Rows (or a fetched page's: its values made here) into envelopes. Reads of the
        whole log spend most of their time here, so it is one loop over local names, not
        a call per row; and the cyclic garbage collector waits until a page is built (its
        objects make no cycles, and scanning them again and again as they are made cost a
        fifth of a page's time)."""
        if len(rows) < 500 or not gc.isenabled():
            return self._decode_rows(_values(rows))
        gc.disable()
        try:
            return self._decode_rows(_values(rows))
        finally:
            gc.enable()

    def _decode_rows(self, rows: Sequence[Any]) -> list[RecordedEvent]:
        # Rows come in `RecordedEvent`'s field order (`_COLUMNS`); four fields need work.
        registry = self.registry
        current = {t.name: t.version for t in registry} if registry is not None else {}
        make, loads, utc_, in_utc = tuple.__new__, _loads, UTC, _in_utc
        decoded = []
        for row in rows:
            event = list(row)
            payload = loads(event[_PAYLOAD])
            if event[_OCCURRED_AT].tzinfo is not utc_:
                event[_OCCURRED_AT] = in_utc(event[_OCCURRED_AT])
            if event[_RECORDED_AT].tzinfo is not utc_:
                event[_RECORDED_AT] = in_utc(event[_RECORDED_AT])
            type_, version = event[_TYPE], event[_SCHEMA_VERSION]
            if version < current.get(type_, version):
                event[_SCHEMA_VERSION], payload = registry.upcast(type_, version, payload)  # type: ignore[union-attr]
            event[_PAYLOAD] = payload
            decoded.append(make(RecordedEvent, event))
        return decoded


# A page of the log is a range of the primary key read in its order: the index is the
# right plan whatever the statistics say. Without statistics (a fresh or never analysed
# table) PostgreSQL would sort the whole table on disk for every page.
_POSITION_ORDER = (
    "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off"
)
_PLANNER_DEFAULTS = "RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort"


def _streams_after_query(
    after_versions: Mapping[str, int], cutoff: Cutoff | None, up_to: int | None
) -> Any:
    """`EventStore.read_streams`' query (on PostgreSQL only up to a position; else
    `_stream_tails_postgres`): a condition per stream read from a version on, one IN list
    for those read from their start (PostgreSQL plans it as one `= ANY`; a clause per
    stream cost 13-20 ms of planning for 50 streams at 10⁷)."""
    c = events_table.c
    whole = [stream_id for stream_id, version in after_versions.items() if version <= 0]
    clauses: list[ColumnElement[bool]] = [c.stream_id.in_(whole)] if whole else []
    clauses += [
        and_(c.stream_id == stream_id, c.stream_version > version)
        for stream_id, version in after_versions.items()
        if version > 0
    ]
    query = select(*_DECODED_COLUMNS).where(or_(*clauses)).order_by(c.stream_id, c.stream_version)
    query = _apply_cutoff(query, cutoff)
    return query if up_to is None else query.where(c.global_position <= up_to)


_V = TypeVar("_V")


def _parts(by_stream: Mapping[str, _V], *, postgres: bool) -> Iterator[dict[str, _V]]:
    """The streams in one part on PostgreSQL; on SQLite, `_STREAMS_PER_QUERY` at a time:
    it parses ``a OR b OR …`` as a tree as deep as the conditions, and refuses one
    deeper than 1,000 (a batch of 1,000 events for 1,000 projects was refused)."""
    items = list(by_stream.items())
    size = len(items) if postgres else _STREAMS_PER_QUERY
    for start in range(0, len(items), max(size, 1)):
        yield dict(items[start : start + size])


_STREAMS_PER_QUERY = 200
"""Streams in one query on SQLite (`_parts`)."""


def _stream_spans_query(spans: Mapping[str, tuple[int, int]]) -> Any:
    """`EventStore.stream_spans`' query on SQLite: a condition per stream."""
    c = events_table.c
    return (
        select(c.stream_id, c.type, func.count(), func.max(c.occurred_at), func.max(c.recorded_at))
        .where(
            or_(
                *(
                    and_(
                        c.stream_id == stream_id,
                        c.stream_version > after,
                        c.stream_version <= up_to,
                    )
                    for stream_id, (after, up_to) in spans.items()
                )
            )
        )
        .group_by(c.stream_id, c.type)
    )


def _after_query(
    after: int,
    limit: int,
    types: Iterable[str] | None,
    cutoff: Cutoff | None,
    up_to: int | None,
    columns: Sequence[Any] = _DECODED_COLUMNS,
) -> Any:
    """A page of the global feed: ``columns`` after position ``after``."""
    query = (
        select(*columns)
        .where(events_table.c.global_position > after)
        .order_by(events_table.c.global_position)
        .limit(limit)
    )
    if types is not None:
        query = query.where(events_table.c.type.in_(list(types)))
    if up_to is not None:
        query = query.where(events_table.c.global_position <= up_to)
    return _apply_cutoff(query, cutoff)


def _compiled(conn: Connection, query: Any) -> tuple[str, Any]:
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    return compiled.string, compiled.params


def _fetched(conn: Connection, sql: str, params: Any, by_index: bool) -> list[Any]:
    if by_index:
        return list(_unread(conn, sql, params).rows())
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _unread(conn: Connection, sql: str, params: Any) -> DriverRows:
    """The rows of a query along an index, the planner kept on the index, as the driver
    received them (their values not made yet)."""
    settings, cursor = conn.connection.cursor(), conn.connection.cursor()
    try:
        settings.execute(_POSITION_ORDER)
        cursor.execute(sql, params)
        settings.execute(_PLANNER_DEFAULTS)  # the caller's transaction may go on
    except BaseException:
        cursor.close()
        raise
    finally:
        settings.close()
    return DriverRows(cursor)


def _values(rows: Sequence[Any] | DriverRows) -> Sequence[Any]:
    return rows.rows() if isinstance(rows, DriverRows) else rows


def _probe_sqlite(conn: Connection, ids: list[str], streams: list[str]) -> list[Any]:
    """`_probed`'s rows on SQLite, under the transaction's lock: the ids stored, each
    stream's version, the head. One query for up to `_KEYS_PER_QUERY` ids and
    `_SELECTS_PER_UNION` streams; more in several (SQLite takes at most 500 SELECTs in
    one UNION ALL)."""
    id_parts = [ids[n : n + _KEYS_PER_QUERY] for n in range(0, len(ids), _KEYS_PER_QUERY)]
    stream_parts = [
        streams[n : n + _SELECTS_PER_UNION] for n in range(0, len(streams), _SELECTS_PER_UNION)
    ]
    first_ids, first_streams = (id_parts or [[]])[0], (stream_parts or [[]])[0]
    queries: list[tuple[list[str], list[str], bool]] = [(first_ids, first_streams, True)]
    queries += ((part, [], False) for part in id_parts[1:])
    queries += (([], part, False) for part in stream_parts[1:])
    rows: list[Any] = []
    for some_ids, some_streams, head in queries:
        params = {f"i{n}": event_id for n, event_id in enumerate(some_ids)}
        params.update({f"s{n}": stream_id for n, stream_id in enumerate(some_streams)})
        rows += conn.execute(_probe_sql(len(some_ids), len(some_streams), head), params).all()
    return rows


@lru_cache(maxsize=64)
def _probe_sql(ids: int, streams: int, head: bool) -> Any:
    """`_probe_sqlite`'s query for so many ids and streams, its text written once for each
    count: built from SQLAlchemy's constructs, a SELECT a stream took a plan of 10,000
    projects (11,000 actions' streams) a second to build and compile. One ``max()`` a
    stream walks the (stream_id, stream_version) index down to its last entry, where a
    GROUP BY would read every event of the streams."""
    selects = []
    if ids:
        listed = ", ".join(f":i{n}" for n in range(ids))
        selects.append(
            f"SELECT 'e', event_id, global_position, NULL FROM events WHERE event_id IN ({listed})"
        )
    selects += (
        f"SELECT 's', :s{n}, max(stream_version), NULL FROM events WHERE stream_id = :s{n}"
        for n in range(streams)
    )
    if head:
        selects.append(
            "SELECT 'h', hash, global_position, recorded_at FROM events"
            " WHERE global_position = (SELECT max(global_position) FROM events)"
        )
    return text(" UNION ALL ".join(selects)).columns(
        column("kind", String),
        column("key", String),
        column("number", BigInteger),
        column("recorded_at", UTCDateTime),
    )


_SELECTS_PER_UNION = 400
"""Streams in one probe on SQLite (it takes 500 SELECTs in a UNION ALL at most)."""


def _probed(rows: Iterable[Any]) -> tuple[bool, dict[str, int], Head]:
    seen, current, head = False, {}, Head(0, GENESIS_HASH, None)
    for kind, key, number, recorded_at in rows:
        if kind == "e":
            seen = True
        elif kind == "s":
            if number is not None:  # a stream with no events yet
                current[key] = int(number)
        else:
            head = Head(int(number), key, None if recorded_at is None else _in_utc(recorded_at))
    return seen, current, head


def _positions(
    events: list[Ready], head_position: int, versions: dict[str, int]
) -> Iterator[StoredPosition]:
    """Where ``events`` landed after ``head_position``, their streams at ``versions``."""
    versions = dict(versions)
    for offset, event in enumerate(events, start=1):
        versions[event.stream_id] += 1
        yield StoredPosition(
            event.event_id, event.stream_id, versions[event.stream_id], head_position + offset
        )


def _chained(
    events: list[Ready],
    texts: list[_Texts],
    current: dict[str, int],
    head: Head,
    recorded_at: datetime,
) -> tuple[list[dict[str, Any]], list[StoredPosition]]:
    """The rows after ``head``: stream versions after ``current`` (updated), positions,
    each hash over the previous one and the row's canonical text."""
    rows, positions = [], []
    prev_hash, position = head.hash, head.position
    recorded_text = format_instant(recorded_at)
    for event, prepared in zip(events, texts, strict=True):
        position += 1
        version = current.get(event.stream_id, 0) + 1
        current[event.stream_id] = version
        row = {
            "event_id": event.event_id,
            "stream_id": event.stream_id,
            "stream_version": version,
            "global_position": position,
            "type": event.type,
            "schema_version": event.schema_version,
            "occurred_at": prepared.occurred_at,
            "recorded_at": recorded_text,
            "source": event.source,
            "actor": event.actor,
            "correlation_id": event.correlation_id,
            "causation_id": event.causation_id,
            # Stored as canonical text, and that very text is hashed.
            "payload": prepared.payload,
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = chain_hash(prev_hash, row)
        row["occurred_at"], row["recorded_at"] = event.occurred_at, recorded_at
        rows.append(row)
        positions.append(StoredPosition(event.event_id, event.stream_id, version, position))
    return rows, positions


_IDLE = 0  # psycopg's TransactionStatus.IDLE: no transaction open on the connection
_COPY_FROM = 8  # rows; below that COPY's extra round trip costs more than it saves
_COPY = f"COPY events ({', '.join(c.name for c in _COLUMNS)}) FROM STDIN"


def _copy(conn: Connection, chunks: Iterable[str | bytes], *, overlapped: bool) -> None:
    """Batches by COPY, its rows written as COPY's text by `_chained_copy` (psycopg's
    ``write_row`` took some 6 µs a row; measured against a one-statement INSERT, COPY
    wrote 100-event batches some 40 % faster). ``overlapped``: each chunk a COPY of its
    own, stored by the server while the next is made (`copy_overlapped`); else one COPY,
    each chunk sent as it is made."""
    # The same exception classes an INSERT would raise (`_driver_errors`).
    driver: Any = conn.connection.driver_connection
    encoded = (in_encoding(chunk, driver.info.encoding) for chunk in chunks)
    with _driver_errors(conn, _COPY):
        if overlapped:
            copy_overlapped(driver, _COPY, encoded)
            return
        cursor = conn.connection.cursor()
        try:
            with cursor.copy(_COPY) as copy:
                for chunk in encoded:
                    copy.write(chunk)
        finally:
            cursor.close()


def _copy_plan(count: int, *, queued: bool = False) -> tuple[int, bool]:
    """How a batch of ``count`` rows is sent: the rows in a chunk, and whether each chunk
    is a COPY of its own (`_copy`).

    PostgreSQL stores a COPY's rows a buffer of about 64 kB at a time, and the rest when
    the COPY ends. A batch of a few hundred rows fits in one or two buffers: sent as one
    COPY, most of it would be stored with the client idle, so it goes as three COPYs or
    so, each stored while the next is made (300-event batches 14–19 % faster than one
    COPY); each COPY costs a round trip, so none of fewer than `_SMALLEST_CHUNK` rows.
    From `_ONE_COPY_FROM` rows one COPY is faster: its buffers fill and are stored while
    later rows arrive, and more COPYs only add round trips (4–7 % slower at 1,000).

    ``queued``: the lock was waited for (`_queued`). Other writers then wait behind this
    one and the processors are busy: the overlap gains nothing (the one the client would
    use is taken) and each COPY's answer is one more wake-up of the client with the log
    locked, which on a busy machine comes late. One COPY then. Measured on 5 December
    (2 vCPU AMD EPYC, signed HTTP ingest, 4 clients, 100-event batches): the lock was
    held 91–96 % of the time either way, its holder waiting for its client 56–60 % of
    that with one COPY and 63–66 % with two; 19.0–20.0k events/s against 14.3–17.3k."""
    if queued or count >= _ONE_COPY_FROM:
        return _COPY_CHUNK, False
    return max(_SMALLEST_CHUNK, -(-count // 3)), True


def _queued(asked: float) -> bool:
    """Whether the lock probe sent at ``asked`` (`time.perf_counter`) waited for the
    lock: it answered after `_QUEUED_AFTER`. Alone, it answers in 0.33–0.44 ms here (p10
    to p90), behind other writers in 2.6 ms or more (p10; p50 8–9 ms with 4 clients). A
    connection's first probe (its function planned) may take longer: one COPY then, which
    costs a lone writer a few per cent of that one batch. Over a network whose round trip
    is a millisecond or more every probe counts as queued, and one COPY is the cheaper
    there too (each overlapped COPY waits for the answer of the one before)."""
    return time.perf_counter() - asked > _QUEUED_AFTER


_QUEUED_AFTER = 0.001
"""Seconds a lock probe answers in at most when it did not wait for the lock."""
_COPY_CHUNK = 128
"""Rows chained and sent at a time in one COPY."""
_ONE_COPY_FROM = 500
_SMALLEST_CHUNK = 50
"""Rows in a COPY of their own at the least: a smaller one costs its round trip more
than its overlap saves. Measured on 5 December (2 vCPU AMD EPYC, alternating, medians of
the rounds' ratios to three COPYs): 100-event batches as two COPYs of 50 took 0.947–0.979
of the time of three of 34, as one COPY 0.98–1.04; 50-event batches as one or two COPYs
0.92 of three; 200-event batches as two 1.00, 300-event batches as two 1.03."""


def _chained_copy(
    events: list[Ready],
    texts: list[_Texts],
    current: dict[str, int],
    head: Head,
    recorded_at: datetime,
    chunk: int = _COPY_CHUNK,
) -> tuple[Iterator[str | bytes], list[StoredPosition]]:
    """What `_chained` does, for PostgreSQL's COPY: the rows as chunks of COPY's text
    (columns in `_COLUMNS` order, ``chunk`` rows each), made as they are taken, and
    their positions (filled in as the chunks are made). Each hashed text is put together from the envelope's
    fields written as JSON by the standard library's own string encoder, so it is byte
    for byte `hashed_text` of the row (tests/shared/test_hashed_bytes.py and every
    chain verification hold it there); a schema version that is not an integer (never
    from `_prepare` with a registry) takes `_chained`."""
    positions: list[StoredPosition] = []
    if all(type(e.schema_version) is int for e in events):
        pieces = [_row_pieces(e, t) for e, t in zip(events, texts, strict=True)]
        chunks = _chained_copy_text(pieces, current, head, recorded_at, positions, chunk)
        return chunks, positions
    rows, positions = _chained(events, texts, current, head, recorded_at)
    lines = []
    for row in rows:
        row["occurred_at"] = format_instant(row["occurred_at"])
        row["recorded_at"] = format_instant(row["recorded_at"])
        lines.append("\t".join(_copy_field(row[c.name]) for c in _COLUMNS) + "\n")
    return iter(["".join(lines)]), positions


class _Pieces(NamedTuple):
    """An event's parts of its hashed text and of its COPY line that do not depend on
    where it lands (`_row_pieces`), in UTF-8: made and encoded before the log's lock, so
    that under it a row is only put together with its position, its version, its record
    time and the hash before it (`_chained_copy_text`; 1.4 against 3.0 µs an event under
    the lock when the pieces were text, encoded there twice). A connection in another
    client encoding gets the COPY's text transcoded (`in_encoding`)."""

    event_id: str
    stream_id: str
    before_position: bytes
    """The hashed text from its start up to the global position."""
    before_prev_hash: bytes
    """… from after the position up to the previous hash."""
    before_version: bytes
    """… from after the record time up to the stream version."""
    after_version: bytes
    """… the rest."""
    line_start: bytes
    """The COPY line up to the stream version."""
    line_middle: bytes
    """… from after the position up to the record time."""
    line_end: bytes
    """… from after the record time up to the previous hash."""


def _row_pieces(event: Ready, texts: _Texts) -> _Pieces:
    """The fixed parts of an event's hashed text and COPY line. The strings are written
    as `canonical_json` writes them (``json.dumps`` uses this very encoder, which
    refuses anything but a string), None as null: the hashed text is byte for byte
    `hashed_text` (tests/shared/test_hashed_bytes.py)."""
    enc = _encode_string
    event_id, stream, type_, source, actor = (
        event.event_id,
        event.stream_id,
        event.type,
        event.source,
        event.actor,
    )
    correlation, causation, payload = event.correlation_id, event.causation_id, texts.payload
    before_position = (
        f'{{"actor":{enc(actor)},'
        f'"causation_id":{"null" if causation is None else enc(causation)},'
        f'"correlation_id":{"null" if correlation is None else enc(correlation)},'
        f'"event_id":{enc(event_id)},"global_position":'
    )
    before_prev_hash = f',"occurred_at":"{texts.occurred_at}","payload":{payload},"prev_hash":"'
    before_version = (
        f'","schema_version":{event.schema_version},"source":{enc(source)},'
        f'"stream_id":{enc(stream)},"stream_version":'
    )
    after_version = f',"type":{enc(type_)}}}'
    hashed = before_position + before_prev_hash + before_version + after_version
    field = _field_writer(hashed, event, payload)
    return _Pieces(
        event_id,
        stream,
        before_position.encode(),
        before_prev_hash.encode(),
        before_version.encode(),
        after_version.encode(),
        f"{field(event_id)}\t{field(stream)}\t".encode(),
        f"\t{field(type_)}\t{event.schema_version}\t{texts.occurred_at}\t".encode(),
        (
            f"\t{field(source)}\t{field(actor)}\t{field(correlation)}\t{field(causation)}\t"
            f"{field(payload)}\t"
        ).encode(),
    )


def _field_writer(hashed: str, event: Ready, payload: str) -> Callable[[str | None], str]:
    """How the event's fields are written in its COPY line. Every field is in its hashed
    text as JSON, which writes a backslash, tab, newline or carriage return with a
    backslash: without one there, no field needs COPY's escapes."""
    if "\\" not in hashed:
        return _plain_field
    fields = (event.event_id, event.stream_id, event.type, event.source, event.actor)
    others = (event.correlation_id or "", event.causation_id or "", payload)
    return _copy_field if _COPY_SPECIAL.search("".join((*fields, *others))) else _plain_field


def _plain_field(value: str | None) -> str:
    """A value that needs none of COPY's escapes, as COPY's text format writes it."""
    return _NULL if value is None else value


def _chained_copy_text(
    pieces: Iterable[_Pieces],
    current: dict[str, int],
    head: Head,
    recorded_at: datetime,
    positions: list[StoredPosition],
    chunk: int = _COPY_CHUNK,
) -> Iterator[bytes]:
    """The COPY text of `_chained_copy`, ``chunk`` rows at a time, from each event's
    `_Pieces` taken as they come (they may be made as they are taken): the loop every
    batched event goes through under the log's lock, its hashed text (after the previous
    hash, as `chain_hash` takes it), its hash and its COPY line side by side, all bytes."""
    sha256, join = hashlib.sha256, b"".join
    lines: list[bytes] = []
    prev_hash, position = head.hash.encode(), head.position
    recorded = format_instant(recorded_at).encode()
    to_recorded = b'","recorded_at":"' + recorded
    for event_id, stream, to_position, to_prev, to_version, rest, start, middle, end in pieces:
        position += 1
        version = current.get(stream, 0) + 1
        current[stream] = version
        at, nth = b"%d" % position, b"%d" % version
        hashed = join(
            (prev_hash, to_position, at, to_prev, prev_hash, to_recorded, to_version, nth, rest)
        )
        hash_ = hexlify(sha256(hashed).digest())
        lines.append(
            join((start, nth, b"\t", at, middle, recorded, end, prev_hash, b"\t", hash_, b"\n"))
        )
        positions.append(StoredPosition(event_id, stream, version, position))
        prev_hash = hash_
        if len(lines) == chunk:
            yield join(lines)
            lines = []
    if lines:
        yield join(lines)


def _copy_field(value: Any) -> str:
    """A value as COPY's text format writes it: NULL as ``\\N``; a backslash, tab,
    newline or carriage return escaped."""
    if value is None:
        return "\\N"
    if type(value) is not str:
        return str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


_NULL = "\\N"  # COPY's NULL
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
"""What COPY's text format escapes (a line without any is written as it is)."""
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _locked_probe_postgres(
    conn: Connection, timeout_ms: int, ids: list[str], streams: list[str], written: int
) -> list[Any]:
    """The lock and the probe in one statement, ``gongjian_lock_probe_written`` (migration
    ``shared_0008_h1``): one round trip, no pipeline (whose wait spun a core). The ids and
    streams go as JSON text (psycopg's dumping of a list of 1,000 ids took longer)."""
    dbapi = conn.dialect.loaded_dbapi
    driver: Any = conn.connection.driver_connection
    params = (f"{int(timeout_ms)}ms", _json_strings(ids), _json_strings(streams), written)
    try:
        with driver.cursor() as cursor:
            cursor.execute(_LOCK_PROBE, params)
            return cursor.fetchall()  # type: ignore[no-any-return]
    except dbapi.Error as exc:
        raise DBAPIError.instance(_LOCK_PROBE, None, exc, dbapi.Error) from exc


_LOCK_PROBE = "SELECT * FROM gongjian_lock_probe_written(%s::text, %s::text, %s::text, %s::bigint)"


def _locked_copy(
    conn: Connection,
    timeout_ms: int,
    probed: tuple[list[str], list[str], int],
    rows_of: Callable[[list[Any]], Iterable[str | bytes]],
    *,
    commit: bool = True,
    ahead: Sequence[Ahead] = (),
    slice_us: int = 0,
    release_early: bool = False,
    meanwhile: Callable[[], bool] | None = None,
) -> None:
    """The statements ``ahead``, the lock, its probe (of the ids, the streams and how
    many rows are written) and the rows' COPY in one message (`probed_copy`), and the
    ``COMMIT`` after them when ``commit``: the lock held for one answer to the client,
    the thread on a slice of ``slice_us`` meanwhile (`holder_slice`), and with
    ``release_early`` let go before the commit's flush, which is waited for after.
    ``meanwhile``: work for the client while the answer is out (`probed_copy`)."""
    driver: Any = conn.connection.driver_connection
    ids, streams, written = probed
    args = (f"{int(timeout_ms)}ms", _json_strings(ids), _json_strings(streams), written)
    with _driver_errors(conn, _COPY), holder_slice.asked(slice_us):
        probed_copy(
            driver,
            _LOCK_PROBE,
            args,
            _COPY,
            rows_of,
            commit=commit,
            ahead=ahead,
            release_early=release_early,
            meanwhile=meanwhile,
        )


def _json_strings(values: list[str]) -> str:
    """A list of strings as a JSON array."""
    try:
        return _fast_dumps(values).decode()
    except TypeError:  # e.g. a lone surrogate (refused before, by `check_envelope`)
        return json.dumps(values, ensure_ascii=False)


def _plain_keys(ids: list[str], streams: list[str]) -> bool:
    """Whether the ids and streams are strings the probe's JSON takes (no NUL, valid
    UTF-8): anything else is refused by the checks, before the lock."""
    try:
        joined = "".join(ids) + "".join(streams)
    except TypeError:
        return False
    return "\x00" not in joined and (joined.isascii() or _utf8(joined))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _conflict(
    streams: list[str], expected: ExpectedVersions, current: dict[str, int]
) -> ConcurrencyConflict | None:
    """The first stream not at its expected version, as the error to raise."""
    for stream_id in streams:
        want = expected.get(stream_id)
        have = current.get(stream_id, 0)
        if want is not None and want != have:
            return ConcurrencyConflict(stream_id, want, have)
    return None


@contextmanager
def _gc_paused(count: int) -> Iterator[None]:
    """The cyclic garbage collector paused while a batch of ``count`` events (500 or more)
    is made ready or chained: their objects make no cycles, and scanning them again and
    again as they are made cost a tenth of the client's time (as in `_decode_all`)."""
    if count < 500 or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def _id_refused(written: int) -> Iterator[None]:
    """A COPY whose ids were left to the partition's unique index (``written``): an id
    stored there already raised as `DuplicateEventConflict` (the transaction is spent)."""
    try:
        yield
    except IntegrityError as exc:
        diag = getattr(exc.orig, "diag", None)
        if not written or not str(getattr(diag, "constraint_name", "")).endswith("event_id"):
            raise
        taken = re.search(r"\(event_id\)=\((.*)\)", str(getattr(diag, "message_detail", "")))
        raise DuplicateEventConflict(
            taken.group(1) if taken else "?", "an append that came first (the transaction is spent)"
        ) from exc


def _in_utc(instant: datetime) -> datetime:
    """What `UTCDateTime` gives when reading (SQLite stores UTC without an offset)."""
    tz = instant.tzinfo
    if tz is UTC:
        return instant
    return instant.replace(tzinfo=UTC) if tz is None else instant.astimezone(UTC)


def _loads(text: str) -> Any:
    """A stored payload; orjson parses it 3-4 times faster and gives the same values."""
    try:
        return _fast_loads(text)
    except ValueError:  # e.g. an integer beyond 64 bits: the standard parser takes it
        return json.loads(text)


def _apply_cutoff(query: Any, cutoff: Cutoff | None, beyond_as_of: Collection[str] = ()) -> Any:
    if cutoff is None:
        return query
    if cutoff.as_of is not None:
        within = events_table.c.occurred_at <= cutoff.as_of
        if beyond_as_of:
            within = or_(within, events_table.c.type.in_(sorted(beyond_as_of)))
        query = query.where(within)
    if cutoff.known_at is not None:
        query = query.where(events_table.c.recorded_at <= cutoff.known_at)
    return query


def _first_repeat(ids: list[str]) -> str:
    seen: set[str] = set()
    for event_id in ids:
        if event_id in seen:
            return event_id
        seen.add(event_id)
    return ids[0]


def _is_lock_timeout(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return (
        "lock timeout" in message
        or "database is locked" in message
        or "locknotavailable" in type(exc.orig).__name__.lower()
    )
