"""What the 挂图作战 page shows of a campaign year: targets against results, investment
by month against 序时进度, counts by status and the wall of cards, grouped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shared.i18n import decimal1

from ..scheduling.domain.plan import Targets
from ..scheduling.domain.project import ProjectState
from ..scheduling.domain.rules import investment_lag
from .text import label

ACHIEVED = {
    "breakthrough": ("completed", "commissioned"),
    "new_start": ("started", "completed", "commissioned"),
    "preliminary": ("started", "completed", "commissioned"),
}
"""A project meets its category's target when it reaches one of these phases: 完工投产 for
突破性进展, 开工 for 开工建设, and 具备落地条件 (started) for 前期谋划 — as the default
rulebook's full target attainment counts them."""

GROUPS = {"leader": "分包领导", "lead_unit": "牵头单位", "town": "乡镇"}
STATUS_ORDER = {"red": 0, "yellow": 1, "green": 2}


@dataclass(frozen=True)
class Target:
    category: str
    target: int
    projects: int
    achieved: int


@dataclass(frozen=True)
class Card:
    project_id: str
    name: str
    status: str
    phase: str
    reason: str
    leader: str
    lead_unit: str
    town: str
    major: bool

    @property
    def colour_label(self) -> str:
        return label("colour", self.status)

    @property
    def phase_label(self) -> str:
        return label("phase", self.phase)


APPROVALS_FOR_PRELIMINARY = 4
"""A preliminary project also meets its target with this many approvals granted (the
default rulebook's 0.25 points each, up to the whole target line)."""


def achieved(state: ProjectState) -> bool:
    if state.phase in ACHIEVED.get(state.category, ()):
        return True
    granted = sum(1 for a in state.approvals.values() if a.outcome == "granted")
    return state.category == "preliminary" and granted >= APPROVALS_FOR_PRELIMINARY


def targets(states: list[ProjectState], goals: Targets) -> list[Target]:
    """Per category: the campaign's target (configured), projects registered, achieved."""
    counts = Counter(s.category for s in states)
    done = Counter(s.category for s in states if achieved(s))
    return [Target(c, getattr(goals, c), counts[c], done[c]) for c in ACHIEVED]


def monthly(states: list[ProjectState], year: int, as_of: date) -> tuple[list, list]:
    """Planned and reported investment per month (yuan); months after ``as_of`` are None."""
    plan = [Decimal(0)] * 12
    actual: list[Decimal | None] = [Decimal(0)] * 12
    for state in states:
        year_plan = state.plan_for(year)  # a carried project's plan of ``year``
        for month in range(12):
            if year_plan.monthly:
                plan[month] += year_plan.monthly[month]
            else:
                plan[month] += year_plan.annual / 12
        for key, investment in state.investments.items():
            if key.startswith(f"{year}-"):
                index = int(key[5:]) - 1
                actual[index] = (actual[index] or Decimal(0)) + investment.amount
    reached = 12 if as_of.year > year else (as_of.month if as_of.year == year else 0)
    return plan, [a if i < reached else None for i, a in enumerate(actual)]


def reason_text(reason: dict[str, Any], state: ProjectState | None, today: date) -> str:
    """The one line on a card, in Chinese: the rule, and what it is about."""
    rule, subject = reason["rule"], reason["subject"]
    what = ""
    if state is not None and rule == "investment_behind":
        lag = investment_lag(state, today)
        what = f"落后{decimal1(lag.behind_pp)}个百分点" if lag else ""
    elif state is not None:
        if subject in state.milestones:
            what = state.milestones[subject].name
        elif subject in state.approvals:
            what = label("approval_kind", state.approvals[subject].kind)
        elif subject in state.issues:
            what = state.issues[subject].description
    return f"{label('agenda_rule', rule)}：{what}" if what else label("agenda_rule", rule)


def cards(rows: list[dict[str, Any]], states: dict[str, ProjectState], today: date) -> list[Card]:
    out = []
    for row in rows:
        worst = sorted(row["reasons"], key=lambda r: STATUS_ORDER.get(r["colour"], 3))
        out.append(
            Card(
                row["project_id"],
                row["name"],
                row["status"],
                row["phase"],
                reason_text(worst[0], states.get(row["project_id"]), today)
                if worst
                else "按计划推进",
                row["leader"],
                row["lead_unit"],
                row["town"],
                row["major"],
            )
        )
    return sorted(out, key=lambda c: (STATUS_ORDER[c.status], c.project_id))


def grouped(wall: list[Card], by: str) -> list[tuple[str, list[Card]]]:
    """Cards under each leader, unit or town, the groups with most red first."""
    groups: dict[str, list[Card]] = {}
    for card in wall:
        groups.setdefault(getattr(card, by), []).append(card)
    return sorted(groups.items(), key=lambda g: (-sum(c.status == "red" for c in g[1]), g[0]))
