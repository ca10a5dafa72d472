"""What an auditor relies on beyond the chain itself: the signed checkpoints kept in the
store, the verifier's own checkpoint (position *and* hash, never moving backwards), and
the checks of the log against both."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from .clocks import now_utc
from .consumer import load_checkpoint
from .envelope import GENESIS_HASH
from .schema import checkpoints, signed_checkpoints
from .schema import events as events_table
from .signed import Keyring, SignedCheckpoint
from .store import EventStore
from .verify import Verification, broken_at, verify_chain

VERIFIED = "chain.verified"
"""The checkpoint row of the verifier: the last position (and its hash) that verified OK.
It lives beside the consumers' checkpoints but is no consumer."""


def save_signed(store: EventStore, checkpoint: SignedCheckpoint) -> int:
    """Keep a signed checkpoint in the store; returns its sequence number."""
    row = checkpoint.to_dict() | {"signed_at": checkpoint.signed_at}
    with store.engine.begin() as conn:
        result = conn.execute(insert(signed_checkpoints).values(**row))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def signed_after(
    store: EventStore, *, after: int = 0, limit: int = 100
) -> list[tuple[int, SignedCheckpoint]]:
    """Signed checkpoints with their sequence numbers, oldest first, after ``after``."""
    table = signed_checkpoints.c
    query = (
        select(signed_checkpoints)
        .where(table.sequence > after)
        .order_by(table.sequence)
        .limit(limit)
    )
    with store.reading() as conn:
        return [(row.sequence, _checkpoint(row)) for row in conn.execute(query)]


def latest_signed(store: EventStore, *, up_to: int | None = None) -> SignedCheckpoint | None:
    """The signed checkpoint with the highest position (at or below ``up_to``)."""
    table = signed_checkpoints.c
    query = select(signed_checkpoints).order_by(table.position.desc(), table.sequence.desc())
    if up_to is not None:
        query = query.where(table.position <= up_to)
    with store.reading() as conn:
        row = conn.execute(query.limit(1)).first()
    return None if row is None else _checkpoint(row)


def signed_covering(store: EventStore, position: int) -> list[SignedCheckpoint]:
    """The first signed checkpoint at or after ``position`` (the one taken for what was
    recorded there, e.g. a published assessment) and the latest one, when it is later."""
    table = signed_checkpoints.c
    first = (
        select(signed_checkpoints)
        .where(table.position >= position)
        .order_by(table.position, table.sequence)
        .limit(1)
    )
    with store.reading() as conn:
        row = conn.execute(first).first()
    if row is None:
        return []
    found, latest = _checkpoint(row), latest_signed(store)
    later = latest is not None and (latest.position, latest.signed_at) > (
        found.position,
        found.signed_at,
    )
    return [found, latest] if later and latest is not None else [found]


def _checkpoint(row: Any) -> SignedCheckpoint:
    return SignedCheckpoint(
        row.position, row.head_hash, row.count, row.signed_at, row.key_id, row.signature
    )


def hash_at(store: EventStore, position: int) -> str | None:
    """The stored hash of the event at ``position`` (None when there is none); position
    0, before the first event, has the genesis hash."""
    if position == 0:
        return GENESIS_HASH
    with store.reading() as conn:
        return conn.execute(
            select(events_table.c.hash).where(events_table.c.global_position == position)
        ).scalar()


def verified_head(store: EventStore) -> tuple[int, str | None]:
    """The verifier's checkpoint: (position, hash) that last verified OK."""
    with store.reading() as conn:
        row = conn.execute(
            select(checkpoints.c.position, checkpoints.c.hash).where(
                checkpoints.c.consumer == VERIFIED
            )
        ).first()
    return (0, None) if row is None else (int(row.position), row.hash)


def verified_at(conn: Connection) -> datetime | None:
    """When the verifier's checkpoint was last saved (the chain last verified OK)."""
    return conn.execute(
        select(checkpoints.c.updated_at).where(checkpoints.c.consumer == VERIFIED)
    ).scalar()


def save_verified_head(store: EventStore, position: int, hash_: str) -> None:
    """Move the verifier's checkpoint forward (never backwards: a lower position is
    refused by `check_verified_head` before it gets here, and ignored here)."""
    with store.engine.begin() as conn:
        current = load_checkpoint(conn, VERIFIED, for_update=True)
        if position < current:
            return
        conn.execute(
            update(checkpoints)
            .where(checkpoints.c.consumer == VERIFIED)
            .values(position=position, hash=hash_, updated_at=now_utc())
        )


