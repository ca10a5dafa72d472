"""Reading a project's stream in the domain's terms, from snapshots where they help.

A snapshot holds the state after a stream's first *v* events. It stands in for them
under a cutoff when every one of them is admitted (recorded by ``known_at``, occurred
by ``as_of``) and no later amendment admitted by the cutoff points back into them.
"""

from __future__ import annotations

import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

import orjson
from psycopg import adapters, postgres
from psycopg.adapt import Dumper
from sqlalchemy import Connection, Select, and_, bindparam, func, insert, or_, select

from shared.eventstore import EventStore, RecordedEvent

from ..domain import AMENDMENTS, KeyProject, ProjectEvent, admitted
from .tables import snapshots

SNAPSHOT_EVERY = 100
"""Events between a stream's snapshots while it is shorter than `SNAPSHOTS_SPREAD_FROM`."""
SNAPSHOTS_SPREAD_FROM = 2_000
"""From this length on, a stream gets ten snapshots for each doubling of its length
(every 200 events up to 4,000, every 400 up to 8,000 …; `snapshot_marks`).

A snapshot is the whole state, and the state grows with the stream (each inspection,
issue or visit is a record in it). At a fixed spacing, writing snapshots cost an event
more the longer its project grew: 34 µs an event of orjson alone at 10,000 events a
project, a third of the ingest's CPU in process, and a stream's snapshots took space
that grew with the square of its length. Spread like this, they cost an event about the
same at any length, and a read still starts from a snapshot at most a tenth of the
stream behind (at most ~100 events up to 2,000)."""
_MARKS_A_DOUBLING = 10


def _state_text(state: dict[str, Any], *, encoded: bool = False) -> str | bytes:
    """A snapshot's state as JSON (orjson: a grown project's state took a tenth of an
    ingest request to write with the standard library); what orjson refuses (a key that
    is not a string, an integer beyond 64 bits) the standard library writes.
    ``encoded``: as UTF-8 that PostgreSQL takes as text (`_Utf8Text`)."""
    try:
        text = orjson.dumps(state)
    except TypeError:
        return json.dumps(state, ensure_ascii=False)
    return _Utf8Text(text) if encoded else text.decode()


class _Utf8Text(bytes):
    """JSON as orjson writes it, UTF-8, sent to PostgreSQL as ``text`` as it is: decoded
    to a str only for psycopg to encode it again, a 140 kB state (a project of 2,000
    events, some of the text Chinese) cost 0.4 ms more, and states grow with projects."""


class _Utf8TextDumper(Dumper):
    oid = postgres.types["text"].oid

    def dump(self, obj: Any) -> bytes:
        return obj  # type: ignore[no-any-return]


adapters.register_dumper(_Utf8Text, _Utf8TextDumper)


def to_domain(event: RecordedEvent) -> ProjectEvent:
    return ProjectEvent(
        event_id=event.event_id,
        type=event.type,
        occurred_at=event.occurred_at,
        payload=event.payload,
        recorded_at=event.recorded_at,
        stream_version=event.stream_version,
        source=event.source,
    )


