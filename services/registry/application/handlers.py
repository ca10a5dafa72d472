"""Handlers: register a project, append an event, ingest a batch, read state and
history. Every write goes the same way: validate, check against the project's current
state, append with the versions the check was made against, retry on a race."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from shared.events import project_id_of, project_stream
from shared.eventstore import (
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
from shared.eventstore.envelope import content_fingerprint
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

RETRIES = 10
"""Attempts of a batch that lost a race for a stream's next version."""


@dataclass
class _Batch:
    """Decisions of one attempt: the events to append and the versions they assume."""

    outcomes: list[Outcome]
    events: list[NewEvent] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)
    states: dict[str, KeyProject] = field(default_factory=dict)
    listed: dict[str, tuple[Any, ...] | None] = field(default_factory=dict)
    """The project list's row of each project as loaded."""
    pending: dict[int, int] = field(default_factory=dict)
    """Index of an accepted outcome → index of its event in ``events``."""


class Registry:
    """The registry's use cases over one event store."""

    def __init__(self, store: EventStore, *, max_skew_seconds: int = 300) -> None:
        self.store = store
        self.streams = ProjectStreams(store)
        self.latest = LatestStates()
        # Payloads are validated (and normalised) while deciding; appending through a
        # store without the type registry spares validating every one of them again.
        self.validated = EventStore(
            store.engine, None, lock_timeout_ms=store.lock_timeout_ms, clock=lambda: store.clock()
        )
        assert store.registry is not None, "the registry validates against the catalogue"
        self.types: EventTypeRegistry = store.registry
        self.max_skew = timedelta(seconds=max_skew_seconds)

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
    ) -> list[Outcome]:
        """Each submission accepted, a duplicate, or rejected with its reason; one
        refusal does not block the others, and no event is stored twice."""
        prepared = [self._prepare(s, allowed_types) for s in submissions]
        for _ in range(RETRIES):
            batch = self._decide(prepared, own_source)
            if not batch.events:
                self._settle_refusals(prepared, batch)
                self._keep_latest(batch)
                return batch.outcomes
            try:
                return self._commit(prepared, batch)
            except ConcurrencyConflict as exc:
                explicit = [s for s in prepared if isinstance(s, Submission)]
                if len(explicit) == 1 and explicit[0].expected_version is not None:
                    raise
                last: EventStoreError = exc
            except DuplicateEventConflict as exc:
                last = exc  # a concurrent request stored one of ours: decide again
            except IntegrityError:
                # A concurrent registration took the same national code first; deciding
                # again finds it and refuses ours.
                last = EventStoreError("同时进行的另一项登记先用了这个国家代码")
            except LockTimeout as exc:
                return _retry_later(batch, exc)  # the log stayed locked: waiting more won't do
            time.sleep(random.uniform(0, 0.01))  # let the winner's commit land
        return _retry_later(batch, Contended(RETRIES, last))

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
            return replace(submission, payload=payload, project_id=project_id)
        return replace(submission, payload=payload)

    def _check_limits(self, submission: Submission) -> None:
        """The store's limits, checked before the database: a bad item is refused alone."""
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

    def _decide(self, prepared: list[Submission | Outcome], own_source: str | None) -> _Batch:
        outcomes: list[Outcome] = []
        batch = _Batch(outcomes)
        stored = self._stored([s.event_id for s in prepared if isinstance(s, Submission)])
        seen: dict[str, tuple[str, int]] = {}
        with self.store.reading() as conn:
            codes = _NationalCodes(
                conn,
                [
                    s.national_code
                    for s in prepared
                    if isinstance(s, Submission) and s.national_code
                ],
            )
            self._preload(conn, batch, prepared, codes)
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

    def _preload(
        self,
        conn: Any,
        batch: _Batch,
        prepared: list[Submission | Outcome],
        codes: _NationalCodes,
    ) -> None:
        """Bring the kept states of the batch's projects up to date in one query."""
        ids = {
            s.project_id or codes.claimed.get(s.national_code or "")
            for s in prepared
            if isinstance(s, Submission)
        }
        streams = {project_stream(project_id) for project_id in ids if project_id}
        kept = {sid: state for sid in streams if (state := self.latest.take(sid)) is not None}
        for stream_id, project in self.streams.catch_up(conn, kept).items():
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
        seen: dict[str, tuple[str, int]],
        codes: _NationalCodes,
        own_source: str | None,
    ) -> None:
        outcome = batch.outcomes[index]
        project_id = item.project_id or codes.project_of(item.national_code)
        outcome.project_id = project_id
        stream_id = project_stream(project_id)
        fingerprint = content_fingerprint(
            stream_id,
            item.type,
            self.types.current_version(item.type),
            item.occurred_at,
            item.payload,
        )
        if item.event_id in stored:
            self._duplicate(outcome, stored[item.event_id], fingerprint)
            return
        if item.event_id in seen:
            self._repeated(batch, index, seen[item.event_id], fingerprint)
            return
        project = self._state_of(conn, batch, project_id, stream_id)
        _refuse_out_of_turn(item, project, project_id, stream_id)
        event = ProjectEvent(
            item.event_id,
            item.type,
            item.occurred_at,
            item.payload,
            stream_version=project.version + 1,
            source=item.source,
        )
        check(project, event, now=self.store.clock(), max_skew=self.max_skew)
        if item.type == "ProjectRegistered":
            codes.claim(item.payload.get("national_code"), project_id)
        if item.type in AMENDMENTS:
            self._check_amendment(conn, project, event, stream_id, own_source, codes)
        project.apply(replace(event, recorded_at=self.store.clock()))
        seen[item.event_id] = (fingerprint, index)
        batch.pending[index] = len(batch.events)
        batch.events.append(_new_event(stream_id, item, self.types.current_version(item.type)))

    @staticmethod
    def _repeated(batch: _Batch, index: int, first: tuple[str, int], fingerprint: str) -> None:
        """The same event_id twice in one batch: a duplicate of the first, if the same."""
        first_fingerprint, first_index = first
        if first_fingerprint != fingerprint:
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
    ) -> None:
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

    def _stored(self, event_ids: list[str]) -> dict[str, RecordedEvent]:
        return self.store.get_many(event_ids) if event_ids else {}

    def _commit(self, prepared: list[Submission | Outcome], batch: _Batch) -> list[Outcome]:
        """Append the decided events; the store's own answer, given under the log's lock,
        says whether they are new or were stored by a concurrent request meanwhile."""
        with self.store.writing() as conn:
            result = self.validated.append(batch.events, batch.expected, connection=conn)
            if not result.duplicate:
                self._save_listings(conn, batch, result)
            self._settle_refusals(prepared, batch, conn)
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

    def _save_listings(self, conn: Any, batch: _Batch, result: AppendResult) -> None:
        appended = Counter(p.stream_id for p in result.positions)
        for stream_id, count in appended.items():
            project = batch.states[stream_id]
            if project_list.listed(project) != batch.listed.get(stream_id):
                project_list.save(conn, project)
            if snapshot_due(project.version, count):
                self.streams.save_snapshot(conn, stream_id, project)

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