def check_verified_head(
    store: EventStore, head: tuple[int, str], verified: tuple[int, str | None] | None = None
) -> Verification | None:
    """None when the log still holds what last verified (``verified``: as read by the
    caller before ``head``; else read now); else rolled back or changed."""
    position, hash_ = verified if verified is not None else verified_head(store)
    if position > head[0]:
        return broken_at(
            head[0] + 1, f"rolled_back: 日志从位置 {position} 回滚到了位置 {head[0]}", head
        )
    if position and hash_ is not None and hash_at(store, position) != hash_:
        return broken_at(
            position,
            f"changed: 位置 {position} 的哈希与此前校验通过时不同",
            head,
        )
    return None


def check_signed(
    store: EventStore,
    checkpoint: SignedCheckpoint,
    keyring: Keyring | None,
    head: tuple[int, str],
    matched: int = 0,
) -> Verification | None:
    """None when the log passes through the signed checkpoint; else signature, truncated
    (the head below it) or head mismatch (a forged tail, a re-chained log). ``matched``:
    the last signed position known to match, to say where the log may differ. Without a
    keyring (no public key where this runs) the signature is not checked."""
    problem = None if keyring is None else keyring.problem(checkpoint)
    if problem is not None:
        return broken_at(checkpoint.position, problem, head)
    if head[0] < checkpoint.position:
        return broken_at(
            head[0] + 1,
            f"truncated: 日志止于位置 {head[0]}，低于位置 {checkpoint.position} 的签名检查点",
            head,
        )
    if hash_at(store, checkpoint.position) != checkpoint.head_hash:
        return broken_at(
            checkpoint.position,
            f"head_mismatch: 位置 {checkpoint.position} 的哈希不是签名的链头哈希"
            f"（尾部被伪造，或整条链被重算；位置 {matched} 之后的内容不同）",
            head,
        )
    return None


def check_all_signed(
    store: EventStore,
    keyring: Keyring,
    head: tuple[int, str],
    extra: Iterable[SignedCheckpoint] = (),
    stored: list[SignedCheckpoint] | None = None,
) -> Verification | None:
    """Every stored signed checkpoint (``stored``: as read by the caller before ``head``;
    else read now) and the ``extra`` ones (an auditor's), by position."""
    if stored is None:
        stored = stored_signed(store)
    matched = 0
    for checkpoint in sorted([*stored, *extra], key=lambda c: c.position):
        problem = check_signed(store, checkpoint, keyring, head, matched)
        if problem is not None:
            return problem
        matched = checkpoint.position
    return None


def stored_signed(store: EventStore) -> list[SignedCheckpoint]:
    """Every signed checkpoint in the store."""
    return [checkpoint for _, checkpoint in signed_after(store, limit=1_000_000)]


def verify_log(
    store: EventStore,
    keyring: Keyring,
    *,
    held: Iterable[SignedCheckpoint] = (),
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Full verification: the whole chain, then the verifier's checkpoint and every
    signed checkpoint; on success the verifier's checkpoint moves to the head."""
    # Read before the log: the log only grows, so what was verified or signed meanwhile
    # (by other workers, as requests append) is never above a head read after it; read
    # after, it looked like a rollback or a truncation.
    verified, signed = verified_head(store), stored_signed(store)
    result = store.verify(progress=progress)
    if not result.ok:
        return result
    head = (result.head_position, result.head_hash)
    problem = check_verified_head(store, head, verified) or check_all_signed(
        store, keyring, head, held, signed
    )
    if problem is not None:
        return problem
    save_verified_head(store, *head)
    return result


def verify_since(store: EventStore, start: tuple[int, str]) -> Verification:
    """The chain after ``start`` (a verified position and its hash), whose own hash must
    still be stored there: the cheap check of what was appended since."""
    if start[0] and hash_at(store, start[0]) != start[1]:
        head = store.head()
        if head.position < start[0]:
            return broken_at(
                head.position + 1,
                f"rolled_back: 日志从位置 {start[0]} 回滚到了位置 {head.position}",
                (head.position, head.hash),
            )
        return broken_at(start[0], f"changed: 位置 {start[0]} 的哈希与此前校验通过时不同")
    return verify_chain(store.iter_stored(after=start[0]), start=start)
