"""The envelope's limits and the payload's size limit, told in one pass without writing
the payload's canonical JSON where the envelope is surely within them (`surely_within`,
which signed ingest's `_check_limits` asks first): never where `check_envelope` refuses
or the text itself is beyond the limit; always for a plain envelope and a small flat
payload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.eventstore import canonical_json, check_envelope
from shared.eventstore.limits import MAX_LENGTHS, MAX_PAYLOAD_BYTES, InvalidEnvelope, surely_within

_TEXT = st.text(max_size=40)  # lone surrogates and NUL included
_VALUES = st.one_of(
    _TEXT,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_INSTANTS = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2110, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)
_FIELDS = ("event_id", "type", "source", "actor", "correlation_id", "causation_id")
_ENVELOPES = st.fixed_dictionaries(
    {name: st.text(max_size=MAX_LENGTHS[name] + 2) for name in _FIELDS}
    | {"project_id": st.one_of(st.none(), _TEXT), "national_code": st.one_of(st.none(), _TEXT)}
)


def _within(occurred_at, payload, texts) -> bool:
    return surely_within(occurred_at, payload, *(texts[n] for n in _FIELDS), *_UNBOUNDED(texts))


def _UNBOUNDED(texts):  # noqa: N802 - the texts without a length limit
    return texts["project_id"], texts["national_code"]


@given(_INSTANTS, st.dictionaries(_TEXT, _VALUES, max_size=6), _ENVELOPES, st.integers(0, 11_000))
def test_an_envelope_surely_within_passes_the_checks_and_its_payload_the_size(
    occurred_at, payload, texts, padding
):
    payload["padding"] = "\x1f" * padding  # the character that takes most bytes written
    if _within(occurred_at, payload, texts):
        check_envelope(occurred_at=occurred_at, payload=payload, **texts)
        assert len(canonical_json(payload).encode("utf-8")) <= MAX_PAYLOAD_BYTES


_PLAIN_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))


@given(
    st.dictionaries(
        _PLAIN_TEXT.filter(lambda t: len(t) <= 40),
        st.one_of(
            _PLAIN_TEXT.filter(lambda t: len(t) <= 40),
            st.none(),
            st.booleans(),
            st.integers(-(2**63) + 1, 2**63 - 1),
        ),
        max_size=8,
    ),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
)
def test_a_plain_envelope_with_a_small_flat_payload_is_surely_within(payload, occurred_at):
    texts = {n: "x" * MAX_LENGTHS[n] for n in _FIELDS} | {"project_id": "p1", "national_code": None}
    assert _within(occurred_at.replace(tzinfo=UTC), payload, texts)


PLAIN = {n: "x" for n in _FIELDS} | {"project_id": "p1", "national_code": None}
T0 = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "payload",
    [{"a": {"b": "c"}}, {"a": ["b"]}, {"a": 1.5}, ["a"], {"a": 2**63}, {1: "a"}],
)
def test_a_nested_fractional_or_huge_payload_takes_the_checks(payload):
    assert not _within(T0, payload, PLAIN)


@pytest.mark.parametrize(
    "changes",
    [
        {"event_id": "x" * (MAX_LENGTHS["event_id"] + 1)},
        {"causation_id": "x" * (MAX_LENGTHS["causation_id"] + 1)},
        {"actor": "a\x00b"},
        {"project_id": "p\ud800"},
        {"national_code": 7},
        {"source": None},
    ],
)
def test_a_text_beyond_its_limits_takes_the_checks(changes):
    texts = PLAIN | changes
    assert not _within(T0, {"a": "b"}, texts)
    if all(type(v) is str for v in changes.values()):
        with pytest.raises(InvalidEnvelope):
            check_envelope(occurred_at=T0, payload={"a": "b"}, **texts)


def test_an_instant_out_of_range_or_naive_takes_the_checks():
    assert not _within(datetime(1999, 12, 31, 23, tzinfo=UTC), {}, PLAIN)
    assert not _within(datetime(2100, 1, 1, tzinfo=UTC), {}, PLAIN)
    assert not _within(datetime(2024, 1, 1), {}, PLAIN)
    assert _within(datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=8))), {}, PLAIN)


def test_a_payload_near_the_limit_is_written_and_measured():
    assert _within(T0, {"a": "x" * (MAX_PAYLOAD_BYTES // 6 - 20)}, PLAIN)
    assert not _within(T0, {"a": "x" * (MAX_PAYLOAD_BYTES // 6)}, PLAIN)
