"""Rulebooks are data: the default is valid; a bad one is refused naming the field's path."""

from __future__ import annotations

import copy

import pytest

from services.scoring.application.rulebooks import (
    DEFAULT_RULEBOOK,
    default_rulebook,
    parse_rulebook,
    read_document,
)
from services.scoring.domain.rulebook import RulebookInvalid, rulebook_hash


def default_document():
    return copy.deepcopy(read_document(DEFAULT_RULEBOOK))


def refused(document) -> dict[str, str]:
    with pytest.raises(RulebookInvalid) as caught:
        parse_rulebook(document)
    return caught.value.errors


def test_the_default_rulebook_encodes_the_hundred_points_of_the_brief():
    rulebook = default_rulebook()
    assert {k: str(v) for k, v in rulebook.points.items()} == {
        "target_attainment": "40",
        "investment": "25",
        "milestones": "15",
        "issues": "10",
        "supervision": "10",
    }
    assert rulebook.veto_incidents == (
        "major_safety_accident",
        "ecological_red_line",
        "illegal_farmland",
    )
    assert [band.label for band in rulebook.grades] == ["优秀", "良好", "合格", "不合格"]


def test_the_hash_is_over_the_content_not_the_formatting():
    document = default_document()
    assert default_rulebook().hash == rulebook_hash(dict(reversed(list(document.items()))))
    document["title"] = "changed"
    assert rulebook_hash(document) != default_rulebook().hash


def test_a_bad_points_value_is_refused_with_its_path():
    document = default_document()
    document["lines"]["investment"]["points"] = "lots"
    assert "lines.investment.points" in refused(document)


def test_a_float_is_refused_because_decimals_are_strings():
    document = default_document()
    document["rollup"]["advanced_share"] = 0.2
    assert "rollup.advanced_share" in refused(document)


def test_points_that_do_not_add_up_to_the_total_are_refused():
    document = default_document()
    document["lines"]["issues"]["points"] = "11"
    assert "lines" in refused(document)


def test_missing_and_unknown_fields_are_each_named():
    document = default_document()
    del document["vetoes"]["grade_cap"]
    document["lines"]["target_attainment"]["categories"]["preliminary"]["bonus"] = "1"
    errors = refused(document)
    assert errors["vetoes.grade_cap"] == "缺少此项"
    assert errors["lines.target_attainment.categories.preliminary.bonus"] == "未知字段"


def test_grade_bands_must_descend_and_name_the_bad_band():
    document = default_document()
    document["grades"][2]["min"] = "85"
    assert "grades" in refused(document)
    document = default_document()
    document["grades"][1]["grade"] = "splendid"
    assert "grades.1.grade" in refused(document)


def test_an_unknown_veto_kind_is_refused():
    document = default_document()
    document["vetoes"]["incidents"] = ["major_safety_accident", "bad_weather"]
    assert "vetoes.incidents" in refused(document)


def test_a_document_that_is_not_a_mapping_is_refused():
    assert refused(["not", "a", "rulebook"]) == {"(document)": "须是映射（键: 值）"}


def test_a_band_minimum_that_is_not_a_number_is_refused_by_its_path():
    document = default_document()
    document["grades"][1]["min"] = "NaN"
    assert refused(document) == {"grades.1.min": "须在 0 与 1000 之间"}


def test_a_missing_section_is_named_once_not_field_by_field():
    document = default_document()
    del document["vetoes"]
    assert refused(document) == {"vetoes": "缺少此项"}


def test_a_section_that_is_not_a_mapping_is_refused_by_its_path():
    document = default_document()
    document["lines"]["supervision"] = ["inspection"]
    assert refused(document) == {"lines.supervision": "须是映射（键: 值）"}


def test_every_reason_a_rulebook_is_refused_for_is_chinese():
    """The office reads these (``gongjian rulebook check``, the 422 of ``POST /v1/rulebooks``)."""
    import re

    changes = {
        ("lines", "investment", "points"): "lots",
        ("rollup", "advanced_share"): 0.2,
        ("rollup", "weight"): "heaviest",
        ("rollup", "advanced_count"): -1,
        ("vetoes", "incidents"): ["bad_weather"],
        ("version",): "",
        ("lines", "issues", "points"): "11",
    }
    for path, value in changes.items():
        document = default_document()
        where = document
        for key in path[:-1]:
            where = where[key]
        where[path[-1]] = value
        for field, why in refused(document).items():
            assert re.search(r"[\u4e00-\u9fff]", why), (field, why)
    bands = default_document()
    bands["grades"][2]["min"] = "85"
    assert refused(bands)["grades"] == "每个等级的 min 须低于上一个等级的"
