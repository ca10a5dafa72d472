"""The roll-up of assessments for a city or province: its counties ranked by their
year-end score, with the main items beside it.

Each county of the request's scope is taken at its assessment of the year: the current
published version (``basis`` ``published``, the default), or its latest computed one,
drafts included (``latest``, for those who read drafts). A county's score is the mean of
its projects' totals weighted as the rulebook weights a unit's (the annual plan, or
equally: the weights its units carry), and so is each line's; its investment against its
target and its grades are the assessment's campaign totals. Counties are ranked by score
(ties share a rank), then by investment attainment, then by code; a county without an
assessment is listed apart (``without``), not ranked.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shared.eventstore import EventStore
from shared.i18n import label
from shared.tenancy import counties_in_scope

from ..domain.errors import AssessmentAltered, AssessmentNotFound
from ..domain.scorecard import points_of
from ..readmodel.records import Records
from . import publication, verification

BASES = ("published", "latest")


def assessment_of(
    store: EventStore, records: Records, year: int, county: str, basis: str
) -> dict[str, Any] | None:
    """The county's assessment of the year the roll-up takes (None: it has none)."""
    if basis == "published":
        published = publication.publications(store, year, county)
        if not published:
            return None
        chosen = published[-1].assessment_id
    else:
        listed = records.assessments(year, county)
        if not listed:
            return None
        chosen = listed[-1]["assessment_id"]
    try:
        return verification.read(records, chosen)
    except (AssessmentNotFound, AssessmentAltered):
        return None  # altered after it was computed: not ranked on it


def county_entry(county: str, record: dict[str, Any]) -> dict[str, Any]:
    """One county's score, its lines, investment and grades, from its assessment."""
    result = record["result"]
    mean = _weighted_mean(result)
    projects = result["projects"]
    lines: dict[str, dict[str, str]] = {}
    for index, line in enumerate(projects[0]["lines"] if projects else []):
        lines[line["line"]] = {
            "points": str(mean(lambda p, i=index: p["lines"][i]["points"])),
            "max": line["max"],
        }
    campaign = result["campaign"]
    return {
        "county": county,
        "county_label": label("county", county),
        "assessment_id": record["assessment_id"],
        "state": record["publication"]["state"],
        "digest": record["digest"],
        "as_of": record["as_of"],
        "known_at": record["known_at"],
        "score": str(mean(lambda p: p["total"])),
        "lines": lines,
        "lines_labels": {name: label("score_line", name) for name in lines},
        "projects": campaign["projects"],
        "grade_counts": campaign["grade_counts"],
        "grade_counts_labels": {g: label("grade", g) for g in campaign["grade_counts"]},
        "vetoed_projects": len(campaign.get("vetoed_projects", [])),
        "investment": {
            "completed": campaign["investment_completed"],
            "target": campaign["investment_target"],
            "attainment_percent": campaign["investment_attainment_percent"],
        },
        "advanced_units": result["advanced_units"],
        "criticised_units": result["criticised_units"],
    }


def _weighted_mean(result: dict[str, Any]) -> Callable[[Callable[[Any], Any]], Decimal]:
    """The mean of a project figure over the county's projects, weighted as its units'
    scores weigh them (equally when no unit gives weights), in points."""
    projects = result["projects"]
    weights = {
        pid: Decimal(w) for unit in result["units"] for pid, w in unit.get("weights", {}).items()
    }
    if not any(weights.get(p["project_id"]) for p in projects):
        weights = {p["project_id"]: Decimal(1) for p in projects}
    whole = sum((weights.get(p["project_id"], Decimal(0)) for p in projects), Decimal(0))

    def mean(value: Callable[[Any], Any]) -> Decimal:
        if not whole:
            return Decimal(0)
        total = sum(
            (weights.get(p["project_id"], Decimal(0)) * Decimal(value(p)) for p in projects),
            Decimal(0),
        )
        return points_of(total / whole)

    return mean


def rank(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best score first (ties share a rank: 1, 1, 3), then investment, then code;
    ``place`` is the entry's own place in that order (unique: the roll-up pages by it)."""
    entries.sort(
        key=lambda e: (
            -Decimal(e["score"]),
            -Decimal(e["investment"]["attainment_percent"]),
            e["county"],
        )
    )
    previous, place = None, 0
    for index, entry in enumerate(entries, 1):
        if entry["score"] != previous:
            place, previous = index, entry["score"]
        entry["rank"] = place
        entry["place"] = index
    return entries


def rollup(store: EventStore, records: Records, year: int, basis: str) -> dict[str, Any]:
    """The scope's counties ranked by their assessment of ``year``; those without one."""
    entries, without = [], []
    for county in counties_in_scope():
        record = assessment_of(store, records, year, county, basis)
        if record is None:
            without.append({"county": county, "county_label": label("county", county)})
            continue
        record["publication"] = publication.standing(store, record)
        entries.append(county_entry(county, record))
    ranked = rank(entries)
    return {
        "year": year,
        "basis": basis,
        "basis_label": label("assessment_basis", basis),
        "counties": ranked,
        "without": without,
        "totals": totals(ranked),
    }


def totals(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """What the ranked counties add up to: projects, grades, investment against targets."""
    grades: dict[str, int] = {}
    for entry in entries:
        for grade, n in entry["grade_counts"].items():
            grades[grade] = grades.get(grade, 0) + n
    completed = sum((Decimal(e["investment"]["completed"]) for e in entries), Decimal(0))
    target = sum((Decimal(e["investment"]["target"]) for e in entries), Decimal(0))
    return {
        "counties": len(entries),
        "projects": sum(e["projects"] for e in entries),
        "grade_counts": grades,
        "grade_counts_labels": {g: label("grade", g) for g in grades},
        "investment": {
            "completed": f"{completed:.2f}",
            "target": f"{target:.2f}",
            "attainment_percent": str((completed * 100 / target).quantize(Decimal("0.1")))
            if target
            else "0.0",
        },
    }
