"""Handlers: register a project, append an event, ingest a batch, read state and
history. Every write goes the same way: validate, check against the project's current
state, append with the versions the check was made against, retry on a race."""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from shared.db import is_postgres
from shared.events import project_id_of, project_stream
from shared.eventstore import (
    Ahead,
    AppendResult,
    ConcurrencyConflict,
    Cutoff,
    DuplicateEventConflict,
    EventStore,
    EventStoreError,
    EventTypeRegistry,
    InvalidEnvelope,
    LockTimeout,
    NewEvent,
    RecordedEvent,
    canonical_json,
    check_envelope,
    check_payload_size,
    text_problem,
)
from shared.eventstore.envelope import content_fingerprint, new_event, utc
from shared.eventstore.limits import surely_within
from shared.i18n import label
from shared.tenancy import DEFAULT_COUNTY, admits, current_scope

from ..domain import (
    AMENDMENTS,
    AlreadyRegistered,
    Change,
    KeyProject,
    ProjectEvent,
    ProjectNotFound,
    RegistryError,
    RuleViolation,
    check,
    check_amendment,
    compare,
    state_at,
)
from ..domain.rules import STARTS
from ..readmodel import projects as project_list
from ..readmodel.streams import LatestStates, ProjectStreams, snapshot_due
from .submissions import ACCEPTED, DUPLICATE, REJECTED, RETRY, Contended, Outcome, Submission

log = logging.getLogger(__name__)

RETRIES = 10
"""Attempts of a batch that lost a race for a stream's next version."""


@dataclass
class _Batch:
    """Decisions of one attempt: the events to append and the versions they assume."""

    outcomes: list[Outcome]
    now: datetime
    """The store's clock, read once as the attempt starts deciding: each event's business
    time is checked against it, and it is the time each is folded as recorded at (the
    store records a batch at one reading of its clock too). Read once per event it cost
    about a microsecond each in a request, more than ten look-ups (issue 18)."""
    events: list[NewEvent] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)
    states: dict[str, KeyProject] = field(default_factory=dict)
    listed: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)
    """The project list's row of each project as loaded."""
    pending: dict[int, int] = field(default_factory=dict)
    """Index of an accepted outcome → index of its event in ``events``."""
    decided: dict[str, list[ProjectEvent]] = field(default_factory=dict)
    """The events decided for each stream in this attempt, as folded."""
    as_kept: list[str] = field(default_factory=list)
    """The streams whose states were taken as this process kept them, not read again
    (`Registry._preload`): the append's probe, under the log's lock, checks them."""


