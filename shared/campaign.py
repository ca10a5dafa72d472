"""The campaign (项目攻坚年): one county's year, its dates and targets; which campaign a
project belongs to, and which campaign is the current one on a date. Written once here;
registry, scheduling, scoring and the console call it.

Plain Python (no framework, nothing of the event store): domain code imports it.

- A campaign is defined by ``CampaignDefined`` events in the stream ``campaign-<year>``;
  a later one on the same stream amends it (the latest stands).
- A project belongs to the campaign of its registration ``year`` and to every year it was
  carried into by a ``ProjectCarriedOver`` event (`campaign_years`).
- In a calendar year a project is judged as one of the campaign of that year if it
  belongs to it, else of its latest earlier one (`year_judged`), by the investment plan
  stated for that campaign year (`plan_for_year`: the carry-over's, else the
  registration's); a milestone is judged once, in the campaign of the year it was first
  due, or the project's first campaign after it (`milestone_year`).
- The current campaign on a date is the one whose dates contain it; else the latest that
  started before it; with none defined (or none started yet), the calendar year's
  campaign with the configured default targets (`current_campaign`), so nothing breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

CAMPAIGN_STREAM_PREFIX = "campaign-"
"""The registry's campaign streams are ``campaign-<year>``."""
DEFINED = "CampaignDefined"
CARRIED_OVER = "ProjectCarriedOver"
P = TypeVar("P")


@dataclass(frozen=True)
class Targets:
    """A campaign's targets: projects by category (18/5/6) and the year's investment
    (45亿元), in yuan."""

    breakthrough: int = 18
    new_start: int = 5
    preliminary: int = 6
    investment: Decimal = Decimal("4500000000")

    def to_dict(self) -> dict[str, Any]:
        return {
            "breakthrough": self.breakthrough,
            "new_start": self.new_start,
            "preliminary": self.preliminary,
            "investment": f"{self.investment:.2f}",
        }

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Targets:
        return cls(
            int(raw["breakthrough"]),
            int(raw["new_start"]),
            int(raw["preliminary"]),
            Decimal(str(raw["investment"])),
        )


@dataclass(frozen=True)
class Campaign:
    """One year's campaign of one county. ``defined`` is False for the stand-in of a year
    nobody defined (the calendar year with the default targets)."""

    year: int
    name: str
    county: str
    starts_on: date
    ends_on: date
    targets: Targets = field(default_factory=Targets)
    defined: bool = True

    @classmethod
    def default(cls, year: int, targets: Targets | None = None) -> Campaign:
        return cls(
            year,
            f"{year}年项目攻坚年",
            "",
            date(year, 1, 1),
            date(year, 12, 31),
            targets or Targets(),
            defined=False,
        )

    @classmethod
    def of(cls, payload: Mapping[str, Any]) -> Campaign:
        """The campaign a ``CampaignDefined`` payload states."""
        return cls(
            int(payload["year"]),
            str(payload["name"]),
            str(payload.get("county") or ""),
            _day(payload["starts_on"]),
            _day(payload["ends_on"]),
            Targets.of(payload["targets"]),
        )

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def closed_on(self, day: date) -> bool:
        """Whether the campaign had ended before ``day``."""
        return day > self.ends_on

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "name": self.name,
            "county": self.county,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "targets": self.targets.to_dict(),
            "defined": self.defined,
        }


def campaign_stream(year: int) -> str:
    """The stream of one year's campaign."""
    return f"{CAMPAIGN_STREAM_PREFIX}{year}"


def is_campaign_stream(stream_id: str) -> bool:
    return stream_id.startswith(CAMPAIGN_STREAM_PREFIX)


def campaign_years(registered_year: int, carried_into: Iterable[int] = ()) -> frozenset[int]:
    """The campaign years a project belongs to: its registration year and every year it
    was carried into."""
    return frozenset((registered_year, *carried_into))


def belongs_to(registered_year: int, carried_into: Iterable[int], year: int) -> bool:
    """Whether a project is one of campaign ``year``'s projects."""
    return year in campaign_years(registered_year, carried_into)


def year_judged(years: Iterable[int], year: int) -> int | None:
    """The campaign year by which a project is judged in calendar ``year``: ``year`` if it
    belongs to it, else its latest earlier campaign year (judged to that year's end);
    None before its first."""
    earlier = [y for y in years if y <= year]
    return max(earlier) if earlier else None


def milestone_year(years: Iterable[int], first_due_year: int) -> int | None:
    """The one campaign year a milestone first due in ``first_due_year`` is judged in:
    that year if the project belongs to it, else the project's first campaign year after
    it (a project moved into a later year takes what fell due before); None if none."""
    later = [y for y in years if y >= first_due_year]
    return min(later) if later else None


@dataclass(frozen=True)
class YearPlan:
    """A project's investment plan for one campaign year, in yuan: the annual amount and,
    when stated, the twelve monthly amounts."""

    annual: Decimal
    monthly: tuple[Decimal, ...] | None = None

    @classmethod
    def stated(cls, payload: Mapping[str, Any]) -> YearPlan | None:
        """The plan a ``ProjectRegistered`` or ``ProjectCarriedOver`` payload states
        (None: a carry-over that states none)."""
        if payload.get("annual_plan") is None:
            return None
        monthly = payload.get("monthly_plan")
        return cls(
            Decimal(str(payload["annual_plan"])),
            tuple(Decimal(str(m)) for m in monthly) if monthly else None,
        )

    def due_by(self, months: int) -> Decimal:
        """The plan of the year's first ``months`` months: the monthly amounts, or the
        time-proportional share (序时进度) of the annual one."""
        if self.monthly:
            return sum(self.monthly[:months], Decimal(0))
        return self.annual * months / 12


def plan_for_year(registered: P, carried: Mapping[int, P], year: int) -> P:
    """The plan a project is judged by in campaign ``year``: the one stated by the latest
    carry-over into a year up to ``year`` that states one, else its registration's. (A
    plan, or anything kept with it, e.g. the event that stated it.)"""
    stated = [y for y in carried if y <= year]
    return carried[max(stated)] if stated else registered


def current_campaign(
    campaigns: Iterable[Campaign], day: date, default_targets: Targets | None = None
) -> Campaign:
    """The campaign current on ``day``: the one whose dates contain it, else the latest
    that started before it, else the calendar year's with the default targets."""
    started = [c for c in campaigns if c.starts_on <= day]
    containing = [c for c in started if c.contains(day)]
    if containing:
        return max(containing, key=lambda c: c.starts_on)
    if started:
        return max(started, key=lambda c: c.starts_on)
    return Campaign.default(day.year, default_targets)


def campaign_for_year(
    campaigns: Iterable[Campaign], year: int, default_targets: Targets | None = None
) -> Campaign:
    """Campaign ``year`` as defined, or its stand-in with the default targets."""
    found = {c.year: c for c in campaigns}
    return found.get(year) or Campaign.default(year, default_targets)


def campaign_of_day(
    campaigns: Iterable[Campaign], day: date, default_targets: Targets | None = None
) -> Campaign:
    """The campaign a dated thing (a meeting, a plan's period) belongs to: the one whose
    dates contain ``day``, else the calendar year's."""
    containing = [c for c in campaigns if c.contains(day)]
    if containing:
        return max(containing, key=lambda c: c.starts_on)
    return campaign_for_year(campaigns, day.year, default_targets)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
