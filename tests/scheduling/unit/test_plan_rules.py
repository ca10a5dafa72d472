"""Agenda rules: what each cadence puts on the agenda, grouped by leader and unit."""

from __future__ import annotations

from datetime import date

from services.scheduling.domain.calendar import WorkingCalendar
from services.scheduling.domain.periods import Period
from services.scheduling.domain.plan import (
    OpenAction,
    PlanInputs,
    build_plan,
    changes_between,
    digest_of,
    spot_check_sample,
)

from ..helpers import registration
from .facts import fact, state_of


def project(pid: str, *facts, **overrides):
    stream = f"project-{pid}"
    reg = fact("ProjectRegistered", "2024-01-02", stream, **registration(pid, **overrides))
    reports = [
        fact(
            "InvestmentReported",
            f"2024-{m + 1:02d}-01",
            stream,
            month=f"2024-{m:02d}",
            amount="1000000.00",
        )
        for m in range(1, 12)
    ]
    return state_of(reg, *reports, *facts)


def plan(cadence: str, label: str, states, actions=(), **kwargs):
    return build_plan(
        PlanInputs(
            cadence, Period.parse(cadence, label), states, actions, WorkingCalendar(), **kwargs
        )
    )


def items(plan_):
    return [(i["project_id"], i["rule"]) for g in plan_["groups"] for i in g["items"]]


def milestone(pid: str, due: str, mid: str = "m"):
    return fact(
        "MilestonePlanned", "2024-01-03", f"project-{pid}", milestone_id=mid, name=mid, due=due
    )


def test_a_milestone_due_within_the_period_is_on_the_agenda_but_not_one_due_later():
    states = [
        project("a", milestone("a", "2024-03-20")),
        project("b", milestone("b", "2024-04-02")),
    ]
    monthly = plan("monthly", "2024-03", states)
    assert items(monthly) == [("a", "milestone_due")]


def test_the_weekly_plan_takes_major_and_red_projects_only():
    green_major = project("major", major=True)
    red_minor = project("late", milestone("late", "2024-01-10"))
    yellow_minor = project("slow", milestone("slow", "2024-02-20"))
    weekly = plan("weekly", "2024-W10", [green_major, red_minor, yellow_minor])
    assert weekly["scope"]["projects"] == 2
    assert items(weekly) == [("late", "milestone_overdue")]
    monthly = plan("monthly", "2024-03", [green_major, red_minor, yellow_minor])
    assert sorted(items(monthly)) == [("late", "milestone_overdue"), ("slow", "milestone_overdue")]


def test_items_are_grouped_by_leader_and_unit_and_attendees_are_their_units():
    a = project("a", milestone("a", "2024-03-05"), leader="李副县长", lead_unit="交通局")
    b = project("b", milestone("b", "2024-03-06"), leader="张县长", lead_unit="发改局")
    monthly = plan("monthly", "2024-03", [b, a])
    groups = [(g["leader"], g["unit"]) for g in monthly["groups"]]
    assert groups == sorted([("张县长", "发改局"), ("李副县长", "交通局")])
    assert set(monthly["meeting"]["attendees"]) == {
        "李副县长",
        "交通局",
        "业主 a",
        "张县长",
        "发改局",
        "业主 b",
    }
    assert monthly["meeting"]["date"] == "2024-03-01"


def test_an_open_action_is_carried_until_closed_even_when_its_item_is_gone():
    action = OpenAction("A1", "a", "issue_open:i", "发改局", date(2024, 2, 29), "2024-02", "用地")
    monthly = plan("monthly", "2024-03", [project("a")], [action])
    (item,) = [i for g in monthly["groups"] for i in g["items"]]
    assert item["rule"] == "follow_up" and item["action"] == {
        "action_id": "A1",
        "assignee": "发改局",
        "due": "2024-02-29",
        "since": "2024-02",
        "status": "carried",
    }


def test_a_current_item_with_an_open_action_keeps_that_action():
    state = project("a", milestone("a", "2024-02-20"))
    action = OpenAction("A1", "a", "milestone_overdue:m", "发改局", date(2024, 2, 29), "2024-02")
    (item,) = [
        i for g in plan("monthly", "2024-03", [state], [action])["groups"] for i in g["items"]
    ]
    assert item["rule"] == "milestone_overdue" and item["action"]["action_id"] == "A1"


def test_a_recurring_item_after_its_action_was_closed_gets_a_new_action():
    state = project("a", milestone("a", "2024-02-20"))
    first = plan("monthly", "2024-03", [state])
    taken = frozenset({first["groups"][0]["items"][0]["action"]["action_id"]})
    again = plan("monthly", "2024-03", [state], taken_action_ids=taken)
    assert again["groups"][0]["items"][0]["action"]["action_id"] not in taken


def test_the_quarterly_plan_reports_the_campaign_against_its_targets():
    done = project("a", fact("ProjectCompleted", "2024-03-01", "project-a"))
    slipping = project(
        "b",
        milestone("b", "2024-02-01"),
        fact("MilestoneSlipped", "2024-01-20", "project-b", milestone_id="m", new_due="2024-05-01"),
        fact("MilestoneSlipped", "2024-03-20", "project-b", milestone_id="m", new_due="2024-08-01"),
        category="new_start",
    )
    quarterly = plan("quarterly", "2024-Q2", [done, slipping])
    totals = quarterly["totals"]
    assert totals["categories"]["breakthrough"] == {"target": 18, "projects": 1, "achieved": 1}
    assert totals["categories"]["new_start"] == {"target": 5, "projects": 1, "achieved": 0}
    assert totals["investment"]["target"] == "4500000000.00"
    assert totals["investment"]["reported"] == "22000000.00"
    assert items(quarterly) == [("b", "milestone_slipped")]
    assert quarterly["groups"][0]["items"][0]["escalate"] is True


def test_the_spot_check_sample_is_reproducible_from_the_period():
    ids = [f"p{i:03d}" for i in range(100)]
    w10 = Period.parse("weekly", "2024-W10")
    first = spot_check_sample(w10, ids, 5)
    assert first == spot_check_sample(w10, list(reversed(ids)), 5)
    assert len(first["project_ids"]) == 5 and set(first["project_ids"]) <= set(ids)
    others = [
        spot_check_sample(Period.parse("weekly", f"2024-W{w:02d}"), ids, 5)["project_ids"]
        for w in range(11, 16)
    ]
    assert any(sample != first["project_ids"] for sample in others)


def test_a_plan_is_the_same_for_the_same_inputs_and_says_what_changed():
    states = [project("a", milestone("a", "2024-03-20"))]
    one, two = plan("monthly", "2024-03", states), plan("monthly", "2024-03", list(states))
    assert digest_of(one) == digest_of(two)
    later = plan("monthly", "2024-03", [*states, project("b", milestone("b", "2024-03-21"))])
    assert changes_between(one, later)["added"] == ["b/milestone_due:m"]
