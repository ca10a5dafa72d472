"""An ingest item loaded without marshmallow (`_plain_item`) is what `IngestItem` loads,
or is left to it: never an item the schema refuses, never a different value."""

from __future__ import annotations

import itertools

from marshmallow import ValidationError

from services.registry.entrypoints.ingest import ITEM, _plain_item
from services.registry.entrypoints.schemas import event_id_text

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


def test_a_plain_item_is_loaded_as_the_schema_loads_it():
    plain = 0
    for raw in _variants():
        fast = _plain_item(raw)
        if fast is None:
            continue
        plain += 1
        try:
            loaded = ITEM.load(raw)
        except ValidationError as exc:
            raise AssertionError(
                f"accepted what the schema refuses: {raw} ({exc.messages})"
            ) from None
        assert event_id_text(fast["event_id"]) == event_id_text(loaded["event_id"])
        assert {k: v for k, v in fast.items() if k != "event_id"} == {
            k: v for k, v in loaded.items() if k != "event_id"
        }, raw
    assert plain >= 20
