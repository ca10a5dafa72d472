"""Scheduling's use cases: the board, planning a period, follow-up actions, the read model.

Questions about "now" are answered from the read model once it has caught up with the
log; questions about the past (an ``as_of`` before the latest business time, or a
``known_at`` before the last event) replay the log up to that cut-off. Both paths fold
the same facts with the same code, so they give the same answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.campaign import DEFINED, Campaign, Targets, campaign_of_day
from shared.campaign_log import CampaignBook
from shared.documents import LeaderRanks, OfficeConfig
from shared.events import PROJECT_EVENT_TYPES
from shared.eventstore import (
    CatchUp,
    ConcurrencyConflict,
    Cutoff,
    DuplicateEventConflict,
    EventStore,
    NewEvent,
    RecordedEvent,
    format_instant,
    now_utc,
    parse_instant,
)
from shared.i18n import label
from shared.tenancy import (
    DEFAULT_COUNTY,
    Tenancy,
    admits,
    counties_in_scope,
    county_for,
    county_stream,
    current_scope,
    stream_county,
)

from ..config import SchedulingConfig
from ..domain import duban, quarter_review
from ..domain.errors import (
    ActionNotFound,
    ColourRecordNotFound,
    EscalationConflict,
    EscalationNotFound,
    InspectionNotFound,
    InvalidRecord,
    PlanNotFound,
    SiteMeetingNotFound,
)
from ..domain.periods import Period
from ..domain.plan import (
    OpenAction,
    PlanInputs,
    Roster,
    as_first_released,
    before_by_kind,
    before_review,
    before_set_pieces,
    build_plan,
    changes_between,
    digest_of,
    legacy_meeting,
    meeting_instant,
    new_actions,
    progress_rows,
    records_in,
    replan_cutoff,
    repointed,
    visible_to,
)
from ..domain.project import ProjectState
from ..domain.reasons import LEGACY_EN, ZH
from ..domain.rules import findings, status
from ..readmodel import projection, queries
from . import (
    action_workflow,
    colour_record,
    escalations,
    inspections,
    pool_review,
    rollup,
    set_pieces,
    site_meetings,
)
from .set_pieces import SET_PIECE_TYPES

_IDS = uuid.UUID("6d1c8a2e-3f54-4b7e-9a0c-5e2f7b9d4c11")
"""Namespace of scheduling's deterministic event ids (a retry writes the same id)."""


_PLAN_INPUTS = (
    *PROJECT_EVENT_TYPES,
    DEFINED,
    "ActionClosed",
    *SET_PIECE_TYPES,
    "SiteMeetingRecorded",
    "InspectionRecorded",
    *escalations.ESCALATION_TYPES,
)
"""The event types a plan is made from (its own and other plans' events are not)."""


@dataclass(frozen=True)
class Snapshot:
    """The projects and open actions as known at a cut-off, and where they came from."""

    states: list[ProjectState]
    open_actions: list[OpenAction]
    taken_action_ids: frozenset[str]
    source: str
    watermark: int


@dataclass(frozen=True)
class PlanRecord:
    """One stored version of a plan."""

    cadence: str
    period: str
    version: int
    digest: str
    known_at: str
    watermark: int | None
    event_id: str
    global_position: int
    recorded_at: datetime
    changes: dict[str, Any]
    plan: dict[str, Any]
    audit: bool = False
    """An audit view: the plan as it would have been made with what was known at an
    earlier ``known_at``; never the period's current version, never opens an action."""
    county: str = DEFAULT_COUNTY
    """The county whose plan it is (from its stream's name, `county_stream`)."""

    @classmethod
    def of(cls, event: RecordedEvent) -> PlanRecord:
        p = event.payload
        return cls(
            p["cadence"],
            p["period"],
            p["plan_version"],
            p["digest"],
            p["known_at"],
            p.get("watermark"),
            event.event_id,
            event.global_position,
            event.recorded_at,
            p.get("changes") or {},
            p["plan"],
            bool(p.get("audit")),
            stream_county(event.stream_id)[0],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cadence": self.cadence,
            "period": self.period,
            "version": self.version,
            "digest": self.digest,
            "known_at": self.known_at,
            "watermark": self.watermark,
            "event_id": self.event_id,
            "global_position": self.global_position,
            "recorded_at": format_instant(self.recorded_at),
            "changes": self.changes,
            "plan": self.plan,
            "audit": self.audit,
            "county": self.county,
            "county_label": label("county", self.county),
        }


@dataclass(frozen=True)
class _Draft:
    """A plan computed for a period, on its way to be stored as the next version."""

    cadence: str
    period: Period
    body: dict[str, Any]
    known: datetime
    snap: Snapshot
    latest: PlanRecord | None
    county: str = DEFAULT_COUNTY