def _new_event(stream_id: str, item: Submission, schema_version: int) -> NewEvent:
    return NewEvent(
        stream_id=stream_id,
        type=item.type,
        payload=item.payload,
        schema_version=schema_version,
        occurred_at=item.occurred_at,
        event_id=item.event_id,
        source=item.source,
        actor=item.actor,
        correlation_id=item.correlation_id,
        causation_id=item.causation_id,
    )


class _NationalCodes:
    """National project codes → project ids, including registrations in this batch."""

    def __init__(self, conn: Any, prefetch: list[str]) -> None:
        self.conn = conn
        self.claimed: dict[str, str] = project_list.by_national_codes(conn, prefetch)

    def project_of(self, national_code: str | None) -> str:
        if national_code is None:
            raise RuleViolation(
                "project_id",
                "no_project",
                "请给出项目编号（project_id）或国家项目代码（national_code）",
            )
        project_id = self.claimed.get(national_code) or project_list.by_national_code(
            self.conn, national_code
        )
        if project_id is None:
            raise RuleViolation(
                "national_code",
                "unknown_national_code",
                f"没有国家项目代码为 {national_code} 的项目",
            )
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


def _retry_later(batch: _Batch, error: EventStoreError) -> list[Outcome]:
    """The items that were to be stored are answered ``retry`` (nothing of them is): the
    sender sends them again, with the same ids, after a moment."""
    for index in batch.pending:
        outcome = batch.outcomes[index]
        if outcome.status != DUPLICATE and outcome.error is None:
            outcome.status, outcome.error = RETRY, error
    return batch.outcomes
