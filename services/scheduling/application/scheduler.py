"""The scheduler: when a period opens, claim it and ask a worker to plan it; on the
morning of each meeting, ask for the plan to be brought up to date.

A claim is a row keyed by (cadence, period): of two schedulers racing, exactly one
inserts it, so each period is planned once. After downtime the scheduler claims every
period that opened meanwhile. A claim whose plan never arrived (a lost message, a dead
worker) is sent again after ``stale_claim_seconds``; planning is idempotent.

Each county of the deployment has its own scheduler (`county`), its own claims and its
own plans; they share the table, keyed by county.

A period whose campaign has no project yet is not planned (a plan of nothing helps no
one, and a fresh start would store one before its data arrived): the current period
waits unclaimed until it has projects; a past one is marked done without a plan.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shared.db import is_postgres
from shared.eventstore import now_utc
from shared.tenancy import DEFAULT_COUNTY

from ..domain.periods import CADENCES, Period
from ..readmodel.tables import plan_runs

log = logging.getLogger(__name__)

PlanRequest = Callable[[str, str], None]
"""Sends one "plan (cadence, period)" request, e.g. to the ``scheduling.plan`` actor."""


@dataclass
class Scheduler:
    engine: Engine
    zone: ZoneInfo
    request_plan: PlanRequest
    since: date | None = None
    stale_after: timedelta = timedelta(minutes=10)
    name: str = field(default_factory=lambda: f"{socket.gethostname()}")
    clock: Callable[[], datetime] = now_utc
    ready: Callable[[Period], bool] = lambda period: True
    """Whether a period has something to plan (`SchedulingService.has_projects`)."""
    due_for_refresh: Callable[[str, datetime], str | None] = lambda cadence, now: None
    """The period to bring up to date before its meeting (`SchedulingService.due_for_refresh`)."""
    request_refresh: PlanRequest | None = None
    """Sends one "bring (cadence, period) up to date", e.g. to ``scheduling.refresh``."""
    county: str = DEFAULT_COUNTY
    """The county whose periods this scheduler claims (the others' are their own)."""

    def tick(self) -> list[tuple[str, str]]:
        """Claim and request every period that has opened and is not claimed yet."""
        now = self.clock()
        today = now.astimezone(self.zone).date()
        claimed: list[tuple[str, str]] = []
        for cadence in CADENCES:
            for period in self.due(cadence, today):
                if not self.ready(period):
                    if period.end >= today:
                        break  # the current period waits for its campaign's projects
                    self._claim(cadence, period.label, now, planned=True)
                elif self._claim(cadence, period.label, now):
                    claimed.append((cadence, period.label))
                    self.request_plan(cadence, period.label)
        for cadence, label in self._stale(now):
            log.warning("plan not made in time, asking again", extra={"period": label})
            self.request_plan(cadence, label)
        return claimed

    def refresh(self) -> list[tuple[str, str]]:
        """Ask for each plan whose meeting's cut-off has passed to be brought up to date
        (the worker re-checks and writes a version only if the plan changed)."""
        if self.request_refresh is None:
            return []
        now = self.clock()
        asked = []
        for cadence in CADENCES:
            label = self.due_for_refresh(cadence, now)
            if label is not None:
                self.request_refresh(cadence, label)
                asked.append((cadence, label))
        return asked

    def due(self, cadence: str, today: date) -> list[Period]:
        """Periods of ``cadence`` opened by ``today`` after the last one claimed."""
        last = self._last_claimed(cadence)
        if last is not None:
            period = Period.parse(cadence, last).next()
        else:
            period = Period.containing(cadence, self.since or today)
        out = []
        while period.start <= today:
            out.append(period)
            period = period.next()
        return out

    def mark_planned(self, cadence: str, period: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(plan_runs)
                .where(
                    plan_runs.c.county == self.county,
                    plan_runs.c.cadence == cadence,
                    plan_runs.c.period == period,
                )
                .values(planned_at=self.clock())
            )

    def _last_claimed(self, cadence: str) -> str | None:
        with self.engine.connect() as conn:
            labels = conn.execute(
                select(plan_runs.c.period).where(
                    plan_runs.c.county == self.county, plan_runs.c.cadence == cadence
                )
            ).scalars()
            periods = [Period.parse(cadence, label) for label in labels]
        return max(periods).label if periods else None

    def _claim(self, cadence: str, period: str, now: datetime, *, planned: bool = False) -> bool:
        """Insert the claim; ``planned``: a period passed over, done without a plan."""
        dialect_insert = postgresql.insert if is_postgres(self.engine) else sqlite.insert
        with self.engine.begin() as conn:
            inserted = conn.execute(
                dialect_insert(plan_runs)
                .values(
                    county=self.county,
                    cadence=cadence,
                    period=period,
                    claimed_at=now,
                    claimed_by=self.name,
                    planned_at=now if planned else None,
                )
                .on_conflict_do_nothing(index_elements=["county", "cadence", "period"])
                .returning(plan_runs.c.period)
            ).first()
        return inserted is not None

    def _stale(self, now: datetime) -> list[tuple[str, str]]:
        """Claims older than ``stale_after`` without a plan; re-stamped so one resend each."""
        limit = now - self.stale_after
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(plan_runs.c.cadence, plan_runs.c.period).where(
                    plan_runs.c.county == self.county,
                    plan_runs.c.planned_at.is_(None),
                    plan_runs.c.claimed_at < limit,
                )
            ).all()
            out = []
            for cadence, period in rows:
                result = conn.execute(
                    update(plan_runs)
                    .where(
                        plan_runs.c.county == self.county,
                        plan_runs.c.cadence == cadence,
                        plan_runs.c.period == period,
                        plan_runs.c.claimed_at < limit,
                    )
                    .values(claimed_at=now)
                )
                if result.rowcount == 1:
                    out.append((cadence, period))
        return out

    def claims(self) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(plan_runs)
            return int(conn.execute(query.where(plan_runs.c.county == self.county)).scalar_one())
