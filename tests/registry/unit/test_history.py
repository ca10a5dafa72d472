"""A project under the two clocks: late reports, corrections, retractions, and the
comparison of two dates."""

from __future__ import annotations

from datetime import timedelta

from services.registry.domain import KeyProject, compare, state_at

from .builders import DAY0, History


def at(day: int):
    return DAY0 + timedelta(days=day, hours=12)


def late_reported_approval() -> tuple[History, str]:
    """An EIA approval granted on day 2, reaching the store on day 19."""
    history = History().registered()
    granted = history.add(
        "ApprovalGranted", {"approval_id": "a1", "kind": "eia"}, day=2, recorded_day=19
    )
    return history, granted.event_id


def test_a_late_report_counts_by_business_time_once_it_is_known():
    history, _ = late_reported_approval()
    as_office_saw_it = state_at("p1", history.events, as_of=at(10), known_at=at(10))
    as_known_later = state_at("p1", history.events, as_of=at(10), known_at=at(20))
    assert as_office_saw_it.approvals == {}
    assert as_known_later.approvals["a1"]["status"] == "granted"


def test_as_of_leaves_out_what_had_not_happened_yet():
    history = History().registered()
    history.add("ConstructionStarted", {}, day=5)
    assert state_at("p1", history.events, as_of=at(4)).phase == "preliminary"
    assert state_at("p1", history.events, as_of=at(5)).phase == "started"


def test_a_correction_takes_effect_at_the_business_time_of_the_event_it_amends():
    history = History().registered()
    report = history.add("InvestmentReported", {"month": "2024-03", "amount": "100.00"}, day=3)
    history.add(
        "EventCorrected",
        {
            "corrected_event_id": report.event_id,
            "payload": {"month": "2024-03", "amount": "150.00"},
            "reason": "typo",
        },
        day=40,
    )
    before_correction_known = state_at("p1", history.events, as_of=at(3), known_at=at(39))
    after_correction_known = state_at("p1", history.events, as_of=at(3))
    assert str(before_correction_known.investment["2024-03"]) == "100.00"
    assert str(after_correction_known.investment["2024-03"]) == "150.00"


def test_a_later_correction_supersedes_an_earlier_one():
    history = History().registered()
    report = history.add("InvestmentReported", {"month": "2024-03", "amount": "100.00"})
    for amount in ("150.00", "175.00"):
        history.add(
            "EventCorrected",
            {
                "corrected_event_id": report.event_id,
                "payload": {"month": "2024-03", "amount": amount},
                "reason": "revised",
            },
        )
    assert str(history.project().investment["2024-03"]) == "175.00"


def test_a_retraction_removes_the_effect_and_history_keeps_both():
    history = History().registered()
    start = history.add("ConstructionStarted", {})
    retraction = history.add(
        "EventRetracted", {"retracted_event_id": start.event_id, "reason": "x"}
    )
    project = history.project()
    assert project.phase == "preliminary"
    assert [c["event_id"] for c in project.corrections] == [retraction.event_id]


def test_the_comparison_names_every_changed_field_and_the_events_behind_it():
    history, granted_id = late_reported_approval()
    slip_plan = history.add(
        "MilestonePlanned", {"milestone_id": "m1", "name": "开工", "due": "2024-05-01"}, day=20
    )
    slip = history.add("MilestoneSlipped", {"milestone_id": "m1", "new_due": "2024-06-01"}, day=21)
    before = state_at("p1", history.events, as_of=at(10), known_at=at(10))
    after = state_at("p1", history.events, as_of=at(25), known_at=at(25))
    changes = {c.field: c for c in compare(before, after)}
    assert changes["approvals.a1.status"].after == "granted"
    assert changes["approvals.a1.status"].event_ids == (granted_id,)
    assert changes["milestones.m1.due"].after == "2024-06-01"
    assert changes["milestones.m1.due"].event_ids == (slip_plan.event_id, slip.event_id)
    assert "name" not in changes


def test_the_comparison_names_a_retraction_as_the_cause_of_what_disappeared():
    history = History().registered()
    start = history.add("ConstructionStarted", {}, day=2)
    before = history.project()
    retraction = history.add(
        "EventRetracted", {"retracted_event_id": start.event_id, "reason": "x"}, day=3
    )
    changes = {c.field: c for c in compare(before, history.project())}
    assert changes["phase"].before == "started" and changes["phase"].after == "preliminary"
    assert changes["phase"].event_ids == (retraction.event_id,)


def test_a_snapshot_carries_on_folding_to_the_same_state():
    history = History().registered()
    history.add("InvestmentReported", {"month": "2024-03", "amount": "100.00"})
    history.add("IssueRaised", {"issue_id": "q1", "kind": "land", "description": "x"})
    half = state_at("p1", history.events)
    history.add("IssueResolved", {"issue_id": "q1"})
    resumed = KeyProject.from_snapshot(half.to_snapshot())
    resumed.apply(history.events[-1])
    assert resumed.to_dict() == history.project().to_dict()


def test_without_amendments_or_as_of_every_known_event_counts_as_it_is():
    """`admitted`'s short way (no amendment, no as_of) gives what the rule gives."""
    from services.registry.domain import admitted
    from services.registry.domain.history import _as_counted
    from shared.history import counted, known_by

    history, _ = late_reported_approval()
    history.add("InvestmentReported", {"month": "2024-01", "amount": "5.00"}, day=3)
    for known_at in (None, at(5), at(30)):
        known = known_by(history.events, known_at)
        assert admitted(history.events, None, known_at) == [_as_counted(s) for s in counted(known)]
    assert admitted(history.events) == history.events
