"""The store decodes rows by position: its columns are the envelope's fields, in order.
An event to append built by its slots (`new_event`) is the one its ``__init__`` builds."""

from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime

import pytest

from shared.eventstore import NewEvent, RecordedEvent
from shared.eventstore.envelope import new_event
from shared.eventstore.store import _COLUMNS


def test_the_stored_columns_are_the_envelope_fields_in_order():
    assert [column.name for column in _COLUMNS] == list(RecordedEvent._fields)


def test_an_event_built_by_its_slots_is_the_frozen_event_its_init_builds():
    fields = (
        "project-p1",
        "InspectionCompleted",
        {"inspection_id": "i-1", "result": "passed"},
        datetime(2024, 1, 1, tzinfo=UTC),
        "00000000-0000-4000-8000-000000000001",
        1,
        "bench",
        "someone",
        None,
        "req-1",
    )
    built = new_event(*fields)
    assert type(built) is NewEvent
    assert built == NewEvent(*fields)
    assert repr(built) == repr(NewEvent(*fields))
    assert replace(built, actor="other").actor == "other"
    with pytest.raises(FrozenInstanceError):
        built.actor = "other"  # type: ignore[misc]
