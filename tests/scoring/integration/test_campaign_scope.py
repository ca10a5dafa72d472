"""An assessment is of one campaign: its year's projects and those carried into it by an
event (as of the assessment's date, as known at its watermark), against the campaign's
own targets when the campaign is defined."""

from __future__ import annotations

import uuid
from datetime import date

from services.scoring.application import assessments
from shared.campaign import campaign_stream
from shared.eventstore import NewEvent
from tests.scoring.builders import ZONE, History, on


def define(store, year: int, **targets) -> None:
    payload = {
        "year": year,
        "name": f"{year}年项目攻坚年",
        "county": "某某县",
        "starts_on": f"{year}-03-01",
        "ends_on": f"{year}-12-31",
        "targets": {
            "breakthrough": 18,
            "new_start": 5,
            "preliminary": 6,
            "investment": "4500000000.00",
            **targets,
        },
    }
    stream = campaign_stream(year)
    event = NewEvent(stream, "CampaignDefined", payload, on(f"{year}-03-01"), str(uuid.uuid4()))
    store.append([event], {stream: store.stream_version(stream)})


def assess(runtime, records, year: int, known_at: str):
    req = assessments.AssessmentRequest.of(
        year, as_of=None, known_at=date.fromisoformat(known_at), rulebook_version=None, zone=ZONE
    )
    job, _ = assessments.submit(records, req)
    job = assessments.run(runtime.store, records, job["job_id"], ZONE)
    return records.assessment(job["assessment_id"])


def scored(record) -> set[str]:
    return {p["project_id"] for p in record["result"]["projects"]}


def test_an_assessment_takes_its_year_s_projects_and_those_carried_over(runtime, records):
    history = History(runtime.store, recorded="2024-03-01")
    history.register("old", "2024-03-01", year=2024)
    history.register("kept", "2024-03-01", year=2024)
    history.record_on("2025-01-05")
    carry = {"from_year": 2024, "to_year": 2025, "reason": "续建"}
    carried = history.add("kept", "ProjectCarriedOver", carry, "2025-01-05")
    history.register("new", "2025-03-01", year=2025)
    define(runtime.store, 2025, new_start=7)
    history.record_on("2026-01-05")
    assert scored(assess(runtime, records, 2024, "2025-01-04")) == {"old", "kept"}
    record = assess(runtime, records, 2025, "2026-01-04")
    assert scored(record) == {"kept", "new"}
    assert record["result"]["campaign"]["by_category"]["new_start"]["target"] == 7
    history.add(
        "kept", "EventRetracted", {"retracted_event_id": carried, "reason": "误报"}, "2026-01-05"
    )
    assert scored(assess(runtime, records, 2025, "2026-01-06")) == {"new"}


def test_without_a_defined_campaign_the_rulebook_s_targets_stand(runtime, records):
    history = History(runtime.store, recorded="2024-03-01")
    history.register("p1", "2024-03-01", year=2024, category="new_start")
    record = assess(runtime, records, 2024, "2024-12-31")
    assert record["result"]["campaign"]["by_category"]["new_start"]["target"] == 5
