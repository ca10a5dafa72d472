"""A small append on PostgreSQL is one statement (`gongjian_append`) that chains on the
server: the hashes it writes must be the bytes `chain_hash` gives, and it must answer
duplicates, conflicts and a clock that went back exactly as the probe-and-insert path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import ConcurrencyConflict, EventStore, NewEvent
from shared.eventstore.envelope import chain_hash, format_instant, hashed_text
from shared.eventstore.server_append import assembled, pieces

from .helpers import T0, note

ODD = NewEvent(
    stream_id='project-"引号"\\反斜杠',
    type="ConstructionStarted",
    payload={"note": '开工 "quoted" \\ \n\t ✓ 𠀋'},
    occurred_at=T0,
    source="来源/source",
    actor="张三",
    correlation_id=None,
    causation_id="k-1",
    schema_version=1,
)


@pytest.mark.parametrize(
    "event",
    [ODD, note("project-p1", "x"), note("p" * 200, "长" * 500)],
    ids=["odd-characters", "plain", "long"],
)
def test_the_pieces_put_together_are_the_hashed_text(event):
    payload = '{"note":' + __import__("json").dumps(event.payload["note"], ensure_ascii=False) + "}"
    occurred = format_instant(event.occurred_at)
    fields = {
        "event_id": event.event_id,
        "stream_id": event.stream_id,
        "stream_version": 7,
        "global_position": 12345678901,
        "type": event.type,
        "schema_version": event.schema_version,
        "occurred_at": occurred,
        "recorded_at": "2026-12-03T01:02:03.000004Z",
        "source": event.source,
        "actor": event.actor,
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "payload": payload,
        "prev_hash": "ab" * 32,
    }
    parts = pieces(event, payload, occurred)
    text_ = assembled(parts, 12345678901, "ab" * 32, "2026-12-03T01:02:03.000004Z", 7)
    assert text_ == hashed_text(fields)


@pytest.fixture
def pg_store(postgres_url):
    engine = create_db_engine(postgres_url)
    yield EventStore(engine, build_registry(), lock_timeout_ms=2000)
    engine.dispose()


def _stored(store):
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM events ORDER BY global_position")).mappings().all()


def test_hashes_written_on_the_server_are_the_chain_hashes(pg_store):
    pg_store.append([note("project-a", "1")])
    pg_store.append([ODD, note("project-a", "2")])
    pg_store.append([note(f"project-b{n}", str(n)) for n in range(20)])  # by COPY
    pg_store.append([note("project-a", "3")])
    rows = _stored(pg_store)
    assert [r["global_position"] for r in rows] == list(range(1, 25))
    assert [r["stream_version"] for r in rows if r["stream_id"] == "project-a"] == [1, 2, 3]
    for row in rows:
        fields = {**row, "occurred_at": row["occurred_at"], "recorded_at": row["recorded_at"]}
        assert row["hash"] == chain_hash(row["prev_hash"], fields)
    assert pg_store.verify().ok


def test_a_retry_answers_the_stored_positions_and_a_stale_version_conflicts(pg_store):
    event = note("project-a", "1")
    first = pg_store.append([event], {"project-a": 0})
    again = pg_store.append([event], {"project-a": 0})
    assert again.duplicate and again.positions == first.positions
    with pytest.raises(ConcurrencyConflict) as raised:
        pg_store.append([note("project-a", "2")], {"project-a": 0})
    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == (
        "project-a",
        0,
        1,
    )
    assert pg_store.head().position == 1


def test_record_time_never_goes_back_when_the_clock_does(pg_store):
    pg_store.append([note("project-a", "1")])
    head = pg_store.head()
    earlier = pg_store.with_clock(lambda: head.recorded_at - timedelta(hours=1))
    earlier.append([note("project-a", "2")])
    rows = _stored(pg_store)
    assert rows[1]["recorded_at"] == rows[0]["recorded_at"]
    assert pg_store.verify().ok
