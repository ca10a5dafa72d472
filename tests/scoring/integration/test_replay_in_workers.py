"""A province's replay in worker processes (``GONGJIAN_REPLAY_WORKERS``), on PostgreSQL:
each county replayed from its own streams, in a process of its own (or, for a request of
one county, here) gives, to the byte, the records of one pass over the whole log in this
process — for several counties, for one, and for each county's own request; with corrections, a retraction, events before a
registration, projects of a county not asked for, the month-end colours and events of
no project (counted in ``events_replayed``, so in the digest)."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import replace
from datetime import date

import pytest

from services.scoring.application import assessments, rulebooks
from services.scoring.application.workers import (
    WORKERS_VARIABLE,
    WorkerFailed,
    WorkerStats,
    in_workers,
    replay_workers,
)
from shared.eventstore import NewEvent, end_of_day
from shared.tenancy import DEFAULT_COUNTY, Tenancy, Tenant, configure
from tests.scoring.builders import ZONE, on
from tests.scoring.integration.test_campaign_scope import define

AS_OF = end_of_day(date(2025, 1, 6), ZONE)
KNOWN = end_of_day(date(2024, 12, 31), ZONE)
COUNTIES = [DEFAULT_COUNTY, "b", "c"]


@pytest.fixture
def database_url(postgres_url):
    """PostgreSQL only: the workers are used there (a SQLite deployment is one county's)."""
    return postgres_url


@pytest.fixture
def province():
    configure(
        Tenancy(
            [
                Tenant("m1", "甲市", "city"),
                Tenant(DEFAULT_COUNTY, "甲县", "county", "m1"),
                Tenant("b", "乙县", "county", "m1"),
                Tenant("c", "丙县", "county", "m1"),
                Tenant("d", "丁县", "county", "m1"),
            ]
        )
    )
    yield


def _log(history, campaigns: int = 0) -> None:
    """Projects of four counties written turn by turn, amended, with other streams' events
    (``campaigns`` more campaigns defined, of later years)."""
    history.record_on("2024-03-01")
    history.add("pz", "InvestmentReported", {"month": "2024-02", "amount": "5.00"}, "2024-02-25")
    for n, county in enumerate(["", "b", "c", "d", "b", "c", ""]):
        extra = {"county": county} if county else {}
        unit = f"{county or '甲'}县单位{n % 2}"
        history.register(f"p{n}", lead_unit=unit, leader=f"领导{n % 3}", **extra)
    history.register("pz", county="c", lead_unit="丙县单位0", leader="领导0")
    define(history.store, 2024, breakthrough=3)
    kept = {}
    for month in range(3, 12):
        history.record_on(f"2024-{month:02d}-28")
        for n in range(7):
            payload = {"month": f"2024-{month:02d}", "amount": f"{100000 * (n + 1)}.00"}
            kept[n, month] = history.add(
                f"p{n}", "InvestmentReported", payload, f"2024-{month:02d}-25"
            )
    history.add("p1", "ConstructionStarted", {"note": ""}, "2024-05-02")
    history.add("p2", "ProjectCommissioned", {"note": ""}, "2024-11-20")
    history.record_on("2024-12-20")
    correction = {"month": "2024-04", "amount": "900000.00"}
    history.add("p4", "EventCorrected", _corrected(kept[4, 4], correction), "2024-12-20")
    history.add("p5", "EventRetracted", _retracted(kept[5, 6]), "2024-12-20")
    _colours(history.store)
    for year in range(2025, 2025 + campaigns):
        define(history.store, year)
    history.record_on("2025-01-03")  # after the watermark: in no record
    history.register("late", county="b", lead_unit="乙县单位0", leader="领导0")


def _corrected(event_id: str, payload: dict) -> dict:
    return {"corrected_event_id": event_id, "payload": payload, "reason": "填错"}


def _retracted(event_id: str) -> dict:
    return {"retracted_event_id": event_id, "reason": "误报"}


def _colours(store) -> None:
    colours = {"p0": "red", "p1": "green", "p2": "red", "p4": "yellow"}
    payload = {"year": 2024, "month": "2024-11", "judged_on": "2024-11-30", "colours": colours}
    event = NewEvent(
        "colours-2024", "MonthColoursRecorded", payload, on("2024-11-30"), str(uuid.uuid4())
    )
    store.append([event])


def _records(runtime, counties, workers: str, stats: WorkerStats | None = None) -> list:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WORKERS_VARIABLE, workers)
        watermark = runtime.store.position_known_at(KNOWN)
        rulebook = rulebooks.in_force(runtime.store, watermark)
        asked = (runtime.store, 2024, AS_OF, KNOWN, watermark, rulebook, ZONE)
        return list(assessments.compute_counties(*asked, counties, stats=stats))