@dataclass
class SchedulingService:
    store: EventStore
    zone: ZoneInfo
    config: SchedulingConfig = field(default_factory=SchedulingConfig)
    office: OfficeConfig = field(default_factory=OfficeConfig)
    """The office's meeting chairs and leader ranks: a plan's meeting names them as the
    documents do."""
    clock: Callable[[], datetime] = now_utc
    states: queries.StateCache = field(default_factory=queries.StateCache)
    campaigns: CampaignBook | None = None
    """The campaigns as the log states them (default targets: the configured ones)."""
    _board_memo: tuple[Any, list] = field(default=(None, []), repr=False)

    def __post_init__(self) -> None:
        if self.campaigns is None:
            self.campaigns = CampaignBook(self.store, self.config.targets)

    @property
    def book(self) -> CampaignBook:
        assert self.campaigns is not None  # set in __post_init__
        return self.campaigns

    # -- the campaign -----------------------------------------------------------------

    def campaign(
        self, year: int | None = None, on: date | None = None, known_at: datetime | None = None
    ) -> Campaign:
        """Campaign ``year``, or the campaign current on ``on`` (default: today)."""
        if year is not None:
            return self.book.year(year, known_at=known_at)
        day = on or (known_at or self.clock()).astimezone(self.zone).date()
        return self.book.current(day, known_at=known_at)

    # -- the read model ---------------------------------------------------------------

    def catch_up(self, up_to: int | None = None) -> CatchUp:
        return projection.catch_up(self.store, self.zone, up_to=up_to)

    def rebuild(self) -> CatchUp:
        return projection.rebuild(self.store, self.zone)

    def snapshot(
        self,
        as_of: datetime | None,
        known_at: datetime,
        *,
        with_actions: bool = True,
        county: str | None = None,
    ) -> Snapshot:
        """Projects and open actions at the cut-off, from the read model when it is exactly
        that cut-off, otherwise by replaying the log; ``county``: that county's only (the
        read model is read by its county column)."""
        watermark = self.store.position_known_at(known_at)
        if queries.checkpoint(self.store) < watermark:
            self.catch_up(up_to=watermark)
        engine = self.store.engine
        if queries.checkpoint(self.store) == watermark:
            latest = queries.latest_business_time(engine)
            if as_of is None or latest is None or latest <= as_of:
                snap = Snapshot(
                    queries.current_states(engine, self.states, county),
                    queries.current_open_actions(engine, county) if with_actions else [],
                    frozenset(queries.action_ids_taken(engine) if with_actions else ()),
                    "read model",
                    watermark,
                )
                # A catch-up that committed meanwhile would mix in later events.
                if queries.checkpoint(self.store) == watermark:
                    return snap
        actions = queries.replayed_actions(self.store, known_at) if with_actions else {}
        return Snapshot(
            queries.of_county(
                queries.replayed_states(self.store, Cutoff(as_of, known_at), self.zone), county
            ),
            [
                queries.open_action_of(a)
                for _, a in sorted(actions.items())
                if a["status"] == "open"
            ],
            frozenset(actions),
            "replay",
            watermark,
        )

    def campaign_of_period(self, period: Period, known_at: datetime | None = None) -> Campaign:
        """The campaign a period's plan is of: the one whose dates contain its meeting day
        (or its first day when it has no meeting), else the calendar year's."""
        day = self.config.calendar().first_working_day(period.start, period.end) or period.start
        return campaign_of_day(self.book.all(known_at=known_at), day, self.config.targets)

    def has_projects(self, period: Period, county: str | None = None) -> bool:
        """Whether the period's campaign has any project (of ``county``, default: the
        default county) registered by the period's meeting day (a plan without one is
        empty: the scheduler does not make it)."""
        self.catch_up()
        year = self.campaign_of_period(period).year
        day = self.config.calendar().first_working_day(period.start, period.end) or period.end
        return any(
            s.in_campaign(year) and s.registered_on <= day
            for s in queries.current_states(
                self.store.engine, self.states, county or DEFAULT_COUNTY
            )
        )

    # -- the board --------------------------------------------------------------------

    def board(
        self,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        county: str | None = None,
    ) -> dict[str, Any]:
        """The board of the current scope's projects, or with ``county`` of that county's
        only (read by the read model's county column)."""
        return self.board_and_states(as_of, known_at, filters, county=county)[0]

    def board_and_states(
        self,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        filters: Mapping[str, Any] | None = None,
        *,
        county: str | None = None,
    ) -> tuple[dict[str, Any], list[ProjectState]]:
        """The board of one campaign (default: the current one), and the state of each of
        its projects it was judged on (not filtered further)."""
        now = self.clock()
        known = known_at or now
        filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
        chosen = self.campaign(
            filters.pop("campaign", None),
            as_of.astimezone(self.zone).date() if as_of else None,
            known,
        )
        if as_of is None and chosen.closed_on(known.astimezone(self.zone).date()):
            # A closed campaign is shown as it ended, not as overdue ever since.
            as_of = Cutoff.of(as_of=chosen.ends_on, zone=self.zone).as_of
        if county is not None:
            county = county_for(county)
        snap = self.snapshot(as_of, known, with_actions=False, county=county)
        # Without as_of the board is judged on the day it was known at (today by default).
        today = (as_of or known).astimezone(self.zone).date()
        judged = [
            (s, row)
            for s, row in self._board_rows(snap, today, county)
            if s.in_campaign(chosen.year)
        ]
        rows = [row for state, row in judged if _matches(row, state, filters)]
        board = {
            "campaign": chosen.to_dict(),
            "as_of": today.isoformat(),
            "known_at": format_instant(known),
            "source": snap.source,
            "head_position": snap.watermark,
            "watermark": snap.watermark,  # deprecated: head_position (CHANGELOG.md)
            "counts": {
                c: sum(1 for r in rows if r["status"] == c) for c in ("green", "yellow", "red")
            },
            "projects": rows,
        }
        return board, [state for state, _ in judged]

    def rollup(
        self,
        tenancy: Tenancy,
        as_of: datetime | None = None,
        known_at: datetime | None = None,
        campaign: int | None = None,
    ) -> dict[str, Any]:
        """The counties of the request's scope ranked, with their totals against targets
        (`application.rollup`); the board's campaign and clocks beside them."""
        board, states = self.board_and_states(as_of, known_at, {"campaign": campaign})
        colours = {row["project_id"]: row["status"] for row in board["projects"]}
        counties = {c: tenancy.name(c) for c in sorted(current_scope().counties)}
        default = Targets.of(board["campaign"]["targets"])
        targets = {
            c: Targets.of(tenancy.targets[c]) if c in tenancy.targets else default for c in counties
        }
        year = board["campaign"]["year"]
        tallies = rollup.tally(
            ((s, colours[s.project_id]) for s in states), counties, targets, year
        )
        keep = ("campaign", "as_of", "known_at", "source", "head_position")
        return {**{k: board[k] for k in keep}, **rollup.rollup_body(tallies)}

    def _board_rows(
        self, snap: Snapshot, today: date, county: str | None = None
    ) -> list[tuple[ProjectState, dict]]:
        # The read model at one watermark gives the same board all day: keep the last one.
        key = (today, snap.watermark, current_scope().counties, county)
        if snap.source == "read model" and self._board_memo[0] == key:
            return self._board_memo[1]
        rows = []
        for state in snap.states:
            found = findings(state, today, self.config.thresholds)
            rows.append((state, _board_row(state, status(found), found)))
        if snap.source == "read model":
            self._board_memo = (key, rows)
        return rows

    # -- plans ------------------------------------------------------------------------

    def compute_plan(
        self,
        cadence: str,
        period: Period,
        known_at: datetime,
        texts: str = ZH,
        *,
        county: str | None = None,
    ) -> tuple[dict[str, Any], Snapshot]:
        """The plan of ``county`` (`county_for`: named, or the office's own) as it would be
        made with what was known at ``known_at`` (not stored), its reasons in the wording
        ``texts``: judged on that county's projects only."""
        county = county_for(county)
        calendar = self.config.calendar()
        meeting_on = calendar.first_working_day(period.start, period.end) or period.start
        as_of = Cutoff.of(as_of=meeting_on, zone=self.zone).as_of
        snap = self.snapshot(as_of, known_at, county=county)
        campaign = self.campaign_of_period(period, known_at)
        states = [s for s in snap.states if s.in_campaign(campaign.year)]
        members = {s.project_id for s in states}
        plan = build_plan(
            PlanInputs(
                cadence=cadence,
                period=period,
                states=states,
                open_actions=[
                    a
                    for a in snap.open_actions
                    if a.project_id in members and visible_to(a, period)
                ],
                calendar=calendar,
                campaign=campaign.year,
                thresholds=self.config.thresholds,
                targets=campaign.targets,
                meeting=self.config.meeting,
                roster=Roster(dict(self.office.chairs), LeaderRanks(self.office).ordered),
                taken_action_ids=snap.taken_action_ids,
                texts=texts,
                set_pieces=tuple(self.config.set_pieces.of_year(campaign.year)),
                set_piece_records=set_pieces.records_of(
                    self.store, campaign.year, Cutoff(as_of, known_at), county
                ),
                escalations=self._escalations(Cutoff(as_of, known_at), county),
                reviewed=tuple(snap.states),
                pooled=self._pooled(cadence, Cutoff(as_of, known_at), county, snap),
            )
        )
        return plan, snap

    def _escalations(self, cutoff: Cutoff, county: str) -> tuple[dict[str, Any], ...]:
        """The county's open escalations (its `<county>:escalation-<id>` streams), about
        a project or a unit only."""
        return tuple(escalations.open_as_of(self.store, cutoff, county))

    def _pooled(
        self, cadence: str, cutoff: Cutoff, county: str, snap: Snapshot
    ) -> tuple[quarter_review.PooledProject, ...]:
        """The county's projects still only in the pool, for a quarterly plan's review."""
        if cadence != "quarterly":
            return ()
        registered = {s.project_id for s in snap.states}
        return tuple(pool_review.pool_only(self.store, cutoff, self.zone, registered, county))

    def plan(
        self,
        cadence: str,
        period_label: str,
        *,
        known_at: datetime | None = None,
        replan: bool = False,
        actor: str = "scheduling",
        source: str = "scheduling",
        county: str | None = None,
    ) -> tuple[PlanRecord, bool]:
        """The period's plan: the stored one if it exists (unless re-planning or asked for
        another ``known_at``), otherwise a new version. True when something was written.

        A ``known_at`` before the latest knowledge (events were recorded after it) gives
        an audit view: returned, stored only when re-planning is asked (in its own
        stream), never the current version, never opening an action."""
        county = county_for(county)
        period = Period.parse(cadence, period_label)
        latest = self.latest(cadence, period.label, county=county)
        if latest is not None and known_at is None and not replan:
            return latest, False
        known = known_at or self.clock()
        body, snap = self.compute_plan(cadence, period, known, county=county)
        if known_at is not None and self._before_latest_knowledge(known):
            if latest is not None and self._made_with(latest, body, known):
                return latest, False  # the current version was made with that knowledge
            return self._audit_view(
                (cadence, period, county),
                (body, snap),
                known,
                keep=replan,
                attributed=(actor, source),
            )
        if latest is not None and self._unchanged(latest, body, known):
            return latest, False
        try:
            draft = _Draft(cadence, period, body, known, snap, latest, county)
            written = self._write_plan(draft, (actor, source))
        except (ConcurrencyConflict, DuplicateEventConflict):
            # Another planner wrote this period first: its version is the answer.
            return self.get_plan(cadence, period.label, county=county), False
        if not written:
            return latest or self.get_plan(cadence, period.label, county=county), False
        self.catch_up()
        return self.get_plan(cadence, period.label, county=county), True

    # -- the morning of the meeting ----------------------------------------------------

    def due_for_refresh(self, cadence: str, now: datetime, county: str | None = None) -> str | None:
        """The period of ``cadence`` whose plan is to be brought up to date now: today is
        its meeting day, the cut-off (`replan_cutoff`) has passed and the meeting has not
        begun, and its latest version was made before the cut-off with the log grown
        since (or it has no plan yet and its campaign has projects); of ``county``
        (default: the default county)."""
        county = county or DEFAULT_COUNTY
        period = Period.containing(cadence, now.astimezone(self.zone).date())
        window = self._refresh_window(period)
        if window is None or not window[0] <= now < window[1]:
            return None
        latest = self.latest(cadence, period.label, county=county)
        if latest is None:
            return period.label if self.has_projects(period, county) else None
        if parse_instant(latest.known_at) >= window[0]:
            return None  # already made after the cut-off
        return period.label if self._changed_since(latest.watermark or 0, now) else None

    def _changed_since(self, watermark: int, now: datetime) -> bool:
        """Whether anything a plan reads (a project's events, a campaign, a closed action)
        was recorded after ``watermark``; plans of other periods do not count."""
        up_to = self.store.position_known_at(now)
        return up_to > watermark and bool(
            self.store.read_all(after=watermark, limit=1, types=_PLAN_INPUTS, up_to=up_to)
        )

    def _refresh_window(self, period: Period) -> tuple[datetime, datetime] | None:
        """From the cut-off to the start of the period's meeting (None: no meeting, or
        re-planning is off)."""
        day = self.config.calendar().first_working_day(period.start, period.end)
        if day is None:
            return None
        meeting_at = meeting_instant(day, self.config.meeting, self.zone)
        cutoff = replan_cutoff(meeting_at, self.config.replan_cutoff)
        return None if cutoff is None else (cutoff, meeting_at)

    def refresh_before_meeting(
        self, cadence: str, period_label: str, county: str | None = None
    ) -> tuple[PlanRecord | None, bool]:
        """Re-plan the county's period at the cut-off before its meeting if it is still due
        (a new version, with what changed, only when the plan changed); True when written."""
        county = county or DEFAULT_COUNTY
        if self.due_for_refresh(cadence, self.clock(), county) != period_label:
            return self.latest(cadence, period_label, county=county), False
        return self.plan(cadence, period_label, replan=True, actor="scheduler", county=county)

    def _before_latest_knowledge(self, known: datetime) -> bool:
        return self.store.position_known_at(known) < self.store.head().position

    def _made_with(self, record: PlanRecord, body: dict[str, Any], known: datetime) -> bool:
        return parse_instant(record.known_at) == known and self._unchanged(record, body, known)

    def _write_plan(self, draft: _Draft, attributed: tuple[str, str]) -> bool:
        """In one transaction: hold each new action's agenda item (the unique key decides,
        see `projection.open_action`), point the plan at the actions that hold its items,
        append the plan and the actions it opened. False when, so pointed, the plan is the
        latest version again (nothing is written)."""
        now = self.clock()
        with self.store.writing() as conn:
            opened = self._hold_items(conn, draft.body, draft.period, now)
            if draft.latest is not None and draft.latest.digest == digest_of(draft.body):
                conn.rollback()
                return False
            events, expected = self._plan_events(draft, now)
            events += [_action_assigned(action, draft.period, now) for action in opened]
            result = self.store.append(
                [_attributed(e, *attributed) for e in events], expected, connection=conn
            )
            self._date_actions(conn, opened)
        self.store.notify(result.last_position)
        return True

    def _hold_items(
        self, conn: Any, body: dict[str, Any], period: Period, now: datetime
    ) -> list[dict[str, Any]]:
        """The plan's new actions this plan opens; an item another plan holds already is
        pointed at that plan's action (or at none, when a later period's plan opened it).
        Items in a fixed order, so that concurrent planners never wait on each other in a
        cycle."""
        wanted = sorted(new_actions(body), key=lambda a: (a["project_id"], a["item"]))
        rows = [
            projection.assigned_row(
                _action_payload(a, period), now, _action_event_id(a["action_id"])
            )
            for a in wanted
        ]
        inserted = projection.open_actions(conn, rows)
        lost = {(a["project_id"], a["item"]): a for a in wanted if a["action_id"] not in inserted}
        holders = queries.open_actions_for(conn, set(lost))
        repointed(
            body,
            {
                key: holders.get(key)
                for key, action in lost.items()
                if key not in holders or holders[key].action_id != action["action_id"]
            },
            period,
        )
        return [a for a in wanted if a["action_id"] in inserted]

    def _date_actions(self, conn: Any, opened: list[dict[str, Any]]) -> None:
        """Give the opened actions' rows the record time of their stored events."""
        ids = [_action_event_id(a["action_id"]) for a in opened]
        stored = self.store.get_many(ids, connection=conn).values()
        projection.date_assignments(conn, {e.payload["action_id"]: e.recorded_at for e in stored})

    def _audit_view(
        self,
        which: tuple[str, Period, str],
        computed: tuple[dict[str, Any], Snapshot],
        known: datetime,
        *,
        keep: bool,
        attributed: tuple[str, str],
    ) -> tuple[PlanRecord, bool]:
        cadence, period, county = which
        body, snap = computed
        stream = county_stream(f"dispatch-audit-{cadence}-{period.label}", county)
        now = self.clock()
        version = self.store.stream_version(stream) + 1
        event = _audit_event(stream, cadence, period, body, known, snap.watermark, version, now)
        if not keep:
            return _unstored(event, now), False
        self.store.append([_attributed(event, *attributed)])
        (stored,) = self.store.read_stream(stream, from_version=version, to_version=version)
        return PlanRecord.of(stored), True

    def _unchanged(self, latest: PlanRecord, body: dict[str, Any], known: datetime) -> bool:
        """Whether a new plan ``body`` says what ``latest`` says. A plan made before
        the Chinese reasons, or before the configured chairs and rank order, is the same
        plan in other words, and one made before the campaign and the date rule (or the
        set pieces) were stated says the same less fully: wording, order and fuller
        statement are never a version."""
        if latest.digest == digest_of(body):
            return True
        period = Period.parse(latest.cadence, latest.period)
        english, _ = self.compute_plan(
            latest.cadence, period, known, texts=LEGACY_EN, county=latest.county
        )
        chair = self.config.meeting.chair  # what every level's chair was before
        variants = [english, legacy_meeting(body, chair), legacy_meeting(english, chair)]
        # A record of a set piece is news; the calendar alone is a fuller statement.
        strip = (as_first_released, before_set_pieces) if not records_in(body) else ()
        earlier = [stated(v) for stated in strip for v in (body, *variants)]
        # The sections by kind restate the agenda's projects: a fuller statement too.
        earlier += [before_by_kind(v) for v in (body, *variants, *earlier)]
        # The quarter's review (挂点服务, the pool) is news only to a plan that had one.
        earlier += [before_review(v) for v in (body, *variants, *earlier)]
        return latest.digest in {digest_of(v) for v in (*variants, *earlier)}

    def progress(self, record: PlanRecord) -> list[dict[str, Any]]:
        """The progress table of a stored plan's meeting, from what was known when it was
        planned (its ``known_at``), as it stood on the meeting day: its campaign's projects."""
        held_on = record.plan["meeting"]["date"]
        period = Period.parse(record.cadence, record.period)
        meeting_on = date.fromisoformat(held_on) if held_on else period.start
        as_of = Cutoff.of(as_of=meeting_on, zone=self.zone).as_of
        known_at = parse_instant(record.known_at)
        snap = self.snapshot(as_of, known_at, with_actions=False, county=record.county)
        # The plan's campaign (a plan made before it was stated: as it would be now).
        year = record.plan.get("campaign") or self.campaign_of_period(period, known_at).year
        states = [s for s in snap.states if s.in_campaign(year)]
        return progress_rows(
            record.cadence, states, meeting_on, self.config.thresholds, campaign=year
        )

    def latest(
        self, cadence: str, period_label: str, *, county: str | None = None
    ) -> PlanRecord | None:
        """The county's latest stored version, reading only that event of the stream."""
        stream = county_stream(f"dispatch-{cadence}-{period_label}", county_for(county))
        version = self.store.stream_version(stream)
        if version == 0:
            return None
        (event,) = self.store.read_stream(stream, from_version=version, to_version=version)
        return PlanRecord.of(event)

    def _plan_events(
        self, draft: _Draft, now: datetime
    ) -> tuple[list[NewEvent], dict[str, int | None]]:
        cadence, period, body, latest = draft.cadence, draft.period, draft.body, draft.latest
        version = (latest.version if latest else 0) + 1
        stream = county_stream(f"dispatch-{cadence}-{period.label}", draft.county)
        payload = _plan_payload(cadence, period, body, draft.known, draft.snap.watermark, version)
        payload["changes"] = changes_between(latest.plan if latest else None, body)
        events = [_dispatch_planned(stream, payload, now)]
        expected: dict[str, int | None] = {stream: version - 1}
        spot = body.get("spot_check")
        spot_stream = county_stream(f"spotcheck-{period.label}", draft.county)
        if spot is not None and self.store.stream_version(spot_stream) == 0:
            events.append(_spot_check_scheduled(spot_stream, spot, period, now))
            expected[spot_stream] = 0
        return events, expected

    def versions(
        self,
        cadence: str,
        period_label: str,
        *,
        must_exist: bool = True,
        county: str | None = None,
    ) -> list[PlanRecord]:
        """Every stored version of the county's plan of the period."""
        period = Period.parse(cadence, period_label)
        stream = county_stream(f"dispatch-{cadence}-{period.label}", county_for(county))
        records = [
            PlanRecord.of(e) for e in self.store.read_stream(stream) if e.type == "DispatchPlanned"
        ]
        if must_exist and not records:
            raise PlanNotFound(cadence, period.label)
        return records

    def get_plan(
        self,
        cadence: str,
        period_label: str,
        version: int | None = None,
        *,
        county: str | None = None,
    ) -> PlanRecord:
        """A stored version of the county's plan (the latest without ``version``)."""
        county = county_for(county)
        period = Period.parse(cadence, period_label)
        if version is None:
            latest = self.latest(cadence, period.label, county=county)
            if latest is None:
                raise PlanNotFound(cadence, period.label)
            return latest
        stream = county_stream(f"dispatch-{cadence}-{period.label}", county)
        events = self.store.read_stream(stream, from_version=version, to_version=version)
        if not events:
            raise PlanNotFound(cadence, period.label, version)
        return PlanRecord.of(events[0])

    def list_plans(
        self, cadence: str | None, period: str | None, counties: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """The stored plan versions of ``counties`` (default: every county of the scope),
        each with its ``county`` and ``county_label``."""
        self.catch_up()
        rows = queries.list_plans(
            self.store.engine,
            cadence=cadence,
            period=period,
            counties=counties if counties is not None else counties_in_scope(),
        )
        return [{**row, "county_label": label("county", row["county"])} for row in rows]

    # -- follow-up actions ------------------------------------------------------------

    def actions(
        self,
        *,
        status: str | None = "open",
        project_id: str | None = None,
        limit: int = 100,
        after: str | None = None,
        campaign: int | None = None,
        assignee: str | None = None,
        stage: str | None = None,
        county: str | None = None,
    ) -> list[dict[str, Any]]:
        """Follow-up actions of one campaign's projects (default: the current campaign),
        assigned in that campaign's year or before (an open action of a project carried
        over is still the new campaign's); of ``county``'s projects only when given."""
        year = self.campaign(campaign).year
        self.catch_up()
        members = [
            s.project_id
            for s in queries.current_states(self.store.engine, self.states, county)
            if s.in_campaign(year)
        ]
        rows = queries.list_actions(
            self.store.engine,
            status=status,
            project_id=project_id,
            limit=limit,
            after=after,
            campaign=(year, members),
            assignee=assignee,
            stage=stage,
        )
        clock = self._action_clock()
        return [action_workflow.with_timing(r, clock, self.config.action_limits) for r in rows]

    def close_action(
        self, action_id: str, note: str = "", *, actor: str = "", source: str = ""
    ) -> tuple[dict[str, Any], bool]:
        """Close an open action with an ``ActionClosed`` event; closing it again is a no-op."""
        self.catch_up()
        action = queries.get_action(self.store.engine, action_id)
        if action is None:
            raise ActionNotFound(action_id)
        if action["status"] == "closed":
            return self.timed(action), False
        event = NewEvent(
            stream_id=f"actions-{action['project_id']}",
            type="ActionClosed",
            occurred_at=self.clock(),
            event_id=str(uuid.uuid5(_IDS, f"close|{action_id}")),
            payload={"action_id": action_id, "note": note},
            actor=actor,
            source=source,
        )
        # The row is closed with the event, in its transaction: a plan made next finds the
        # item free at once, not after the read model catches up.
        with self.store.writing() as conn:
            result = self.store.append([event], connection=conn)
            (stored,) = self.store.get_many([str(event.event_id)], connection=conn).values()
            projection.close_action(conn, projection.closed_row(stored))
        self.store.notify(result.last_position)
        self.catch_up()
        return self.timed(queries.get_action(self.store.engine, action_id) or action), True

    # -- the 督办 workflow ---------------------------------------------------------------

    def action_step(
        self,
        action_id: str,
        step: str,
        body: dict[str, Any],
        *,
        actor: str = "",
        source: str = "",
        unit: str | None = None,
    ) -> dict[str, Any]:
        """Take one step of an action's 督办 workflow (签收, 办理, 反馈, 复核通过 or 退回);
        a step its stage does not allow raises `StepRefused`; ``unit``: the unit a unit's
        token acts for (another unit's action raises `NotTheUnitsAction`)."""
        self.catch_up()
        row = queries.get_action(self.store.engine, action_id)
        if row is None:
            raise ActionNotFound(action_id)
        duban.check_unit(row, unit)
        duban.check_step(row, step)
        close_id = str(uuid.uuid5(_IDS, f"close|{action_id}"))
        events = action_workflow.step_events(
            row, step, body, self.store.clock(), close_id, (actor, source)
        )
        action_workflow.write_step(self.store, row, step, events)
        self.catch_up()
        return self.action(action_id)

    def action(self, action_id: str, unit: str | None = None) -> dict[str, Any]:
        """One action with its stage, deadline, colour and each step taken (who, when);
        ``unit``: only if it is that unit's."""
        self.catch_up()
        row = queries.get_action(self.store.engine, action_id)
        if row is None:
            raise ActionNotFound(action_id)
        duban.check_unit(row, unit)
        events = self.store.read_stream(f"actions-{row['project_id']}")
        return {**self.timed(row), "steps": action_workflow.history(events, action_id)}

    def letter_rows(self, action_ids: list[str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The actions a 督办函 is about (one responsible unit's), and their projects'
        names. Unknown ids raise `ActionNotFound`; actions of two units `InvalidRecord`."""
        self.catch_up()
        rows = []
        for action_id in dict.fromkeys(action_ids):
            row = queries.get_action(self.store.engine, action_id)
            if row is None:
                raise ActionNotFound(action_id)
            rows.append(row)
        units = list(dict.fromkeys(row["assignee"] for row in rows))
        if len(units) > 1:
            raise InvalidRecord(
                "action_id", f"一份督办函只发给一个责任单位，所列事项分属{'、'.join(units)}"
            )
        states = queries.current_states(self.store.engine, self.states)
        wanted = {row["project_id"] for row in rows}
        return rows, {s.project_id: s.name for s in states if s.project_id in wanted}

    def county_of_projects(self, project_ids: list[str]) -> str:
        """The one county these projects (of the scope) are of: a 督办函 is its county
        office's; actions of two counties' projects raise `InvalidRecord`."""
        counties = self._project_counties()
        found = sorted({counties.get(pid, DEFAULT_COUNTY) for pid in project_ids})
        if len(found) > 1:
            names = "、".join(label("county", c) for c in found)
            raise InvalidRecord("action_id", f"一份督办函只由一个县发出，所列事项分属{names}")
        return found[0] if found else DEFAULT_COUNTY

    def timed(self, row: dict[str, Any]) -> dict[str, Any]:
        """An action's row with its stage, next steps, step deadline and colour today."""
        return action_workflow.with_timing(row, self._action_clock(), self.config.action_limits)

    def _action_clock(self) -> action_workflow.Clock:
        today = self.store.clock().astimezone(self.zone).date()
        return action_workflow.Clock(self.zone, self.config.calendar(), today)

    # -- the colour record by month -------------------------------------------------------

    def colour_record(
        self, campaign: int | None = None, project_id: str | None = None, county: str | None = None
    ) -> dict[str, Any]:
        """Each project's colour at the end of each month of the campaign (default: the
        current one) as known then, and its runs of red months; the current month as of
        now. One project's only when ``project_id`` is given. The projects of every county
        the request sees, or of ``county`` (checked by the caller)."""
        now = self.store.clock()
        chosen = self.campaign(campaign, on=now.astimezone(self.zone).date())
        scope = current_scope()
        body = colour_record.record(
            self.store,
            chosen,
            self.config.thresholds,
            now=now,
            zone=self.zone,
            project_id=project_id,
            counties=[county] if county else None if scope.everywhere else scope.counties,
        )
        if project_id is not None and not body["projects"]:
            raise ColourRecordNotFound(project_id, chosen.year)
        return body

    def record_month_colours(
        self,
        campaign: int | None = None,
        *,
        county: str | None = None,
        actor: str = "scheduling",
        source: str = "scheduling",
    ) -> tuple[int, list[str]]:
        """Record each ended month of the campaign (default: the current one) not recorded
        yet as ``MonthColoursRecorded`` (what scoring's rulebook counts red months from), of
        one county (`county_for`: the office's own, or the one named) in its own stream;
        the campaign's year and the months recorded now."""
        county = county_for(county)
        body = self.colour_record(campaign, county=county)
        year = body["campaign"]["year"]
        done = colour_record.recorded_months(self.store, year, county)
        events = colour_record.month_events(body, done, self.zone, county)
        if not events:
            return year, []
        try:
            self.store.append([_attributed(e, actor, source) for e in events])
        except DuplicateEventConflict:
            return year, []  # another writer recorded them first
        return year, [e.payload["month"] for e in events]

    def record_ended_months(self) -> list[str]:
        """The scheduler's part: record the ended months not yet recorded of the current
        campaign and of the one last month was in (December is recorded in January); only
        of a campaign with projects, and only computed when a month is missing; county by
        county (the months recorded, ``<county>:<month>`` outside the default county)."""
        now = self.store.clock()
        today = now.astimezone(self.zone).date()
        last_month = today.replace(day=1) - timedelta(days=1)
        years = dict.fromkeys(self.campaign(on=day).year for day in (last_month, today))
        recorded: list[str] = []
        for county in counties_in_scope():
            for year in years:
                if self._months_missing(year, now, county):
                    _, months = self.record_month_colours(year, county=county, actor="scheduler")
                    recorded += [county_stream(m, county) for m in months]
        return recorded

    def _months_missing(self, year: int, now: datetime, county: str) -> bool:
        chosen = self.campaign(year)
        months = colour_record.campaign_months(chosen.starts_on, chosen.ends_on, now, self.zone)
        ended = {m.month for m in months if m.closed}
        if not ended - colour_record.recorded_months(self.store, year, county):
            return False
        self.catch_up()
        return any(
            s.in_campaign(year) and (s.county or DEFAULT_COUNTY) == county
            for s in queries.current_states(self.store.engine, self.states)
        )

    # -- the campaign calendar's set pieces ---------------------------------------------

    def set_pieces(
        self, campaign: int | None = None, *, county: str | None = None
    ) -> tuple[Campaign, list[dict[str, Any]]]:
        """The campaign's set pieces (default: the current campaign's) with their state
        in the county (`county_for`) today: upcoming, open, held, not held, or overdue."""
        county = county_for(county)
        today = self.store.clock().astimezone(self.zone).date()
        chosen = self.campaign(campaign, on=today)
        pieces = set_pieces.calendar_of(
            self.store, self.config.set_pieces, chosen.year, today, county
        )
        return chosen, [{**piece, "county": county} for piece in pieces]

    def record_set_piece(
        self,
        code: str,
        record: dict[str, Any],
        *,
        actor: str = "",
        source: str = "",
        county: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Record a set piece held (``held_on``, ``outcome``, ``note``) or not held
        (``note``: why) in campaign ``record["campaign"]`` (default: the current one); the
        same record again changes nothing. The piece as it stands, and True when written."""
        county = county_for(county)
        now = self.store.clock()
        year = self.campaign(record.get("campaign"), on=now.astimezone(self.zone).date()).year
        event = set_pieces.record_event(
            self.config.set_pieces,
            year,
            code,
            record,
            today=now.astimezone(self.zone).date(),
            zone=self.zone,
            now=now,
            county=county,
        )
        known = self.store.get(str(event.event_id))
        if known is None:
            self.store.append([_attributed(event, actor, source)])
        _, pieces = self.set_pieces(year, county=county)
        return next(p for p in pieces if p["code"] == code), known is None

    # -- 现场办公 / 现场督办 --------------------------------------------------------------

    def record_site_meeting(
        self, body: dict[str, Any], *, actor: str = "", source: str = ""
    ) -> tuple[dict[str, Any], bool]:
        """Record a site meeting in its project's county and open one follow-up action per
        decision (in one transaction); the same record again changes nothing. Record ids
        are per county. True when written."""
        county = self._project_counties().get(body["project_id"])
        if county is None:
            raise InvalidRecord("project_id", f"没有项目“{body['project_id']}”")
        site_meetings.checked(body, self.store.clock().astimezone(self.zone).date())
        record_id = body.get("record_id") or site_meetings.record_id_for(body)
        payload = site_meetings.recorded_payload(record_id, body)
        stream = site_meetings.site_meeting_stream(record_id, county)
        existing = self.store.read_stream(stream)
        if existing and existing[0].payload == payload:
            return self.site_meeting(record_id, county), False
        self._write_site_meeting(payload, county, (actor, source))
        self.catch_up()
        return self.site_meeting(record_id, county), True

    def _write_site_meeting(
        self, payload: dict[str, Any], county: str, attributed: tuple[str, str]
    ) -> None:
        now = self.store.clock()
        event = site_meetings.recorded_event(payload, now, county)
        self._write_record(event, site_meetings.decision_actions(payload), attributed)

    def _write_record(
        self, event: NewEvent, wanted: list[dict[str, Any]], attributed: tuple[str, str]
    ) -> None:
        """An office's record (a site meeting, an inspection round) and the follow-up
        actions it opens, in one transaction; each action's item held by it through the
        unique key (`projection.open_actions`). The record's stream must be new."""
        now = event.occurred_at
        with self.store.writing() as conn:
            rows = [
                projection.assigned_row(a, now, _action_event_id(a["action_id"])) for a in wanted
            ]
            inserted = projection.open_actions(conn, rows)
            opened = [a for a in wanted if a["action_id"] in inserted]
            events = [event, *(_assigned(a, now) for a in opened)]
            result = self.store.append(
                [_attributed(e, *attributed) for e in events],
                {event.stream_id: 0},
                connection=conn,
            )
            self._date_actions(conn, opened)
        self.store.notify(result.last_position)

    def site_meeting(self, record_id: str, county: str | None = None) -> dict[str, Any]:
        """A site meeting of ``county`` (checked, `county_for`), else of the first county
        of the current scope that holds a record of that id (another county's is not
        found)."""
        self.catch_up()
        held_in = [county_for(county)] if county else counties_in_scope()
        found = queries.site_meeting_positions(self.store.engine, held_in, record_id=record_id)
        if not found:
            raise SiteMeetingNotFound(record_id)
        first = min(found, key=lambda f: held_in.index(f[0]))
        return self._site_meeting_view(first, self.store.at_positions([first[1]]))

    def project_counties(self) -> dict[str, str]:
        """The current scope's projects and their counties."""
        return self._project_counties()

    def _project_counties(self, county: str | None = None) -> dict[str, str]:
        """The current scope's projects (of ``county`` only when given) and their counties."""
        self.catch_up()
        states = queries.current_states(self.store.engine, self.states, county)
        return {s.project_id: s.county or DEFAULT_COUNTY for s in states}

    def site_meetings(
        self,
        *,
        campaign: int | None = None,
        project_id: str | None = None,
        county: str | None = None,
    ) -> list[dict[str, Any]]:
        """The site meetings of a campaign's year (default: the current campaign) of the
        scope's counties (``county``'s only when given: `county_for`), latest first, each
        with its county and each decision with its action's status. Read from the read
        model's rows of those counties, then the records at their positions."""
        year = self.campaign(campaign).year
        self.catch_up()
        held_in = [county_for(county)] if county else counties_in_scope()
        found = queries.site_meeting_positions(
            self.store.engine, held_in, year=year, project_id=project_id
        )
        events = self.store.at_positions([position for _, position in found])
        return [self._site_meeting_view(f, events) for f in found]

    def _site_meeting_view(
        self, found: tuple[str, int], events: dict[int, RecordedEvent]
    ) -> dict[str, Any]:
        county, position = found
        return self._with_actions({**events[position].payload, "county": county})

    def _with_actions(self, payload: dict[str, Any]) -> dict[str, Any]:
        ids = [d["action_id"] for d in payload["decisions"]]
        return site_meetings.with_action_states(payload, self._action_statuses(ids))

    def _action_statuses(self, action_ids: list[str]) -> dict[str, str | None]:
        """Each action's status as the read model has it (None: not there yet)."""
        statuses: dict[str, str | None] = {}
        for action_id in action_ids:
            row = queries.get_action(self.store.engine, action_id)
            statuses[action_id] = row["status"] if row else None
        return statuses

    # -- inspections of units (层级检查、专项督查) -----------------------------------------

    def record_inspection(
        self, body: dict[str, Any], *, actor: str = "", source: str = ""
    ) -> tuple[dict[str, Any], bool]:
        """Record an inspection round of one county (`county_for`: the office's own, or
        ``body["county"]``) and open one follow-up action per problem finding (in one
        transaction); the same round again changes nothing. True when written."""
        body = dict(body)
        county = county_for(body.pop("county", None))
        self.catch_up()
        known = {s.project_id for s in self._states_of(county)}
        inspections.checked(body, self.store.clock().astimezone(self.zone).date(), known)
        round_id = body.get("round_id") or site_meetings.record_id_for(body, "I")
        payload = inspections.recorded_payload(round_id, body, county)
        stream = inspections.inspection_stream(round_id, county)
        existing = self.store.read_stream(stream)
        if existing and existing[0].payload == payload:
            return self.inspection(round_id, county), False
        event = site_meetings.content_event(
            stream, "InspectionRecorded", payload, self.store.clock()
        )
        wanted = inspections.finding_actions(payload, county)
        self._write_record(event, wanted, (actor, source))
        self.catch_up()
        return self.inspection(round_id, county), True

    def inspection(self, round_id: str, county: str | None = None) -> dict[str, Any]:
        event = self.inspection_event(round_id, county)
        return self._inspection_view(event.payload, stream_county(event.stream_id)[0])

    def inspection_event(self, round_id: str, county: str | None = None) -> RecordedEvent:
        """The round's ``InspectionRecorded`` as stored (its notice is made from it): of
        ``county`` (checked, `county_for`), else of the first county the request sees
        that holds a round of that id."""
        for held_in in [county_for(county)] if county else counties_in_scope():
            events = self.store.read_stream(inspections.inspection_stream(round_id, held_in))
            if events:
                return events[0]
        raise InspectionNotFound(round_id)

    def inspections(
        self, *, campaign: int | None = None, unit: str | None = None, county: str | None = None
    ) -> list[dict[str, Any]]:
        """The inspection rounds of a campaign's year (default: the current campaign),
        latest first, each problem with its action's status: of every county the request
        sees, or of ``county`` (checked by the caller); each with its ``county``."""
        year = self.campaign(campaign).year
        self.catch_up()
        found = [
            (e.payload, held_in)
            for e in self.store.iter_all(types=["InspectionRecorded"])
            if county in (None, held_in := stream_county(e.stream_id)[0])
            and admits(held_in)
            and e.payload["ended_on"].startswith(f"{year}-")
            and unit in (None, *e.payload["units"])
        ]
        found.sort(key=lambda p: (p[0]["ended_on"], p[0]["round_id"]), reverse=True)
        return [self._inspection_view(p, held_in) for p, held_in in found]

    def _inspection_view(self, payload: dict[str, Any], county: str) -> dict[str, Any]:
        ids = [f["action_id"] for f in payload["findings"] if f["action_id"]]
        view = inspections.with_action_states(payload, queries.action_statuses(self.store, ids))
        return {**view, "county": county}

    # -- 一事一议、特事特办: problems escalated to the leading group --------------------------

    def raise_escalation(
        self, body: dict[str, Any], *, actor: str = "", source: str = ""
    ) -> tuple[dict[str, Any], bool]:
        """Put a problem of a project or a unit of one county (`county_for`: the office's
        own, or ``body["county"]``) to its leading group; the same again changes nothing.
        True when written."""
        body = dict(body)
        county = county_for(body.pop("county", None))
        if body.get("project_id"):
            self._known_project(body["project_id"], county)
        escalation_id = body.get("escalation_id") or site_meetings.record_id_for(body, "E")
        now = self.store.clock()
        payload = escalations.raised_payload(escalation_id, body, self._today(now))
        existing = self.store.read_stream(escalations.escalation_stream(escalation_id, county))
        if existing:
            if existing[0].payload != payload:
                raise EscalationConflict(
                    escalation_id, "taken", f"编号“{escalation_id}”已用于另一提级事项"
                )
            return self.escalation(escalation_id, county), False
        event = escalations.step_event("EscalationRaised", payload, self.zone, now, county)
        self.store.append([_attributed(event, actor, source)], {event.stream_id: 0})
        return self.escalation(escalation_id, county), True

    def decide_escalation(
        self,
        escalation_id: str,
        body: dict[str, Any],
        *,
        actor: str = "",
        source: str = "",
        county: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Record the leading group's decision (its owner and deadline); a later decision
        replaces it until the matter is closed."""
        return self._escalation_step(
            escalation_id,
            "EscalationDecided",
            escalations.decided_payload,
            body,
            (actor, source),
            county,
        )

    def close_escalation(
        self,
        escalation_id: str,
        body: dict[str, Any],
        *,
        actor: str = "",
        source: str = "",
        county: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Close an escalated problem (办结), with how; it leaves the agendas."""
        return self._escalation_step(
            escalation_id,
            "EscalationClosed",
            escalations.closed_payload,
            body,
            (actor, source),
            county,
        )

    def _escalation_step(
        self,
        escalation_id: str,
        kind: str,
        make: Callable[[dict[str, Any], dict[str, Any], date], dict[str, Any]],
        body: dict[str, Any],
        attributed: tuple[str, str],
        county: str | None,
    ) -> tuple[dict[str, Any], bool]:
        held_in, events = self._escalation_events(escalation_id, county)
        current = escalations.folded(events)
        if current is None:
            raise EscalationNotFound(escalation_id)
        now = self.store.clock()
        payload = make(current, body, self._today(now))
        event = escalations.step_event(kind, payload, self.zone, now, held_in)
        if self.store.get(str(event.event_id)) is not None:
            return {**current, "county": held_in}, False
        self.store.append([_attributed(event, *attributed)], {event.stream_id: len(events)})
        return self.escalation(escalation_id, held_in), True

    def _escalation_events(
        self, escalation_id: str, county: str | None
    ) -> tuple[str, list[RecordedEvent]]:
        """The county holding the escalation (``county`` checked, `county_for`; else the
        first the request sees with one of that id) and its events."""
        for held_in in [county_for(county)] if county else counties_in_scope():
            events = self.store.read_stream(escalations.escalation_stream(escalation_id, held_in))
            if events:
                return held_in, events
        raise EscalationNotFound(escalation_id)

    def escalation(self, escalation_id: str, county: str | None = None) -> dict[str, Any]:
        held_in, events = self._escalation_events(escalation_id, county)
        found = escalations.folded(events)
        if found is None:
            raise EscalationNotFound(escalation_id)
        return {**found, "county": held_in}

    def escalations(
        self, *, campaign: int | None = None, state: str | None = None, county: str | None = None
    ) -> list[dict[str, Any]]:
        """The escalations raised in a campaign's year (default: the current campaign) and
        those of earlier years not yet closed, latest first; of one ``state`` if given; of
        every county the request sees, or of ``county`` (checked by the caller)."""
        year = self.campaign(campaign).year
        found = [
            {**f, "county": held_in}
            for stream, events in escalations.by_stream(self.store, county=county).items()
            if admits(held_in := stream_county(stream)[0])
            and (f := escalations.folded(events)) is not None
        ]
        shown = [
            f
            for f in found
            if (f["raised_on"].startswith(f"{year}-") or f["state"] != "closed")
            and state in (None, f["state"])
        ]
        return sorted(shown, key=lambda f: (f["raised_on"], f["escalation_id"]), reverse=True)

    def _states_of(self, county: str) -> list[ProjectState]:
        """The current states of one county's projects (read model, caught up)."""
        return [
            s
            for s in queries.current_states(self.store.engine, self.states)
            if (s.county or DEFAULT_COUNTY) == county
        ]

    def _known_project(self, project_id: str, county: str | None = None) -> None:
        self.catch_up()
        states = queries.current_states(self.store.engine, self.states)
        known = {s.project_id for s in states if county in (None, s.county or DEFAULT_COUNTY)}
        if project_id not in known:
            raise InvalidRecord("project_id", f"没有项目“{project_id}”")

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()


def _assigned(action: dict[str, Any], now: datetime) -> NewEvent:
    return NewEvent(
        stream_id=f"actions-{action['project_id']}",
        type="ActionAssigned",
        occurred_at=now,
        event_id=_action_event_id(action["action_id"]),
        payload=action,
    )


def _plan_payload(
    cadence: str,
    period: Period,
    body: dict[str, Any],
    known: datetime,
    watermark: int,
    version: int,
) -> dict[str, Any]:
    return {
        "cadence": cadence,
        "period": period.label,
        "plan_version": version,
        "known_at": format_instant(known),
        "digest": digest_of(body),
        "plan": body,
        "changes": {},
        "watermark": watermark,
    }


def _dispatch_planned(stream: str, payload: dict[str, Any], now: datetime) -> NewEvent:
    key = f"{payload['cadence']}|{payload['period']}|{payload['plan_version']}|{payload['digest']}"
    key = county_stream(key, stream_county(stream)[0])  # the default county's ids as before
    prefix = "audit" if payload.get("audit") else "plan"
    return NewEvent(
        stream_id=stream,
        type="DispatchPlanned",
        occurred_at=now,
        event_id=str(uuid.uuid5(_IDS, f"{prefix}|{key}")),
        payload=payload,
    )


def _audit_event(
    stream: str,
    cadence: str,
    period: Period,
    body: dict[str, Any],
    known: datetime,
    watermark: int,
    version: int,
    now: datetime,
) -> NewEvent:
    """An audit view as a ``DispatchPlanned`` of its own stream, marked ``audit``."""
    payload = {**_plan_payload(cadence, period, body, known, watermark, version), "audit": True}
    return _dispatch_planned(stream, payload, now)


def _unstored(event: NewEvent, now: datetime) -> PlanRecord:
    """An audit view returned without being stored: no position."""
    p = event.payload
    return PlanRecord(
        p["cadence"],
        p["period"],
        p["plan_version"],
        p["digest"],
        p["known_at"],
        p["watermark"],
        str(event.event_id),
        0,
        now,
        {},
        p["plan"],
        True,
    )


def _action_event_id(action_id: str) -> str:
    return str(uuid.uuid5(_IDS, f"action|{action_id}"))


def _action_payload(action: dict[str, Any], period: Period) -> dict[str, Any]:
    return {
        "action_id": action["action_id"],
        "project_id": action["project_id"],
        "item": action["item"],
        "assignee": action["assignee"],
        "due": action["due"],
        "period": period.label,
        "description": action["reason"][:2000],
    }


def _action_assigned(action: dict[str, Any], period: Period, now: datetime) -> NewEvent:
    """The event that assigns a plan's new follow-up action to its unit."""
    return _assigned(_action_payload(action, period), now)


def _spot_check_scheduled(
    stream: str, spot: dict[str, Any], period: Period, now: datetime
) -> NewEvent:
    """The event that records a weekly plan's spot-check sample, once per period."""
    return NewEvent(
        stream_id=stream,
        type="SpotCheckScheduled",
        occurred_at=now,
        event_id=str(
            uuid.uuid5(
                _IDS,
                county_stream(f"spot|{period.label}|{spot['seed']}", stream_county(stream)[0]),
            )
        ),
        payload=dict(spot),
    )


def _attributed(event: NewEvent, actor: str, source: str) -> NewEvent:
    return NewEvent(
        stream_id=event.stream_id,
        type=event.type,
        payload=event.payload,
        occurred_at=event.occurred_at,
        event_id=event.event_id,
        actor=actor,
        source=source,
    )


def _board_row(state: ProjectState, colour: str, found: list) -> dict[str, Any]:
    return {
        "project_id": state.project_id,
        "name": state.name,
        "county": state.county or DEFAULT_COUNTY,
        "category": state.category,
        "sector": state.sector,
        "town": state.town,
        "leader": state.leader,
        "lead_unit": state.lead_unit,
        "owner_unit": state.owner_unit,
        "major": state.major,
        "phase": state.phase,
        "status": colour,
        "reasons": [
            {
                "rule": f.rule,
                "subject": f.subject,
                "colour": f.colour,
                "reason": f.reason,
                "evidence": list(f.evidence),
            }
            for f in found
            if f.colour
        ],
    }


def _matches(row: dict[str, Any], state: ProjectState, filters: Mapping[str, Any]) -> bool:
    for name, wanted in filters.items():
        if name == "unit":
            if wanted not in (state.lead_unit, state.owner_unit):
                return False
        elif row.get(name) != wanted:
            return False
    return True
