"""A project's dates as its state keeps them: the occurred time as given, written as
``strftime("%Y-%m-%dT%H:%M:%S.%fZ")`` writes it (`instant_text` formats the same text from
the fields, the year in four digits as isoformat writes it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain import ProjectEvent
from services.registry.domain.project import instant_text


@pytest.mark.parametrize(
    "occurred",
    [
        datetime(2024, 3, 1, 2, 0, 0, 7, tzinfo=UTC),
        datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=8))),
        datetime(2024, 3, 1, 10, 0, 0, 999999, tzinfo=timezone(-timedelta(hours=3, minutes=30))),
        datetime(2024, 3, 1, 10, 0, 0, 1, tzinfo=timezone(timedelta(hours=5, seconds=30))),
    ],
)
def test_an_events_instant_text_is_strftimes_of_the_time_as_given(occurred):
    event = ProjectEvent("e-1", "InspectionCompleted", occurred, {})
    assert instant_text(event) == occurred.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@given(
    occurred=st.datetimes(
        timezones=st.one_of(
            st.none(),
            st.just(UTC),
            st.builds(timezone, st.timedeltas(-timedelta(hours=23), timedelta(hours=23))),
        )
    )
)
def test_an_events_instant_text_is_its_wall_clock_with_a_four_digit_year(occurred):
    event = ProjectEvent("e-1", "InspectionCompleted", occurred, {})
    written = occurred.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    assert instant_text(event) == written


def test_an_events_instant_text_is_kept_and_a_corrected_copy_writes_its_own():
    event = ProjectEvent("e-1", "InspectionCompleted", datetime(2024, 3, 1, 2, tzinfo=UTC), {})
    first = instant_text(event)
    assert instant_text(event) is first
    moved = replace(event, occurred_at=datetime(2024, 3, 2, 2, tzinfo=UTC))
    assert instant_text(moved) == "2024-03-02T02:00:00.000000Z"
    assert moved == replace(moved) and event != moved