def test_every_county_replayed_in_workers_gets_the_one_pass_record(runtime, history, province):
    _log(history)
    stats = WorkerStats()
    in_workers_ = _records(runtime, COUNTIES, "2", stats)
    one_pass = _records(runtime, COUNTIES, "1")
    assert stats.workers == 2 and all(mb > 0 for mb in stats.peak_rss_mb)
    assert [county for county, _ in in_workers_] == COUNTIES
    assert in_workers_ == one_pass
    result = {county: json.loads(record["result"]) for county, record in in_workers_}
    assert [p["project_id"] for p in result["c"]["projects"]] == ["p2", "p5", "pz"]
    assert {p["project_id"] for p in result["b"]["projects"]} == {"p1", "p4"}  # not "late"
    assert len({record["digest"] for _, record in in_workers_}) == 3


def test_one_county_and_more_workers_than_counties_give_the_same_records(
    runtime, history, province
):
    """One county of many is replayed from its own streams in this process (what a
    county's own job does); more workers than counties leave the rest idle."""
    _log(history)
    one_pass = dict(_records(runtime, COUNTIES, "1"))
    assert _records(runtime, ["c", DEFAULT_COUNTY], "4") == [
        ("c", one_pass["c"]),
        (DEFAULT_COUNTY, one_pass[DEFAULT_COUNTY]),
    ]
    stats = WorkerStats()
    for county in COUNTIES:
        assert _records(runtime, [county], "4", stats) == [(county, one_pass[county])]
    assert stats.workers == 0  # one county: no worker process
    watermark = runtime.store.position_known_at(KNOWN)
    rulebook = rulebooks.in_force(runtime.store, watermark)
    alone = assessments.compute(
        runtime.store, 2024, AS_OF, KNOWN, watermark, rulebook, ZONE, county="b"
    )
    assert alone == one_pass["b"]


def test_the_events_of_no_project_count_in_each_countys_record(runtime, history, province):
    _log(history, campaigns=2)  # of no project and no county: every county counts them
    records = dict(_records(runtime, ["b", "c"], "2"))
    assert records == dict(_records(runtime, ["b", "c"], "1"))
    replayed = {c: json.loads(r["result"])["events_replayed"] for c, r in records.items()}
    # its projects' events from their registrations on (11, 11; 11, 11, 1: pz's report
    # before its registration goes to no county), the colours, the three campaigns
    assert replayed == {"b": 11 + 11 + 1 + 3, "c": 11 + 11 + 1 + 1 + 3}


def test_the_number_of_workers_is_configured_and_checked():
    assert replay_workers({}) == min(os.cpu_count() or 1, 4)
    assert replay_workers({WORKERS_VARIABLE: " 3 "}) == 3
    for wrong in ("0", "-2", "两个"):
        with pytest.raises(ValueError, match="应为正整数"):
            replay_workers({WORKERS_VARIABLE: wrong})


def _square_or_fail(n: int) -> int:
    if n == 5:
        raise LookupError("第 5 项出错")
    return n * n


def test_results_come_in_order_and_a_workers_error_is_raised_here():
    stats = WorkerStats()
    assert list(in_workers([3, 1, 2, 4], _square_or_fail, 3, stats=stats)) == [
        (3, 9),
        (1, 1),
        (2, 4),
        (4, 16),
    ]
    assert stats.workers == 3 and len(stats.cpu_s) == 3
    with pytest.raises(LookupError, match="第 5 项出错"):
        list(in_workers([1, 5, 2], _square_or_fail, 2))


def test_the_command_lines_run_over_every_county_keeps_each_countys_record(
    runtime, history, province, monkeypatch
):
    """`run_together` (``gongjian-scoring assess`` for every county): the jobs' records,
    made in workers, are those each county's own job makes in this process."""
    from services.scoring.readmodel.records import Records

    _log(history)
    records = Records(runtime.engine)
    request = assessments.AssessmentRequest.of(
        2024, as_of=AS_OF, known_at=KNOWN, rulebook_version=None, zone=ZONE
    )
    jobs = [assessments.submit(records, replace(request, county=c))[0]["job_id"] for c in COUNTIES]
    seen: list[tuple[int, int]] = []
    monkeypatch.setenv(WORKERS_VARIABLE, "2")
    done = assessments.run_together(
        runtime.store, records, jobs, ZONE, progress=lambda n, total: seen.append((n, total))
    )
    assert [job["status"] for job in done] == ["done"] * 3
    watermark = done[0]["watermark"]
    assert seen[-1] == (watermark, watermark) and len(seen) == 3
    rulebook = rulebooks.in_force(runtime.store, watermark)
    for county, job in zip(COUNTIES, done, strict=True):
        kept = records.assessment(job["assessment_id"])
        alone = assessments.compute(
            runtime.store, 2024, AS_OF, KNOWN, watermark, rulebook, ZONE, county=county
        )
        assert kept["county"] == county and kept["digest"] == alone["digest"]
        assert kept["result"] == json.loads(alone["result"])


def _dies_on_two(n: int) -> int:
    if n == 2:
        os._exit(9)  # as the kernel's out-of-memory killer would end it
    return n


def test_a_worker_that_dies_is_reported_not_waited_for():
    with pytest.raises(WorkerFailed, match="意外退出"):
        list(in_workers([1, 2, 3], _dies_on_two, 2))
