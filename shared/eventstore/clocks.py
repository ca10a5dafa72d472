"""The two clocks of every query about the past: ``as_of`` and ``known_at``.

``as_of`` is business time: only events with ``occurred_at <= as_of`` count.
``known_at`` is record time: only events with ``recorded_at <= known_at`` count.
Both are calendar dates in the campaign's time zone or instants; a date means the
end of that day there. Instants are compared in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .envelope import utc


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last microsecond of ``day`` in ``zone``, as a UTC instant."""
    start_next = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return (start_next - timedelta(microseconds=1)).astimezone(UTC)


KNOWN_AT_IN_FUTURE = "known_at 不能晚于现在：只计到现在为止已记录的事件"
"""The one refusal of a ``known_at`` in the future, in every endpoint and command."""


class FutureKnownAt(ValueError):
    """A ``known_at`` after now: nothing is known beyond now."""

    def __init__(self) -> None:
        super().__init__(KNOWN_AT_IN_FUTURE)


def known_at_bound(value: date | datetime, zone: ZoneInfo, now: datetime | None = None) -> datetime:
    """The one ``known_at`` rule: now or the past. An instant after now is refused; a
    date is the end of that day in ``zone``, today's is now, a later day is refused."""
    now = now or now_utc()
    if isinstance(value, datetime):
        if utc(value) > now:
            raise FutureKnownAt()
        return utc(value)
    if value > now.astimezone(zone).date():
        raise FutureKnownAt()
    return min(end_of_day(value, zone), now)


def as_instant(value: date | datetime | None, zone: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value)
    return end_of_day(value, zone)


@dataclass(frozen=True, slots=True)
class Cutoff:
    """Upper bounds (inclusive) on business time and record time; ``None`` is no bound."""

    as_of: datetime | None = None
    known_at: datetime | None = None

    @classmethod
    def of(
        cls,
        as_of: date | datetime | None = None,
        known_at: date | datetime | None = None,
        zone: ZoneInfo | None = None,
    ) -> Cutoff:
        zone = zone or ZoneInfo("Asia/Shanghai")
        return cls(as_instant(as_of, zone), as_instant(known_at, zone))

    def admits(self, occurred_at: datetime, recorded_at: datetime) -> bool:
        return (self.as_of is None or occurred_at <= self.as_of) and (
            self.known_at is None or recorded_at <= self.known_at
        )


def now_utc() -> datetime:
    return datetime.now(UTC)
