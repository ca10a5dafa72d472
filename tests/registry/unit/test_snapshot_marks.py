"""Where a stream's snapshots fall: every 100 events while it is short, then ten for
each doubling of its length, so that writing them costs an event about the same at
any length (a snapshot is the whole state, which grows with the stream)."""

from __future__ import annotations

from services.registry.readmodel.streams import (
    SNAPSHOT_EVERY,
    SNAPSHOTS_SPREAD_FROM,
    snapshot_due,
    snapshot_marks,
    snapshot_versions,
)


def test_a_short_stream_gets_a_snapshot_every_hundred_events():
    assert snapshot_versions(SNAPSHOTS_SPREAD_FROM) == list(
        range(SNAPSHOT_EVERY, SNAPSHOTS_SPREAD_FROM + 1, SNAPSHOT_EVERY)
    )


def test_past_two_thousand_the_spacing_doubles_with_the_stream():
    versions = snapshot_versions(16_000)
    assert [v for v in versions if 2_000 <= v <= 4_000] == list(range(2_000, 4_001, 200))
    assert [v for v in versions if 4_000 <= v <= 8_000] == list(range(4_000, 8_001, 400))
    assert [v for v in versions if 8_000 <= v <= 16_000] == list(range(8_000, 16_001, 800))


def test_a_read_starts_at_most_a_tenth_of_the_stream_behind():
    versions = snapshot_versions(200_000)
    for length in range(SNAPSHOTS_SPREAD_FROM, 200_000, 997):
        latest = max(v for v in versions if v <= length)
        assert length - latest <= length // 10


def test_snapshots_grow_with_the_log_of_the_length_not_the_length():
    # Ten for each doubling: 20 up to 2,000, then 10 more for each doubling after.
    assert len(snapshot_versions(2_000)) == 20
    assert len(snapshot_versions(64_000)) == 20 + 10 * 5
    # 512,000 is eight doublings; then every 51,200 events: nine more by a million.
    assert len(snapshot_versions(1_000_000)) == 20 + 10 * 8 + 9


def test_due_when_a_batch_reaches_a_mark_even_past_it():
    assert snapshot_due(100, 1) and not snapshot_due(99, 99) and snapshot_due(150, 100)
    assert not snapshot_due(2_100, 100)  # 2,000 was the mark; the next is 2,200
    assert snapshot_due(2_250, 100) and snapshot_due(8_000, 1) and not snapshot_due(8_700, 700)
    assert snapshot_marks(0) == 0 and snapshot_marks(1_999) == 19 and snapshot_marks(2_000) == 20
