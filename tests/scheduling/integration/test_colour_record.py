"""The colour record by month (issue 17): each project's colour at each month's end as the
office saw it then, runs of red months, equal to the board asked about that month."""

from __future__ import annotations

from datetime import date

import pytest

from services.scheduling.domain.colour_record import red_runs
from shared.eventstore import Cutoff

from ..helpers import ZONE, Project, at


@pytest.fixture
def year_2024(clocked_store, clock):
    """``late``: a milestone due 15 February, completed on 10 April, corrected in May to
    have been completed on 10 March. ``stuck``: a problem open January to May."""
    late, stuck = Project(clocked_store, "late"), Project(clocked_store, "stuck")
    clock.set("2024-01-02")
    late.register()
    stuck.register()
    late.milestone("m1", "2024-02-15")
    clock.set("2024-01-05")
    stuck.issue("i1", "2024-01-05")
    for month in range(1, 6):
        clock.set(date(2024, month + 1, 1))
        late.invest(f"2024-{month:02d}", "1000000.00")
        stuck.invest(f"2024-{month:02d}", "1000000.00")
        if month == 3:
            clock.set("2024-04-10")
            completed = late.complete("m1", "2024-04-10")
        if month == 4:
            clock.set("2024-05-02")
            late.correct(completed, {"milestone_id": "m1"}, "2024-05-02", moved_to=at("2024-03-10"))
            stuck.resolve("i1", "2024-05-03")
    clock.set("2024-06-15")
    return late, stuck


def _record(service, **kwargs):
    body = service.colour_record(campaign=2024, **kwargs)
    return {row["project_id"]: row for row in body["projects"]}, body


def test_a_red_march_caught_up_in_april_stays_red_then_green(service, year_2024):
    rows, body = _record(service)
    assert [m["month"] for m in body["months"]] == [f"2024-0{m}" for m in range(1, 7)]
    assert [m["closed"] for m in body["months"]] == [True] * 5 + [False]
    assert body["months"][5]["judged_on"] == "2024-06-15"
    # Overdue 14 days at February's end (yellow), 45 at March's (red); completed in April.
    assert rows["late"]["colours"] == ["green", "yellow", "red", "green", "green", "green"]
    # The correction recorded in May says it was done on 10 March: the board of 31 March
    # asked today agrees, the record keeps what the office saw on 31 March.
    march_end = Cutoff.of(as_of=date(2024, 3, 31), zone=ZONE).as_of
    today = {r["project_id"]: r for r in service.board(march_end)["projects"]}
    assert today["late"]["status"] == "green"


def test_consecutive_red_months_are_counted(service, year_2024):
    rows, body = _record(service)
    # Open 26 days at January's end (yellow, > 15), 55 at February's (red, > 30) until
    # resolved on 3 May.
    assert rows["stuck"]["colours"] == ["yellow", "red", "red", "red", "green", "green"]
    assert rows["stuck"]["consecutive_red"] == {"longest": 3, "current": 0}
    assert rows["stuck"]["months_red"] == 3
    assert body["counts"][2] == {"green": 0, "yellow": 0, "red": 2}
    assert red_runs(["red", "green", "red", "red"]) == (2, 2)


def test_each_month_is_the_board_at_that_months_end_as_known_then(service, year_2024):
    rows, body = _record(service)
    for i, month in enumerate(body["months"][:5]):
        end = Cutoff.of(as_of=date.fromisoformat(month["judged_on"]), zone=ZONE).as_of
        board = service.board(end, end)
        assert {r["project_id"]: r["status"] for r in board["projects"]} == {
            pid: row["colours"][i] for pid, row in rows.items()
        }, month


def test_one_projects_record_reads_only_its_stream(service, year_2024):
    rows, _ = _record(service, project_id="stuck")
    assert list(rows) == ["stuck"]
    assert rows["stuck"]["colours"][1:4] == ["red", "red", "red"]