class ProjectStreams:
    """Project state and history from the event store (and the registry's snapshots)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        # Snapshots never change: a parsed one is kept (pickled, so that each use
        # folds into its own copy) instead of fetching and parsing its JSON again.
        self._parsed = _Bounded(256)

    def history(
        self, stream_id: str, *, connection: Connection | None = None
    ) -> list[ProjectEvent]:
        return [to_domain(e) for e in self.store.read_stream(stream_id, connection=connection)]

    def load(
        self,
        project_id: str,
        stream_id: str,
        *,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        connection: Connection | None = None,
        latest: KeyProject | None = None,
    ) -> KeyProject:
        """The state under the cutoff; ``latest`` (a full state at some version, no
        cutoff) is brought up to date from the events after it."""
        with self.store.reading(connection) as conn:
            if latest is not None and as_of is None and known_at is None:
                tail = self._tail(conn, stream_id, latest.version, None, None)
                if not self._amends_before(tail, latest.version):
                    for event in admitted(tail):
                        latest.apply(event)
                    return latest
            base, after = self._snapshot(conn, stream_id, as_of, known_at)
            tail = self._tail(conn, stream_id, after, as_of, known_at)
            if base is not None and self._amends_before(tail, after):
                base, after = None, 0
                tail = self._tail(conn, stream_id, 0, as_of, known_at)
        project = base or KeyProject(project_id)
        for event in admitted(tail, as_of, known_at):
            project.apply(event)
        return project

    def catch_up(self, conn: Connection, latest: dict[str, KeyProject]) -> dict[str, KeyProject]:
        """Bring several latest states up to date with one query; a state that a
        later amendment reaches back into is left out (load it in full)."""
        if not latest:
            return {}
        found = self.store.read_streams(
            {stream_id: project.version for stream_id, project in latest.items()}, connection=conn
        )
        tails = {stream_id: [to_domain(e) for e in events] for stream_id, events in found.items()}
        current = {}
        for stream_id, project in latest.items():
            if self._amends_before(tails[stream_id], project.version):
                continue
            for event in admitted(tails[stream_id]):
                project.apply(event)
            current[stream_id] = project
        return current

    def latest_snapshots(self, conn: Connection, projects: dict[str, str]) -> dict[str, KeyProject]:
        """For each stream (→ its project id), the state of its latest snapshot, or the
        empty state before its first event: where `catch_up` brings it up to date. Two
        queries for up to `_STREAMS_AT_ONCE` of them (snapshots already parsed here are
        not fetched)."""
        if not projects:
            return {}
        c = snapshots.c
        latest = dict(
            conn.execute(
                select(c.stream_id, func.max(c.stream_version))
                .where(c.stream_id.in_(sorted(projects)))
                .group_by(c.stream_id)
            ).all()
        )
        parsed = {sid: self._parsed.get((sid, version)) for sid, version in latest.items()}
        fetch = [(sid, latest[sid]) for sid, kept in parsed.items() if kept is None]
        for part in _parts(dict(fetch)):
            rows = conn.execute(
                select(c.stream_id, c.stream_version, c.state).where(
                    or_(
                        *(
                            and_(c.stream_id == sid, c.stream_version == v)
                            for sid, v in part.items()
                        )
                    )
                )
            )
            for row in rows:
                state = pickle.dumps(KeyProject.from_snapshot(json.loads(row.state)))
                self._parsed.put((row.stream_id, row.stream_version), state)
                parsed[row.stream_id] = state
        return {
            sid: pickle.loads(kept) if (kept := parsed.get(sid)) is not None else KeyProject(pid)
            for sid, pid in projects.items()
        }

    def _snapshot(
        self, conn: Connection, stream_id: str, as_of: datetime | None, known_at: datetime | None
    ) -> tuple[KeyProject | None, int]:
        query = (
            select(snapshots.c.stream_version)
            .where(snapshots.c.stream_id == stream_id)
            .order_by(snapshots.c.stream_version.desc())
            .limit(1)
        )
        if as_of is not None:
            query = query.where(snapshots.c.max_occurred_at <= as_of)
        if known_at is not None:
            query = query.where(snapshots.c.recorded_at <= known_at)
        version = conn.execute(query).scalar()
        if version is None:
            return None, 0
        cached = self._parsed.get((stream_id, version))
        if cached is not None:
            return pickle.loads(cached), version
        state = conn.execute(
            select(snapshots.c.state).where(
                snapshots.c.stream_id == stream_id, snapshots.c.stream_version == version
            )
        ).scalar_one()
        project = KeyProject.from_snapshot(json.loads(state))
        self._parsed.put((stream_id, version), pickle.dumps(project))
        return project, version

    def _tail(
        self,
        conn: Connection,
        stream_id: str,
        after: int,
        as_of: datetime | None,
        known_at: datetime | None,
    ) -> list[ProjectEvent]:
        """The events after version ``after`` that may count under the cutoff, in version
        order: those ``as_of`` admits by their own business time, every amendment (they
        count by ``known_at`` alone) and the events those amend after ``after`` (a
        correction may move its event's business time across ``as_of``; `admitted`
        applies ``as_of`` to the corrected times). Not the events later than ``as_of``
        that nothing amends: an early date of a long project read them all, half the
        stream on average (p50 43 ms at 10,000 events, where the snapshot's tail alone
        took 4)."""
        events = [
            to_domain(e)
            for e in self.store.read_stream(
                stream_id,
                from_version=after + 1,
                as_of=as_of,
                known_at=known_at,
                beyond_as_of=AMENDMENTS,
                connection=conn,
            )
        ]
        if as_of is None:
            return events
        ids = {e.event_id for e in events}
        amended = {target for e in events if (target := e.target) is not None} - ids
        if not amended:
            return events
        found = self.store.get_many(amended, connection=conn).values()
        events += [
            to_domain(e) for e in found if e.stream_id == stream_id and e.stream_version > after
        ]
        return sorted(events, key=lambda e: e.stream_version)

    @staticmethod
    def _amends_before(tail: list[ProjectEvent], after: int) -> bool:
        ids = {e.event_id for e in tail}
        return any(e.is_amendment and e.target not in ids for e in tail) and after > 0

    def save_snapshot(self, conn: Connection, stream_id: str, project: KeyProject) -> None:
        """Keep the state at ``project.version`` (which must fold every event up to it)."""
        self.save_snapshots(conn, {stream_id: project})

    def save_snapshots(self, conn: Connection, projects: dict[str, KeyProject]) -> None:
        """Keep each stream's state at its ``version`` (which must fold every event up to
        it), dated by the largest business time of its events as corrected (a correction
        may move an event later) and the record time of its last. The previous snapshot's
        largest business time stands for the events before it; the events since are
        summed up on the server (`EventStore.stream_spans`), and read out only for a
        stream where one of them amends another (a stream amending an event before the
        previous snapshot is read whole). Four statements for up to `_STREAMS_AT_ONCE`
        streams."""
        if len(projects) > _STREAMS_AT_ONCE:
            for part in _parts(projects):
                self.save_snapshots(conn, part)
            return
        previous = self._previous_snapshots(conn, projects)
        after = {sid: previous[sid].stream_version if sid in previous else 0 for sid in projects}
        dated = self._dated_from_spans(conn, projects, previous, after)
        amended = {sid: after[sid] for sid in projects if sid not in dated}
        if amended:
            dated.update(self._dated_from_events(conn, projects, previous, amended))
        on_postgres = conn.dialect.name == "postgresql"
        rows = [
            {
                "stream_id": sid,
                "stream_version": project.version,
                "max_occurred_at": dated[sid][0],
                "recorded_at": dated[sid][1],
                "state": _state_text(project.to_snapshot(), encoded=on_postgres),
            }
            for sid, project in projects.items()
        ]
        conn.execute(insert(snapshots), rows)

    def _dated_from_spans(
        self,
        conn: Connection,
        projects: dict[str, KeyProject],
        previous: dict[str, Any],
        after: dict[str, int],
    ) -> dict[str, tuple[datetime, datetime | None]]:
        """(largest business time, last record time) of the streams whose events since
        their previous snapshot amend none: those times are the events' own."""
        spans = self.store.stream_spans(
            {sid: (after[sid], project.version) for sid, project in projects.items()},
            connection=conn,
        )
        dated: dict[str, tuple[datetime, datetime | None]] = {}
        for sid, by_type in spans.items():
            count = sum(span.events for span in by_type.values())
            if not by_type or any(t in AMENDMENTS for t in by_type):
                continue
            if count != projects[sid].version - after[sid]:
                continue  # not every event the state folds: the events say
            times = [span.last_occurred_at for span in by_type.values()]
            if sid in previous:
                times.append(previous[sid].max_occurred_at)
            dated[sid] = (max(times), max(span.last_recorded_at for span in by_type.values()))
        return dated

    def _dated_from_events(
        self,
        conn: Connection,
        projects: dict[str, KeyProject],
        previous: dict[str, Any],
        after: dict[str, int],
    ) -> dict[str, tuple[datetime, datetime | None]]:
        """The same dates read from the events since the previous snapshot, amendments
        resolved (the whole stream when one reaches back before that snapshot)."""
        dated: dict[str, tuple[datetime, datetime | None]] = {}
        for sid, tail in self.store.read_streams(after, connection=conn).items():
            base = previous.get(sid)
            project = projects[sid]
            events = [to_domain(e) for e in tail if e.stream_version <= project.version]
            if base is not None and self._amends_before(events, after[sid]):
                base = None
                found = self.store.read_stream(sid, to_version=project.version, connection=conn)
                events = [to_domain(e) for e in found]
            times = [e.occurred_at for e in admitted(events) if not e.is_amendment]
            if base is not None:
                times.append(base.max_occurred_at)
            dated[sid] = (max(times), events[-1].recorded_at)
        return dated

    @staticmethod
    def _previous_snapshots(conn: Connection, projects: dict[str, KeyProject]) -> dict[str, Any]:
        """Each stream's latest snapshot before the version to be kept (a later one may
        have been written first by another process): its version and business time."""
        params: dict[str, Any] = {}
        for i, (sid, project) in enumerate(projects.items()):
            params[f"stream_{i}"], params[f"version_{i}"] = sid, project.version
        rows = conn.execute(_previous_snapshots_query(len(projects)), params)
        return {row.stream_id: row for row in rows}


