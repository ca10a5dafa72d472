"""The read model follows the log; the board answers now from it and the past by replay."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.scheduling.readmodel import queries
from services.scheduling.readmodel.tables import CONSUMER, actions, plans, projects
from shared.eventstore import save_checkpoint


def board_status(board, pid):
    return next(p for p in board["projects"] if p["project_id"] == pid)["status"]


def test_the_read_model_catches_up_from_its_checkpoint_and_never_doubles(service, project, clock):
    p = project("p1")
    p.register()
    first = service.catch_up()
    p.milestone("m1", "2024-03-01")
    second = service.catch_up()
    again = service.catch_up()
    assert (first.processed, second.processed, again.processed) == (1, 1, 0)
    (state,) = queries.current_states(service.store.engine)
    assert list(state.milestones) == ["m1"]


def test_the_board_colours_each_project_with_reasons_and_evidence(service, project, clock):
    late = project("late")
    late.register()
    planned = late.milestone("m1", "2024-02-01")
    ok = project("ok")
    ok.register()
    for p in (late, ok):
        p.invest_on_plan(3)
    clock.set("2024-04-10")
    board = service.board()
    assert board["source"] == "read model"
    assert board_status(board, "ok") == "green"
    row = next(p for p in board["projects"] if p["project_id"] == "late")
    assert row["status"] == "red"
    assert row["reasons"] == [
        {
            "rule": "milestone_overdue",
            "subject": "m1",
            "colour": "red",
            "reason": "节点“m1”应于2024年2月1日完成，已逾期69天",
            "evidence": [planned],
        }
    ]
    assert board["counts"] == {"green": 1, "yellow": 0, "red": 1}


def test_the_board_filters_by_leader_unit_and_status(service, project, clock):
    project("a").register(leader="李副县长", lead_unit="交通局")
    project("b").register()
    clock.set("2024-01-20")
    assert [r["project_id"] for r in service.board(filters={"leader": "李副县长"})["projects"]] == [
        "a"
    ]
    assert [r["project_id"] for r in service.board(filters={"unit": "业主 b"})["projects"]] == ["b"]
    assert service.board(filters={"status": "red"})["projects"] == []


def test_the_board_as_of_a_past_date_ignores_what_happened_later(service, project, clock):
    p = project("p1")
    p.register()
    p.issue("i1", "2024-02-01")
    p.resolve("i1", "2024-04-01")
    clock.set("2024-04-10")
    assert "issue_open" not in {r["rule"] for r in service.board()["projects"][0]["reasons"]}
    past = service.board(as_of=_end_of("2024-03-20"))
    assert past["source"] == "replay"
    assert [r["rule"] for r in past["projects"][0]["reasons"] if r["rule"] == "issue_open"] == [
        "issue_open"
    ]


def test_the_board_known_at_a_past_date_ignores_late_reports(service, project, clock):
    p = project("p1")
    clock.set("2024-02-01")
    p.register()
    clock.set("2024-03-05")
    known_then = clock.now
    clock.set("2024-03-20")
    p.invest("2024-02", "1000000.00", on="2024-03-01")  # reported late
    p.invest("2024-01", "1000000.00", on="2024-02-01")
    now = service.board(as_of=_end_of("2024-03-10"))
    then = service.board(as_of=_end_of("2024-03-10"), known_at=known_then)
    assert board_status(now, "p1") == "green"
    assert board_status(then, "p1") == "yellow"
    rules = {r["rule"] for r in then["projects"][0]["reasons"]}
    assert rules == {"investment_behind", "investment_report_missing"}
    assert then["source"] == "replay" and then["watermark"] < now["watermark"]


def test_a_correction_is_applied_by_the_read_model_exactly_as_by_replay(service, project, clock):
    p = project("p1")
    p.register()
    p.invest_on_plan(3)
    planned = p.milestone("m1", "2024-02-01")
    clock.set("2024-04-10")
    assert board_status(service.board(), "p1") == "red"
    p.correct(planned, {"milestone_id": "m1", "name": "m1", "due": "2024-06-01"}, on="2024-04-10")
    raised = p.issue("i1", "2024-01-05")
    p.retract(raised, on="2024-04-10")
    board = service.board()
    assert board_status(board, "p1") == "green" and board["source"] == "read model"
    replay = service.board(as_of=_end_of("2024-04-10"))
    assert replay["projects"] == board["projects"]


@pytest.mark.parametrize(
    ("resolved_on", "moved_to", "as_of", "open_then"),
    [
        ("2024-04-01", "2024-03-01", "2024-03-20", False),  # moved back before as_of
        ("2024-03-01", "2024-05-01", "2024-04-01", True),  # moved on past as_of
    ],
)
def test_a_correction_that_moves_an_event_across_as_of_moves_what_counts(
    service, project, clock, resolved_on, moved_to, as_of, open_then
):
    p = project("p1")
    p.register()
    p.issue("i1", "2024-02-01")
    resolved = p.resolve("i1", resolved_on)
    clock.set("2024-05-10")
    p.correct(resolved, {"issue_id": "i1"}, on="2024-05-10", moved_to=_end_of(moved_to))
    service.catch_up()
    board = service.board(as_of=_end_of(as_of))
    assert ("issue_open" in {r["rule"] for r in board["projects"][0]["reasons"]}) == open_then
    (state,) = queries.current_states(service.store.engine)
    assert state.issues["i1"].resolved_on.isoformat() == moved_to


def test_rebuilding_the_read_model_gives_the_same_states(service, project, clock):
    p = project("p1")
    p.register()
    p.milestone("m1", "2024-02-01")
    raised = p.issue("i1", "2024-01-05")
    p.retract(raised, on="2024-01-06")
    service.catch_up()
    with service.store.engine.connect() as conn:
        before = conn.execute(select(projects.c.project_id, projects.c.state)).all()
    result = service.rebuild()
    with service.store.engine.connect() as conn:
        after = conn.execute(select(projects.c.project_id, projects.c.state)).all()
    assert result.processed == 4 and before == after


def test_rebuilding_folds_each_stream_once_and_leaves_every_row_as_a_catch_up_does(
    service, project, clock
):
    """The rebuild folds each project's stream (one write per project); a catch-up from
    empty applies the log event by event: the same rows, positions and latest business
    times, actions and plans included, with a correction that moves business time."""
    for pid in ("p1", "p2", "p3"):
        p = project(pid)
        p.register()
        p.milestone("m1", "2024-02-01")
        p.invest("2024-01", "100000.00", on="2024-02-03")
        raised = p.issue("i1", "2024-01-05")
        if pid == "p2":
            p.retract(raised, on="2024-01-06")
        resolved = p.resolve("i1", "2024-02-20") if pid != "p2" else None
        if pid == "p3" and resolved:
            clock.set("2024-03-01")
            p.correct(resolved, {"issue_id": "i1"}, on="2024-03-01", moved_to=_end_of("2024-02-25"))
    clock.set("2024-03-02")
    service.plan("monthly", "2024-03")
    rows = _read_model_rows(service)
    with service.store.engine.begin() as conn:  # forget, then catch up in log order
        for table in (projects, actions, plans):
            conn.execute(table.delete())
        save_checkpoint(conn, CONSUMER, 0)
    service.catch_up()
    assert _read_model_rows(service) == rows
    result = service.rebuild()
    assert result.position == service.store.head().position
    assert _read_model_rows(service) == rows and rows[1]  # actions were made


def _read_model_rows(service) -> list:
    with service.store.engine.connect() as conn:
        return [
            sorted(tuple(r) for r in conn.execute(select(*table.c)).all())
            for table in (projects, actions, plans)
        ]


def _end_of(day: str):
    from shared.eventstore import Cutoff

    from ..helpers import ZONE

    return Cutoff.of(as_of=__import__("datetime").date.fromisoformat(day), zone=ZONE).as_of


def test_the_board_known_at_a_past_date_is_judged_on_that_date(service, project, clock):
    p = project("p1")
    p.register()
    p.milestone("m1", "2024-02-01")
    clock.set("2024-02-10")
    known_then = clock.now
    clock.set("2024-04-10")
    then = service.board(known_at=known_then)
    assert then["as_of"] == "2024-02-10"
    reasons = {r["rule"]: r["colour"] for r in then["projects"][0]["reasons"]}
    assert reasons["milestone_overdue"] == "yellow"
    now = {r["rule"]: r["colour"] for r in service.board()["projects"][0]["reasons"]}
    assert now["milestone_overdue"] == "red"


def test_two_catch_ups_at_once_apply_each_event_once(service, project, clock):
    import threading

    p = project("p1")
    p.register()
    for month in range(1, 13):
        p.invest(f"2024-{month:02d}", "1.00")
    results, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        results.append(service.catch_up().processed)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 13]
    (state,) = queries.current_states(service.store.engine)
    assert len(state.investments) == 12


def test_the_board_turns_a_project_started_and_not_in_the_statistics_database_red(
    clocked_store, project, clock
):
    from datetime import date

    from services.scheduling.application.service import SchedulingService
    from services.scheduling.config import SchedulingConfig
    from services.scheduling.domain.rules import Thresholds
    from tests.scheduling.helpers import ZONE

    in_force = SchedulingConfig(thresholds=Thresholds(statistics_since=date(2024, 1, 1)))
    service = SchedulingService(clocked_store, ZONE, in_force, clock=clock)
    p = project("p1")
    p.register()
    p.invest_on_plan(5)
    started = p.event("ConstructionStarted", "2024-03-15")
    clock.set("2024-05-20")
    service.catch_up()
    row = next(r for r in service.board()["projects"] if r["project_id"] == "p1")
    assert row["status"] == "red"
    (reason,) = [r for r in row["reasons"] if r["rule"] == "statistics_missing"]
    assert reason["reason"].startswith("已于2024年3月15日开工，满2个月仍未入统（本县规定")
    assert reason["evidence"] == [started]
    p.event("ProjectStatisticsEntered", "2024-05-18")
    service.catch_up()
    row = next(r for r in service.board()["projects"] if r["project_id"] == "p1")
    assert "statistics_missing" not in [r["rule"] for r in row["reasons"]]
    # as of a day before 入统 it was red (the past by replay)
    past = service.board(as_of=_end_of("2024-05-17"))
    assert board_status(past, "p1") == "red"
