"""Dispatch periods: ISO weeks (``2024-W10``), months (``2024-03``), quarters (``2024-Q1``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

CADENCES = ("weekly", "monthly", "quarterly")

_PATTERNS = {
    "weekly": re.compile(r"^(\d{4})-W(\d{2})$"),
    "monthly": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarterly": re.compile(r"^(\d{4})-Q([1-4])$"),
}


class InvalidPeriod(ValueError):
    """A cadence or period that cannot be read; ``field`` names which."""

    def __init__(self, message: str, field: str = "period") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, order=True)
class Period:
    """One dispatch period: its first and last calendar day (inclusive)."""

    start: date
    end: date
    cadence: str
    label: str

    @classmethod
    def parse(cls, cadence: str, label: str) -> Period:
        if cadence not in CADENCES:
            raise InvalidPeriod(f"cadence 应为 {'、'.join(CADENCES)} 之一", "cadence")
        match = _PATTERNS[cadence].match(label or "")
        if not match:
            example = {"weekly": "2024-W10", "monthly": "2024-03", "quarterly": "2024-Q1"}
            raise InvalidPeriod(f"{cadence} 的期次写作如 {example[cadence]}")
        year, number = int(match.group(1)), int(match.group(2))
        try:
            if cadence == "weekly":
                start = date.fromisocalendar(year, number, 1)
                return cls(start, start + timedelta(days=6), cadence, label)
            if cadence == "monthly":
                return cls.month(year, number)
            return cls.quarter(year, number)
        except ValueError as exc:
            raise InvalidPeriod(f"没有这个 {cadence} 期次：{label!r}") from exc

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(start, following - timedelta(days=1), "monthly", f"{year}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("季度应为 1 至 4")
        start = date(year, 3 * quarter - 2, 1)
        end = Period.month(year, 3 * quarter).end
        return cls(start, end, "quarterly", f"{year}-Q{quarter}")

    @classmethod
    def containing(cls, cadence: str, day: date) -> Period:
        if cadence == "weekly":
            year, week, _ = day.isocalendar()
            return cls.parse("weekly", f"{year}-W{week:02d}")
        if cadence == "monthly":
            return cls.month(day.year, day.month)
        if cadence == "quarterly":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        raise InvalidPeriod(f"cadence 应为 {'、'.join(CADENCES)} 之一", "cadence")

    def next(self) -> Period:
        return Period.containing(self.cadence, self.end + timedelta(days=1))

    def previous(self) -> Period:
        return Period.containing(self.cadence, self.start - timedelta(days=1))

    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


def period_of_label(label: str) -> Period:
    """The period a label names, whatever its cadence (``2024-W10``, ``2024-03``,
    ``2024-Q1``)."""
    for cadence, pattern in _PATTERNS.items():
        if pattern.match(label):
            return Period.parse(cadence, label)
    raise InvalidPeriod(f"not a period: {label!r}")


def periods_between(cadence: str, first: date, last: date) -> list[Period]:
    """Every period of ``cadence`` that opens on or after ``first`` and on or before ``last``,
    plus the one containing ``first``."""
    periods: list[Period] = []
    period = Period.containing(cadence, first)
    while period.start <= last:
        periods.append(period)
        period = period.next()
    return periods


def previous_month(day: date) -> str:
    """The calendar month before ``day``'s, written ``YYYY-MM``."""
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first.year}-{first.month:02d}"
