"""Exports that cannot be cut unnoticed: NDJSON with a header line, one stored event per
line as canonical text, and a trailer with the count, the head and a signed checkpoint.

    {"header":{"campaign":…,"first_position":1,"format":"gongjian-log","version":2}}
    {"actor":…,"hash":…,"payload":{…},…}          one per event, as stored and hashed
    {"trailer":{"checkpoint":{…},"count":N,"head_hash":H,"head_position":P}}

Every line is canonical JSON (`canonical_json`), so a changed byte either changes a value
(the hash catches it) or the text (the canonical check catches it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .envelope import GENESIS_HASH, canonical_json, chain_hash, stored_text
from .signed import SignedCheckpoint

FORMAT, VERSION = "gongjian-log", 2


def header_line(campaign: str, first_position: int = 1) -> str:
    header = {"campaign": campaign, "first_position": first_position}
    return canonical_json({"header": header | {"format": FORMAT, "version": VERSION}})


def trailer_line(count: int, head: tuple[int, str], checkpoint: SignedCheckpoint | None) -> str:
    trailer = {
        "checkpoint": None if checkpoint is None else checkpoint.to_dict(),
        "count": count,
        "head_hash": head[1],
        "head_position": head[0],
    }
    return canonical_json({"trailer": trailer})


def export_lines(
    rows: Iterable[dict[str, Any]],
    campaign: str,
    sign: Callable[[int, tuple[int, str]], SignedCheckpoint | None],
) -> Iterator[str]:
    """The export's lines (each ending in a newline). The chain is checked while it is
    written; ``sign(count, head)`` is asked for the trailer's checkpoint only when the
    chain held, so a broken log is never exported with a signature."""
    yield header_line(campaign) + "\n"
    head, count, intact = (0, GENESIS_HASH), 0, True
    for row in rows:
        intact = intact and row["global_position"] == head[0] + 1
        intact = intact and row["prev_hash"] == head[1] and chain_hash(head[1], row) == row["hash"]
        head, count = (row["global_position"], row["hash"]), count + 1
        yield stored_text(row) + "\n"
    yield trailer_line(count, head, sign(count, head) if intact else None) + "\n"
