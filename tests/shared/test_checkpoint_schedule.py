"""The daily signed checkpoint: signed when a day has passed and the head moved, or when
forced (after a published assessment); never when the key is missing or the chain broken."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from shared.checkpointing import sign_if_due
from shared.config import Settings
from shared.eventstore.audit import signed_after

from .helpers import note, tampering


def test_the_first_checkpoint_is_due_then_not_again_the_same_day(store, tmp_path):
    settings = Settings(data_dir=tmp_path)
    store.append([note()])
    first = sign_if_due(store, settings)
    assert first is not None and first.position == 1
    store.append([note()])
    assert sign_if_due(store, settings) is None
    assert sign_if_due(store, settings, every=timedelta(0)).position == 2
    assert sign_if_due(store, settings, every=timedelta(0)) is None  # the head did not move
    assert sign_if_due(store, settings, force=True).position == 2
    assert (tmp_path / "checkpoint-signing.key").exists()


def test_a_broken_chain_is_not_signed_and_the_caller_goes_on(store, tmp_path):
    settings = Settings(data_dir=tmp_path)
    store.append([note(), note()])
    with tampering(store.engine) as conn:
        conn.execute(text("UPDATE events SET actor = 'x' WHERE global_position = 1"))
    assert sign_if_due(store, settings) is None
    assert signed_after(store) == []


def test_the_tail_is_verified_every_few_minutes_so_the_chain_status_hashes_little(store, tmp_path):
    """The scheduler's `TailVerification` moves the verifier's checkpoint (position and
    hash) to the head when due, never more often, and never backwards."""
    from datetime import UTC, datetime

    from shared.checkpointing import TailVerification
    from shared.eventstore.audit import verified_head

    verify = TailVerification(store, Settings(data_dir=tmp_path), every=timedelta(minutes=5))
    store.append([note(), note()])
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert verify(start)["ok"]
    assert verified_head(store) == (2, store.head().hash)
    store.append([note()])
    assert verify(start + timedelta(minutes=4)) is None  # not due: nothing read
    assert verified_head(store)[0] == 2
    status = verify(start + timedelta(minutes=5))
    assert status["ok"] and status["verified_from"] == 2
    assert verified_head(store) == (3, store.head().hash)


def test_a_tail_verification_that_finds_a_change_keeps_the_last_good_position(store, tmp_path):
    from shared.checkpointing import TailVerification
    from shared.eventstore.audit import verified_head

    verify = TailVerification(store, Settings(data_dir=tmp_path), every=timedelta(0))
    store.append([note()])
    assert verify()["ok"]
    store.append([note()])
    with tampering(store.engine) as conn:
        conn.execute(text("UPDATE events SET actor = 'x' WHERE global_position = 2"))
    status = verify()
    assert not status["ok"] and status["bad_position"] == 2 and status["code"] == "changed"
    assert verified_head(store)[0] == 1
