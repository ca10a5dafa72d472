"""`ready`, the one-pass check of a plain event before a batched append (issue 18): where
it answers, it answers exactly what the full checks give (the stored payload, the schema
version, the canonical JSON byte for byte, the instant's text); where it is not sure it
answers None, and the store's full checks refuse as they always did."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import event as event_note
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from shared.eventstore import EventStore, EventType, EventTypeRegistry, InvalidEnvelope, NewEvent
from shared.eventstore.canonical import canonical_json
from shared.eventstore.envelope import format_instant
from shared.eventstore.ready import from_checked, ready


class _Counted(Schema):
    note = fields.String(required=True)
    n = fields.Integer()
    flag = fields.Boolean()
    extra = fields.Dict()


REGISTRY = EventTypeRegistry([EventType("Counted", _Counted)])
STORE = EventStore.__new__(EventStore)
STORE.registry = REGISTRY
UNCHECKED = EventStore.__new__(EventStore)  # a caller validated the payloads (the registry's)
UNCHECKED.registry = None
T0 = datetime(2024, 3, 1, 8, 30, 0, 250, tzinfo=UTC)


def _event(payload: dict, **changes) -> NewEvent:
    event = NewEvent(
        stream_id="project-p1",
        type="Counted",
        payload=payload,
        occurred_at=T0,
        event_id="e-1",
        source="测试",
        actor="tester",
        correlation_id="c-1",
    )
    return replace(event, **changes)


def _full(event: NewEvent, store: EventStore = STORE):
    checked = store._prepare(event)
    text = canonical_json(checked.payload)
    return from_checked(checked, text, format_instant(checked.occurred_at))


@pytest.mark.parametrize(
    "payload",
    [
        {"note": "plain"},
        {"note": "重点项目 主体结构封顶", "n": 7, "flag": True},
        {"note": 'quote " backslash \\ slash / tab \t newline \n cr \r bell \x07 del \x7f'},
        {"note": "line separators \u2028 \u2029, an emoji 🏗️, a BOM \ufeff"},
        {"note": "x", "n": -(2**63)},
        {"note": "x", "n": 2**64 - 1},
    ],
)
def test_a_plain_event_is_answered_as_the_full_checks_answer_it(payload):
    event = _event(payload)
    quick = ready(event, REGISTRY)
    assert quick is not None
    assert quick == _full(event)
    text = quick[1].payload
    assert text == json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert quick[0].schema_version == 1 and quick[1].occurred_at == "2024-03-01T08:30:00.000250Z"


@pytest.mark.parametrize(
    "payload",
    [
        {"note": "x", "n": 2**64},  # beyond orjson: the standard library writes it
        {"note": "x", "extra": {"b": 1, "a": [1, "二"]}},  # nested
        {"note": "x", "n": "7"},  # not plainly valid: marshmallow decides
    ],
)
def test_what_it_is_not_sure_of_takes_the_full_checks(payload):
    event = _event(payload)
    assert ready(event, REGISTRY) is None
    full = _full(event)
    assert full[1].payload == canonical_json(full[0].payload)


@pytest.mark.parametrize(
    "changes",
    [
        {"payload": {"note": "a\x00b"}},
        {"payload": {"note\x00": "x"}},
        {"payload": {"note": "\ud800"}},
        {"actor": "a" * 201},
        {"stream_id": "p\x00"},
        {"correlation_id": "\udfff"},
        {"causation_id": "c\x00"},
        {"causation_id": "\ud800"},
        {"causation_id": "c" * 201},
        {"occurred_at": datetime(1999, 12, 31, 23, 59, tzinfo=UTC)},
    ],
)
def test_what_is_beyond_a_limit_is_refused_by_the_full_checks(changes):
    event = replace(_event({"note": "x"}), **changes)
    assert ready(event, REGISTRY) is None
    assert ready(event, None) is None
    for store in (STORE, UNCHECKED):
        with pytest.raises(InvalidEnvelope):
            store._prepare(event)


@pytest.mark.parametrize(
    "payload",
    [
        {"note": "plain", "n": 7, "flag": None},
        {"note": "重点项目", "unknown_to_the_schema": "kept as given"},
        {"note": 'quote " backslash \\ tab \t del \x7f, 🏗️ \ufeff'},
    ],
)
@pytest.mark.parametrize("version", [None, 1, 3])
def test_without_a_registry_the_payload_is_taken_as_given(payload, version):
    """A store without the catalogue (its caller validated): the payload as stored, at
    the version the event names, exactly as the full checks give it."""
    event = _event(payload, schema_version=version)
    quick = ready(event, None)
    assert quick is not None and quick == _full(event, UNCHECKED)
    assert quick[0].schema_version == (version or 1) and quick[0].payload is payload


@pytest.mark.parametrize(
    "payload",
    [{"note": 1.5}, {"note": {"nested": "x"}}, {1: "x"}, {"note": "x", "n": 2**64}],
)
def test_without_a_registry_what_it_is_not_sure_of_takes_the_full_checks(payload):
    event = _event(payload)
    assert ready(event, None) is None
    full = _full(event, UNCHECKED)
    assert full[1].payload == canonical_json(full[0].payload)


def test_another_zone_takes_the_full_checks():
    beijing = T0.astimezone(timezone(timedelta(hours=8)))
    event = _event({"note": "x"}, occurred_at=beijing)
    assert ready(event, REGISTRY) is None
    assert _full(event) == ready(_event({"note": "x"}), REGISTRY)


def test_the_current_version_given_explicitly_is_ready_at_once():
    """The registry's decided events name their version: the current one answers as
    without it, and the same as the full checks."""
    event = _event({"note": "x", "n": 3}, schema_version=1)
    assert (
        ready(event, REGISTRY)
        == _full(event)
        == ready(replace(event, schema_version=None), REGISTRY)
    )


def test_an_older_version_is_left_to_the_full_checks():
    twice = EventTypeRegistry(
        [EventType("Counted", _Counted, version=2, upcasters={1: lambda p: p})]
    )
    assert ready(_event({"note": "x"}, schema_version=1), twice) is None
    assert ready(_event({"note": "x"}, schema_version=2), twice) is not None
    assert ready(_event({"note": "x"}), twice)[0].schema_version == 2


texts = st.one_of(
    st.sampled_from(["", "x", "测试", "a\x00b", "\ud800", "c" * 201, "e-1"]),
    st.text(max_size=12),
)
plain_values = st.one_of(st.none(), st.booleans(), st.integers(-(2**65), 2**65), st.floats(), texts)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"note": texts},
        optional={"n": plain_values, "flag": plain_values, "extra": st.just({"a": 1})},
    ),
    st.fixed_dictionaries(
        {"event_id": texts, "stream_id": texts, "source": texts, "actor": texts},
        optional={"correlation_id": st.none() | texts, "causation_id": st.none() | texts},
    ),
)
def test_whatever_it_answers_is_what_the_full_checks_answer(payload, envelope):
    """Over envelopes and payloads of any text and value: where `ready` answers, the full
    checks accept the event and give the same, byte for byte."""
    event = _event(payload, **envelope)
    for registry, store in ((REGISTRY, STORE), (None, UNCHECKED)):
        quick = ready(event, registry)
        if quick is not None:
            event_note("answered" if registry else "answered without a registry")
            assert quick == _full(event, store)
            assert quick[1].payload.encode() == _full(event, store)[1].payload.encode()
