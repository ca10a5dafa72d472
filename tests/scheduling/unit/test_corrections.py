"""Corrections and retractions, bounded by known_at only."""

from __future__ import annotations

from datetime import date

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


def test_a_state_survives_the_read_models_json_form_unchanged():
    from services.scheduling.domain.project import ProjectState

    state = state_of(
        registered(planned_start="2024-03-01", monthly_plan=["1000000.00"] * 12),
        fact("MilestonePlanned", "2024-01-03", milestone_id="m", name="m", due="2024-02-01"),
        fact("MilestoneSlipped", "2024-01-20", milestone_id="m", new_due="2024-03-01"),
        fact("ApprovalRequested", "2024-01-05", approval_id="a", kind="eia", allowed_days=20),
        fact("ApprovalGranted", "2024-01-25", approval_id="a", kind="eia"),
        fact("IssueRaised", "2024-02-01", issue_id="i", kind="land", description="x", owner="王"),
        fact("InspectionCompleted", "2024-02-02", inspection_id="x", result="failed"),
        fact("InvestmentReported", "2024-02-03", month="2024-01", amount="12.50"),
        fact("SafetyIncidentReported", "2024-02-04", incident_id="s", kind="other"),
        fact("ConstructionStarted", "2024-02-05"),
    )
    assert ProjectState.from_dict(state.to_dict()) == state
    # The read model writes it with orjson straight from the dataclasses: the same JSON.
    import json

    from services.scheduling.readmodel.projection import state_text

    assert json.loads(state_text(state)) == state.to_dict()
    assert ProjectState.from_dict(json.loads(state_text(state))) == state


def test_the_days_a_state_is_read_with_are_parsed_once_and_kept_bounded(monkeypatch):
    from services.scheduling.domain import project

    days = project._Days()
    monkeypatch.setattr(project, "_DAYS_KEPT", 2)
    read = [days[text] for text in ("2024-03-01", "2024-03-02", "2024-03-03", "2024-03-01")]
    assert read == [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3), date(2024, 3, 1)]
    assert days[None] is None and days[date(2024, 5, 1)] == date(2024, 5, 1)
    assert len(days) == 2  # the first two kept, the rest parsed each time


def test_a_correction_counts_only_within_its_own_stream():
    report = fact("InvestmentReported", "2024-02-01", month="2024-01", amount="1.00")
    stray = fact(
        "EventCorrected",
        "2024-02-02",
        stream="project-other",
        corrected_event_id=report.event_id,
        payload={"month": "2024-01", "amount": "9.00"},
        reason="x",
    )
    state = state_of(*effective_facts([registered(), report, stray]))
    assert str(state.investments["2024-01"].amount) == "1.00"
