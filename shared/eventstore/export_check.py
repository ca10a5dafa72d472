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
            raise self.fail(expected, f"not_json: 第 {number} 行不是存储的事件")
        if position < expected:
            raise self.fail(expected, f"duplicated: 第 {number} 行再次出现位置 {position}")
        if position > expected:
            raise self.fail(expected, _gap(path, number, position, expected))
        if event.get("prev_hash") != self.hash:
            raise self.fail(
                position, f"out_of_order: 第 {number} 行的 prev_hash 不是前一个事件的哈希"
            )
        if chain_hash(self.hash, event) != event.get("hash"):
            raise self.fail(position, f"changed: 第 {number} 行的内容与其哈希不符")
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
                f"out_of_order: 第 {number} 行是位置 {position}，此处应为位置 {expected}"
                "（它在文件后面）"
            )
    return f"missing: 缺少位置 {expected}（第 {number} 行是位置 {position}）"


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
        raise walk.fail(1, "empty: 文件是空的")
    header = _decode(walk, *first)
    if set(header) != {"header"} or header["header"].get("format") != FORMAT:
        raise walk.fail(1, "no_header: 第 1 行不是导出文件头")
    for number, raw in lines:
        if trailer is not None:
            raise walk.fail(walk.position + 1, f"no_trailer: 文件尾之后还有第 {number} 行")
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
        raise walk.fail(walk.position + 1, f"not_utf8: 第 {number} 行是 UTF-16，不是 UTF-8")
    try:
        text = raw.decode("utf-8").removesuffix("\n")
        value = json.loads(text, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise walk.fail(
            walk.position + 1, f"not_utf8: 第 {number} 行第 {exc.start + 1} 个字节不是 UTF-8"
        ) from exc
    except ValueError as exc:
        if cut:
            raise walk.fail(walk.position + 1, f"no_trailer: 文件在第 {number} 行中间断开") from exc
        raise walk.fail(walk.position + 1, f"not_json: 第 {number} 行{_where(exc)}") from exc
    if not isinstance(value, dict):
        raise walk.fail(walk.position + 1, f"not_json: 第 {number} 行不是 JSON 对象")
    if canonical_json(value) != text:
        raise walk.fail(
            walk.position + 1,
            f"not_canonical: 第 {number} 行不是规范 JSON 文本（有字节被改动）",
        )
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} 不是 JSON 的值")


def _where(exc: ValueError) -> str:
    """Where in its line JSON failed, for people (the decoder's own words are English)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"第 {exc.colno} 列不是合法的 JSON"
    return f"不是合法的 JSON：{exc}"


def _check_trailer(walk: _Walk, trailer: dict[str, Any] | None) -> dict[str, Any]:
    if trailer is None:
        raise walk.fail(
            walk.position + 1, f"no_trailer: 文件在位置 {walk.position} 之后结束，没有文件尾"
        )
    if trailer.get("count") != walk.count:
        raise walk.fail(
            walk.position + 1,
            f"count: 文件尾记有 {trailer.get('count')} 个事件，文件中有 {walk.count} 个",
        )
    if (trailer.get("head_position"), trailer.get("head_hash")) != (walk.position, walk.hash):
        raise walk.fail(
            walk.position,
            f"changed: 文件尾记的链头是位置 {trailer.get('head_position')}"
            f"（哈希 {trailer.get('head_hash')}），链实际止于位置 {walk.position}（哈希 {walk.hash}）",
        )
    return trailer


def _trailer_checkpoint(walk: _Walk, trailer: dict[str, Any]) -> SignedCheckpoint:
    data = trailer.get("checkpoint")
    if data is None:
        raise walk.fail(walk.position, "signature: 文件尾没有签名检查点")
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
            f"truncated: 文件止于位置 {walk.position}，低于位置 {checkpoint.position} 的签名检查点",
        )
    if _hash_at(path, walk, checkpoint.position) != checkpoint.head_hash:
        raise walk.fail(
            checkpoint.position,
            f"head_mismatch: 位置 {checkpoint.position} 的哈希不是签名的链头哈希"
            "（尾部被伪造，或整条链被重算）",
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
