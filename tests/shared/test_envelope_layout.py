"""The store decodes rows by position: its columns are the envelope's fields, in order."""

from shared.eventstore import RecordedEvent
from shared.eventstore.store import _COLUMNS


def test_the_stored_columns_are_the_envelope_fields_in_order():
    assert [column.name for column in _COLUMNS] == list(RecordedEvent._fields)
