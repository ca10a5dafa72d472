"""Playing a campaign year on a simulated clock: each event is recorded on the day it
would have reached the office, so that ``known_at`` means something in the demo (what the
office knew on 10 May differs from what it knows now). The clock is the store's port
(`EventStore.with_clock`); every event goes through the registry's own use cases and is
marked with the source ``demo-simulated``. Only the demo does this: the processes record
on the real clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import groupby

from services.registry.application.handlers import Registry
from services.registry.application.submissions import DUPLICATE, REJECTED, Submission
from shared.eventstore import now_utc
from shared.runtime import Runtime

from .campaign import ZONE, Campaign, DemoEvent
from .push import DemoError, Loaded

SOURCE = "demo-simulated"
"""The source of every event the simulated year records."""


class SimulatedClock:
    """Record time for the demo: moved forward as the year is played, never back."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance_to(self, instant: datetime) -> None:
        self.now = max(self.now, instant)


def play(
    runtime: Runtime,
    campaign: Campaign,
    progress: Callable[[str], None] = lambda _: None,
    *,
    until: datetime | None = None,
) -> Loaded:
    """Record the campaign's events that have reached the office by ``until`` (default:
    now), a day at a time, each day's on that day's clock. Events already stored are
    answered as duplicates, so playing the same campaign again changes nothing."""
    until = until or now_utc()
    arrived = [e for e in campaign.in_arrival_order() if e.arrives <= until]
    if not arrived:
        raise DemoError(f"{campaign.year}年的演示事件尚未发生（模拟时钟不超过现在）")
    clock = SimulatedClock(arrived[0].arrives)
    registry = Registry(runtime.store.with_clock(clock))
    _refuse_a_later_log(runtime, registry, arrived)
    accepted = duplicates = 0
    rejected: list[dict[str, object]] = []
    for day, events in groupby(arrived, key=lambda e: e.arrives.astimezone(ZONE).date()):
        batch = list(events)
        clock.advance_to(batch[-1].arrives)
        for outcome in registry.submit_batch([_submission(e) for e in batch]):
            if outcome.status == REJECTED:
                rejected.append(outcome.to_dict())
            duplicates += outcome.status == DUPLICATE
            accepted += outcome.status not in (REJECTED, DUPLICATE)
        if day.day == 1:
            progress(f"模拟时钟 {day.isoformat()}：已记录 {accepted} 个事件")
    registered = sum(1 for e in arrived if e.type == "ProjectRegistered")
    return Loaded(registered, accepted, duplicates, rejected, clock.now)


def _refuse_a_later_log(runtime: Runtime, registry: Registry, arrived: list[DemoEvent]) -> None:
    """Record time never decreases with position: a log already written on the real
    clock would stamp the simulated year with today. Refuse rather than mislead."""
    head = runtime.store.head()
    stored = registry.store.get_many([e.event_id for e in arrived])
    first_new = next((e for e in arrived if e.event_id not in stored), None)
    if first_new is None or head.recorded_at is None or head.recorded_at <= first_new.arrives:
        return
    raise DemoError(
        "事件库中已有晚于演示年份的记录：模拟时钟只能载入空库"
        f"（最后记录于 {head.recorded_at.isoformat()}）；请用新数据库，或用 --url 经 HTTP 载入"
    )


def _submission(event: DemoEvent) -> Submission:
    return Submission(
        event_id=event.event_id,
        type=event.type,
        occurred_at=event.occurred_at,
        payload=event.payload,
        project_id=event.project_id,
        actor=event.actor,
        source=SOURCE,
    )
