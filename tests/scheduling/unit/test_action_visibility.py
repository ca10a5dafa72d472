"""A plan sees the actions opened by plans of earlier periods, or of periods that began
within its own (the cadences overlap), never those of a later period."""

from __future__ import annotations

from datetime import date

import pytest

from services.scheduling.domain.periods import Period
from services.scheduling.domain.plan import OpenAction, visible_to


def opened_by(period: str) -> OpenAction:
    return OpenAction("A1", "p1", "milestone_overdue:m1", "发改局", date(2024, 3, 8), period)


@pytest.mark.parametrize(
    ("opened", "cadence", "planned", "seen"),
    [
        ("2024-W10", "monthly", "2024-03", True),  # a week within the month
        ("2024-W10", "quarterly", "2024-Q1", True),
        ("2024-02", "weekly", "2024-W10", True),  # an earlier month
        ("2024-W14", "monthly", "2024-03", False),  # April's week: later
        ("2026-W08", "monthly", "2025-12", False),  # the catch-up plan of the issue
        ("2024-04", "weekly", "2024-W13", False),
    ],
)
def test_a_plan_sees_actions_of_earlier_or_overlapping_periods_only(opened, cadence, planned, seen):
    assert visible_to(opened_by(opened), Period.parse(cadence, planned)) is seen
