"""Late reports: a fact from before a project closed is accepted when it arrives later."""

from __future__ import annotations

from .builders import History, judge


def test_an_investment_that_occurred_before_commissioning_is_accepted_when_reported_late():
    history = History().registered()
    history.add("ConstructionStarted", {}, day=1)
    history.add("ProjectCompleted", {}, day=20)
    history.add("ProjectCommissioned", {}, day=25)
    judge(history, "InvestmentReported", {"month": "2024-01", "amount": "5.00"}, day=10)
