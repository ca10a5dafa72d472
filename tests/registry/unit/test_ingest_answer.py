"""The ingest answer written from its results' fields (`_answer_text`) is, byte for byte,
the text `jsonify` writes of it, in whatever JSON settings the app has."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.application.submissions import (
    ACCEPTED,
    DUPLICATE,
    REJECTED,
    RETRY,
    Outcome,
)
from services.registry.domain import RuleViolation
from services.registry.entrypoints.ingest import _answer, _jsonified
from shared.http.inputs import read_json_bodies_strictly

_TEXTS = st.one_of(
    st.uuids().map(str),
    st.text(max_size=12),
    st.text(
        st.characters(codec="utf-16", exclude_characters="\x00"), max_size=4
    ),  # lone surrogates
    st.sampled_from(['a"b', "a\\b", "\x00", "\x1f\x7f", "项目一", "😀"]),
)
_NUMBERS = st.one_of(st.none(), st.integers(0, 2**40), st.booleans())
_ERRORS = st.one_of(
    st.none(),
    st.builds(lambda m: RuleViolation("type", "type_not_allowed", m), _TEXTS),
)
_OUTCOMES = st.builds(
    Outcome,
    event_id=_TEXTS,
    status=st.sampled_from([ACCEPTED, DUPLICATE, REJECTED, RETRY]),
    project_id=st.one_of(st.none(), _TEXTS),
    stream_version=_NUMBERS,
    global_position=_NUMBERS,
    error=_ERRORS,
)


def _app(*, ensure_ascii: bool, debug: bool = False) -> Flask:
    app = Flask(__name__)
    app.json.ensure_ascii = ensure_ascii  # type: ignore[attr-defined]
    read_json_bodies_strictly(app)
    app.debug = debug
    return app


def _as_jsonify_writes(integration: str, results: list[Outcome]) -> bytes:
    return _jsonified(integration, results, Counter(r.status for r in results)).get_data()


@pytest.mark.parametrize("ensure_ascii", [False, True])
@pytest.mark.parametrize("debug", [False, True])
@settings(max_examples=150)
@given(integration=_TEXTS, results=st.lists(_OUTCOMES, min_size=1, max_size=6))
def test_the_answer_is_the_text_jsonify_writes(ensure_ascii, debug, integration, results):
    app = _app(ensure_ascii=ensure_ascii, debug=debug)
    with app.app_context():
        answer = _answer(integration, results)
        assert answer.get_data() == _as_jsonify_writes(integration, results)
        assert answer.mimetype == "application/json"


def test_a_batch_of_stored_items_is_written_from_their_fields():
    results = [
        Outcome("e-1", ACCEPTED, "p1", 3, 17),
        Outcome("e-2", DUPLICATE, "p2", 1, 5),
        Outcome("e-3", REJECTED, "p1", error=RuleViolation("type", "type_not_allowed", "不可")),
    ]
    with _app(ensure_ascii=False).app_context():
        text = _answer("审批系统", results).get_data(as_text=True)
    assert text == (
        '{"accepted":1,"duplicates":1,"integration":"审批系统","rejected":1,"results":['
        '{"event_id":"e-1","global_position":17,"index":0,"project_id":"p1",'
        '"status":"accepted","stream_version":3},'
        '{"event_id":"e-2","global_position":5,"index":1,"project_id":"p2",'
        '"status":"duplicate","stream_version":1},'
        '{"code":"type_not_allowed","errors":{"type":["不可"]},"event_id":"e-3",'
        '"global_position":null,"index":2,"project_id":"p1","reason":"type: 不可",'
        '"status":"rejected","stream_version":null}],"retry":0}\n'
    )