_STREAMS_AT_ONCE = 200
"""Streams in one query with a condition each: SQLite parses ``a OR b OR …`` as a tree
as deep as the conditions and refuses one deeper than 1,000 (the snapshots of a batch
of 1,000 events for 1,000 projects were never written)."""

_V = TypeVar("_V")


def _parts(by_stream: dict[str, _V]) -> Iterator[dict[str, _V]]:
    items = list(by_stream.items())
    for start in range(0, len(items), _STREAMS_AT_ONCE):
        yield dict(items[start : start + _STREAMS_AT_ONCE])


@lru_cache(maxsize=32)
def _previous_snapshots_query(streams: int) -> Select[Any]:
    """`ProjectStreams._previous_snapshots`' query for so many streams, its streams and
    versions bound by name (``stream_<i>``, ``version_<i>``). Built once: built for every
    call, SQLAlchemy's work on it took eight times what the query itself took."""
    c = snapshots.c
    before = (
        and_(c.stream_id == bindparam(f"stream_{i}"), c.stream_version < bindparam(f"version_{i}"))
        for i in range(streams)
    )
    latest = (
        select(c.stream_id, func.max(c.stream_version).label("version"))
        .where(or_(*before))
        .group_by(c.stream_id)
        .subquery()
    )
    return select(c.stream_id, c.stream_version, c.max_occurred_at).join(
        latest,
        and_(c.stream_id == latest.c.stream_id, c.stream_version == latest.c.version),
    )


