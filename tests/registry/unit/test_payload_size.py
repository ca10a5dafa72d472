"""The payload's size limit, told without writing its canonical JSON where a bound says it
is surely within (`_surely_small`): never where the text itself is beyond the limit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.registry.application.handlers import _surely_small
from shared.eventstore import canonical_json
from shared.eventstore.limits import MAX_PAYLOAD_BYTES

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_VALUES = st.one_of(
    _TEXT, st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70)
)


@given(st.dictionaries(_TEXT, _VALUES, max_size=8), st.integers(0, 11_000))
def test_a_payload_surely_small_is_within_the_limit_as_written(payload, padding):
    payload["padding"] = "\x1f" * padding  # the character that takes most bytes written
    if _surely_small(payload):
        assert len(canonical_json(payload).encode("utf-8")) <= MAX_PAYLOAD_BYTES


@given(st.dictionaries(_TEXT, _VALUES, max_size=8))
def test_a_plain_small_payload_is_surely_small(payload):
    big = any(type(v) is int and abs(v) >= 2**63 for v in payload.values())
    assert _surely_small(payload) is not big


def test_a_nested_or_fractional_payload_is_written_and_measured():
    assert not _surely_small({"a": {"b": "c"}})
    assert not _surely_small({"a": ["b"]})
    assert not _surely_small({"a": 1.5})
    assert not _surely_small(["a"])


def test_a_payload_near_the_limit_is_written_and_measured():
    assert _surely_small({"a": "x" * (MAX_PAYLOAD_BYTES // 6 - 10)})
    assert not _surely_small({"a": "x" * (MAX_PAYLOAD_BYTES // 6)})
