"""Verification of the hash chain over the global order, from the database or a file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .envelope import GENESIS_HASH, chain_hash

REASON_LABELS = {
    "missing": "事件缺失",
    "out_of_order": "事件顺序错乱",
    "duplicated": "事件重复",
    "changed": "内容被改动",
    "truncated": "日志被截断（链头低于签名检查点）",
    "rolled_back": "日志被回滚",
    "head_mismatch": "与签名检查点不符（伪造的尾部或整条链被重算）",
    "signature": "签名检查点的签名无效",
    "empty": "文件为空",
    "no_header": "缺少文件头",
    "no_trailer": "缺少文件尾（文件可能被截断）",
    "not_utf8": "不是 UTF-8 编码",
    "not_json": "不是合法的 JSON",
    "not_canonical": "不是规范 JSON 文本（字节被改动）",
    "count": "事件数与文件尾不符",
}
"""Chinese label of each machine code (``Verification.code``), for people."""


@dataclass(frozen=True, slots=True)
class Verification:
    """Either OK with the head, or the first bad position and why.

    ``reason`` starts with its machine code, then says in Chinese where and what
    (``missing: 缺少位置 5（…）``); ``reason_label`` is the code's Chinese label."""

    ok: bool
    count: int
    head_position: int
    head_hash: str
    bad_position: int | None = None
    reason: str | None = None

    @property
    def code(self) -> str | None:
        return None if self.reason is None else self.reason.split(":", 1)[0].replace(" ", "_")

    @property
    def reason_label(self) -> str | None:
        return None if self.code is None else REASON_LABELS.get(self.code, self.code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "head_position": self.head_position,
            "head_hash": self.head_hash,
            "bad_position": self.bad_position,
            "code": self.code,
            "reason": self.reason,
            "reason_label": self.reason_label,
            "detail": self.detail,
        }

    @property
    def detail(self) -> str | None:
        """The reason without its machine code: where and what, in Chinese."""
        return None if self.reason is None else self.reason.split(":", 1)[-1].strip()

    def describe(self) -> str:
        """One line for people, in Chinese; the machine code last, for search."""
        if self.ok:
            return (
                f"链条完好：共 {self.count} 个事件，链头位置 {self.head_position}，"
                f"链头哈希 {self.head_hash}"
            )
        return (
            f"链条损坏：位置 {self.bad_position}，{self.reason_label}：{self.detail}"
            f"（代码 {self.code}）"
        )


def broken_at(
    position: int, reason: str, head: tuple[int, str] = (0, GENESIS_HASH)
) -> Verification:
    """A failed verification found outside the walk (a checkpoint, a file's framing)."""
    return Verification(False, head[0], head[0], head[1], position, reason)


def verify_chain(
    events: Iterable[Mapping[str, Any]],
    *,
    expected_head: tuple[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
    start: tuple[int, str] = (0, GENESIS_HASH),
) -> Verification:
    """Walk events in global order from just after ``start`` (position, hash); name the
    first position that is missing, out of order or changed. ``expected_head``
    (position, hash) also catches a cut-off tail. A string payload is the stored text."""
    prev_hash, expected_position, count = start[1], start[0] + 1, start[0]

    def broken(position: int, reason: str) -> Verification:
        return Verification(False, count, expected_position - 1, prev_hash, position, reason)

    for event in events:
        position = event["global_position"]
        if position > expected_position:
            return broken(
                expected_position,
                f"missing: 缺少位置 {expected_position}（下一个存在的是位置 {position}）",
            )
        if position < expected_position:
            return broken(
                position, f"out_of_order: 位置 {position} 出现在位置 {expected_position - 1} 之后"
            )
        if event["prev_hash"] != prev_hash:
            return broken(position, "out_of_order: prev_hash 与前一个事件的哈希不符")
        if chain_hash(prev_hash, event) != event["hash"]:
            return broken(position, "changed: 内容与其哈希不符")
        prev_hash, expected_position, count = event["hash"], expected_position + 1, count + 1
        if progress is not None and count % 10_000 == 0:
            progress(count)
    return _against_head(Verification(True, count, expected_position - 1, prev_hash), expected_head)


def _against_head(result: Verification, expected_head: tuple[int, str] | None) -> Verification:
    head = (result.head_position, result.head_hash)
    if expected_head is None or tuple(expected_head) == head:
        return result
    want_position, want_hash = expected_head
    if want_position > head[0]:
        return broken_at(
            head[0] + 1,
            f"missing: 链止于位置 {head[0]}，记录的链头是位置 {want_position}",
            head,
        )
    return broken_at(
        want_position, f"changed: 位置 {want_position} 记录的链头哈希是 {want_hash}", head
    )