class _Bounded:
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


WARY_WRITES = 100
"""Writes that read every kept state anew after one was found overtaken (`LatestStates`)."""


class LatestStates:
    """The latest state of recently written projects, kept in this process so that a
    write does not fold the stream again. An entry is taken out while a write uses it
    and put back only after that write commits. A write takes it as it stands (the
    append's probe checks the stream's version) unless another process has been found
    writing its stream (`overtaken`): then it is brought up to date from the events
    after it first."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._states: OrderedDict[str, KeyProject] = OrderedDict()
        self._overtaken = _Bounded(size)  # stream id → b"" (a set of the latest found)
        self._wary = 0
        self._lock = threading.Lock()

    def trusting(self) -> bool:
        """Whether the write about to decide may take kept states as they stand: not for
        the next `WARY_WRITES` writes after another process was found writing a stream
        kept here (where clients' requests go to any process, most kept states are
        behind: each would cost a refused append before its stream was marked)."""
        with self._lock:
            if self._wary:
                self._wary -= 1
                return False
            return True

    def alone(self, stream_id: str) -> bool:
        """Whether no other process has been found writing the stream: its kept state
        may be taken as it stands, for the append's probe to check."""
        return self._overtaken.get(stream_id) is None

    def overtaken(self, stream_id: str) -> None:
        """Another process wrote the stream after this one kept its state: its state is
        brought up to date before it is used, from now on (of the `size` streams found
        so last), and no kept state is taken as it stands for a while (`trusting`)."""
        self._overtaken.put(stream_id, b"")
        with self._lock:
            self._wary = WARY_WRITES

    def take(self, stream_id: str) -> KeyProject | None:
        with self._lock:
            return self._states.pop(stream_id, None)

    def keep(self, stream_id: str, project: KeyProject) -> None:
        project.provenance = {}  # only comparisons need it, and they replay in full
        with self._lock:
            self._states[stream_id] = project
            self._states.move_to_end(stream_id)
            while len(self._states) > self.size:
                self._states.popitem(last=False)


def snapshot_marks(version: int) -> int:
    """How many of a stream's snapshot marks its first ``version`` events reach: one every
    `SNAPSHOT_EVERY` events up to `SNAPSHOTS_SPREAD_FROM`, then ten for each doubling."""
    if version < SNAPSHOTS_SPREAD_FROM:
        return version // SNAPSHOT_EVERY
    doublings = (version // SNAPSHOTS_SPREAD_FROM).bit_length() - 1
    start = SNAPSHOTS_SPREAD_FROM << doublings  # where this doubling began
    before = SNAPSHOTS_SPREAD_FROM // SNAPSHOT_EVERY + _MARKS_A_DOUBLING * doublings
    return before + (version - start) // (start // _MARKS_A_DOUBLING)


def snapshot_due(version: int, appended: int) -> bool:
    """Whether the events just appended (up to ``version``) reached a snapshot mark."""
    return snapshot_marks(version) > snapshot_marks(version - appended)


def snapshot_versions(length: int) -> list[int]:
    """The versions at which a stream of ``length`` events has had snapshots written."""
    return [v for v in range(1, length + 1) if snapshot_marks(v) > snapshot_marks(v - 1)]
