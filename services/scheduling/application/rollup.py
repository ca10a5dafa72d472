"""The roll-up of a city or province: each county's board and its campaign totals
against its targets, the counties ranked, and the totals of them all.

Computed from the board of the request's scope (`shared.tenancy`): a city sees its own
counties, never another city's. Ranked by the share of the year's investment target
completed, then by the share of green projects, then by county code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.campaign import Targets
from shared.events.catalogue import CATEGORIES
from shared.tenancy import DEFAULT_COUNTY

from ..domain.project import ProjectState

COLOURS = ("green", "yellow", "red")


@dataclass
class CountyTally:
    """One county's projects on the board and its campaign totals."""

    county: str
    name: str
    targets: Targets
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLOURS, 0))
    categories: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    investment: Decimal = Decimal(0)

    @property
    def projects(self) -> int:
        return sum(self.counts.values())

    @property
    def investment_share(self) -> Decimal:
        return _share(self.investment, self.targets.investment)

    @property
    def green_share(self) -> Decimal:
        return _share(Decimal(self.counts["green"]), Decimal(self.projects))

    def add(self, state: ProjectState, colour: str, year: int) -> None:
        self.counts[colour] = self.counts.get(colour, 0) + 1
        if state.category in self.categories:
            self.categories[state.category] += 1
        self.investment += sum(
            (v.amount for m, v in state.investments.items() if m.startswith(f"{year}-")),
            Decimal(0),
        )

    def to_dict(self) -> dict[str, Any]:
        targets = self.targets
        return {
            "county": self.county,
            "county_label": self.name,
            "projects": self.projects,
            "counts": dict(self.counts),
            "green_share": f"{self.green_share:.4f}",  # rounded half-even
            "categories": {
                c: {"count": n, "target": getattr(targets, c)} for c, n in self.categories.items()
            },
            "investment": {
                "reported": f"{self.investment:.2f}",
                "target": f"{targets.investment:.2f}",
                "share": f"{self.investment_share:.4f}",
            },
        }


def _share(part: Decimal, whole: Decimal) -> Decimal:
    """Exact (the ranking compares it); shown to four places."""
    return part / whole if whole else Decimal(0)


def tally(
    judged: Iterable[tuple[ProjectState, str]],
    counties: Mapping[str, str],
    targets: Mapping[str, Targets],
    year: int,
) -> list[CountyTally]:
    """Each county of ``counties`` (code → name) with its projects' colours, every county
    listed even without a project, ranked (first is best)."""
    tallies = {c: CountyTally(c, name, targets[c]) for c, name in counties.items()}
    for state, colour in judged:
        found = tallies.get(state.county or DEFAULT_COUNTY)
        if found is not None:
            found.add(state, colour, year)
    return sorted(tallies.values(), key=lambda t: (-t.investment_share, -t.green_share, t.county))


def rollup_body(tallies: list[CountyTally]) -> dict[str, Any]:
    """The ranked counties and the totals of them all against the sum of their targets."""
    total = CountyTally("*", "合计", _sum_targets(t.targets for t in tallies))
    for t in tallies:
        for colour, n in t.counts.items():
            total.counts[colour] = total.counts.get(colour, 0) + n
        for category, n in t.categories.items():
            total.categories[category] += n
        total.investment += t.investment
    counties = [{"rank": i, **t.to_dict()} for i, t in enumerate(tallies, start=1)]
    totals = total.to_dict()
    totals.pop("county"), totals.pop("county_label")
    return {"counties": counties, "totals": totals}


def _sum_targets(all_targets: Iterable[Targets]) -> Targets:
    listed = list(all_targets)
    return Targets(
        sum(t.breakthrough for t in listed),
        sum(t.new_start for t in listed),
        sum(t.preliminary for t in listed),
        sum((t.investment for t in listed), Decimal(0)),
    )
