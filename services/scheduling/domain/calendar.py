"""China's official working-day calendar, with its adjusted working days (调休).

The official data comes from ``chinese-calendar``; a year it does not cover falls back to
Monday–Friday with a warning, and an administrator's overrides win over both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .reasons import ZH, calendar_warning

SOURCES = ("override", "official", "weekday")
"""Where a day's answer came from, strongest first: the administrator, the official
calendar, or Monday–Friday for a year the official data does not cover."""

OfficialLookup = Callable[[date], bool | None]
"""True: a working day; False: a holiday or weekend; None: the year is not covered."""


def official_lookup(day: date) -> bool | None:
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass
class WorkingCalendar:
    """Answers "is this a working day", remembering which years were guessed."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    official: OfficialLookup = official_lookup
    uncovered_years: set[int] = field(default_factory=set)

    def is_working_day(self, day: date) -> bool:
        return self.source_of(day)[0]

    def source_of(self, day: date) -> tuple[bool, str]:
        """Whether ``day`` is a working day, and which of ``SOURCES`` said so."""
        override, official, weekday = SOURCES
        if day in self.overrides:
            return self.overrides[day], override
        answer = self.official(day)
        if answer is not None:
            return answer, official
        self.uncovered_years.add(day.year)
        return day.weekday() < 5, weekday

    def first_working_day(self, start: date, end: date) -> date | None:
        day = start
        while day <= end:
            if self.is_working_day(day):
                return day
            day = date.fromordinal(day.toordinal() + 1)
        return None

    def last_working_day(self, start: date, end: date) -> date | None:
        day = end
        while day >= start:
            if self.is_working_day(day):
                return day
            day = date.fromordinal(day.toordinal() - 1)
        return None

    def warnings(self, texts: str = ZH) -> list[str]:
        return [
            calendar_warning(year, texts)
            for year in sorted(self.uncovered_years)
            if not any(d.year == year for d in self.overrides)
        ]


def parse_overrides(raw: Mapping[str, object]) -> dict[date, bool]:
    """``{"2027-02-06": "workday", "2027-02-10": "holiday"}`` (or true/false)."""
    out: dict[date, bool] = {}
    for key, value in raw.items():
        day = date.fromisoformat(str(key))
        if isinstance(value, bool):
            out[day] = value
        elif str(value).lower() in ("workday", "working", "work"):
            out[day] = True
        elif str(value).lower() in ("holiday", "rest", "off"):
            out[day] = False
        else:
            raise ValueError(f"{key}: say 'workday' or 'holiday', not {value!r}")
    return out
