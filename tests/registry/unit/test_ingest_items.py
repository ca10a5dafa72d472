"""An ingest item submitted without marshmallow (`_plain_submission`) is submitted as
`IngestItem` loads it, or is left to it: never an item the schema refuses, never a
different value."""

from __future__ import annotations

import itertools
import json
from dataclasses import fields

import pytest
from marshmallow import ValidationError

from services.registry.application.submissions import Submission
from services.registry.entrypoints.ingest import ITEM, _items, _plain_submission, _submission
from services.registry.entrypoints.schemas import IngestBody
from shared.http import Problem

BASE = {
    "event_id": "5f0c2a9e-3b1d-4c8e-9a7f-2d6b8e1c4a90",
    "type": "InspectionCompleted",
    "occurred_at": "2026-03-02T09:30:00+08:00",
    "payload": {"inspection_id": "i1", "result": "passed"},
    "national_code": "2403-330000-04-01-000001",
}
VALUES = {
    "event_id": [
        None,
        "5F0C2A9E-3B1D-4C8E-9A7F-2D6B8E1C4A90",
        "5f0c2a9e3b1d4c8e9a7f2d6b8e1c4a90",
        "not-a-uuid",
        7,
    ],
    "type": [None, "", "x" * 100, "x" * 101, "ProjectRegistered", 3],
    "occurred_at": [
        None,
        "2026-03-02T09:30:00",
        "2026-03-02T01:30:00Z",
        "2026-03-02T01:30:00.123456+00:00",
        "2026-03-02",
        "2026-02-30T00:00:00Z",
        "yesterday",
        1700000000,
    ],
    "payload": [None, {}, [], "text"],
    "project_id": [None, "", "XM2026001", "x" * 65, 5],
    "national_code": [None, "", "2403-330000-04-01-000001", "short", 24],
    "actor": [None, "", "王明", "x" * 201],
    "correlation_id": [None, "", "c1", "x" * 101],
    "causation_id": [None, "c", "x" * 101],
    "unknown": ["x"],
}
ABSENT = object()


def _variants():
    yield BASE
    for name, values in VALUES.items():
        for value in [*values, ABSENT]:
            item = dict(BASE)
            if value is ABSENT:
                item.pop(name, None)
            else:
                item[name] = value
            yield item
    names = ("project_id", "national_code", "type")
    for combo in itertools.product(*(VALUES[n][:3] + [ABSENT] for n in names)):
        item = dict(BASE)
        for name, value in zip(names, combo, strict=True):
            if value is ABSENT:
                item.pop(name, None)
            else:
                item[name] = value
        yield item


@pytest.mark.parametrize("request_id", ["req_1", None])
def test_a_plain_item_is_submitted_as_the_schema_loads_it(request_id):
    plain = 0
    for raw in _variants():
        fast = _plain_submission(raw, "approvals", request_id)
        if fast is None:
            continue
        plain += 1
        try:
            loaded = ITEM.load(raw)
        except ValidationError as exc:
            raise AssertionError(
                f"accepted what the schema refuses: {raw} ({exc.messages})"
            ) from None
        slow = _submission(loaded, raw, "approvals", request_id)
        assert [getattr(fast, f.name) for f in fields(Submission)] == [
            getattr(slow, f.name) for f in fields(Submission)
        ], raw
        assert fast.occurred_at.utcoffset() == slow.occurred_at.utcoffset(), raw
    assert plain >= 20


BATCHES = [
    {"events": [BASE]},
    {"events": [BASE] * 1000},
    {"events": [BASE] * 1001},
    {"events": []},
    {"events": [BASE, "text"]},
    {"events": [BASE, None]},
    {"events": [BASE, [BASE]]},
    {"events": BASE},
    {"events": "none"},
    {"events": None},
    {"events": [BASE], "extra": 1},
    {"event": [BASE]},
    {},
    [BASE],
    "text",
    None,
]


def test_a_plain_batch_is_taken_as_the_schema_takes_it_and_any_other_refused_alike():
    """`_items` skips `IngestBody` for a plain batch: the same list, or the same 422."""
    for document in BATCHES:
        body = json.dumps(document).encode()
        try:
            expected = IngestBody().load(
                document if isinstance(document, dict) else {"_": document}
            )
        except ValidationError as exc:
            with pytest.raises(Problem) as caught:
                _items(body)
            assert (caught.value.status, caught.value.extra["errors"]) == (422, exc.messages)
            continue
        assert _items(body) == expected["events"], document
