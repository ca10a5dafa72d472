"""A property test: any mix of appends, stale writes and retries keeps the store's rules."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.eventstore import ConcurrencyConflict, DuplicateEventConflict

from .helpers import note, tampering

STREAMS = ["project-a", "project-b", "project-c"]

operation = st.one_of(
    st.tuples(st.just("append"), st.sampled_from(STREAMS), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("retry"), st.integers(0, 50), st.booleans()),
)


def _clear(store) -> None:
    from sqlalchemy import text

    with tampering(store.engine) as conn:
        conn.execute(text("DELETE FROM events"))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_random_appends_and_retries_keep_versions_positions_and_the_chain(store, operations):
    _clear(store)
    model: dict[str, int] = {}  # stream -> version the model expects
    sent: list[tuple[list, dict]] = []  # batches that were stored, with their expectations
    stored = 0
    for op in operations:
        if op[0] == "append":
            _, stream, size, stale = op
            expected = model.get(stream, 0) + (1 if stale else 0)
            batch = [note(stream, f"{stream}-{i}", event_id=str(uuid.uuid4())) for i in range(size)]
            try:
                result = store.append(batch, {stream: expected})
            except ConcurrencyConflict:
                assert stale
                continue
            assert not stale
            assert [p.stream_version for p in result.positions] == list(
                range(expected + 1, expected + size + 1)
            )
            assert [p.global_position for p in result.positions] == list(
                range(stored + 1, stored + size + 1)
            )
            model[stream] = expected + size
            stored += size
            sent.append((batch, result))
        elif sent:
            _, index, change = op
            batch, original = sent[index % len(sent)]
            if change:
                altered = [note(batch[0].stream_id, "changed", event_id=batch[0].event_id)]
                try:
                    store.append(altered)
                    raise AssertionError("a changed retry must conflict")
                except DuplicateEventConflict:
                    pass
            else:
                again = store.append(batch, {batch[0].stream_id: 0})
                assert again.duplicate and again.positions == original.positions
    assert store.head().position == stored
    for stream, version in model.items():
        assert store.stream_version(stream) == version
    assert store.verify().ok
