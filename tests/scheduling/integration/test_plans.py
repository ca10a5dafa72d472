"""Plans stored as versioned DispatchPlanned events; actions carried until closed."""

from __future__ import annotations

from datetime import date

import pytest

from services.scheduling.domain.errors import ActionNotFound, PlanNotFound
from services.scheduling.domain.plan import digest_of


def agenda(record):
    return [(i["project_id"], i["rule"]) for g in record.plan["groups"] for i in g["items"]]


@pytest.fixture
def county(project, clock):
    """Two projects in March 2024: one with an overdue milestone, one on plan."""
    clock.set("2024-01-02")
    late, ok = project("late"), project("ok")
    late.register(major=True)
    ok.register()
    late.milestone("m1", "2024-02-20")
    for p in (late, ok):
        p.invest_on_plan(1)
    clock.set("2024-02-05")
    for p in (late, ok):
        p.invest("2024-02", "1000000.00")
    clock.set("2024-03-01", hour=8)
    return late, ok


def test_planning_a_period_stores_a_plan_and_asking_again_returns_it(service, county, clock):
    record, created = service.plan("monthly", "2024-03")
    assert created and record.version == 1
    assert record.digest == digest_of(record.plan)
    assert agenda(record) == [("late", "milestone_overdue")]
    assert record.plan["meeting"]["date"] == "2024-03-01"
    clock.advance(hours=2)
    again, created_again = service.plan("monthly", "2024-03")
    assert not created_again and again == record
    stream = service.store.read_stream("dispatch-monthly-2024-03")
    assert [e.type for e in stream] == ["DispatchPlanned"]


def test_a_plan_is_deterministic_for_cadence_period_and_known_at(service, county, clock):
    known_at = clock.now
    first, _ = service.compute_plan("monthly", _period("monthly", "2024-03"), known_at)
    clock.advance(days=3)
    county[1].milestone("m9", "2024-03-02")  # recorded after known_at: must not count
    service.catch_up()
    second, snap = service.compute_plan("monthly", _period("monthly", "2024-03"), known_at)
    assert digest_of(first) == digest_of(second)
    assert snap.source == "replay"


def test_the_plan_from_the_read_model_equals_the_plan_from_a_replay(service, county, clock):
    period = _period("weekly", "2024-W10")
    known_at = clock.now
    from_model, snap = service.compute_plan("weekly", period, known_at)
    assert snap.source == "read model"
    clock.advance(days=1)
    county[0].milestone("m2", "2024-03-05")
    service.catch_up()
    from_replay, snap2 = service.compute_plan("weekly", period, known_at)
    assert snap2.source == "replay"
    assert from_model == from_replay


def test_replanning_writes_a_new_version_with_what_changed(service, county, clock):
    first, _ = service.plan("monthly", "2024-03")
    clock.advance(hours=1)
    same, created = service.plan("monthly", "2024-03", replan=True)
    assert not created and same.version == 1  # nothing changed, no new version
    county[1].milestone("m5", "2024-03-15")
    clock.advance(hours=1)
    second, created = service.plan("monthly", "2024-03", replan=True)
    assert created and second.version == 2
    assert second.changes["added"] == ["ok/milestone_due:m5"]
    assert [r.version for r in service.versions("monthly", "2024-03")] == [1, 2]
    assert service.get_plan("monthly", "2024-03", 1) == first
    assert [(p["period"], p["version"]) for p in service.list_plans("monthly", None)] == [
        ("2024-03", 1),
        ("2024-03", 2),
    ]


def test_a_plan_known_at_a_past_date_ignores_later_reports(service, project, clock):
    clock.set("2024-02-01")
    p = project("p1")
    p.register()
    clock.set("2024-03-01", hour=6)
    office_knew = clock.now
    clock.set("2024-03-15")
    p.invest("2024-01", "1000000.00", on="2024-02-03")  # January's report, recorded late
    now, _ = service.plan("monthly", "2024-03")
    then, created = service.plan("monthly", "2024-03", known_at=office_knew)
    assert agenda(now) == []
    assert agenda(then) == [("p1", "investment_report_missing")]
    # An earlier known_at is an audit view: returned, not the period's current version.
    assert then.audit and not created and then.known_at.startswith("2024-02-29T22:00")
    assert service.latest("monthly", "2024-03") == now


def test_actions_are_assigned_carried_and_closed_by_an_event(service, county, clock):
    march, _ = service.plan("monthly", "2024-03")
    action_id = march.plan["groups"][0]["items"][0]["action"]["action_id"]
    (open_action,) = service.actions()
    assert open_action["action_id"] == action_id and open_action["assignee"] == "发改局"
    assert open_action["due"].isoformat() == "2024-03-29"
    clock.set("2024-03-04", hour=8)
    week, _ = service.plan("weekly", "2024-W10")
    assert week.plan["groups"][0]["items"][0]["action"] == {
        **march.plan["groups"][0]["items"][0]["action"],
        "status": "carried",
    }
    closed, now = service.close_action(action_id, "已协调", actor="office")
    assert now and closed["status"] == "closed" and closed["close_note"] == "已协调"
    assert service.close_action(action_id)[1] is False
    assert service.actions() == []
    closing = service.store.read_stream("actions-late")[-1]
    assert closing.type == "ActionClosed" and closing.actor == "office"
    clock.set("2024-03-11", hour=8)
    next_week, _ = service.plan("weekly", "2024-W11")
    item = next_week.plan["groups"][0]["items"][0]
    assert item["action"]["status"] == "new" and item["action"]["action_id"] != action_id


