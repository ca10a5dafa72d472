"""Corrections and retractions, bounded by known_at only."""

from __future__ import annotations

from services.scheduling.domain.project import effective_facts

from ..helpers import at
from .facts import fact, registered, state_of


def test_a_correction_replaces_the_payload_of_the_event_it_amends():
    planned = fact("MilestonePlanned", "2024-01-03", milestone_id="m", name="m", due="2024-02-01")
    corrected = fact(
        "EventCorrected",
        "2024-03-01",
        corrected_event_id=planned.event_id,
        payload={"milestone_id": "m", "name": "m", "due": "2024-06-01"},
        reason="typo",
    )
    state = state_of(*effective_facts([registered(), planned, corrected]))
    assert state.milestones["m"].due.isoformat() == "2024-06-01"


def test_the_later_of_two_corrections_wins():
    report = fact("InvestmentReported", "2024-02-01", month="2024-01", amount="1.00")
    first = fact(
        "EventCorrected",
        "2024-02-02",
        corrected_event_id=report.event_id,
        payload={"month": "2024-01", "amount": "2.00"},
        reason="x",
    )
    second = fact(
        "EventCorrected",
        "2024-02-03",
        corrected_event_id=report.event_id,
        payload={"month": "2024-01", "amount": "3.00"},
        reason="x",
    )
    state = state_of(*effective_facts([registered(), report, first, second]))
    assert str(state.investments["2024-01"].amount) == "3.00"


def test_a_retraction_removes_the_event_and_a_retracted_correction_no_longer_counts():
    raised = fact("IssueRaised", "2024-02-01", issue_id="i", kind="land", description="x")
    retraction = fact(
        "EventRetracted", "2024-02-05", retracted_event_id=raised.event_id, reason="x"
    )
    assert state_of(*effective_facts([registered(), raised, retraction])).issues == {}
    report = fact("InvestmentReported", "2024-02-01", month="2024-01", amount="1.00")
    fix = fact(
        "EventCorrected",
        "2024-02-02",
        corrected_event_id=report.event_id,
        payload={"month": "2024-01", "amount": "2.00"},
        reason="x",
    )
    undo = fact("EventRetracted", "2024-02-03", retracted_event_id=fix.event_id, reason="x")
    state = state_of(*effective_facts([registered(), report, fix, undo]))
    assert str(state.investments["2024-01"].amount) == "1.00"


def test_a_correction_applies_at_the_business_time_of_the_event_it_amends():
    report = fact("InvestmentReported", "2024-02-01", month="2024-01", amount="1.00")
    late_fix = fact(
        "EventCorrected",
        "2024-05-01",
        corrected_event_id=report.event_id,
        payload={"month": "2024-01", "amount": "2.00"},
        reason="x",
    )
    facts = effective_facts([registered(), report, late_fix], as_of=at("2024-02-15"))
    assert str(state_of(*facts).investments["2024-01"].amount) == "2.00"
