"""The difference between two assessments, line by line, with the events behind each change.

A line changed because events came into its evidence (late reports, corrections) or
went out of it (retracted, or beyond the new cut-off): those positions are the cause.
A line whose evidence stayed the same but whose points did not (a corrected annual plan),
and every line of a project that came into or went out of the year (a correction that
moved or removed it; each of its lines is listed, down to one that went from 0.00 to
nothing), names the project's events
recorded between the two assessments (``recorded_between``) in ``events_changed_by``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def _by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def _line_changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None, recorded: list[int]
) -> list[dict[str, Any]]:
    old_lines = _by(before["lines"], "line") if before else {}
    new_lines = _by(after["lines"], "line") if after else {}
    changes = []
    for name in [*new_lines, *(n for n in old_lines if n not in new_lines)]:
        old, new = old_lines.get(name), new_lines.get(name)
        old_points = Decimal(old["points"]) if old else Decimal(0)
        new_points = Decimal(new["points"]) if new else Decimal(0)
        old_evidence = set(old["evidence"]) if old else set()
        new_evidence = set(new["evidence"]) if new else set()
        both = old is not None and new is not None
        if both and old_points == new_points and old_evidence == new_evidence:
            continue  # a line that came or went (0.00 → none included) is a change
        moved = before is None or after is None or old_evidence == new_evidence
        changes.append(
            {
                "line": name,
                "before": str(old_points) if old else None,
                "after": str(new_points) if new else None,
                "delta": str(new_points - old_points),
                "explanation_before": old["explanation"] if old else None,
                "explanation_after": new["explanation"] if new else None,
                "events_added": sorted(new_evidence - old_evidence),
                "events_removed": sorted(old_evidence - new_evidence),
                "events_changed_by": recorded if moved else [],
            }
        )
    return changes


def diff_results(
    before: dict[str, Any],
    after: dict[str, Any],
    recorded_between: Mapping[str, list[int]] | None = None,
) -> dict[str, Any]:
    """What changed from ``before`` to ``after``: projects (by line), units and leaders.
    ``recorded_between``: each project's events recorded between the two assessments'
    watermarks (global positions), the causes of changes their evidence does not show."""
    recorded_between = recorded_between or {}
    old_projects = _by(before["projects"], "project_id")
    new_projects = _by(after["projects"], "project_id")
    projects = []
    for project_id in sorted(set(old_projects) | set(new_projects)):
        old, new = old_projects.get(project_id), new_projects.get(project_id)
        lines = _line_changes(old, new, sorted(recorded_between.get(project_id, [])))
        grade_changed = (old or {}).get("grade") != (new or {}).get("grade")
        if not lines and not grade_changed:
            continue
        projects.append(
            {
                "project_id": project_id,
                "status": "added" if old is None else "removed" if new is None else "changed",
                "events_changed_by": sorted(recorded_between.get(project_id, []))
                if old is None or new is None
                else [],
                "total_before": old["total"] if old else None,
                "total_after": new["total"] if new else None,
                "grade_before": old["grade"] if old else None,
                "grade_after": new["grade"] if new else None,
                "lines": lines,
            }
        )
    return {
        "projects": projects,
        "units": _holder_changes(before["units"], after["units"]),
        "leaders": _holder_changes(before["leaders"], after["leaders"]),
        "advanced_units": {
            "added": sorted(set(after["advanced_units"]) - set(before["advanced_units"])),
            "removed": sorted(set(before["advanced_units"]) - set(after["advanced_units"])),
        },
        "criticised_units": {
            "added": sorted(set(after["criticised_units"]) - set(before["criticised_units"])),
            "removed": sorted(set(before["criticised_units"]) - set(after["criticised_units"])),
        },
    }


def _holder_changes(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    old, new = _by(before, "name"), _by(after, "name")
    out = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name, {}), new.get(name, {})
        if (a.get("total"), a.get("grade"), a.get("rank")) != (
            b.get("total"),
            b.get("grade"),
            b.get("rank"),
        ):
            out.append(
                {
                    "name": name,
                    "total_before": a.get("total"),
                    "total_after": b.get("total"),
                    "grade_before": a.get("grade"),
                    "grade_after": b.get("grade"),
                    "rank_before": a.get("rank"),
                    "rank_after": b.get("rank"),
                }
            )
    return out
