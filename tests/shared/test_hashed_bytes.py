"""The chain covers the stored text of each payload, byte for byte; the canonical form and
its test vector in docs/eventstore.md let anyone recompute a hash with the standard library."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import text

from shared.eventstore import GENESIS_HASH, canonical_json, chain_hash, hashed_text

from .helpers import note, tampering

DOCS = Path(__file__).resolve().parents[2] / "docs" / "eventstore.md"

VECTOR = {
    "event_id": "5f0c2a9e-3b1d-4c8e-9a7f-2d6b8e1c4a90",
    "stream_id": "project-XM2026001",
    "stream_version": 1,
    "global_position": 1,
    "type": "InvestmentReported",
    "schema_version": 1,
    "occurred_at": "2026-03-02T01:30:00.000000Z",
    "recorded_at": "2026-03-02T02:00:00.123456Z",
    "source": "approvals",
    "actor": "王明",
    "correlation_id": None,
    "causation_id": None,
    "payload": '{"amount":"1200.00","name":"县城污水处理厂","unit":"元"}',
    "prev_hash": GENESIS_HASH,
}
VECTOR_HASH = "703757df2e29bcbff426314a502126e81a1c28b0305b104975917e0cc96a83a7"


def test_the_documented_vector_is_what_the_store_and_the_standard_library_compute():
    envelope = {**VECTOR, "payload": json.loads(VECTOR["payload"])}
    reference = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    by_hand = hashlib.sha256((GENESIS_HASH + reference).encode("utf-8")).hexdigest()
    assert chain_hash(GENESIS_HASH, VECTOR) == by_hand == VECTOR_HASH
    assert hashed_text(VECTOR) == reference
    docs = DOCS.read_text(encoding="utf-8")
    assert VECTOR_HASH in docs and VECTOR["payload"] in docs


def test_a_stored_payload_is_hashed_as_its_text_not_its_value():
    spaced = {**VECTOR, "payload": VECTOR["payload"].replace(":", ": ")}
    assert json.loads(spaced["payload"]) == json.loads(VECTOR["payload"])
    assert chain_hash(GENESIS_HASH, spaced) != VECTOR_HASH


def test_rows_written_by_the_store_hash_as_the_canonical_envelope_of_earlier_releases(store):
    for i in range(3):
        store.append([note("project-a", f"第{i}次")])
    for row in store.iter_stored():
        envelope = {**row, "payload": json.loads(row["payload"])}
        envelope = {k: v for k, v in envelope.items() if k != "hash"}
        for name in ("occurred_at", "recorded_at"):
            envelope[name] = envelope[name].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        earlier = hashlib.sha256((row["prev_hash"] + canonical_json(envelope)).encode())
        assert earlier.hexdigest() == row["hash"]


def test_a_byte_change_that_keeps_the_json_value_is_named_by_position(store):
    for i in range(5):
        store.append([note("project-a", f"event {i}")])
    with tampering(store.engine) as conn:
        # The same value: "e" written as a JSON escape.
        conn.execute(
            text("UPDATE events SET payload = :p WHERE global_position = 3"),
            {"p": '{"note":"\\u0065vent 2"}'},
        )
    stored = {row["global_position"]: row["payload"] for row in store.iter_stored()}
    assert json.loads(stored[3]) == {"note": "event 2"}
    result = store.verify()
    assert (result.ok, result.bad_position) == (False, 3)
    assert result.reason.startswith("changed")


def test_a_batch_with_awkward_characters_is_stored_and_hashed_as_the_reference(store):
    """Batches of eight events or more go to PostgreSQL by COPY, their text and hashes
    written by the store itself: backslashes, tabs, newlines, quotes and other scripts in
    the envelope and the payload come back byte for byte and hash as `chain_hash` does."""
    from dataclasses import replace

    awkward = ["a\\b", "tab\there", "line\nbreak\r", 'quote"s', "中文\u2028", "\x7f", "\\N", "."]
    batch = [
        replace(
            note(f"project-{i % 3}", text),
            actor=f"王明{text}",
            source=f"s{text}"[:200],
            correlation_id=text,
            causation_id=None if i % 2 else f"c{text}",
        )
        for i, text in enumerate(awkward * 2)
    ]
    store.append(batch[:3])
    store.append(batch[3:])
    rows = list(store.iter_stored())
    assert [json.loads(r["payload"])["note"] for r in rows] == awkward * 2
    assert [r["actor"] for r in rows] == [e.actor for e in batch]
    assert [r["correlation_id"] for r in rows] == awkward * 2
    assert [r["causation_id"] for r in rows] == [e.causation_id for e in batch]
    previous = GENESIS_HASH
    for row in rows:
        assert row["prev_hash"] == previous
        assert row["hash"] == chain_hash(previous, row)
        previous = row["hash"]
    assert store.verify().ok
