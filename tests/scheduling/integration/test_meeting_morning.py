"""Plans current on the morning of the meeting: at the cut-off before each meeting the
scheduler brings the period's plan up to date (a new version with what changed, only if
it changed); a period whose campaign has no project yet is not planned at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.scheduling.application import Scheduler
from services.scheduling.application.service import SchedulingService
from services.scheduling.config import SchedulingConfig

from ..helpers import ZONE, Project


@pytest.fixture
def morning(clocked_store, clock):
    """The service and a scheduler that plans and refreshes in-process."""
    service = SchedulingService(clocked_store, ZONE, SchedulingConfig(), clock=clock)

    def plan(cadence, period):
        service.plan(cadence, period, actor="scheduler")

    def refresh(cadence, period):
        service.refresh_before_meeting(cadence, period)

    scheduler = Scheduler(
        clocked_store.engine,
        ZONE,
        plan,
        since=date(2026, 10, 5),
        clock=clock,
        ready=service.has_projects,
        due_for_refresh=service.due_for_refresh,
        request_refresh=refresh,
    )
    return service, scheduler


def items(record):
    return {f"{i['project_id']}/{i['item']}" for g in record.plan["groups"] for i in g["items"]}


def test_a_project_registered_mid_week_is_on_the_version_made_at_the_cut_off(
    morning, clocked_store, clock
):
    service, scheduler = morning
    # National Day week of 2026: the week opens on Monday 5 October (a holiday), the
    # meeting is on Thursday the 8th.
    clock.set("2026-10-01")
    first = Project(clocked_store, "first")
    first.register(on="2026-10-01", year=2026, major=True, cadence="weekly")
    clock.set("2026-10-05", hour=0)
    scheduler.tick()
    (v1,) = service.versions("weekly", "2026-W41")
    clock.set("2026-10-07", hour=15)  # Wednesday
    late = Project(clocked_store, "midweek")
    late.register(on="2026-10-07", year=2026, major=True, cadence="weekly")
    late.milestone("m1", "2026-10-09", on="2026-10-07", name="设备进场")
    clock.set("2026-10-08", hour=7)  # before the cut-off (08:00)
    assert scheduler.refresh() == []
    clock.set("2026-10-08", hour=8)
    assert ("weekly", "2026-W41") in scheduler.refresh()
    v1_again, v2 = service.versions("weekly", "2026-W41")
    assert v1_again == v1 and v2.version == 2
    assert "midweek/milestone_due:m1" in items(v2) - items(v1)
    assert "midweek/milestone_due:m1" in v2.changes["added"]
    assert {key.split("/")[0] for key in v2.changes["added"]} == {"midweek"}
    assert v2.changes["scope_changed"] is True
    assert v2.known_at >= "2026-10-08T00:00:00"
    clock.advance(minutes=30)
    assert scheduler.refresh() == []  # made after the cut-off: nothing more to do


def test_nothing_changed_since_the_plan_means_no_new_version(morning, clocked_store, clock):
    service, scheduler = morning
    clock.set("2026-10-01")
    Project(clocked_store, "p").register(on="2026-10-01", year=2026, major=True)
    clock.set("2026-10-05", hour=0)
    scheduler.tick()
    clock.set("2026-10-08", hour=8)
    assert scheduler.refresh() == []  # the log has not grown since version 1
    assert [r.version for r in service.versions("weekly", "2026-W41")] == [1]


def test_the_cut_off_may_be_hours_before_the_meeting_or_off(clocked_store, clock):
    two_hours = SchedulingConfig.from_mapping({"replan_cutoff": "2h"})
    service = SchedulingService(clocked_store, ZONE, two_hours, clock=clock)
    clock.set("2026-10-01")
    Project(clocked_store, "p").register(on="2026-10-01", year=2026, major=True)
    clock.set("2026-10-08", hour=6)
    assert service.due_for_refresh("weekly", clock.now) is None
    clock.set("2026-10-08", hour=7)
    assert service.due_for_refresh("weekly", clock.now) == "2026-W41"
    off = SchedulingService(
        clocked_store, ZONE, replace(two_hours, replan_cutoff="off"), clock=clock
    )
    assert off.due_for_refresh("weekly", clock.now) is None
    with pytest.raises(ValueError, match="replan_cutoff"):
        SchedulingConfig.from_mapping({"replan_cutoff": "soon"})


def test_a_period_without_projects_is_not_planned_until_they_arrive(morning, clocked_store, clock):
    service, scheduler = morning
    clock.set("2026-10-05", hour=0)
    assert scheduler.tick() == []
    assert service.list_plans(None, None) == []
    clock.set("2026-10-05", hour=10)
    Project(clocked_store, "p").register(on="2026-10-05", year=2026, major=True)
    claimed = scheduler.tick()
    assert ("weekly", "2026-W41") in claimed
    assert all(p["items"] is not None for p in service.list_plans(None, None))
    (plan,) = service.versions("weekly", "2026-W41")
    assert plan.plan["scope"]["projects"] == 1