def test_a_project_registered_later_has_no_colour_before(service, clocked_store, clock):
    clock.set("2024-03-20")
    Project(clocked_store, "new").register("2024-03-20")
    clock.set("2024-04-20")
    Project(clocked_store, "old").register("2024-01-02", year=2023)  # not of 2024
    clock.set("2024-06-15")
    rows, _ = _record(service)
    assert rows["new"]["colours"][:2] == ["none", "none"]
    assert "none" not in rows["new"]["colours"][2:]
    assert rows["new"]["in_campaign_months"] == 4
    assert "old" not in rows


@pytest.fixture
def viewer(runtime):
    return {"Authorization": f"Bearer {runtime.tokens.create('viewer', 'viewer')}"}


def test_the_api_gives_the_grid_and_one_projects_record_with_labels(client, runtime, clock, viewer):
    stuck = Project(runtime.store, "stuck")
    clock.set("2024-01-02")
    stuck.register()
    clock.set("2024-01-05")
    stuck.issue("i1", "2024-01-05")
    clock.set("2024-04-15")
    grid = client.get("/v1/colour-record?campaign=2024", headers=viewer)
    assert grid.status_code == 200, grid.json
    (row,) = grid.json["projects"]
    assert row["colours"][:3] == ["yellow", "red", "red"]
    assert row["colours_labels"][:3] == ["黄", "红", "红"]
    assert row["consecutive_red"]["longest"] == 3
    assert grid.json["counts"][1]["red"] == 1 and grid.json["next_after"] is None
    Project(runtime.store, "zz").register()  # recorded in April: judged only in April
    paged = client.get("/v1/colour-record?campaign=2024&limit=1", headers=viewer).json
    assert [r["project_id"] for r in paged["projects"]] == ["stuck"]
    assert paged["next_after"] == "stuck"
    assert sum(paged["counts"][3].values()) == 2  # the counts cover every project
    rest = client.get("/v1/colour-record?campaign=2024&after=stuck", headers=viewer).json
    assert [r["project_id"] for r in rest["projects"]] == ["zz"]
    one = client.get("/v1/colour-record/stuck?campaign=2024", headers=viewer)
    assert one.status_code == 200 and one.json["projects"][0]["project_id"] == "stuck"
    missing = client.get("/v1/colour-record/nobody?campaign=2024", headers=viewer)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    assert "红黄绿灯记录" in missing.json["detail"]
    bad = client.get("/v1/colour-record?campaign=abc", headers=viewer)
    assert bad.status_code in (400, 422)


def test_ended_months_are_recorded_once_as_events(service, clocked_store, clock, year_2024):
    year, months = service.record_month_colours(2024)
    assert (year, months) == (2024, ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"])
    stored = {e.payload["month"]: e for e in clocked_store.read_stream("colours-2024")}
    assert stored["2024-03"].payload["colours"] == {"late": "red", "stuck": "red"}
    assert stored["2024-03"].payload["judged_on"] == "2024-03-31"
    assert stored["2024-03"].type == "MonthColoursRecorded"
    assert service.record_month_colours(2024) == (2024, [])
    clock.set("2024-07-02")
    assert service.record_ended_months() == ["2024-06"]
    assert service.record_ended_months() == []  # nothing missing: nothing computed


def test_the_office_records_the_ended_months_through_the_api(client, runtime, clock, viewer):
    office = {"Authorization": f"Bearer {runtime.tokens.create('office', 'office')}"}
    clock.set("2024-01-02")
    Project(runtime.store, "p").register()
    clock.set("2024-03-15")
    refused = client.post("/v1/colour-record/record", json={}, headers=viewer)
    assert refused.status_code == 403
    first = client.post("/v1/colour-record/record", json={"campaign": 2024}, headers=office)
    assert first.status_code == 201, first.json
    assert first.json == {"campaign": 2024, "recorded": ["2024-01", "2024-02"]}
    again = client.post("/v1/colour-record/record", json={"campaign": 2024}, headers=office)
    assert again.status_code == 200 and again.json["recorded"] == []
    bad = client.post("/v1/colour-record/record", json={"campaign": 1900}, headers=office)
    assert bad.status_code == 422


def test_a_campaign_without_projects_records_no_month(service, clocked_store, clock):
    clock.set("2024-03-15")
    assert service.record_ended_months() == []
    assert clocked_store.read_stream("colours-2024") == []
