"""The colour record by month (红黄绿灯月度记录): each project's colour at the end of each
month of a campaign, as the office saw it then.

A month is judged with its last instant as both ``as_of`` and ``known_at``: only what
had been recorded by the month's end counts, corrected only by the corrections recorded
by then. A red March caught up in April is red-then-yellow, whatever is corrected later.

`colour_months` does it in one pass over each project's events (in record order, so
what was known at a month's end is a prefix of them): a project's state is carried from
one month to the next and only re-folded from its first event when an amendment arrived
or a fact held back by ``as_of`` (recorded early, occurring later) is still pending.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from shared.history import AMENDMENTS, Amendments, Event, Recorded, within

from .project import ProjectState, amended_fact, apply
from .rules import COLOURS, RED

NOT_IN_CAMPAIGN = "none"
"""A month in which the project was not yet registered (or not of the campaign)."""
MONTH_COLOURS = (*COLOURS, NOT_IN_CAMPAIGN)
"""A project's colour in a month of the record."""


class RecordedFact(Recorded, Protocol):
    """What the colour record reads of an event: a `RecordedEvent` fits."""


@dataclass(frozen=True)
class MonthEnd:
    """One month of the record: its label (``2026-03``), its last day, and the instant
    it is judged at (the end of that day; for the current month: now)."""

    month: str
    day: date
    at: datetime
    closed: bool = True


Judge = Callable[[ProjectState, date], str | None]
"""A state's colour on a day (None: not judged, e.g. not of the campaign)."""


@dataclass
class _Project:
    """One project's events and where the fold has reached."""

    events: list[RecordedFact] = field(default_factory=list)
    known: int = 0
    state: ProjectState | None = None
    pending: bool = False
    """A known fact was held back by ``as_of``: the next month must re-fold."""


def colour_months(
    events: Iterable[RecordedFact], months: Sequence[MonthEnd], judge: Judge, zone: ZoneInfo
) -> dict[str, tuple[list[str], ProjectState]]:
    """Project id → its colour at the end of each of ``months`` (`NOT_IN_CAMPAIGN` before
    it is registered or when ``judge`` says it is not judged), and its state at the last;
    only projects judged in some month. ``events``: the project streams' facts and
    amendments in global order."""
    projects: dict[str, _Project] = {}
    for event in events:
        projects.setdefault(event.stream_id, _Project()).events.append(event)
    out: dict[str, tuple[list[str], ProjectState]] = {}
    for _, project in sorted(projects.items()):
        colours = [_month(project, month, judge, zone) for month in months]
        if project.state is not None and any(c != NOT_IN_CAMPAIGN for c in colours):
            out[project.state.project_id] = (colours, project.state)
    return out


def _month(project: _Project, month: MonthEnd, judge: Judge, zone: ZoneInfo) -> str:
    start = project.known
    while project.known < len(project.events) and _recorded(project.events[project.known]) <= (
        month.at
    ):
        project.known += 1
    new = project.events[start : project.known]
    if project.pending or any(e.type in AMENDMENTS for e in new):
        _refold(project, month.at, zone)
    else:
        for event in new:
            _apply(project, event, month.at, zone)
    if project.state is None:
        return NOT_IN_CAMPAIGN
    return judge(project.state, month.day) or NOT_IN_CAMPAIGN


def _recorded(event: RecordedFact) -> datetime:
    assert event.recorded_at is not None
    return event.recorded_at


def _apply(project: _Project, event: RecordedFact, as_of: datetime, zone: ZoneInfo) -> None:
    if not within(event.occurred_at, as_of):
        project.pending = True
        return
    project.state = apply(project.state, event, zone)


def _refold(project: _Project, as_of: datetime, zone: ZoneInfo) -> None:
    """The project as a replay to ``as_of`` with what was known then gives it."""
    known = project.events[: project.known]
    amendments: Amendments[Event] = Amendments(known)
    project.state, project.pending = None, False
    for event in known:
        if event.type in AMENDMENTS:
            continue
        fact = amended_fact(amendments, event, as_of)
        if fact is None:
            project.pending = project.pending or not _retracted(amendments, event)
            continue
        project.state = apply(project.state, fact, zone)


def _retracted(amendments: Amendments[Event], event: RecordedFact) -> bool:
    return amendments.standing(event).retracted


def red_runs(colours: Sequence[str]) -> tuple[int, int]:
    """(the longest run of consecutive red months, the run ending with the last month)."""
    longest = current = 0
    for colour in colours:
        current = current + 1 if colour == RED else 0
        longest = max(longest, current)
    return longest, current


def campaign_months(
    starts_on: date, ends_on: date, now: datetime, zone: ZoneInfo
) -> list[MonthEnd]:
    """The months of a campaign up to now: each ended month judged at its last instant;
    the current month, if the campaign is still on, at ``now`` (not closed)."""
    today = now.astimezone(zone).date()
    out: list[MonthEnd] = []
    year, month = starts_on.year, starts_on.month
    while (year, month) <= (ends_on.year, ends_on.month):
        last = min(_last_day(year, month), ends_on)
        if last >= today:
            if date(year, month, 1) <= today:
                out.append(MonthEnd(f"{year:04d}-{month:02d}", today, now, closed=False))
            break
        at = datetime.combine(last, datetime.max.time(), tzinfo=zone)
        out.append(MonthEnd(f"{year:04d}-{month:02d}", last, at))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _last_day(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
