"""From project scores to units and leaders (investment-weighted), rankings within
category (分类考核), advanced units (先进单位), the criticism list and campaign totals."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, Decimal
from typing import Any

from .rulebook import GRADES, RED_MONTHS, Rulebook
from .scorecard import money, points_of


def vetoed(item: dict[str, Any]) -> bool:
    """A project with a veto (一票否决), or a unit or leader holding one."""
    return bool(item.get("vetoes") or item.get("vetoed"))


def competition_ranks(items: list[dict[str, Any]], key: str, rb: Rulebook) -> None:
    """Sort best first and set ``rank``: every vetoed item after every unvetoed one,
    whatever its total (not under the legacy rules); ties share a rank, the next rank
    skips (1, 1, 3)."""

    def last_if_vetoed(item: dict[str, Any]) -> bool:
        return vetoed(item) and not rb.legacy

    items.sort(key=lambda item: (last_if_vetoed(item), -Decimal(item["total"]), item[key]))
    previous, rank = None, 0
    for index, item in enumerate(items, 1):
        standing = (last_if_vetoed(item), item["total"])
        if standing != previous:
            rank, previous = index, standing
        item["rank"] = rank


def rank_projects(projects: list[dict[str, Any]], rb: Rulebook) -> None:
    for category in sorted({p["category"] for p in projects}):
        competition_ranks([p for p in projects if p["category"] == category], "project_id", rb)


def roll_up(
    projects: Iterable[dict[str, Any]], rb: Rulebook, holder: Callable[[dict[str, Any]], str]
) -> list[dict[str, Any]]:
    """One entry per holder (a unit or a leader), its score the weighted mean of its projects'."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for project in projects:
        groups.setdefault(holder(project), []).append(project)
    out = []
    for name, members in sorted(groups.items()):
        weights = [
            Decimal(p["annual_plan"]) if rb.rollup_weight == "annual_plan" else Decimal(1)
            for p in members
        ]
        if sum(weights) == 0:
            weights = [Decimal(1)] * len(members)
        total = points_of(
            sum(
                (w * Decimal(p["total"]) for w, p in zip(weights, members, strict=True)), Decimal(0)
            )
            / sum(weights)
        )
        vetoed = any(p["vetoes"] for p in members)
        out.append(
            {
                "name": name,
                "total": str(total),
                "grade": rb.grade_of(total, vetoed=vetoed),
                "vetoed": vetoed,
                "projects": [p["project_id"] for p in members],
                "weights": {p["project_id"]: str(w) for w, p in zip(weights, members, strict=True)},
                "annual_plan": money(sum((Decimal(p["annual_plan"]) for p in members), Decimal(0))),
            }
        )
    competition_ranks(out, "name", rb)
    return out


def _count(share: Decimal, n: int) -> int:
    return int((share * n).to_integral_value(ROUND_CEILING))


def advanced_units(units: list[dict[str, Any]], rb: Rulebook) -> list[str]:
    """The top share (or the rulebook's count) by rank (ties at the boundary included); a
    vetoed unit never is, nor does it take a place (vetoed units rank after every
    unvetoed one)."""
    k = (
        rb.advanced_count
        if rb.advanced_count is not None
        else _count(rb.advanced_share, len(units))
    )
    return [u["name"] for u in units if k and u["rank"] <= k and not u["vetoed"]]


def criticised_units(
    units: list[dict[str, Any]], rb: Rulebook, reasons: dict[str, list[str]] | None = None
) -> list[str]:
    """Every vetoed unit, the bottom share of the unvetoed ones by rank (ties at the
    boundary included), and every unit that meets one of the rulebook's criteria
    (``reasons``, `criticism_reasons`)."""
    clean = [u for u in units if not u["vetoed"] or rb.legacy]
    k = _count(rb.criticism_share, len(clean))
    boundary = clean[-k]["rank"] if k else None
    named = reasons or {}
    return [
        u["name"]
        for u in units
        if u["vetoed"] or (boundary is not None and u["rank"] >= boundary) or u["name"] in named
    ]


def criticism_reasons(
    units: list[dict[str, Any]], projects: list[dict[str, Any]], rb: Rulebook
) -> dict[str, list[str]]:
    """Each unit that meets one of the rulebook's criteria (工作不主动、措施不得力、成效不明显)
    → the criteria it meets: its share of a line's points, weighted as its total is,
    below the criterion's threshold."""
    by_id = {p["project_id"]: p for p in projects}
    out: dict[str, list[str]] = {}
    for unit in units:
        met = [
            c.criterion for c in rb.criticism_criteria if _share(unit, by_id, c.line, rb) < c.below
        ]
        if rb.red_months is not None and _red_run(unit, by_id) >= rb.red_months:
            met.append(RED_MONTHS)
        if met:
            out[unit["name"]] = met
    return out


def _red_run(unit: dict[str, Any], projects: dict[str, dict[str, Any]]) -> int:
    """The longest run of consecutive red months of any of the unit's projects."""
    return max(
        (projects[pid].get("red_months", {}).get("longest", 0) for pid in unit["weights"]),
        default=0,
    )


def _share(
    unit: dict[str, Any], projects: dict[str, dict[str, Any]], line: str, rb: Rulebook
) -> Decimal:
    """The unit's weighted share of ``line``'s points (``total``: of all the points)."""
    most = sum(rb.points.values(), Decimal(0)) if line == "total" else rb.points[line]
    weights = {pid: Decimal(w) for pid, w in unit["weights"].items()}
    if not most or not sum(weights.values()):
        return Decimal(1)
    earned = sum((w * _points(projects[pid], line) for pid, w in weights.items()), Decimal(0))
    return earned / sum(weights.values()) / most


def _points(project: dict[str, Any], line: str) -> Decimal:
    if line == "total":
        return Decimal(project["total"])
    return next((Decimal(x["points"]) for x in project["lines"] if x["line"] == line), Decimal(0))


def campaign_totals(projects: list[dict[str, Any]], rb: Rulebook) -> dict[str, Any]:
    completed = sum((Decimal(p["completed_investment"]) for p in projects), Decimal(0))
    by_category = {}
    for category, target in sorted(rb.project_targets.items()):
        members = [p for p in projects if p["category"] == category]
        by_category[category] = {
            "target": target,
            "registered": len(members),
            "full_attainment": sum(
                1 for p in members if p["lines"][0]["points"] == p["lines"][0]["max"]
            ),
        }
    grades = {g: sum(1 for p in projects if p["grade"] == g) for g in GRADES}
    return {
        "projects": len(projects),
        "investment_target": money(rb.investment_target),
        "investment_completed": money(completed),
        "investment_attainment_percent": str(
            (completed * 100 / rb.investment_target).quantize(Decimal("0.1"))
            if rb.investment_target
            else Decimal(0)
        ),
        "annual_plan_total": money(sum((Decimal(p["annual_plan"]) for p in projects), Decimal(0))),
        "by_category": by_category,
        "grade_counts": grades,
        "vetoed_projects": [p["project_id"] for p in projects if p["vetoes"]],
    }