class Registry:
    """The registry's use cases over one event store."""

    def __init__(self, store: EventStore, *, max_skew_seconds: int = 300) -> None:
        self.store = store
        self.streams = ProjectStreams(store)
        self.latest = LatestStates()
        # Payloads are validated (and normalised) while deciding; appending through a
        # store without the type registry spares validating every one of them again.
        self.validated = EventStore(
            store.engine,
            None,
            lock_timeout_ms=store.lock_timeout_ms,
            clock=lambda: store.clock(),
            holder_slice_us=store.holder_slice_us,
            release_early=store.release_early,
        )
        assert store.registry is not None, "the registry validates against the catalogue"
        self.types: EventTypeRegistry = store.registry
        self.max_skew = timedelta(seconds=max_skew_seconds)
        self.code_owners: dict[str, str] = {}
        """National codes → project ids as last looked up (`_NationalCodes`)."""

    # -- reading ------------------------------------------------------------------

    def state(
        self, project_id: str, as_of: datetime | None = None, known_at: datetime | None = None
    ) -> KeyProject:
        project = self.streams.load(
            project_id, project_stream(project_id), as_of=as_of, known_at=known_at
        )
        if not (project.registered or project.pooled) and not self._exists(project_id):
            raise ProjectNotFound(project_id)
        if not admits(project.county):  # another county's: not there for this request
            raise ProjectNotFound(project_id)
        return project

    def history(
        self,
        project_id: str,
        cutoff: Cutoff | None = None,
        *,
        after_version: int = 0,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        """The stream's events after ``after_version`` (at most ``limit`` versions on),
        those the cutoff admits, each judged by its own two clocks."""
        if not self._exists(project_id):
            raise ProjectNotFound(project_id)
        return self.store.read_stream(
            project_stream(project_id),
            from_version=after_version + 1,
            to_version=after_version + limit if limit is not None else None,
            cutoff=cutoff,
        )

    def diff(
        self, project_id: str, before: Cutoff, after: Cutoff
    ) -> tuple[KeyProject, KeyProject, list[Change]]:
        """The baseline comparison: every field that differs, and the events behind it."""
        if not self._exists(project_id):
            raise ProjectNotFound(project_id)
        events = self.streams.history(project_stream(project_id))
        old = state_at(project_id, events, before.as_of, before.known_at)
        new = state_at(project_id, events, after.as_of, after.known_at)
        return old, new, compare(old, new)

    def _exists(self, project_id: str) -> bool:
        """Registered in the request's counties (the project list is scoped), or only in
        the project pool of one of them: a project of another county is not there."""
        with self.store.reading() as conn:
            if project_list.exists(conn, project_id):
                return True
            if self.store.stream_version(project_stream(project_id), connection=conn) == 0:
                return False
        project = self.streams.load(project_id, project_stream(project_id))
        return project.pooled and not project.registered and admits(project.county)

    # -- writing ------------------------------------------------------------------

    def submit(self, submission: Submission) -> Outcome:
        """One event; a refusal is raised (`RegistryError`, `EventStoreError`)."""
        (outcome,) = self.submit_batch([submission], allowed_types=None)
        if outcome.error is not None:
            raise outcome.error
        return outcome

    def submit_batch(
        self,
        submissions: Sequence[Submission],
        *,
        allowed_types: Sequence[str] | None = None,
        own_source: str | None = None,
        on_write: Callable[[Connection], None] | None = None,
        on_write_ahead: Ahead | None = None,
    ) -> list[Outcome]:
        """Each submission accepted, a duplicate, or rejected with its reason; one
        refusal does not block the others, and no event is stored twice. ``on_write``
        writes beside the events, in the transaction that stores them (or in one of its
        own when none is stored); what it raises ends the batch, nothing stored.
        ``on_write_ahead``: the same write as one statement, which an append on
        PostgreSQL sends in its own message, before the log's lock, instead of calling
        ``on_write`` (a round trip less, and its ``BEGIN``'s).

        The first attempt does not look up the batch's event ids before deciding, nor
        does the append under the log's lock: the unique index of the events refuses an id
        that is stored (`EventStore.append` with ``look_up_ids=False``; on SQLite and for
        a few events the store looks them up), and the next attempt then answers them as
        duplicates (`_decide`). An `IntegrityError` is then another unique key: a
        national code taken by a concurrent registration (the project list's)."""
        prepared = [self._prepare(s, allowed_types) for s in submissions]
        ahead = (on_write_ahead,) if on_write_ahead is not None else ()
        with self._connection() as connection:
            return self._attempts(prepared, own_source, (on_write, ahead), connection)

    @contextmanager
    def _connection(self) -> Iterator[Connection | None]:
        """The pooled connection a batch is decided and written on, on PostgreSQL: one
        checkout for both, its autocommit switched on the driver (a checkout and
        SQLAlchemy's isolation option cost a signed ingest request some 170 µs of CPU,
        measured in process). None on SQLite, where deciding reads in a transaction of
        its own (`_deciding`)."""
        if not is_postgres(self.store.engine):
            yield None
            return
        with self.store.engine.connect() as connection:
            yield connection

    def _attempts(
        self,
        prepared: list[Submission | Outcome],
        own_source: str | None,
        beside: _Beside,
        connection: Connection | None,
    ) -> list[Outcome]:
        """`submit_batch`'s attempts, each decided and written on ``connection``, with
        what is written ``beside`` the events (`on_write`, and as statements ahead)."""
        on_write = beside[0]
        trust = all(s.expected_version is None for s in prepared if isinstance(s, Submission))
        for attempt in range(RETRIES):
            batch = self._decide(
                prepared,
                own_source,
                look_up_ids=attempt > 0,
                connection=connection,
                trust_kept=trust,
            )
            if not batch.events and batch.as_kept:
                # Refusals alone, on states not read again: no append checks them.
                self._keep_latest(batch)
                trust = False
                continue
            if not batch.events:
                return self._refused_alone(prepared, batch, on_write, connection)
            try:
                return self._commit(prepared, batch, beside, connection)
            except (ConcurrencyConflict, DuplicateEventConflict, IntegrityError) as exc:
                last, at_once = self._lost_race(exc, prepared, batch)
                trust = False
                if at_once:
                    continue
            except LockTimeout as exc:
                _written_alone(self.store, on_write, connection)
                return _retry_later(batch, exc)  # the log stayed locked: waiting more won't do
            time.sleep(random.uniform(0, 0.01))  # let the winner's commit land
        _written_alone(self.store, on_write, connection)
        return _retry_later(batch, Contended(RETRIES, last))

    def _refused_alone(
        self,
        prepared: list[Submission | Outcome],
        batch: _Batch,
        on_write: Callable[[Connection], None] | None,
        connection: Connection | None,
    ) -> list[Outcome]:
        """A batch with nothing to append: its refusals settled, ``on_write`` written."""
        with self._deciding(connection) as conn:
            self._settle_refusals(prepared, batch, conn)
        _written_alone(self.store, on_write, connection)
        if on_write is None and any(o.status == DUPLICATE for o in batch.outcomes):
            self.store.wait_durable()  # answered as stored: found so, and durable (no write)
        self._keep_latest(batch)
        return batch.outcomes

    def _lost_race(
        self, exc: Exception, prepared: list[Submission | Outcome], batch: _Batch
    ) -> tuple[EventStoreError, bool]:
        """What an append refused because of a concurrent write leaves to try again: the
        error to report if no attempt succeeds, and whether to decide again at once. A
        conflict on the one event of a request that named its expected version is raised."""
        if isinstance(exc, ConcurrencyConflict):
            explicit = [s for s in prepared if isinstance(s, Submission)]
            if len(explicit) == 1 and explicit[0].expected_version is not None:
                raise exc
            if exc.stream_id not in batch.as_kept:
                return exc, False
            # Another process wrote the stream since this one kept its state: decided
            # again at once on states read anew, and read anew from now on.
            self.latest.overtaken(exc.stream_id)
            return exc, True
        if isinstance(exc, DuplicateEventConflict):
            # A concurrent request stored one of ours (committed: it held the log's
            # lock): decided again at once, its ids looked up.
            return exc, True
        # A concurrent registration took the same national code first (the project
        # list's unique key): deciding again finds it and refuses ours.
        return EventStoreError("同时进行的另一项登记先用了这个国家代码"), False

    def trial(self, submissions: Sequence[Submission]) -> list[Outcome]:
        """What `submit_batch` would answer now, appending nothing: an outcome with no
        error and not a duplicate would be accepted (a spreadsheet's preview)."""
        prepared = [self._prepare(s, None) for s in submissions]
        return self._decide(prepared, None).outcomes

    def _prepare(
        self, submission: Submission, allowed_types: Sequence[str] | None
    ) -> Submission | Outcome:
        def refuse(error: Exception) -> Outcome:
            return Outcome(
                _echoed(submission.event_id) or "",
                REJECTED,
                _echoed(submission.project_id),
                error=error,
            )

        try:
            self._check_limits(submission)
        except InvalidEnvelope as exc:
            return refuse(exc)
        if allowed_types is not None and submission.type not in allowed_types:
            return refuse(
                RuleViolation(
                    "type",
                    "type_not_allowed",
                    f"本接入系统不能报送 {submission.type}；可报送的类型："
                    f"{'、'.join(allowed_types) or '无'}",
                )
            )
        try:
            payload = self.types.validate(submission.type, submission.payload)
        except EventStoreError as exc:
            return refuse(exc)
        if submission.type in STARTS:
            project_id = payload["project_id"]
            if submission.project_id not in (None, project_id):
                return refuse(
                    RuleViolation(
                        "project_id", "project_id_differs", "与 payload.project_id 不一致"
                    )
                )
            try:
                payload["county"] = county_of_registration(payload.get("county"))
            except RuleViolation as exc:
                return refuse(exc)
            return _with_payload(submission, payload, project_id)
        return _with_payload(submission, payload, submission.project_id)

    def _check_limits(self, submission: Submission) -> None:
        """The store's limits, checked before the database: a bad item is refused alone."""
        if surely_within(
            submission.occurred_at,
            submission.payload,
            submission.event_id,
            submission.type,
            submission.source,
            submission.actor,
            submission.correlation_id,
            submission.causation_id,
            submission.project_id,
            submission.national_code,
        ):
            return
        check_envelope(
            occurred_at=submission.occurred_at,
            payload=submission.payload,
            event_id=submission.event_id,
            type=submission.type,
            actor=submission.actor,
            source=submission.source,
            correlation_id=submission.correlation_id,
            causation_id=submission.causation_id,
            project_id=submission.project_id,
            national_code=submission.national_code,
        )
        check_payload_size(canonical_json(submission.payload))

    def _decide(
        self,
        prepared: list[Submission | Outcome],
        own_source: str | None,
        *,
        look_up_ids: bool = True,
        connection: Connection | None = None,
        trust_kept: bool = False,
    ) -> _Batch:
        """The batch's outcomes and the events to append. Without ``look_up_ids`` the
        items' ids are not looked up in the store first: a stored one is decided as if it
        were new, and the store's check under the lock then refuses the append (or,
        when every event is stored with the same content, answers duplicates). With
        ``trust_kept`` the states this process kept are taken as they stand (`_preload`)."""
        outcomes: list[Outcome] = []
        batch = _Batch(outcomes, self.store.clock())
        seen: dict[str, int] = {}
        with self._deciding(connection) as conn:
            ids = [s.event_id for s in prepared if isinstance(s, Submission)]
            stored = self._stored(ids, conn) if look_up_ids else {}
            codes = _NationalCodes(
                conn,
                [
                    s.national_code
                    for s in prepared
                    if isinstance(s, Submission) and s.national_code
                ],
                self.code_owners,
            )
            self._preload(conn, batch, prepared, codes, trust_kept)
            for index, item in enumerate(prepared):
                if isinstance(item, Outcome):
                    outcomes.append(item)
                    continue
                outcome = Outcome(item.event_id, REJECTED, item.project_id)
                outcomes.append(outcome)
                try:
                    self._decide_one(conn, batch, index, item, stored, seen, codes, own_source)
                except (RegistryError, EventStoreError) as exc:
                    outcome.error = exc
        return batch

    @contextmanager
    def _deciding(self, connection: Connection | None = None) -> Iterator[Any]:
        """The connection a batch is decided on. On PostgreSQL in autocommit, on the
        primary: each query sees what is committed when it runs, with no ``BEGIN`` and
        ``COMMIT`` round trips; nothing read here is trusted without the store's own
        check under the log's lock (the streams' versions, the stored ids). On
        ``connection`` (the batch's own, `_connection`) when given, which is out of
        autocommit again afterwards, for the write."""
        if not is_postgres(self.store.engine):
            with self.store.reading() as conn:
                yield conn
            return
        if connection is not None:
            with _autocommitted(connection):
                yield connection
            return
        with self.store.engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")

    def _preload(
        self,
        conn: Any,
        batch: _Batch,
        prepared: list[Submission | Outcome],
        codes: _NationalCodes,
        trust_kept: bool = False,
    ) -> None:
        """The current states of the batch's projects: those kept here, and the others
        from their latest snapshots, brought up to date in one query. With ``trust_kept``
        a kept state is taken as it stands, unless another process was found writing its
        stream (`LatestStates.overtaken`): a query less for a batch whose client keeps its
        connection to this process. Nothing is lost by it: the append's probe, under the
        log's lock, checks every stream's version, and a state that another process has
        overtaken meanwhile refuses the append, which is decided again on states read
        anew (`_attempts`); for a while after that, every state is read anew."""
        ids = {
            s.project_id or codes.address(s.national_code)
            for s in prepared
            if isinstance(s, Submission)
        }
        streams = {project_stream(project_id): project_id for project_id in ids if project_id}
        kept = {sid: state for sid in streams if (state := self.latest.take(sid)) is not None}
        trust_kept = trust_kept and self.latest.trusting()
        as_kept = {sid: p for sid, p in kept.items() if trust_kept and self.latest.alone(sid)}
        stale = {sid: p for sid, p in kept.items() if sid not in as_kept}
        others = {sid: pid for sid, pid in streams.items() if sid not in kept}
        stale.update(self.streams.latest_snapshots(conn, others))
        current = self.streams.catch_up(conn, stale)
        current.update(as_kept)
        batch.as_kept = list(as_kept)
        for stream_id, project in current.items():
            batch.states[stream_id] = project
            batch.expected[stream_id] = project.version
            batch.listed[stream_id] = project_list.listed(project)

    def _decide_one(
        self,
        conn: Any,
        batch: _Batch,
        index: int,
        item: Submission,
        stored: dict[str, RecordedEvent],
        seen: dict[str, int],
        codes: _NationalCodes,
        own_source: str | None,
    ) -> None:
        outcome = batch.outcomes[index]
        project_id = self._addressed(conn, batch, item, codes)
        outcome.project_id = project_id
        stream_id = project_stream(project_id)
        version = self.types.current_version(item.type)
        if item.event_id in stored:
            self._duplicate(outcome, stored[item.event_id], _fingerprint(stream_id, item, version))
            return
        if item.event_id in seen:
            self._repeated(
                batch, index, seen[item.event_id], _fingerprint(stream_id, item, version)
            )
            return
        project = self._state_of(conn, batch, project_id, stream_id)
        _refuse_out_of_turn(item, project, project_id, stream_id)
        now = batch.now
        recorded = ProjectEvent(
            item.event_id,
            item.type,
            item.occurred_at,
            item.payload,
            now,
            project.version + 1,
            item.source,
        )
        check(project, recorded, now=now, max_skew=self.max_skew)
        if item.type == "ProjectRegistered":
            codes.claim(item.payload.get("national_code"), project_id)
        if item.type in AMENDMENTS:
            history = self._check_amendment(conn, project, recorded, stream_id, own_source, codes)
            _refold(batch, project_id, stream_id, history, recorded)
        else:
            project.apply(recorded)
        batch.decided.setdefault(stream_id, []).append(recorded)
        seen[item.event_id] = index
        batch.pending[index] = len(batch.events)
        batch.events.append(_new_event(stream_id, item, version))

    def _addressed(self, conn: Any, batch: _Batch, item: Submission, codes: _NationalCodes) -> str:
        """The project an item is for: its project id, or the project its national code
        names — confirmed on the project's state when the code was known here before."""
        if item.project_id or item.national_code is None:
            return item.project_id or codes.project_of(item.national_code)
        project_id = codes.project_of(item.national_code)
        if codes.is_assumed(item.national_code, project_id):
            held = self._state_of(conn, batch, project_id, project_stream(project_id))
            if held.national_code != item.national_code:
                return codes.forget(item.national_code)
        return project_id

    @staticmethod
    def _repeated(batch: _Batch, index: int, first_index: int, fingerprint: str) -> None:
        """The same event_id twice in one batch: a duplicate of the first, if the same."""
        first = batch.events[batch.pending[first_index]]
        if first.content_fingerprint() != fingerprint:
            raise DuplicateEventConflict(
                batch.outcomes[index].event_id, "本批中同一 event_id 的内容不同"
            )
        batch.outcomes[index] = replace(batch.outcomes[first_index], status=DUPLICATE)
        batch.pending[index] = batch.pending.get(first_index, -1)

    def _state_of(self, conn: Any, batch: _Batch, project_id: str, stream_id: str) -> KeyProject:
        """The project's current state, loaded once per attempt."""
        project = batch.states.get(stream_id)
        if project is None:
            project = self.streams.load(
                project_id, stream_id, connection=conn, latest=self.latest.take(stream_id)
            )
            batch.states[stream_id] = project
            batch.expected[stream_id] = project.version
            batch.listed[stream_id] = project_list.listed(project)
        return project

    def _check_amendment(
        self,
        conn: Any,
        project: KeyProject,
        event: ProjectEvent,
        stream_id: str,
        own_source: str | None,
        codes: _NationalCodes,
    ) -> list[ProjectEvent]:
        """Check an amendment against the event it points at; the stream's stored history."""
        field = "corrected_event_id" if event.type == "EventCorrected" else "retracted_event_id"
        history = self.streams.history(stream_id, connection=conn)
        target = next((e for e in history if e.event_id == event.target), None)
        if target is not None and own_source is not None and target.source != own_source:
            raise RuleViolation(
                field, "not_own_event", f"接入系统只能更正或撤回自己报送的事件（{own_source}）"
            )
        if target is not None and event.type == "EventCorrected":
            corrected = self.types.validate(target.type, event.payload["payload"])
            event.payload["payload"].clear()  # type: ignore[attr-defined]
            event.payload["payload"].update(corrected)  # type: ignore[attr-defined]
        check_amendment(project, event, target, history)
        if target is not None and target.type == "ProjectRegistered":
            codes.claim(event.payload["payload"].get("national_code"), project.project_id)
        return history

    @staticmethod
    def _duplicate(outcome: Outcome, row: RecordedEvent, fingerprint: str) -> None:
        stored = content_fingerprint(
            row.stream_id, row.type, row.schema_version, row.occurred_at, row.payload
        )
        if stored != fingerprint:
            raise DuplicateEventConflict(row.event_id)
        outcome.status = DUPLICATE
        outcome.project_id = project_id_of(row.stream_id)
        outcome.stream_version = row.stream_version
        outcome.global_position = row.global_position

    def _stored(self, event_ids: list[str], conn: Any) -> dict[str, RecordedEvent]:
        return self.store.get_many(event_ids, connection=conn) if event_ids else {}

    def _commit(
        self,
        prepared: list[Submission | Outcome],
        batch: _Batch,
        beside: _Beside,
        connection: Connection | None = None,
    ) -> list[Outcome]:
        """Append the decided events (in a transaction on ``connection`` when given); the
        store's own answer, given under the log's lock, says whether they are new or were
        stored by a concurrent request meanwhile. What is written beside the events
        (``on_write``, or its statements ahead sent with the append on ``connection``;
        the project list's rows) goes before the log's lock, whose append ends the
        transaction (``commit``: on PostgreSQL the ``COMMIT`` goes with the rows, the
        lock let go once they are stored). No row lock is taken under the log's lock."""
        relisted, due = self._listing_changes(batch)
        result = self._appended(batch, beside, relisted, connection)
        with self._deciding(connection) as conn:  # read after the commit: what is stored by now
            self._settle_refusals(prepared, batch, conn)
        if not result.duplicate:
            self._save_snapshots(batch, due, connection)
        status = DUPLICATE if result.duplicate else ACCEPTED
        for index, event_index in batch.pending.items():
            if event_index < 0:
                continue
            outcome, position = batch.outcomes[index], result.positions[event_index]
            if outcome.status != DUPLICATE:
                outcome.status = status
            outcome.stream_version = position.stream_version
            outcome.global_position = position.global_position
        if not result.duplicate:
            self._keep_latest(batch)
            self.store.notify(result.last_position)
        return batch.outcomes

    def _appended(
        self,
        batch: _Batch,
        beside: _Beside,
        relisted: list[KeyProject],
        connection: Connection | None,
    ) -> AppendResult:
        """`_commit`'s transaction: what is written beside the events, the project list's
        rows, then the append, which commits. A duplicate batch whose rows were listed
        (by the request that stored it) is rolled back, and only ``on_write`` kept."""
        on_write, ahead = beside
        ahead = ahead if connection is not None else ()
        try:
            with self.store.writing(connection) as conn:
                if on_write is not None and not ahead:
                    on_write(conn)
                for project in relisted:
                    project_list.save(conn, project)
                # The ids are left to the unique index (no lookup under the lock): one
                # stored by a concurrent request meanwhile refuses the append, and the batch
                # is decided again with its ids looked up (`submit_batch`).
                result = self.validated.append(
                    batch.events,
                    batch.expected,
                    connection=conn,
                    look_up_ids=False,
                    commit=True,
                    ahead=ahead,
                )
                if result.duplicate and relisted:
                    raise _Undone(result)  # the rows were listed by the request that stored them
        except _Undone as undone:
            result = undone.result
            _written_alone(self.store, on_write, connection)
        return result

    @staticmethod
    def _listing_changes(batch: _Batch) -> tuple[list[KeyProject], list[str]]:
        """The projects whose row in the project list the batch changes (written beside
        the append), and the streams whose snapshot falls due; told before the append,
        from the decided states, so that the log's lock is not held for it."""
        appended = Counter(e.stream_id for e in batch.events)
        relisted, due = [], []
        for stream_id, count in appended.items():
            project = batch.states[stream_id]
            if project_list.listed(project) != batch.listed.get(stream_id):
                relisted.append(project)
            if snapshot_due(project.version, count):
                due.append(stream_id)
        return relisted, due

    def _save_snapshots(
        self, batch: _Batch, due: list[str], connection: Connection | None = None
    ) -> None:
        """Snapshot the streams whose states reached a snapshot mark, after the append's
        commit: reading a stream to date its snapshot no longer holds the log's lock
        (every writer waited for it). Before the states are kept, so that no other
        request changes one meanwhile. A snapshot is a shortcut for reading: one that
        fails is logged, and the next crossing writes one.

        On PostgreSQL its commit does not wait for its WAL to be flushed (a grown
        project's snapshot is a few hundred kB of WAL, and the request waited for it). That
        is safe because a snapshot is derived from events that are durable already (their
        own commit waited): a crash may lose the snapshot whole, never part of it nor an
        event; reads then start from an earlier snapshot or the stream's first event, and
        the next crossing writes one again. A replica is sent only WAL that is flushed."""
        if not due:
            return
        try:
            with self.store.writing(connection) as conn:
                if is_postgres(self.store.engine):
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                self.streams.save_snapshots(conn, {sid: batch.states[sid] for sid in due})
        except Exception:  # the events are stored: the request has succeeded
            log.exception("snapshot not written", extra={"streams": due})

    def _settle_refusals(
        self, prepared: list[Submission | Outcome], batch: _Batch, conn: Any = None
    ) -> None:
        """A refused event that is stored by now was refused on a state that already held
        it (a concurrent request stored it after this one looked for its id): it is a
        duplicate, answered with its stored positions. Read after the states were."""
        refused = {
            index: item
            for index, item in enumerate(prepared)
            if isinstance(item, Submission) and batch.outcomes[index].error is not None
        }
        if not refused:
            return
        stored = self.store.get_many([s.event_id for s in refused.values()], connection=conn)
        for index, item in refused.items():
            row = stored.get(item.event_id)
            if row is None:
                continue
            version = self.types.current_version(item.type)
            fingerprint = content_fingerprint(
                row.stream_id, item.type, version, item.occurred_at, item.payload
            )
            outcome = Outcome(item.event_id, REJECTED, item.project_id)
            try:
                self._duplicate(outcome, row, fingerprint)
            except DuplicateEventConflict as exc:
                outcome.error = exc
            batch.outcomes[index] = outcome

    def _keep_latest(self, batch: _Batch) -> None:
        for stream_id, project in batch.states.items():
            if project.registered or project.pooled:
                self.latest.keep(stream_id, project)


_Beside = tuple[Callable[[Connection], None] | None, tuple[Ahead, ...]]
"""What a batch writes beside its events: ``on_write``, and the same as statements ahead
of the append (`Registry.submit_batch`)."""


def _refold(
    batch: _Batch,
    project_id: str,
    stream_id: str,
    history: list[ProjectEvent],
    amendment: ProjectEvent,
) -> None:
    """The project's state with ``amendment``, folded again from its events: an
    amendment changes what an earlier event counts for, which applying it to the state
    as it stands cannot do (the state is kept, listed and snapshotted afterwards)."""
    base = batch.expected[stream_id]
    events = [e for e in history if e.stream_version <= base]
    events += batch.decided.get(stream_id, [])
    events.append(amendment)
    batch.states[stream_id] = state_at(project_id, events)


def _with_payload(item: Submission, payload: dict[str, Any], project_id: str | None) -> Submission:
    """``replace(item, payload=..., project_id=...)`` at a fifth of its cost, its
    ``occurred_at`` in UTC (`_in_utc`)."""
    return Submission(
        item.event_id,
        item.type,
        _in_utc(item.occurred_at),
        payload,
        project_id,
        item.national_code,
        item.expected_version,
        item.actor,
        item.source,
        item.correlation_id,
        item.causation_id,
    )


def _in_utc(instant: datetime) -> datetime:
    """The instant in UTC, as the store keeps it: an event is folded (its records' and
    the state's times are its wall clock's, `instant_text`) as it will be read back. An
    instant with another offset (``+08:00``) was folded at its own wall clock, eight hours
    off, in the state kept after the write and in the snapshots written from it. Its
    limits are checked before (a naive one is refused there)."""
    return instant if instant.tzinfo is UTC else utc(instant)


def _fingerprint(stream_id: str, item: Submission, schema_version: int) -> str:
    """What makes a resent event "the same event" (`content_fingerprint`)."""
    return content_fingerprint(stream_id, item.type, schema_version, item.occurred_at, item.payload)


def _new_event(stream_id: str, item: Submission, schema_version: int) -> NewEvent:
    return new_event(
        stream_id,
        item.type,
        item.payload,
        item.occurred_at,
        item.event_id,
        schema_version,
        item.source,
        item.actor,
        item.correlation_id,
        item.causation_id,
    )


class _NationalCodes:
    """National project codes → project ids, including registrations in this batch.

    Codes this process has looked up before (``known``) are not looked up again: such an
    address is *assumed*, and `Registry._addressed` confirms it on the project's current
    state (which the append's expected version then holds until the commit); one that
    no longer holds is looked up (`forget`)."""

    KNOWN_AT_MOST = 100_000

    def __init__(self, conn: Any, prefetch: list[str], known: dict[str, str]) -> None:
        self.conn = conn
        self.known = known
        # One read per code: another thread may forget a code between a look and a read.
        self.assumed = {code: pid for code in prefetch if (pid := known.get(code)) is not None}
        unknown = [code for code in prefetch if code not in self.assumed]
        self.claimed: dict[str, str] = project_list.by_national_codes(conn, unknown)
        if len(known) + len(self.claimed) > self.KNOWN_AT_MOST:
            known.clear()
        known.update(self.claimed)

    def address(self, national_code: str | None) -> str | None:
        """The project the code names as far as known here (None: look it up)."""
        code = national_code or ""
        return self.claimed.get(code) or self.assumed.get(code)

    def is_assumed(self, national_code: str, project_id: str) -> bool:
        return national_code not in self.claimed and self.assumed.get(national_code) == project_id

    def project_of(self, national_code: str | None) -> str:
        if national_code is None:
            raise RuleViolation(
                "project_id",
                "no_project",
                "请给出项目编号（project_id）或国家项目代码（national_code）",
            )
        project_id = self.address(national_code) or self._look_up(national_code)
        if project_id is None:
            raise RuleViolation(
                "national_code",
                "unknown_national_code",
                f"没有国家项目代码为 {national_code} 的项目",
            )
        return project_id

    def forget(self, national_code: str) -> str:
        """An assumed code that its project no longer holds: looked up again."""
        self.assumed.pop(national_code, None)
        self.known.pop(national_code, None)
        return self.project_of(national_code)

    def _look_up(self, national_code: str) -> str | None:
        project_id = project_list.by_national_code(self.conn, national_code)
        if project_id is not None:
            self.claimed[national_code] = project_id
            self.known[national_code] = project_id
        return project_id

    def claim(self, national_code: str | None, project_id: str) -> None:
        if national_code is None:
            return
        holder = self.claimed.get(national_code) or project_list.by_national_code(
            self.conn, national_code
        )
        if holder is not None and holder != project_id:
            raise AlreadyRegistered("national_code", national_code, holder)
        self.claimed[national_code] = project_id


def _refuse_out_of_turn(
    item: Submission, project: KeyProject, project_id: str, stream_id: str
) -> None:
    """An event the project cannot take now: a second registration (or pool entry), an
    event before either, or one written against a version that is no longer the latest."""
    if item.type == "ProjectRegistered" and project.registered:
        raise AlreadyRegistered("project_id", project_id, project_id)
    if item.type == "ProjectPooled" and (project.registered or project.pooled):
        raise AlreadyRegistered("project_id", project_id, project_id)
    if item.type == "ProjectRegistered" and project.pooled:
        _same_county_as_pooled(item, project, project_id)
    known = (project.registered or project.pooled) and admits(project.county)
    if item.type not in STARTS and not known:
        raise ProjectNotFound(project_id)
    if item.expected_version is not None and item.expected_version != project.version:
        raise ConcurrencyConflict(stream_id, item.expected_version, project.version)


def _same_county_as_pooled(item: Submission, project: KeyProject, project_id: str) -> None:
    """A pooled project enters a campaign in its pool entry's county: another county's
    entry is, to the request, an id that is taken; naming another county is refused."""
    pooled_in = project.county or DEFAULT_COUNTY
    if not admits(pooled_in):
        raise AlreadyRegistered("project_id", project_id, project_id)
    if item.payload.get("county") != pooled_in:
        raise RuleViolation(
            "county",
            "county_differs",
            f"该项目在项目库中属“{label('county', pooled_in)}”，须在同一县登记",
        )


def county_of_registration(given: str | None) -> str:
    """The county a new project is registered in: the one given, which the request's
    scope must cover, or the registering principal's own county."""
    scope = current_scope()
    county = given or scope.county or (DEFAULT_COUNTY if scope.unattended else None)
    if county is None:
        raise RuleViolation(
            "county", "county_required", "市、省级账号登记项目须指明所属县（county）"
        )
    if county not in scope.counties:
        raise RuleViolation(
            "county", "county_out_of_scope", f"无权在“{county}”登记项目，或该县未配置"
        )
    return county


def _echoed(text: str | None) -> str | None:
    """A refused item's own id, echoed only when it can be written back as text."""
    return text if text is None or text_problem(text) is None else None


class _Undone(Exception):  # noqa: N818 - not an error: the transaction is rolled back for it
    """Raised inside a write transaction to roll it back, with the append's answer."""

    def __init__(self, result: AppendResult) -> None:
        super().__init__("rolled back")
        self.result = result


def _written_alone(
    store: EventStore,
    on_write: Callable[[Connection], None] | None,
    connection: Connection | None = None,
) -> None:
    """``on_write`` in a transaction of its own, when no events are stored with it."""
    if on_write is not None:
        with store.writing(connection) as conn:
            on_write(conn)


@contextmanager
def _autocommitted(connection: Connection) -> Iterator[None]:
    """``connection`` in autocommit inside, set on its driver (SQLAlchemy's isolation
    option cost as much again as the checkout it spares), and out of it afterwards: the
    transaction SQLAlchemy began for a query inside ended (nothing to end on the server),
    the driver back to transactions (one that the server dropped is not used again)."""
    driver = connection.connection.driver_connection
    driver.autocommit = True  # type: ignore[union-attr]
    try:
        yield
    finally:
        connection.rollback()
        if not (driver.closed or driver.broken):  # type: ignore[union-attr]
            driver.autocommit = False  # type: ignore[union-attr]


def _retry_later(batch: _Batch, error: EventStoreError) -> list[Outcome]:
    """The items that were to be stored are answered ``retry`` (nothing of them is): the
    sender sends them again, with the same ids, after a moment. A second copy of one in
    the batch (`Registry._repeated`: a duplicate of it, to be given its positions once it
    is stored) is ``retry`` too, not a duplicate of nothing."""
    for index, event_index in batch.pending.items():
        outcome = batch.outcomes[index]
        if event_index >= 0 and outcome.error is None:
            outcome.status, outcome.error = RETRY, error
    return batch.outcomes
