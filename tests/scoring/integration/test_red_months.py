"""The rulebook's red-month ground for 通报批评 (issue 17): a unit whose project was red at
N consecutive month ends, as scheduling recorded them (``MonthColoursRecorded``), is
criticised — only when the county's rulebook names it, so other rulebooks' results (and
digests) stay as they were."""

from __future__ import annotations

import pytest

from services.scoring.application.rulebook_document import parse_rulebook
from services.scoring.application.rulebooks import DEFAULT_RULEBOOK, read_document
from services.scoring.domain.rulebook import RulebookInvalid
from shared.eventstore import NewEvent
from tests.scoring.builders import on
from tests.scoring.integration.test_assessment_jobs import county
from tests.scoring.integration.test_http import assess, bearer

# p3 (Unit B) red April to June; p1 (Unit A) red in February, March and May (runs of 2).
COLOURS = {
    "2024-02": {"p1": "red", "p2": "green", "p3": "yellow"},
    "2024-03": {"p1": "red", "p2": "green", "p3": "yellow"},
    "2024-04": {"p1": "green", "p2": "green", "p3": "red"},
    "2024-05": {"p1": "red", "p2": "yellow", "p3": "red"},
    "2024-06": {"p1": "green", "p2": "green", "p3": "red"},
    "2024-07": {"p1": "green", "p2": "green", "p3": "green"},
}
LAST_DAY = {"02": "29", "03": "31", "04": "30", "05": "31", "06": "30", "07": "31"}


def record_colours(history) -> None:
    history.record_on("2024-12-02")
    history.store.append(
        [
            NewEvent(
                stream_id="colours-2024",
                type="MonthColoursRecorded",
                payload={
                    "year": 2024,
                    "month": month,
                    "judged_on": f"{month}-{LAST_DAY[month[5:]]}",
                    "colours": colours,
                },
                occurred_at=on(f"{month}-{LAST_DAY[month[5:]]}"),
                event_id=f"colours-{month}",
                source="scheduling",
                actor="scheduler",
            )
            for month, colours in COLOURS.items()
        ]
    )


def _rulebook(months: int | None) -> dict:
    document = read_document(DEFAULT_RULEBOOK)
    document["version"] = f"2024.red{months}"
    document["rollup"]["criticism_share"] = "0"
    document["rollup"]["advanced_count"] = 0
    if months is not None:
        document["rollup"]["criticism_criteria"] = {"consecutive_red": {"months": months}}
    return document


def test_a_unit_with_a_project_red_three_months_running_is_criticised(
    client, runtime, history, worker
):
    county(history)
    record_colours(history)
    office = bearer(runtime, "office")
    assert client.post("/v1/rulebooks", json=_rulebook(3), headers=office).status_code == 201
    job = assess(client, runtime, office, known_at="2024-12-31")
    result = client.get(f"/v1/assessments/{job['assessment_id']}", headers=office).json["result"]
    runs = {p["project_id"]: p["red_months"] for p in result["projects"]}
    assert runs["p3"] == {"longest": 3, "months": ["2024-04", "2024-05", "2024-06"]}
    assert runs["p1"]["longest"] == 2 and runs["p2"]["longest"] == 0
    assert result["criticised_units"] == ["Unit B"]
    assert result["criticism_reasons"] == {"Unit B": ["consecutive_red"]}
    assert result["criticism_reasons_labels"]["Unit B"] == ["连续多月红灯"]


def test_an_assessment_as_of_an_earlier_day_counts_only_the_months_ended_by_then(
    client, runtime, history, worker
):
    county(history)
    record_colours(history)
    office = bearer(runtime, "office")
    client.post("/v1/rulebooks", json=_rulebook(2), headers=office)
    job = assess(client, runtime, office, known_at="2024-12-31", as_of="2024-05-31")
    result = client.get(f"/v1/assessments/{job['assessment_id']}", headers=office).json["result"]
    runs = {p["project_id"]: p["red_months"]["months"] for p in result["projects"]}
    assert runs["p3"] == ["2024-04", "2024-05"]  # June had not ended
    assert set(result["criticised_units"]) == {"Unit A", "Unit B"}


def test_without_the_option_the_result_is_as_before(client, runtime, history, worker):
    county(history)
    record_colours(history)
    office = bearer(runtime, "office")
    client.post("/v1/rulebooks", json=_rulebook(None), headers=office)
    job = assess(client, runtime, office, known_at="2024-12-31")
    result = client.get(f"/v1/assessments/{job['assessment_id']}", headers=office).json["result"]
    assert all("red_months" not in p for p in result["projects"])
    assert "criticism_reasons" not in result and result["criticised_units"] == []


@pytest.mark.parametrize("months", [0, -1, "3", None])
def test_a_bad_number_of_months_is_refused_naming_the_field(months):
    document = _rulebook(3)
    document["rollup"]["criticism_criteria"]["consecutive_red"]["months"] = months
    with pytest.raises(RulebookInvalid) as refused:
        parse_rulebook(document)
    assert "rollup.criticism_criteria.consecutive_red.months" in refused.value.errors


def test_the_default_rulebook_has_no_red_month_ground():
    assert parse_rulebook(read_document(DEFAULT_RULEBOOK)).red_months is None
    assert parse_rulebook(_rulebook(3)).red_months == 3
