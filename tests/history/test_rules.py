"""Each rule of `shared.history` on a small example, as all three services read it."""

from __future__ import annotations

from datetime import datetime

import pytest

from .builders import Counted, Log, day, registry_counts, scheduling_counts, scoring_counts


def counts(log: Log, as_of: datetime | None = None, known_at: datetime | None = None) -> Counted:
    """What counts; fails unless the three services say the same."""
    registry = registry_counts(log, as_of, known_at)
    assert scheduling_counts(log, as_of, known_at) == registry
    assert scoring_counts(log, as_of, known_at) == registry
    return registry


def amounts(log: Log, **cutoff: datetime | None) -> list[str]:
    return [payload["amount"] for _, payload, _ in counts(log, **cutoff)[1:]]


@pytest.fixture
def log() -> Log:
    history = Log()
    history.register()
    return history


def test_a_late_report_counts_as_of_its_business_date_once_it_is_known(log):
    log.invest(3, "100.00", occurred=2, recorded=19)
    assert amounts(log, as_of=day(10), known_at=day(10)) == []
    assert amounts(log, as_of=day(10), known_at=day(20)) == ["100.00"]


def test_an_event_after_as_of_does_not_count(log):
    log.invest(3, "100.00", occurred=12)
    assert amounts(log, as_of=day(10)) == []


def test_a_correction_replaces_the_payload_at_the_business_time_of_the_event(log):
    report = log.invest(3, "100.00", occurred=2)
    log.correct(report, {"month": "2024-03", "amount": "150.00"}, recorded=30)
    assert amounts(log, as_of=day(5)) == ["150.00"]


def test_a_correction_recorded_after_known_at_does_not_count(log):
    report = log.invest(3, "100.00", occurred=2)
    log.correct(report, {"month": "2024-03", "amount": "150.00"}, recorded=30)
    assert amounts(log, known_at=day(29)) == ["100.00"]


def test_the_latest_of_two_corrections_stands(log):
    report = log.invest(3, "100.00", occurred=2)
    log.correct(report, {"month": "2024-03", "amount": "150.00"}, recorded=10)
    log.correct(report, {"month": "2024-03", "amount": "175.00"}, recorded=20)
    assert amounts(log) == ["175.00"]
    assert amounts(log, known_at=day(15)) == ["150.00"]


def test_a_correction_of_a_correction_corrects_the_original_event(log):
    report = log.invest(3, "100.00", occurred=2)
    first = log.correct(report, {"month": "2024-03", "amount": "150.00"}, recorded=10)
    log.correct(first, {"month": "2024-03", "amount": "160.00"}, recorded=20)
    assert amounts(log) == ["160.00"]


def test_a_retraction_removes_the_event(log):
    report = log.invest(3, "100.00", occurred=2)
    log.retract(report, recorded=10)
    assert amounts(log) == []
    assert amounts(log, known_at=day(9)) == ["100.00"]


def test_retracting_a_correction_restores_the_one_before_it(log):
    report = log.invest(3, "100.00", occurred=2)
    log.correct(report, {"month": "2024-03", "amount": "150.00"}, recorded=10)
    second = log.correct(report, {"month": "2024-03", "amount": "175.00"}, recorded=20)
    log.retract(second, recorded=30)
    assert amounts(log) == ["150.00"]


def test_retracting_the_only_correction_restores_the_event_as_recorded(log):
    report = log.invest(3, "100.00", occurred=2)
    correction = log.correct(report, {"month": "2024-03", "amount": "150.00"}, recorded=10)
    log.retract(correction, recorded=20)
    assert amounts(log) == ["100.00"]


def test_retracting_a_retraction_restores_the_event(log):
    report = log.invest(3, "100.00", occurred=2)
    retraction = log.retract(report, recorded=10)
    log.retract(retraction, recorded=20)
    assert amounts(log) == ["100.00"]
    assert amounts(log, known_at=day(15)) == []


def test_a_correction_after_a_retraction_restores_the_event_with_its_payload(log):
    report = log.invest(3, "100.00", occurred=2)
    log.retract(report, recorded=10)
    log.correct(report, {"month": "2024-03", "amount": "120.00"}, recorded=20)
    assert amounts(log) == ["120.00"]


def test_a_correction_can_move_an_event_back_across_as_of(log):
    report = log.invest(3, "100.00", occurred=20)
    log.correct(report, {"month": "2024-03", "amount": "100.00"}, recorded=25, moved_to=5)
    assert amounts(log, as_of=day(10)) == ["100.00"]
    assert counts(log, as_of=day(10))[1][2] == day(5)
    assert amounts(log, as_of=day(10), known_at=day(24)) == []


def test_a_correction_can_move_an_event_forward_across_as_of(log):
    report = log.invest(3, "100.00", occurred=5)
    log.correct(report, {"month": "2024-03", "amount": "100.00"}, recorded=25, moved_to=20)
    assert amounts(log, as_of=day(10)) == []
    assert amounts(log, as_of=day(20)) == ["100.00"]


def test_an_amendment_from_another_stream_has_no_effect(log):
    report = log.invest(3, "100.00", occurred=2)
    log.retract(report, recorded=10, stream_id="project-p2")
    assert amounts(log) == ["100.00"]


def test_an_amendment_never_counts_by_its_own_business_time(log):
    report = log.invest(3, "100.00", occurred=2)
    log.correct(report, {"month": "2024-03", "amount": "150.00"}, recorded=30)
    # the correction occurred (and was recorded) on day 30, long after as_of
    assert amounts(log, as_of=day(3)) == ["150.00"]
