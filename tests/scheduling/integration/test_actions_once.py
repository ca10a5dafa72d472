"""Follow-up actions exactly once per agenda item (project + rule + subject), whatever the
number of plans, cadences, threads or processes; plans for an earlier ``known_at`` are
audit views; a plan sees only actions opened by plans of earlier (or overlapping)
periods, whatever order the plans are built in."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

import pytest

from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore

from ..helpers import ZONE, Clock, Project, at

PROJECTS = 12
PLANS = [
    ("weekly", "2024-W10"),
    ("monthly", "2024-03"),
    ("quarterly", "2024-Q1"),
    ("weekly", "2024-W11"),
    ("weekly", "2024-W12"),
    ("monthly", "2024-04"),
]


@pytest.fixture
def troubled(project, clock):
    """Major projects with overdue milestones, open problems and pending approvals."""
    clock.set("2024-01-02")
    for n in range(PROJECTS):
        p = project(f"p{n:02d}")
        p.register(major=True)
        p.milestone("m1", "2024-02-20")
        p.milestone("m2", "2024-01-20")
        p.slip("m2", "2024-02-10", on="2024-01-15")
        p.slip("m2", "2024-02-25", on="2024-02-05")
        p.issue("i1", "2024-01-05", allowed_days=10)
        p.invest_on_plan(1)
    clock.set("2024-03-31", hour=8)


def items(record):
    return [i for g in record.plan["groups"] for i in g["items"]]


def assert_one_action_per_item(store: EventStore, records) -> None:
    assigned = [e.payload for e in store.iter_all(types=["ActionAssigned"])]
    per_item = Counter((a["project_id"], a["item"]) for a in assigned)
    assert per_item and max(per_item.values()) == 1, per_item.most_common(3)
    action_of = {(a["project_id"], a["item"]): a["action_id"] for a in assigned}
    for record in records:
        for item in items(record):
            action = item["action"]
            if action["action_id"] is not None:
                assert action["action_id"] == action_of[(item["project_id"], item["item"])]


def plan_all(service: SchedulingService, plans) -> list:
    return [service.plan(cadence, period)[0] for cadence, period in plans]


def test_four_planning_threads_open_one_action_per_agenda_item(service, troubled, clock):
    services = [
        SchedulingService(service.store, ZONE, SchedulingConfig(), clock=clock) for _ in range(4)
    ]
    start = threading.Barrier(4)
    records: list = []
    errors: list = []

    def work(worker: SchedulingService, plans) -> None:
        start.wait()
        try:
            records.extend(plan_all(worker, plans))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    orders = [PLANS, PLANS[::-1], PLANS[2:] + PLANS[:2], PLANS[1::2] + PLANS[::2]]
    threads = [
        threading.Thread(target=work, args=(s, o)) for s, o in zip(services, orders, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_one_action_per_item(service.store, records)
    service.catch_up()
    open_items = Counter((a["project_id"], a["item"]) for a in service.actions(limit=1000))
    assert open_items and max(open_items.values()) == 1


def test_plans_of_every_cadence_point_at_the_same_action(service, troubled):
    week, _ = service.plan("weekly", "2024-W10")
    month, _ = service.plan("monthly", "2024-03")
    quarter, _ = service.plan("quarterly", "2024-Q1")
    by_item = {(i["project_id"], i["item"]): i["action"]["action_id"] for i in items(week)}
    shared = [i for i in items(month) + items(quarter) if (i["project_id"], i["item"]) in by_item]
    assert shared
    for item in shared:
        assert item["action"]["action_id"] == by_item[(item["project_id"], item["item"])]
    assert_one_action_per_item(service.store, [week, month, quarter])


def _plan_in_a_process(url: str, plans: list) -> None:
    engine = create_db_engine(url)
    clock = Clock()
    clock.now = at("2024-03-31", 8)
    store = EventStore(engine, build_registry(), clock=clock)
    worker = SchedulingService(store, ZONE, SchedulingConfig(), clock=clock)
    plan_all(worker, plans)
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_planning_processes_open_one_action_per_agenda_item(service, troubled, database_url):
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=_plan_in_a_process, args=(database_url, order))
        for order in (PLANS, PLANS[::-1])
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [p.exitcode for p in processes] == [0, 0]
    records = [service.get_plan(cadence, period) for cadence, period in PLANS]
    assert_one_action_per_item(service.store, records)


def test_a_plan_for_an_earlier_known_at_is_an_audit_view(service, troubled, clock):
    office_knew = clock.now
    clock.advance(days=1)
    current, _ = service.plan("monthly", "2024-04")
    assigned = len(list(service.store.iter_all(types=["ActionAssigned"])))
    Project(service.store, "p00").complete("m1", on="2024-03-31")  # learnt after office_knew
    clock.advance(hours=1)
    view, stored = service.plan("monthly", "2024-04", known_at=office_knew)
    assert view.audit and not stored
    assert service.latest("monthly", "2024-04") == current
    kept, stored = service.plan("monthly", "2024-04", known_at=office_knew, replan=True)
    assert kept.audit and stored
    assert service.latest("monthly", "2024-04") == current
    assert [v.version for v in service.versions("monthly", "2024-04")] == [current.version]
    assert len(list(service.store.iter_all(types=["ActionAssigned"]))) == assigned
    later, _ = service.plan("monthly", "2024-05")
    kept_ids = {i["action"]["action_id"] for i in items(kept)}
    opened = {a["action_id"] for a in service.actions(limit=1000)}
    assert not (kept_ids - {i["action"]["action_id"] for i in items(current)}) & opened
    assert later.version == 1


def test_a_plan_built_after_later_ones_sees_no_action_from_a_later_period(service, troubled):
    service.plan("weekly", "2024-W14")  # opens actions since 2024-W14 (April)
    march, _ = service.plan("monthly", "2024-03")  # catch-up, out of order
    sinces = {i["action"]["since"] for i in items(march) if i["action"]["action_id"]}
    assert "2024-W14" not in sinces
    assert all(i["rule"] != "follow_up" for i in items(march))
    assert_one_action_per_item(service.store, [march])
