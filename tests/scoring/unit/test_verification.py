"""The first difference between a stored assessment and its recomputation, named as
people name things: a project by id, a line by its rule, a unit by name."""

from __future__ import annotations

from services.scoring.domain.verification import first_difference


def recomputed(**changes):
    again = {
        "projects": [
            {
                "project_id": "p1",
                "total": "97.92",
                "rank": 1,
                "lines": [{"line": "investment", "points": "22.92"}],
            },
            {"project_id": "p3", "total": "54.50", "rank": 1, "lines": []},
        ],
        "units": [{"name": "县发改局", "rank": 1}],
    }
    again.update(changes)
    return again


def test_equal_results_have_no_difference():
    assert first_difference(recomputed(), recomputed()) is None


def test_a_changed_total_is_named_by_project_and_field_with_both_values():
    stored = recomputed()
    stored["projects"][1]["total"] = "94.50"  # edited in the database
    difference = first_difference(stored, recomputed())
    assert difference.path == "projects[p3].total"
    assert str(difference) == "projects[p3].total 不一致：存档 94.50，重算 54.50"


def test_a_line_is_named_by_its_rule_and_a_missing_entry_by_the_count():
    stored = recomputed()
    stored["projects"][0]["lines"][0]["points"] = "25.00"
    assert first_difference(stored, recomputed()).path == "projects[p1].lines[investment].points"
    fewer = recomputed(units=[])
    assert first_difference(recomputed(), fewer).path == "units（条目数）"


def test_a_key_only_one_side_has_is_a_difference():
    stored = recomputed()
    stored["units"][0]["vetoed"] = True
    difference = first_difference(stored, recomputed())
    assert difference.path == "units[县发改局].vetoed" and difference.recomputed == "（无）"
