"""`check_payload` skips its string-by-string walk for a payload that plainly passes it;
the shortcut never lets through what the walk refuses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.eventstore.limits import (
    MAX_PAYLOAD_DEPTH,
    InvalidEnvelope,
    _nests_plainly,
    _walk_payload,
    check_payload,
)

texts = st.text(alphabet=st.sampled_from(["a", "中", "\x00", "\ud800", "\\", "u", "0"]), max_size=6)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), texts)
payloads = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=40,
)


def refused(check, payload) -> str | None:
    try:
        check(payload)
    except InvalidEnvelope as exc:
        return exc.code
    return None


@given(payloads)
def test_the_shortcut_passes_only_what_the_walk_passes(payload):
    if _nests_plainly(payload):
        assert refused(_walk_payload, payload) is None
    assert refused(check_payload, payload) == refused(_walk_payload, payload)


def nested(depth: int) -> dict:
    payload: dict = {}
    for _ in range(depth - 1):
        payload = {"a": payload}
    return payload


def test_depth_nul_and_surrogates_are_refused_with_their_place():
    assert _nests_plainly(nested(MAX_PAYLOAD_DEPTH))
    assert refused(check_payload, nested(MAX_PAYLOAD_DEPTH + 1)) == "too_deep"
    assert refused(check_payload, {"x": [{"y": "a\x00"}]}) == "nul_character"
    assert refused(check_payload, {"x": [{"y\ud800": 1}]}) == "lone_surrogate"
    assert refused(check_payload, {"plan": [{"项目": "中文"}] * 1000}) is None
