"""Offline verification of an export (`gongjian verify --file`): the framing (header,
trailer, one canonical line per event, in order, once each), the chain, and the signed
checkpoints. The first problem is reported with its position and a plain reason."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .envelope import GENESIS_HASH, canonical_json, chain_hash
from .export import FORMAT
from .signed import CheckpointError, Keyring, SignedCheckpoint
from .verify import Verification, broken_at


class _Broken(Exception):
    def __init__(self, result: Verification) -> None:
        self.result = result


def verify_export(
    path: Path, keyring: Keyring, *, held: Iterable[SignedCheckpoint] = ()
) -> Verification:
    """Verify the export at ``path``; ``held``: signed checkpoints an auditor kept."""
    held = list(held)
    try:
        walk, trailer = _walk(path, {c.position for c in held})
        checkpoint = _trailer_checkpoint(walk, _check_trailer(walk, trailer))
        for signed in sorted([checkpoint, *held], key=lambda c: c.position):
            _check_checkpoint(path, walk, signed, keyring)
    except _Broken as broken:
        return broken.result
    return Verification(True, walk.count, walk.position, walk.hash)


class _Walk:
    """The chain as read so far from the file."""

    def __init__(self, wanted: set[int]) -> None:
        self.position, self.hash, self.count = 0, GENESIS_HASH, 0
        self.wanted = wanted
        self.hashes: dict[int, str] = {}

    def fail(self, position: int, reason: str) -> _Broken:
        return _Broken(broken_at(position, reason, (self.position, self.hash)))

    def add(self, path: Path, number: int, event: dict[str, Any]) -> None:
        position, expected = event.get("global_position"), self.position + 1
        if type(position) is not int:
            raise self.fail(expected, f"not_json: line {number} is not a stored event")
        if position < expected:
            raise self.fail(expected, f"duplicated: line {number} holds position {position} again")
        if position > expected:
            raise self.fail(expected, _gap(path, number, position, expected))
        if event.get("prev_hash") != self.hash:
            raise self.fail(
                position, f"out of order: line {number}'s prev_hash is not the hash before it"
            )
        if chain_hash(self.hash, event) != event.get("hash"):
            raise self.fail(position, f"changed: line {number}'s content does not match its hash")
        self.position, self.hash, self.count = position, event["hash"], self.count + 1
        if position in self.wanted:
            self.hashes[position] = self.hash


def _gap(path: Path, number: int, position: int, expected: int) -> str:
    """Swapped lines (the expected position comes later) or a missing one."""
    for _, raw in _lines(path, after=number):
        try:
            later = json.loads(raw).get("global_position")
        except (ValueError, AttributeError):
            continue
        if later == expected:
            return (
                f"out of order: line {number} holds position {position} where {expected}"
                " was expected (it comes later in the file)"
            )
    return f"missing: position {expected} is absent (line {number} holds {position})"


def _lines(path: Path, *, after: int = 0) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes with their newline) of every line after line ``after``."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if number > after:
                yield number, raw


def _walk(path: Path, wanted: set[int]) -> tuple[_Walk, dict[str, Any] | None]:
    walk, trailer, lines = _Walk(wanted), None, _lines(path)
    first = next(lines, None)
    if first is None or not first[1].strip():
        raise walk.fail(1, "empty: the file is empty")
    header = _decode(walk, *first)
    if set(header) != {"header"} or header["header"].get("format") != FORMAT:
        raise walk.fail(1, "no_header: line 1 is not an export header")
    for number, raw in lines:
        if trailer is not None:
            raise walk.fail(walk.position + 1, f"no_trailer: line {number} follows the trailer")
        record = _decode(walk, number, raw)
        if set(record) == {"trailer"}:
            trailer = record["trailer"]
        else:
            walk.add(path, number, record)
    return walk, trailer


def _decode(walk: _Walk, number: int, raw: bytes) -> dict[str, Any]:
    """One line: UTF-8, JSON without NaN/Infinity, an object, in canonical form."""
    cut = not raw.endswith(b"\n")
    if b"\x00" in raw or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise walk.fail(walk.position + 1, f"not_utf8: line {number} is UTF-16, not UTF-8")
    try:
        text = raw.decode("utf-8").removesuffix("\n")
        value = json.loads(text, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise walk.fail(walk.position + 1, f"not_utf8: line {number}: {exc.reason}") from exc
    except ValueError as exc:
        if cut:
            raise walk.fail(
                walk.position + 1, f"no_trailer: the file is cut in line {number}"
            ) from exc
        raise walk.fail(walk.position + 1, f"not_json: line {number}: {exc}") from exc
    if not isinstance(value, dict):
        raise walk.fail(walk.position + 1, f"not_json: line {number} is not a JSON object")
    if canonical_json(value) != text:
        raise walk.fail(
            walk.position + 1,
            f"not_canonical: line {number} is not canonical JSON (a byte was changed)",
        )
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_trailer(walk: _Walk, trailer: dict[str, Any] | None) -> dict[str, Any]:
    if trailer is None:
        raise walk.fail(
            walk.position + 1, f"no_trailer: the file ends after position {walk.position}"
        )
    if trailer.get("count") != walk.count:
        raise walk.fail(
            walk.position + 1,
            f"count: the trailer says {trailer.get('count')} events, the file holds {walk.count}",
        )
    if (trailer.get("head_position"), trailer.get("head_hash")) != (walk.position, walk.hash):
        raise walk.fail(
            walk.position,
            f"changed: the trailer's head is {trailer.get('head_position')}"
            f" {trailer.get('head_hash')}, the chain ends at {walk.position} {walk.hash}",
        )
    return trailer


def _trailer_checkpoint(walk: _Walk, trailer: dict[str, Any]) -> SignedCheckpoint:
    data = trailer.get("checkpoint")
    if data is None:
        raise walk.fail(walk.position, "signature: the trailer carries no signed checkpoint")
    try:
        return SignedCheckpoint.from_dict(data)
    except CheckpointError as exc:
        raise walk.fail(walk.position, f"signature: {exc}") from exc


def _check_checkpoint(
    path: Path, walk: _Walk, checkpoint: SignedCheckpoint, keyring: Keyring
) -> None:
    problem = keyring.problem(checkpoint)
    if problem is not None:
        raise walk.fail(checkpoint.position, problem)
    if checkpoint.position > walk.position:
        raise walk.fail(
            walk.position + 1,
            f"truncated: the file ends at {walk.position}, below the signed checkpoint"
            f" at {checkpoint.position}",
        )
    if _hash_at(path, walk, checkpoint.position) != checkpoint.head_hash:
        raise walk.fail(
            checkpoint.position,
            f"head mismatch: the hash at {checkpoint.position} is not the signed head hash"
            " (a forged tail or a re-chained log)",
        )


def _hash_at(path: Path, walk: _Walk, position: int) -> str | None:
    if position == 0:
        return GENESIS_HASH
    if position == walk.position:
        return walk.hash
    if position in walk.hashes:
        return walk.hashes[position]
    for _, raw in _lines(path, after=1):
        record = json.loads(raw)
        if record.get("global_position") == position:
            return record.get("hash")
    return None
