"""The rulebook: a versioned data document that says how a year is scored.

The document's schema lives in ``application/rulebook_document.py`` (`parse_rulebook`),
which refuses a bad document with `RulebookInvalid` naming the dotted path of every bad
field (``lines.investment.points: ...``); a valid document becomes a `Rulebook`. Its hash
is over the canonical JSON of the document as adopted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from shared.events.codes import INCIDENT_KINDS as INCIDENT_KINDS  # the one list; re-exported
from shared.eventstore.canonical import canonical_json

RULES = "2026.12"
"""The scoring rules of this release: vetoes rank last, zero lines say why, approvals from
the campaign's start, the year judged to 31 December, a milestone judged once in the year
it was first due (or the project's first campaign after it)."""
LEGACY_RULES = "2026.11"
"""The rules before: an assessment stored then is re-run with them (its digest covers
them)."""

DEFAULT_REPORT_DUE_DAY = 5
"""As the board's ``report_grace_days``: a month's report is due by the 5th of the next."""

CATEGORIES = ("breakthrough", "new_start", "preliminary")
LINES = ("target_attainment", "investment", "milestones", "issues", "supervision")
GRADES = ("excellent", "good", "qualified", "unqualified")
INSPECTION_RESULTS = ("passed", "passed_with_issues", "failed")
NOTICE_KINDS = ("commendation", "criticism")
ACHIEVEMENTS = ("commissioned", "completed", "started")
CRITICISM_CRITERIA = ("not_proactive", "ineffective_measures", "no_evident_results")
"""Plan 2's grounds for 通报批评: 工作不主动、措施不得力、成效不明显; each a rule of the
rulebook (`CriticismCriterion`) when the county names it."""


RED_MONTHS = "consecutive_red"
"""A ground for 通报批评 the county may add (``rollup.criticism_criteria.consecutive_red:
{months: N}``): a unit leads a project that was red at N or more consecutive month ends,
as scheduling recorded them (``MonthColoursRecorded``)."""


class RulebookInvalid(ValueError):
    """A rulebook refused; ``errors`` maps each bad field's dotted path to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{path}: {why}" for path, why in sorted(errors.items())))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class CategoryTarget:
    """What fraction of the target-attainment points each achievement earns."""

    commissioned: Decimal
    completed: Decimal
    started: Decimal
    per_approval: Decimal
    approvals_max: Decimal


@dataclass(frozen=True, slots=True)
class GradeBand:
    grade: str
    label: str
    min: Decimal


@dataclass(frozen=True, slots=True)
class CriticismCriterion:
    """A unit meets ``criterion`` when its weighted share of ``line``'s points (``total``:
    of the total points) is below ``below``."""

    criterion: str
    line: str
    below: Decimal


@dataclass(frozen=True, slots=True)
class Rulebook:
    version: str
    title: str
    document: dict[str, Any]
    hash: str
    points: dict[str, Decimal]
    targets: dict[str, CategoryTarget]
    investment_basis: str
    milestones_judged_against: str
    inspection_points: dict[str, Decimal]
    notice_points: dict[str, Decimal]
    veto_incidents: tuple[str, ...]
    veto_grade_cap: str
    grades: tuple[GradeBand, ...]
    rollup_weight: str
    advanced_share: Decimal
    criticism_share: Decimal
    investment_target: Decimal
    project_targets: dict[str, int]
    approvals_before_campaign: bool = False
    """Whether approvals granted before the campaign's start (1 January) score for it."""
    report_due_day: int = DEFAULT_REPORT_DUE_DAY
    """A month's investment report is due by this day of the next month; the default
    cut-off of an assessment is the day after December's report is due in January."""
    criticism_criteria: tuple[CriticismCriterion, ...] = ()
    """The county's grounds for 通报批评 beside the bottom share (none unless named)."""
    advanced_count: int | None = None
    """How many units are advanced, when the county names a number instead of
    ``advanced_share``."""
    red_months: int | None = None
    """`RED_MONTHS`: how many consecutive red months make a unit criticised (none unless
    the county names it)."""
    rules: str = RULES
    """Which scoring rules apply (`RULES`, or `LEGACY_RULES` to re-run an assessment
    stored before them); not part of the document or its hash."""

    @property
    def legacy(self) -> bool:
        return self.rules == LEGACY_RULES

    def as_legacy(self) -> Rulebook:
        """This rulebook under the rules before this release."""
        return replace(self, rules=LEGACY_RULES, approvals_before_campaign=True)

    def grade_of(self, score: Decimal, *, vetoed: bool = False) -> str:
        grade = next((b.grade for b in self.grades if score >= b.min), self.grades[-1].grade)
        if vetoed and GRADES.index(grade) < GRADES.index(self.veto_grade_cap):
            return self.veto_grade_cap
        return grade

    def label_of(self, grade: str) -> str:
        return next(b.label for b in self.grades if b.grade == grade)


def rulebook_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()
