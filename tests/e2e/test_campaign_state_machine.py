"""A stateful property test over the three services on one store: any interleaving of
appends, late reports, corrections, plans, action closings and assessments keeps

- every read model equal to a rebuild from the log (scheduling's projects and actions);
- every ``as_of``/``known_at`` answer equal to a replay of the log (registry and
  scheduling, at any earlier moment of the run);
- every stored assessment's digest reproducible from the log (``assessment verify``);
- across two campaign years (projects carried into 2025, with or without a new plan, or
  moved there by a correction of their registration): a milestone counted in one year's
  assessment at most, and the board and the assessment of the current year agreeing on
  every project's plan and reported investment to date.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from services.registry.application.handlers import Registry
from services.registry.application.submissions import Submission
from services.registry.domain import RegistryError
from services.registry.domain.history import state_at
from services.registry.readmodel.streams import to_domain
from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.periods import Period
from services.scheduling.domain.rules import investment_lag
from services.scheduling.readmodel import queries
from services.scheduling.readmodel.tables import actions
from services.scoring.application import assessments, verification
from services.scoring.readmodel.records import Records
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import Cutoff, EventStore, end_of_day
from tests.conftest import copy_sqlite
from tests.scheduling.helpers import ZONE, registration

PROJECTS = ("p1", "p2", "p3")
START = datetime(2024, 2, 1, 2, 0, tzinfo=UTC)
_RUNS = itertools.count()


class Campaign(RuleBasedStateMachine):
    """One county's year, driven step by step, each run on a fresh migrated database from
    ``fresh_database`` (set by the test: a SQLite copy or a PostgreSQL clone)."""

    fresh_database: Callable[[], tuple[str, Callable[[], None]]]

    def __init__(self) -> None:
        super().__init__()
        url, self.give_back = type(self).fresh_database()
        self.engine = create_db_engine(url)
        self.now = START
        self.store = EventStore(self.engine, build_registry(), clock=lambda: self.now, zone=ZONE)
        self.registry = Registry(self.store)
        self.scheduling = SchedulingService(
            self.store, ZONE, SchedulingConfig(), clock=lambda: self.now
        )
        self.records = Records(self.engine)
        self.moments = [START]
        self.reports: list[tuple[str, str]] = []
        self.registrations: dict[str, str | None] = {}
        for project_id in PROJECTS:  # each with an overdue milestone: plans have items
            payload = registration(project_id, major=project_id == "p1")
            self.registrations[project_id] = self._submit(
                project_id, "ProjectRegistered", payload, START - timedelta(days=20)
            )
            overdue = {"milestone_id": "m0", "name": "节点0", "due": "2024-01-20"}
            self._submit(project_id, "MilestonePlanned", overdue, START - timedelta(days=19))

    def teardown(self) -> None:
        self.engine.dispose()
        self.give_back()

    def _submit(self, project_id, type_, payload, occurred_at) -> str | None:
        event_id = str(uuid.uuid4())
        try:
            self.registry.submit(
                Submission(event_id, type_, occurred_at, payload, project_id, actor="office")
            )
        except RegistryError:
            return None  # a refusal is part of the game: nothing was stored
        # The clock moves on past the record: a question asked "as known now" after this
        # step is a new question (an identical one is answered by the job that ran it).
        self.now += timedelta(seconds=1)
        return event_id

    # -- steps ------------------------------------------------------------------------

    @rule(days=st.integers(1, 25))
    def time_passes(self, days):
        self.now += timedelta(days=days)
        self.moments.append(self.now)

    @rule(project=st.sampled_from(PROJECTS), months_ago=st.integers(1, 3), late=st.booleans())
    def investment_reported(self, project, months_ago, late):
        month_start = (self.now.replace(day=1) - timedelta(days=28 * months_ago)).replace(day=1)
        month = month_start.strftime("%Y-%m")
        occurred = self.now - timedelta(days=20 if late else 0)
        occurred = max(occurred, month_start + timedelta(days=1))
        payload = {"month": month, "amount": f"{100000 * months_ago}.00"}
        event_id = self._submit(project, "InvestmentReported", payload, occurred)
        if event_id is not None:
            self.reports.append((project, event_id))

    @rule(data=st.data(), amount=st.integers(1, 900))
    def report_corrected(self, data, amount):
        if not self.reports:
            return
        project, event_id = data.draw(st.sampled_from(self.reports))
        target = self.store.get(event_id)
        payload = {**target.payload, "amount": f"{amount * 1000}.00"}
        amendment = {"corrected_event_id": event_id, "payload": payload, "reason": "更正"}
        self._submit(project, "EventCorrected", amendment, self.now)

    @rule(project=st.sampled_from(PROJECTS), days=st.integers(-30, 30), n=st.integers(1, 9))
    def milestone_planned(self, project, days, n):
        due = (self.now + timedelta(days=days)).astimezone(ZONE).date().isoformat()
        payload = {"milestone_id": f"m{n}", "name": f"节点{n}", "due": due}
        self._submit(project, "MilestonePlanned", payload, self.now)

    @rule()
    def the_year_turns(self):
        """On to mid-January of the next year (at most once: two campaign years)."""
        if self._today().year == START.year:
            self.now = datetime(START.year + 1, 1, 15, 2, 0, tzinfo=UTC)
            self.moments.append(self.now)

    @rule(project=st.sampled_from(PROJECTS), plan=st.none() | st.integers(1, 50))
    def carried_over(self, project, plan):
        payload = {"from_year": START.year, "to_year": START.year + 1, "reason": "续建"}
        if plan is not None:
            payload["annual_plan"] = f"{plan * 1000000}.00"
        self._submit(project, "ProjectCarriedOver", payload, self.now)

    @rule(project=st.sampled_from(PROJECTS))
    def moved_into_next_year(self, project):
        """A correction of the registration: the project is one of next year's."""
        registered = self.registrations[project]
        if registered is None:
            return
        payload = {**self.store.get(registered).payload, "year": START.year + 1}
        amendment = {"corrected_event_id": registered, "payload": payload, "reason": "更正年度"}
        self._submit(project, "EventCorrected", amendment, self.now)

    @rule(project=st.sampled_from(PROJECTS), n=st.integers(1, 9), months=st.integers(1, 8))
    def milestone_slipped(self, project, n, months):
        new_due = (self.now + timedelta(days=30 * months)).astimezone(ZONE).date().isoformat()
        payload = {"milestone_id": f"m{n}", "new_due": new_due, "reason": "顺延"}
        self._submit(project, "MilestoneSlipped", payload, self.now)

    @rule(project=st.sampled_from(PROJECTS), n=st.integers(0, 9))
    def milestone_completed(self, project, n):
        self._submit(project, "MilestoneCompleted", {"milestone_id": f"m{n}"}, self.now)

    @rule(cadence=st.sampled_from(["weekly", "monthly", "quarterly"]))
    def period_planned(self, cadence):
        period = Period.containing(cadence, self.now.astimezone(ZONE).date())
        self.scheduling.plan(cadence, period.label, replan=True)

    @rule(data=st.data())
    def action_closed(self, data):
        open_actions = self.scheduling.actions(limit=1000)
        if open_actions:
            action = data.draw(st.sampled_from(open_actions))
            self.scheduling.close_action(action["action_id"], "已办结", actor="office")

    @rule()
    def assessed(self):
        """Both years as known now: each milestone counted in one of them at most."""
        years = [self._assess(year, None)["projects"] for year in (START.year, START.year + 1)]
        for project_id in PROJECTS:
            counted = [
                m
                for projects in years
                for p in projects
                if p["project_id"] == project_id
                for m in _milestone_ids(p)
            ]
            assert len(counted) == len(set(counted)), (project_id, counted)

    @rule()
    def board_and_assessment_compared(self):
        """The current year's board and its assessment as of today: the same plan and
        reported investment to date for every project (between the 6th, when last
        month's report is due, and the month's last day, when it is over for scoring)."""
        today = self._today()
        last_day = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        grace = self.scheduling.config.thresholds.report_grace_days
        if today.month == 1 or not grace < today.day < last_day.day:
            return  # in January the board still judges last December
        scored = {p["project_id"]: p for p in self._assess(today.year, today)["projects"]}
        _, states = self.scheduling.board_and_states(
            end_of_day(today, ZONE), self.now, {"campaign": today.year}
        )
        assert {s.project_id for s in states} == set(scored)
        for state in states:
            lag = investment_lag(state, today, grace)
            assert lag is not None, state.project_id
            line = next(x for x in scored[state.project_id]["lines"] if x["line"] == "investment")
            figures = (Decimal(line["figures"]["due"]), Decimal(line["figures"]["completed"]))
            assert (lag.planned, lag.actual) == figures, state.project_id

    def _assess(self, year, as_of):
        request = assessments.AssessmentRequest.of(
            year, as_of=as_of, known_at=self.now, rulebook_version=None, zone=ZONE
        )
        job, _ = assessments.submit(self.records, request)
        job = assessments.run(self.store, self.records, job["job_id"], ZONE)
        return self.records.assessment(job["assessment_id"])["result"]

    def _today(self):
        return self.now.astimezone(ZONE).date()

    # -- what must hold after every step ----------------------------------------------

    @invariant()
    def read_models_equal_a_rebuild(self):
        self.scheduling.catch_up()
        before = self._read_model()
        self.scheduling.rebuild()
        assert self._read_model() == before

    @invariant()
    def answers_about_the_past_equal_a_replay(self):
        known_at = self.moments[len(self.moments) // 2]
        as_of = known_at - timedelta(days=10)
        for project_id in PROJECTS:
            events = [to_domain(e) for e in self.store.read_stream(f"project-{project_id}")]
            replayed = state_at(project_id, events, as_of, known_at)
            answered = self.registry.state(project_id, as_of, known_at)
            assert answered.to_dict() == replayed.to_dict()
        self.scheduling.catch_up()
        cutoff = Cutoff(None, self.now)
        replayed_states = queries.replayed_states(self.store, cutoff, ZONE)
        current = queries.current_states(self.engine)
        key = lambda s: s.project_id  # noqa: E731
        assert [s.to_dict() for s in sorted(current, key=key)] == [
            s.to_dict() for s in sorted(replayed_states, key=key)
        ]

    @invariant()
    def every_assessment_reproduces_its_digest(self):
        for row in self.records.assessments():
            outcome = verification.verify(self.store, self.records, row["assessment_id"], ZONE)
            assert outcome.ok, str(outcome.difference)

    @invariant()
    def each_agenda_item_has_at_most_one_open_action(self):
        open_items = [(a["project_id"], a["item"]) for a in self.scheduling.actions(limit=1000)]
        assert len(open_items) == len(set(open_items))

    def _read_model(self):
        with self.engine.connect() as conn:
            rows = conn.execute(select(actions).order_by(actions.c.action_id)).all()
        states = sorted(
            (s.to_dict() for s in queries.current_states(self.engine)),
            key=lambda s: s["project_id"],
        )
        return states, [tuple(r) for r in rows]


def _milestone_ids(project):
    figures = next(x for x in project["lines"] if x["line"] == "milestones")["figures"]
    return [*figures["on_time"], *figures["late"]]


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_database(request, sqlite_template, tmp_path):
    """A new migrated database per run of the machine."""
    if request.param == "sqlite":

        def sqlite_copy() -> tuple[str, Callable[[], None]]:
            path = tmp_path / f"run-{next(_RUNS)}.db"
            return copy_sqlite(sqlite_template, path), lambda: None

        return sqlite_copy
    clones = request.getfixturevalue("postgres_clones")

    def postgres_clone() -> tuple[str, Callable[[], None]]:
        name = clones.take()
        return clones.url(name), lambda: clones.give_back(name)

    return postgres_clone


def test_any_interleaving_keeps_read_models_replays_and_digests(fresh_database):
    Campaign.fresh_database = staticmethod(fresh_database)
    Campaign.TestCase.settings = settings(
        max_examples=10,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Campaign.TestCase().runTest()  # raises on the first broken invariant, shrunk
