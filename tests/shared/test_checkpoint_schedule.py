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
