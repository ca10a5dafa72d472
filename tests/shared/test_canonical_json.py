"""Canonical JSON is the standard library's text, whichever path writes it: auditors
reproduce hashes with `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.eventstore import canonical_json, format_instant


def reference(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


text = st.text(max_size=20)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=25,
)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(values)
def test_canonical_json_is_exactly_the_standard_librarys_text(value):
    try:
        expected = reference(value)
    except (TypeError, ValueError):
        return
    assert canonical_json(value) == expected


def test_floats_keep_the_standard_librarys_exponents():
    assert canonical_json({"a": 1e16, "b": 1e-07}) == '{"a":1e+16,"b":1e-07}'


def test_an_instant_has_one_text_form_in_utc():
    beijing = timezone(timedelta(hours=8))
    assert (
        format_instant(datetime(2024, 3, 1, 10, 0, tzinfo=beijing)) == "2024-03-01T02:00:00.000000Z"
    )
    assert (
        format_instant(datetime(2024, 3, 1, 2, 0, 0, 7, tzinfo=UTC))
        == "2024-03-01T02:00:00.000007Z"
    )
    expected = datetime(2024, 3, 1, 2, 0, 0, 7, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert format_instant(datetime(2024, 3, 1, 2, 0, 0, 7, tzinfo=UTC)) == expected


def test_bytes_with_parts_already_written_are_the_text_of_the_whole():
    from shared.eventstore.canonical import Canonical, canonical_json_bytes

    parts = [{"b": [1, "二"], "a": None}, {"z": True, "y": {"x": "\u00e9"}}]
    whole = {"projects": parts, "n": 2, "name": "县"}
    written = {"projects": [Canonical.of(p) for p in parts], "n": 2, "name": "县"}
    assert canonical_json_bytes(written) == canonical_json(whole).encode()
    assert canonical_json_bytes(whole) == canonical_json(whole).encode()
    # a float: the standard library's path, the parts read back into it
    assert canonical_json_bytes({"f": 1.5, "p": [Canonical.of([1])]}) == b'{"f":1.5,"p":[[1]]}'


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    )
)
def test_an_instant_in_any_zone_is_strftimes_text_in_utc(instant):
    """The text is formatted from the fields: the same as the UTC
    instant's wall time written whole, as the hashes have always taken it."""
    in_utc = instant.astimezone(UTC)
    expected = in_utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    assert format_instant(instant) == expected
