"""Verification of the hash chain over the global order, from the database or a file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .envelope import GENESIS_HASH, chain_hash


@dataclass(frozen=True, slots=True)
class Verification:
    """Either OK with the head, or the first bad position and why."""

    ok: bool
    count: int
    head_position: int
    head_hash: str
    bad_position: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "head_position": self.head_position,
            "head_hash": self.head_hash,
            "bad_position": self.bad_position,
            "reason": self.reason,
        }

    def describe(self) -> str:
        if self.ok:
            return f"chain OK: {self.count} events, head {self.head_position} {self.head_hash}"
        return f"chain BROKEN at position {self.bad_position}: {self.reason}"


def verify_chain(
    events: Iterable[Mapping[str, Any]],
    *,
    expected_head: tuple[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Walk events in global order; name the first position that is missing, out of
    order or changed. ``expected_head`` (position, hash) also catches a cut-off tail."""
    prev_hash, expected_position, count = GENESIS_HASH, 1, 0

    def broken(position: int, reason: str) -> Verification:
        return Verification(False, count, expected_position - 1, prev_hash, position, reason)

    for event in events:
        position = event["global_position"]
        if position > expected_position:
            return broken(
                expected_position,
                f"missing: position {expected_position} is absent (next present is {position})",
            )
        if position < expected_position:
            return broken(
                position, f"out of order: position {position} comes after {expected_position - 1}"
            )
        if event["prev_hash"] != prev_hash:
            return broken(
                position, "out of order: prev_hash does not match the hash of the event before it"
            )
        if chain_hash(prev_hash, event) != event["hash"]:
            return broken(position, "changed: the content does not match its hash")
        prev_hash, expected_position, count = event["hash"], expected_position + 1, count + 1
        if progress is not None and count % 10_000 == 0:
            progress(count)
    head = (expected_position - 1, prev_hash)
    if expected_head is not None and tuple(expected_head) != head:
        want_position, want_hash = expected_head
        if want_position > head[0]:
            return broken(
                head[0] + 1,
                f"missing: the chain ends at {head[0]}, its recorded head is {want_position}",
            )
        return broken(
            want_position, f"changed: the recorded head hash at {want_position} is {want_hash}"
        )
    return Verification(True, count, head[0], head[1])
