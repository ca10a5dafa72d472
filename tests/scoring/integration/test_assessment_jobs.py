"""Assessment jobs over the real store on SQLite and PostgreSQL: replay, publish once,
reproduce the digest, late reports and corrections, rulebook changes, killed jobs."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from services.scoring.application import assessments, rulebooks
from services.scoring.domain.diff import diff_results
from services.scoring.wiring import ScoringParts
from shared.eventstore import end_of_day, format_instant
from tests.scoring.builders import ZONE, History


def county(history: History) -> dict[str, str]:
    """Three projects in two units, as the office knew them by 31 December."""
    ids = {}
    history.record_on("2024-03-01")
    history.register("p1", lead_unit="Unit A", leader="Leader A", annual_plan="1200000.00")
    history.register("p2", lead_unit="Unit A", leader="Leader B", annual_plan="600000.00")
    history.register("p3", lead_unit="Unit B", leader="Leader B", category="new_start")
    ids["m1"] = history.add(
        "p2",
        "MilestonePlanned",
        {"milestone_id": "m1", "name": "Frame", "due": "2024-09-30"},
        "2024-03-02",
    )
    history.record_on("2024-10-05")
    ids["m1_done"] = history.add("p2", "MilestoneCompleted", {"milestone_id": "m1"}, "2024-10-03")
    for month in range(1, 12):
        history.record_on(f"2024-{month:02d}-28")
        history.add(
            "p1",
            "InvestmentReported",
            {"month": f"2024-{month:02d}", "amount": "100000.00"},
            f"2024-{month:02d}-25",
        )
    history.record_on("2024-11-25")
    history.add("p1", "ProjectCommissioned", {"note": ""}, "2024-11-20")
    history.add("p3", "ConstructionStarted", {"note": ""}, "2024-11-21")
    return ids


def request(year=2024, known_at="2024-12-31", rulebook_version=None):
    return assessments.AssessmentRequest.of(
        year,
        as_of=None,
        known_at=date.fromisoformat(known_at),
        rulebook_version=rulebook_version,
        zone=ZONE,
    )


def run(runtime, records, req):
    job, _ = assessments.submit(records, req)
    job = assessments.run(runtime.store, records, job["job_id"], ZONE)
    return records.assessment(job["assessment_id"])


def computed(store):
    return [e for e in store.iter_all(types=["AssessmentComputed"])]


def line(record, project_id, name):
    project = next(p for p in record["result"]["projects"] if p["project_id"] == project_id)
    return next(x for x in project["lines"] if x["line"] == name)


def test_a_job_replays_the_log_reports_progress_and_publishes_its_digest(runtime, records, history):
    county(history)
    req = request()
    job, created = assessments.submit(records, req)
    assert created and job["status"] == "queued"
    seen = []
    head = runtime.store.head()
    done = assessments.run(
        runtime.store, records, job["job_id"], ZONE, progress=lambda n, t: seen.append((n, t))
    )
    assert done["status"] == "done"
    assert done["events_replayed"] == done["events_total"] == head.position
    assert seen[-1] == (head.position, head.position)
    record = records.assessment(done["assessment_id"])
    assert record["chain_head_position"] == head.position and record["chain_head_hash"] == head.hash
    [event] = computed(runtime.store)
    assert event.payload["digest"] == record["digest"]
    assert event.payload["rulebook_hash"] == rulebooks.default_rulebook().hash
    assert line(record, "p1", "target_attainment")["points"] == "40.00"


def test_asking_for_the_same_assessment_again_gives_the_same_job(records, history):
    county(history)
    first, created = assessments.submit(records, request())
    again, created_again = assessments.submit(records, request())
    assert created and not created_again
    assert first["job_id"] == again["job_id"]


def test_re_running_an_assessment_gives_the_same_digest_byte_for_byte(runtime, records, history):
    county(history)
    record = run(runtime, records, request())
    watermark = record["chain_head_position"]
    # The default cut-off: the day after December's report deadline (rulebook).
    assert record["as_of"] == format_instant(end_of_day(date(2025, 1, 6), ZONE))
    rerun = assessments.compute(
        runtime.store,
        2024,
        end_of_day(date(2025, 1, 6), ZONE),
        end_of_day(date(2024, 12, 31), ZONE),
        watermark,
        rulebooks.in_force(runtime.store, watermark),
        ZONE,
    )
    assert rerun["digest"] == record["digest"]
    stored = records.assessment(record["assessment_id"], with_result=False)
    assert rerun["result_hash"] == stored["result_hash"]


def test_a_february_re_run_changes_exactly_the_lines_the_late_reports_and_corrections_touch(
    runtime, records, history
):
    ids = county(history)
    december = run(runtime, records, request(known_at="2024-12-31"))
    history.record_on("2025-01-10")
    late = history.add(
        "p1", "InvestmentReported", {"month": "2024-12", "amount": "100000.00"}, "2024-12-25"
    )
    history.record_on("2025-02-03")
    # The milestone was in fact met on 28 September: the correction takes effect then.
    correction = history.add(
        "p2",
        "EventCorrected",
        {
            "corrected_event_id": ids["m1_done"],
            "payload": {"milestone_id": "m1", "note": "met 09-28"},
            "reason": "wrong date",
        },
        "2025-02-03",
    )
    history.add(
        "p2",
        "EventCorrected",
        {
            "corrected_event_id": ids["m1_done"],
            "payload": {"milestone_id": "m1", "note": "late"},
            "reason": "superseded",
        },
        "2025-02-04",
    )
    february = run(runtime, records, request(known_at="2025-02-20"))
    diff = diff_results(december["result"], february["result"])
    changed = {(p["project_id"], line["line"]) for p in diff["projects"] for line in p["lines"]}
    assert changed == {("p1", "investment"), ("p2", "milestones")}
    p1 = next(p for p in diff["projects"] if p["project_id"] == "p1")
    assert p1["lines"][0]["events_added"] == [history.position_of(late)]
    assert p1["lines"][0]["delta"] == "2.08"  # 1.1M -> 1.2M of 1.2M: 22.92 -> 25.00
    p2 = next(p for p in diff["projects"] if p["project_id"] == "p2")
    # The later correction supersedes the first; the completion date stays, so points stay.
    assert p2["lines"][0]["delta"] == "0.00"
    assert history.position_of(correction) not in p2["lines"][0]["events_added"]
    assert len(p2["lines"][0]["events_added"]) == 1
    assert december["digest"] != february["digest"]
    # and the December run, re-asked, is unchanged by anything recorded later
    assert run(runtime, records, request(known_at="2024-12-31"))["digest"] == december["digest"]


def test_a_retraction_recorded_late_removes_the_event_from_the_re_run_only(
    runtime, records, history
):
    county(history)
    started = history.store.iter_all(types=["ConstructionStarted"])
    started_id = next(iter(started)).event_id
    december = run(runtime, records, request(known_at="2024-12-31"))
    history.record_on("2025-01-15")
    history.add(
        "p3",
        "EventRetracted",
        {"retracted_event_id": started_id, "reason": "reported in error"},
        "2025-01-15",
    )
    february = run(runtime, records, request(known_at="2025-01-31"))
    assert line(december, "p3", "target_attainment")["points"] == "40.00"
    assert line(february, "p3", "target_attainment")["points"] == "0.00"


def test_a_rulebook_adopted_later_applies_to_later_runs_and_not_to_earlier_cut_offs(
    runtime, records, history
):
    county(history)
    december = run(runtime, records, request(known_at="2024-12-31"))
    document = copy.deepcopy(rulebooks.default_rulebook().document)
    document["version"] = "2025.1"
    document["lines"]["investment"]["points"] = "35"
    document["lines"]["supervision"]["points"] = "0"
    history.record_on("2025-01-05")
    adopted, _, created = rulebooks.adopt(runtime.store, document)
    assert created
    later = run(runtime, records, request(known_at="2025-01-31"))
    assert later["rulebook_version"] == "2025.1" and later["rulebook_hash"] == adopted.hash
    assert line(later, "p1", "investment")["max"] == "35.00"
    again = run(runtime, records, request(known_at="2024-12-31"))
    assert again["digest"] == december["digest"]
    explicit = run(
        runtime, records, request(known_at="2025-01-31", rulebook_version="default-2024.1")
    )
    assert explicit["rulebook_hash"] == december["rulebook_hash"]
    with pytest.raises(rulebooks.UnknownRulebook):
        rulebooks.in_force(runtime.store, december["chain_head_position"], "2025.1")


def test_re_adopting_a_version_with_other_content_is_refused(runtime):
    document = copy.deepcopy(rulebooks.default_rulebook().document) | {"version": "v2"}
    rulebooks.adopt(runtime.store, document)
    assert rulebooks.adopt(runtime.store, document)[2] is False
    with pytest.raises(rulebooks.RulebookConflict):
        rulebooks.adopt(runtime.store, document | {"title": "other"})


def test_a_job_killed_half_way_is_retried_and_finishes_with_one_result(
    runtime, records, history, monkeypatch
):
    from shared.messaging import start_worker

    county(history)
    monkeypatch.setattr(assessments, "PROGRESS_EVERY", 5)
    kills = []

    def kill_once(replayed, total):
        if not kills and replayed >= 10:
            kills.append(replayed)
            raise RuntimeError("worker killed")

    ScoringParts.of(runtime).on_progress = kill_once
    job, _ = assessments.submit(records, request())
    worker = start_worker(runtime.broker, threads=1)
    try:
        ScoringParts.of(runtime).assess.send(job["job_id"])
        runtime.broker.join("scoring")
        worker.join()
    finally:
        worker.stop()
    done = records.job(job["job_id"])
    assert kills == [10]
    assert done["status"] == "done" and done["attempts"] == 2
    assert len(computed(runtime.store)) == 1
    assert len(records.assessments(2024)) == 1


def test_a_job_killed_after_publishing_finishes_without_a_second_event(runtime, records, history):
    county(history)
    job, _ = assessments.submit(records, request())
    assessments.run(runtime.store, records, job["job_id"], ZONE)
    records.update_job(
        job["job_id"], status="running"
    )  # as a worker dying before the last write leaves it
    again = assessments.run(runtime.store, records, job["job_id"], ZONE)
    assert again["status"] == "done"
    assert len(computed(runtime.store)) == 1
    assert len(records.assessments(2024)) == 1


def test_a_job_that_keeps_failing_is_marked_failed_and_asking_again_sends_it_again(
    runtime, records, history
):
    from services.composition import create_app

    county(history)
    actor = ScoringParts.of(runtime).assess
    job, _ = assessments.submit(records, request())

    def always(replayed, total):
        raise RuntimeError("database went away")

    ScoringParts.of(runtime).on_progress = always
    with pytest.raises(RuntimeError):
        actor.fn(job["job_id"])
    assert records.job(job["job_id"])["status"] == "retrying"
    records.update_job(job["job_id"], attempts=5)
    with pytest.raises(RuntimeError):
        actor.fn(job["job_id"])
    failed = records.job(job["job_id"])
    assert failed["status"] == "failed" and "database went away" in failed["error"]
    ScoringParts.of(runtime).on_progress = None
    client = create_app(runtime).test_client()
    token = runtime.tokens.create("office-user", "office")
    response = client.post(
        "/v1/assessments",
        json={"year": 2024, "known_at": "2024-12-31"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202 and response.json["status"] == "failed"
    assert runtime.broker.queues["scoring"].qsize() == 1


def test_a_computed_assessment_is_followed_by_a_signed_checkpoint_of_the_head(
    runtime, records, history
):
    from services.scoring.entrypoints.actors import checkpoint_after
    from shared.eventstore.audit import latest_signed

    county(history)
    job, _ = assessments.submit(records, request())
    assessments.run(
        runtime.store, records, job["job_id"], ZONE, on_recorded=checkpoint_after(runtime)
    )
    signed = latest_signed(runtime.store)
    head = runtime.store.head()
    assert signed is not None and (signed.position, signed.head_hash) == (head.position, head.hash)
    assert computed(runtime.store)[-1].global_position == head.position


def test_the_diff_names_the_correction_that_moved_a_project_out_of_the_year_on_every_line(
    runtime, records, history
):
    county(history)
    december = run(runtime, records, request(known_at="2024-12-31"))
    registered = next(
        e for e in runtime.store.read_stream("project-p3") if e.type == "ProjectRegistered"
    )
    history.record_on("2025-02-03")
    moved = history.add(
        "p3",
        "EventCorrected",
        {
            "corrected_event_id": registered.event_id,
            "payload": {**registered.payload, "year": 2025},
            "reason": "a 2025 project",
        },
        "2025-02-03",
    )
    february = run(runtime, records, request(known_at="2025-02-20"))
    recorded = assessments.recorded_between(runtime.store, december, february)
    diff = diff_results(december["result"], february["result"], recorded)
    (p3,) = [p for p in diff["projects"] if p["project_id"] == "p3"]
    assert p3["status"] == "removed"
    assert p3["events_changed_by"] == [history.position_of(moved)]
    assert {line["line"] for line in p3["lines"]} >= {"supervision", "target_attainment"}
    for line in p3["lines"]:  # down to the supervision line that went to nothing
        assert line["events_changed_by"] == [history.position_of(moved)], line
    supervision = next(line for line in p3["lines"] if line["line"] == "supervision")
    assert (supervision["before"], supervision["after"]) == ("10.00", None)