def test_an_open_action_stays_on_the_agenda_after_its_item_is_resolved(service, project, clock):
    clock.set("2024-01-02")
    p = project("p1")
    p.register(major=True)
    p.issue("i1", "2024-01-02", allowed_days=10)
    p.invest_on_plan(2)
    clock.set("2024-03-04", hour=8)
    service.plan("weekly", "2024-W10")
    p.resolve("i1", "2024-03-05")
    clock.set("2024-03-11", hour=8)
    record, _ = service.plan("weekly", "2024-W11")
    (item,) = [i for g in record.plan["groups"] for i in g["items"]]
    assert item["rule"] == "follow_up" and item["item"] == "issue_open:i1"


def test_a_weekly_plan_records_its_spot_check_once(service, county, clock):
    clock.set("2024-03-04", hour=8)
    record, _ = service.plan("weekly", "2024-W10")
    (spot,) = service.store.read_stream("spotcheck-2024-W10")
    assert spot.type == "SpotCheckScheduled"
    assert spot.payload == record.plan["spot_check"]
    assert spot.payload["project_ids"] == ["late", "ok"]
    county[1].milestone("m7", "2024-03-06")
    service.plan("weekly", "2024-W10", replan=True)
    assert len(service.store.read_stream("spotcheck-2024-W10")) == 1


def test_unknown_plans_and_actions_are_named(service):
    with pytest.raises(PlanNotFound):
        service.get_plan("weekly", "2024-W10")
    with pytest.raises(ActionNotFound):
        service.close_action("A404")


def _period(cadence, label):
    from services.scheduling.domain.periods import Period

    return Period.parse(cadence, label)


def test_the_spring_festival_and_national_day_plans_meet_on_the_official_working_days(
    service, county, clock
):
    clock.set("2024-10-09")
    festival, _ = service.plan("weekly", "2024-W07")
    national_day, _ = service.plan("monthly", "2024-10")
    assert festival.plan["meeting"]["date"] == "2024-02-18"  # an adjusted working Sunday
    assert festival.plan["meeting"]["calendar"] == ["official"]
    assert national_day.plan["meeting"]["date"] == "2024-10-08"
    assert national_day.plan["groups"][0]["items"][0]["action"]["due"] == "2024-10-31"


def test_a_plan_stored_before_the_configured_chairs_stays_the_same_version(
    service, county, clock, monkeypatch
):
    from services.scheduling.application import service as module
    from services.scheduling.domain import plan as plans

    def by_character(states, roster):
        return sorted({name for s in states for name in (s.leader, s.lead_unit, s.owner_unit)})

    with monkeypatch.context() as old_code:  # one chair for all, attendees by character
        old_code.setattr(module, "Roster", lambda chairs, by_rank: plans.Roster())
        old_code.setattr(plans, "_attendees", by_character)
        old, _ = service.plan("monthly", "2024-03")
    assert old.plan["meeting"]["chair"] == plans.LEGACY_CHAIR
    clock.advance(hours=1)
    again, created = service.plan("monthly", "2024-03", replan=True)
    assert not created and again.version == 1
    fresh, _ = service.compute_plan("monthly", _period("monthly", "2024-03"), clock.now)
    assert fresh["meeting"]["chair"] == "县长"


def test_a_plan_stored_before_the_set_pieces_stays_the_same_version(service, county, clock):
    from dataclasses import replace

    from services.scheduling.domain.set_pieces import SetPieceCalendar

    configured = service.config
    service.config = replace(configured, set_pieces=SetPieceCalendar(()))  # the old code
    old, _ = service.plan("monthly", "2024-03")
    assert "set_pieces" not in old.plan and old.plan["campaign"] == 2024
    service.config = configured
    clock.advance(hours=1)
    again, created = service.plan("monthly", "2024-03", replan=True)
    assert not created and again.version == 1
    fresh, _ = service.compute_plan("monthly", _period("monthly", "2024-03"), clock.now)
    assert [p["code"] for p in fresh["set_pieces"]][:2] == ["publicity", "mobilisation_meeting"]
    service.record_set_piece("publicity", {"held_on": date(2024, 3, 1), "outcome": "已宣传"})
    clock.advance(hours=1)
    changed, created = service.plan("monthly", "2024-03", replan=True)
    assert created and changed.version == 2
    assert changed.plan["set_pieces"][0]["state"] == "held"


def test_a_rebuilt_read_model_opens_closes_and_reopens_an_item_in_log_order(service, county, clock):
    """The catch-up opens a page's consecutive assignments in one statement: an item's
    action closed and a new one assigned for the same item later in the page must still
    come out as one closed and one open action, as when they were written."""
    march, _ = service.plan("monthly", "2024-03")
    first = march.plan["groups"][0]["items"][0]["action"]["action_id"]
    service.close_action(first, "已协调", actor="office")
    clock.set("2024-03-11", hour=8)
    week, _ = service.plan("weekly", "2024-W11")
    second = week.plan["groups"][0]["items"][0]["action"]["action_id"]
    before = {a["action_id"]: a["status"] for a in service.actions(status=None)}
    assert before[first] == "closed" and before[second] == "open"
    service.rebuild()
    assert {a["action_id"]: a["status"] for a in service.actions(status=None)} == before
