"""China's official working-day calendar, with its adjusted working days (调休) and the
names of its holidays.

The official data comes from ``chinese-calendar``; a year it does not cover falls back to
Monday–Friday with a warning, unless the administrator's holiday file covers that year
(its days win over both, and it may name its holidays).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shared.i18n import label

from .reasons import ZH, calendar_warning

SOURCES = ("override", "official", "weekday")
"""Where a day's answer came from, strongest first: the administrator, the official
calendar, or Monday–Friday for a year the official data does not cover."""

OfficialLookup = Callable[[date], bool | None]
"""True: a working day; False: a holiday or weekend; None: the year is not covered."""
HolidayLookup = Callable[[date], str | None]
"""The code of the official holiday a day is part of (``spring_festival`` …), or None."""

HOLIDAY_CODES = {
    "New Year's Day": "new_years_day",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "tomb_sweeping_day",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat_festival",
    "National Day": "national_day",
    "Mid-autumn Festival": "mid_autumn_festival",
    "Anti-Fascist 70th Day": "anti_fascist_70th_day",
}
"""chinese-calendar's holiday names → our codes (labels: kind ``holiday``)."""


def official_lookup(day: date) -> bool | None:
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def official_holiday(day: date) -> str | None:
    import chinese_calendar

    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return HOLIDAY_CODES.get(str(name)) if on_holiday and name else None


@dataclass
class WorkingCalendar:
    """Answers "is this a working day", remembering which years were guessed."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    official: OfficialLookup = official_lookup
    uncovered_years: set[int] = field(default_factory=set)
    holiday_names: Mapping[date, str] = field(default_factory=dict)
    """The administrator's names of holidays (``春节假期``), by day."""
    official_holiday: HolidayLookup = official_holiday

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

    def holiday_of(self, day: date) -> str | None:
        """The Chinese name of the holiday ``day`` is part of (the administrator's name
        first, then the official one), or None for a plain weekend or working day."""
        if day in self.holiday_names:
            return self.holiday_names[day]
        if self.overrides.get(day) is True:
            return None
        code = self.official_holiday(day)
        return label("holiday", code) if code else None

    def holidays_between(self, start: date, end: date) -> list[str]:
        """The holidays of the days from ``start`` to ``end``, each once, in order."""
        names: list[str] = []
        day = start
        while day <= end:
            name = self.holiday_of(day)
            if name and name not in names:
                names.append(name)
            day += timedelta(days=1)
        return names

    def warnings(self, texts: str = ZH) -> list[str]:
        return [
            calendar_warning(year, texts)
            for year in sorted(self.uncovered_years)
            if not any(d.year == year for d in self.overrides)
        ]


def parse_overrides(raw: Mapping[Any, object]) -> dict[date, bool]:
    """``{"2027-02-06": "workday", "2027-02-10": "holiday"}`` (or true/false)."""
    return parse_holiday_file(raw)[0]


def parse_holiday_file(raw: Mapping[Any, object]) -> tuple[dict[date, bool], dict[date, str]]:
    """The administrator's holiday file (docs/scheduling.md): working days and holidays
    by date, and the holidays' names. Two forms, which may be mixed:

    - by year: ``{2027: {"holidays": [{"name": "春节假期", "from": "2027-02-06",
      "to": "2027-02-13"}], "workdays": ["2027-02-14"]}}``;
    - by day: ``{"2027-02-06": "holiday", "2027-02-14": "workday"}`` (or true/false).
    """
    days: dict[date, bool] = {}
    names: dict[date, str] = {}
    for key, value in raw.items():
        if _is_year(key):
            _year_section(int(str(key)), value, days, names)
        else:
            days[_day(key)] = _working(key, value)
    return days, names


def _is_year(key: object) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.isdigit() and len(key) == 4)


def _year_section(
    year: int, section: object, days: dict[date, bool], names: dict[date, str]
) -> None:
    if not isinstance(section, Mapping):
        raise ValueError(f"{year}：应为 holidays 与 workdays")
    unknown = set(section) - {"holidays", "workdays"}
    if unknown:
        raise ValueError(f"{year}：未知的键 {'、'.join(sorted(map(str, unknown)))}")
    for holiday in section.get("holidays") or ():
        first, last = _day(holiday["from"]), _day(holiday.get("to", holiday["from"]))
        if last < first or first.year != year:
            raise ValueError(f"{year}：假日“{holiday.get('name')}”的日期有误")
        day = first
        while day <= last:
            days[day] = False
            names[day] = str(holiday.get("name") or "节假日")
            day += timedelta(days=1)
    for workday in section.get("workdays") or ():
        days[_day(workday)] = True


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _working(key: object, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("workday", "working", "work"):
        return True
    if str(value).lower() in ("holiday", "rest", "off"):
        return False
    raise ValueError(f"{key}: say 'workday' or 'holiday', not {value!r}")
