"""The rulebook: a versioned data document that says how a year is scored.

`parse_rulebook` checks a document field by field and refuses it with the dotted path
of every bad field (``lines.investment.points: ...``); a valid document becomes a
`Rulebook`. Its hash is over the canonical JSON of the document as adopted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

CATEGORIES = ("breakthrough", "new_start", "preliminary")
LINES = ("target_attainment", "investment", "milestones", "issues", "supervision")
GRADES = ("excellent", "good", "qualified", "unqualified")
INCIDENT_KINDS = ("major_safety_accident", "ecological_red_line", "illegal_farmland", "other")
INSPECTION_RESULTS = ("passed", "passed_with_issues", "failed")
NOTICE_KINDS = ("commendation", "criticism")
ACHIEVEMENTS = ("commissioned", "completed", "started")


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

    def grade_of(self, score: Decimal, *, vetoed: bool = False) -> str:
        grade = next((b.grade for b in self.grades if score >= b.min), self.grades[-1].grade)
        if vetoed and GRADES.index(grade) < GRADES.index(self.veto_grade_cap):
            return self.veto_grade_cap
        return grade

    def label_of(self, grade: str) -> str:
        return next(b.label for b in self.grades if b.grade == grade)


def rulebook_hash(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class _Reader:
    """Walks a document, collecting every error with its path instead of stopping."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, why: str) -> None:
        self.errors.setdefault(path, why)

    def mapping(self, doc: Any, path: str, keys: tuple[str, ...], optional: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
        if not isinstance(doc, dict):
            self.fail(path or "(document)", "must be a mapping")
            return {}
        for key in doc:
            if key not in keys and key not in optional:
                self.fail(_join(path, str(key)), "unknown field")
        for key in keys:
            if key not in doc:
                self.fail(_join(path, key), "missing")
        return doc

    def decimal(self, doc: dict[str, Any], key: str, path: str, low: str, high: str) -> Decimal:
        where = _join(path, key)
        value = doc.get(key)
        if value is None:
            return Decimal(0)  # reported as missing by mapping()
        if isinstance(value, bool | float):
            self.fail(where, 'write decimals as quoted strings ("0.80"), not floats')
            return Decimal(0)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.fail(where, f"not a decimal: {value!r}")
            return Decimal(0)
        if not number.is_finite() or not Decimal(low) <= number <= Decimal(high):
            self.fail(where, f"must be between {low} and {high}")
        return number

    def choice(self, doc: dict[str, Any], key: str, path: str, options: tuple[str, ...]) -> str:
        value = doc.get(key)
        if key in doc and value not in options:
            self.fail(_join(path, key), f"must be one of {', '.join(options)}")
        return str(value)


def _section(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_rulebook(document: Any) -> Rulebook:
    """A `Rulebook`, or `RulebookInvalid` naming the path of every bad field."""
    if not isinstance(document, dict):
        raise RulebookInvalid({"(document)": "must be a mapping"})
    r = _Reader()
    doc = r.mapping(
        document,
        "",
        ("version", "total_points", "lines", "vetoes", "grades", "rollup", "campaign"),
        ("title",),
    )
    version = doc.get("version")
    if "version" in doc and (not isinstance(version, str) or not 1 <= len(version) <= 64):
        r.fail("version", "must be a text of 1 to 64 characters")
    total = r.decimal(doc, "total_points", "", "1", "1000")
    lines = r.mapping(doc.get("lines", {}), "lines", LINES)
    points = {
        name: r.decimal(_section(lines, name), "points", f"lines.{name}", "0", "1000")
        for name in LINES
    }
    if not r.errors and sum(points.values()) != total:
        r.fail("lines", f"points add up to {sum(points.values())}, not total_points {total}")
    targets = _targets(r, lines.get("target_attainment", {}))
    investment = r.mapping(lines.get("investment", {}), "lines.investment", ("points", "basis"))
    basis = r.choice(investment, "basis", "lines.investment", ("time_proportional", "annual"))
    milestones = r.mapping(
        lines.get("milestones", {}), "lines.milestones", ("points", "judge_against")
    )
    judged = r.choice(
        milestones, "judge_against", "lines.milestones", ("original_due", "latest_due")
    )
    r.mapping(lines.get("issues", {}), "lines.issues", ("points",))
    supervision = r.mapping(
        lines.get("supervision", {}), "lines.supervision", ("points", "inspection", "notice")
    )
    inspection = _signed_table(
        r, supervision.get("inspection", {}), "lines.supervision.inspection", INSPECTION_RESULTS
    )
    notice = _signed_table(
        r, supervision.get("notice", {}), "lines.supervision.notice", NOTICE_KINDS
    )
    vetoes = r.mapping(doc.get("vetoes", {}), "vetoes", ("incidents", "grade_cap"))
    incidents = vetoes.get("incidents", [])
    if not isinstance(incidents, list) or any(i not in INCIDENT_KINDS for i in incidents):
        r.fail("vetoes.incidents", f"must be a list of {', '.join(INCIDENT_KINDS)}")
        incidents = []
    cap = r.choice(vetoes, "grade_cap", "vetoes", GRADES)
    grades = _grades(r, doc.get("grades", []))
    rollup = r.mapping(
        doc.get("rollup", {}), "rollup", ("weight", "advanced_share", "criticism_share")
    )
    weight = r.choice(rollup, "weight", "rollup", ("annual_plan", "equal"))
    advanced = r.decimal(rollup, "advanced_share", "rollup", "0", "1")
    criticism = r.decimal(rollup, "criticism_share", "rollup", "0", "1")
    campaign = r.mapping(doc.get("campaign", {}), "campaign", ("investment_target", "projects"))
    target = r.decimal(campaign, "investment_target", "campaign", "0", "1e15")
    projects = r.mapping(campaign.get("projects", {}), "campaign.projects", (), CATEGORIES)
    for key, value in projects.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            r.fail(f"campaign.projects.{key}", "must be a whole number >= 0")
    if r.errors:
        raise RulebookInvalid(r.errors)
    return Rulebook(
        version=str(version),
        title=str(doc.get("title", "")),
        document=document,
        hash=rulebook_hash(document),
        points=points,
        targets=targets,
        investment_basis=basis,
        milestones_judged_against=judged,
        inspection_points=inspection,
        notice_points=notice,
        veto_incidents=tuple(incidents),
        veto_grade_cap=cap,
        grades=grades,
        rollup_weight=weight,
        advanced_share=advanced,
        criticism_share=criticism,
        investment_target=target,
        project_targets={k: int(v) for k, v in projects.items()},
    )


def _targets(r: _Reader, section: Any) -> dict[str, CategoryTarget]:
    path = "lines.target_attainment"
    section = r.mapping(section, path, ("points", "categories"))
    categories = r.mapping(section.get("categories", {}), f"{path}.categories", CATEGORIES)
    targets = {}
    for category in CATEGORIES:
        where = f"{path}.categories.{category}"
        table = r.mapping(
            categories.get(category, {}), where, (*ACHIEVEMENTS, "per_approval", "approvals_max")
        )
        fractions = {
            k: r.decimal(table, k, where, "0", "1")
            for k in (*ACHIEVEMENTS, "per_approval", "approvals_max")
        }
        targets[category] = CategoryTarget(**fractions)
    return targets


def _signed_table(r: _Reader, table: Any, path: str, keys: tuple[str, ...]) -> dict[str, Decimal]:
    table = r.mapping(table, path, keys)
    return {k: r.decimal(table, k, path, "-1000", "1000") for k in keys}


def _grades(r: _Reader, bands: Any) -> tuple[GradeBand, ...]:
    if not isinstance(bands, list) or not bands:
        r.fail("grades", "must be a non-empty list of {grade, label, min}")
        return ()
    out = []
    for index, band in enumerate(bands):
        where = f"grades.{index}"
        band = r.mapping(band, where, ("grade", "label", "min"))
        grade = r.choice(band, "grade", where, GRADES)
        out.append(
            GradeBand(grade, str(band.get("label", "")), r.decimal(band, "min", where, "0", "1000"))
        )
    if [b.grade for b in out] != list(GRADES):
        r.fail("grades", f"must be the four bands best first: {', '.join(GRADES)}")
    elif any(a.min <= b.min for a, b in zip(out, out[1:], strict=False)):
        r.fail("grades", "each band's min must be below the one before")
    elif out and out[-1].min != 0:
        r.fail(f"grades.{len(out) - 1}.min", "the last band must start at 0")
    return tuple(out)
