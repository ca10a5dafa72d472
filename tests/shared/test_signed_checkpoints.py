"""Signed checkpoints and the verifier's own checkpoint catch what the chain alone cannot:
a deleted tail, a forged tail, a log re-chained from a changed event, a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.checkpointing import sign_head
from shared.eventstore import chain_hash
from shared.eventstore.audit import signed_after, verified_head, verify_log
from shared.eventstore.signed import CheckpointError, Keyring, SigningKey

from .helpers import note, tampering

KEY = SigningKey.generate()
TRUSTED = Keyring([KEY.public])


def fill(store, n: int) -> None:
    for i in range(n):
        store.append([note("project-a", f"event {i}")])


def delete_tail(store, after: int) -> None:
    with tampering(store.engine) as conn:
        conn.execute(text("DELETE FROM events WHERE global_position > :p"), {"p": after})


def re_chain_from(store, position: int) -> None:
    """What someone who owns the tables can do: change an event, recompute every hash."""
    rows = list(store.iter_stored())
    prev = rows[position - 2]["hash"] if position > 1 else "0" * 64
    with tampering(store.engine) as conn:
        for row in rows[position - 1 :]:
            if row["global_position"] == position:
                row["payload"] = '{"note":"forged"}'
            row["prev_hash"] = prev
            row["hash"] = prev = chain_hash(prev, row)
            conn.execute(
                text(
                    "UPDATE events SET payload = :payload, prev_hash = :prev_hash, hash = :hash"
                    " WHERE global_position = :global_position"
                ),
                row,
            )


def test_a_signed_checkpoint_holds_the_head_and_is_listed(store):
    fill(store, 4)
    signed = sign_head(store, KEY)
    assert (signed.position, signed.count, signed.head_hash) == (4, 4, store.head().hash)
    assert TRUSTED.problem(signed) is None
    assert [c for _, c in signed_after(store)] == [signed]
    assert verify_log(store, TRUSTED).ok


def test_a_deleted_tail_below_a_signed_checkpoint_is_truncation(store):
    fill(store, 6)
    sign_head(store, KEY)
    delete_tail(store, 4)
    result = verify_log(store, TRUSTED)
    assert (result.ok, result.bad_position, result.code) == (False, 5, "truncated")
    assert "日志止于位置 4，低于位置 6 的签名检查点" in result.reason


def test_the_verifier_refuses_to_move_backwards(store):
    fill(store, 6)
    assert verify_log(store, TRUSTED).ok
    assert verified_head(store) == (6, store.head().hash)
    delete_tail(store, 4)
    result = verify_log(store, TRUSTED)
    assert (result.bad_position, result.code) == (5, "rolled_back")
    assert "日志从位置 6 回滚到了位置 4" in result.reason
    assert "日志被回滚" in result.describe()
    assert verified_head(store)[0] == 6


def test_a_forged_tail_does_not_match_the_signed_head(store):
    fill(store, 4)
    sign_head(store, KEY)
    fill(store, 2)
    sign_head(store, KEY)
    delete_tail(store, 4)
    store.append([note("project-a", "forged 1")])
    store.append([note("project-a", "forged 2")])
    result = verify_log(store, TRUSTED)
    assert (result.bad_position, result.code) == (6, "head_mismatch")
    assert "位置 4 之后的内容不同" in result.reason


def test_a_full_re_chain_does_not_match_the_signed_head(store):
    fill(store, 6)
    sign_head(store, KEY)
    re_chain_from(store, 2)
    assert store.verify().ok  # the chain alone is consistent again
    result = verify_log(store, TRUSTED)
    assert (result.bad_position, result.code) == (6, "head_mismatch")


def test_a_re_chain_that_drops_the_stored_checkpoints_still_fails_a_held_one(store):
    fill(store, 6)
    held = sign_head(store, KEY)
    re_chain_from(store, 3)
    with tampering(store.engine) as conn:
        conn.execute(text("DELETE FROM signed_checkpoints"))
    assert verify_log(store, TRUSTED).ok  # nothing stored is left to tell
    result = verify_log(store, TRUSTED, held=[held])
    assert (result.bad_position, result.code) == (6, "head_mismatch")


def test_a_checkpoint_signed_with_another_key_is_refused(store):
    fill(store, 3)
    re_chain_from(store, 2)
    sign_head(store, SigningKey.generate())  # the forger's own key
    result = verify_log(store, TRUSTED)
    assert (result.bad_position, result.code) == (3, "signature")


def test_a_broken_chain_is_never_signed(store):
    fill(store, 3)
    with tampering(store.engine) as conn:
        conn.execute(text("UPDATE events SET actor = 'x' WHERE global_position = 2"))
    with pytest.raises(CheckpointError, match="拒绝签名"):
        sign_head(store, KEY)
    assert signed_after(store) == []


def test_a_checkpoint_of_the_empty_log_holds_the_genesis_hash(store):
    signed = sign_head(store, KEY)
    assert (signed.position, signed.head_hash) == (0, "0" * 64)
    assert verify_log(store, TRUSTED).ok
    fill(store, 2)
    assert verify_log(store, TRUSTED).ok


def test_a_keyring_made_before_the_signing_key_existed_trusts_the_key_made_since(
    store, tmp_path, monkeypatch
):
    """A verification that started on a fresh install while another process created the
    signing key and signed the first checkpoint took that checkpoint for one signed by
    an untrusted key (seen in the threaded-server stress test): the ring reads the keys
    again when a checkpoint names one it lacks. A key nobody trusts is still refused."""
    from shared.checkpointing import keyring, signing_key
    from shared.config import Settings

    for name in ("KEY", "KEY_FILE", "PUBLIC_KEYS"):
        monkeypatch.delenv(f"GONGJIAN_CHECKPOINT_{name}", raising=False)
    monkeypatch.setenv("GONGJIAN_DATA_DIR", str(tmp_path))
    settings = Settings.from_env()
    ring = keyring(settings)  # no key yet
    assert ring.keys == {}
    fill(store, 3)
    sign_head(store, signing_key(settings, create=True))  # made and used meanwhile
    assert verify_log(store, ring).ok
    fill(store, 2)
    sign_head(store, SigningKey.generate())  # a key in no file
    result = verify_log(store, ring)
    assert not result.ok and "不是受信任的公钥" in result.describe()
