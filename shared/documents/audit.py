"""Signed checkpoints of the event log as tables of a document's 审计附录: what an auditor
keeps to check later that the log a document was made from was neither cut nor rewritten
(docs/operations.md)."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from shared.eventstore.signed import SignedCheckpoint
from shared.i18n import instant_text

from .model import Column, Table

_COLUMNS = (Column("项目", 8), Column("内容", 40))


def checkpoint_tables(checkpoints: Iterable[SignedCheckpoint], zone: ZoneInfo) -> tuple[Table, ...]:
    """One two-column table per checkpoint: position, count, head hash, when (campaign
    time zone, to the second), key id and signature."""
    return tuple(
        Table(f"事件日志签名检查点{n}", _COLUMNS, _rows(checkpoint, zone), sheet="审计附录")
        for n, checkpoint in enumerate(checkpoints, 1)
    )


def _rows(checkpoint: SignedCheckpoint, zone: ZoneInfo) -> tuple[tuple[str, str], ...]:
    signed_at = checkpoint.signed_at.astimezone(zone)
    return (
        ("全局位置（链头）", str(checkpoint.position)),
        ("事件数", str(checkpoint.count)),
        ("链头哈希（SHA-256）", checkpoint.head_hash),
        ("签名时间", f"{instant_text(signed_at, zone)}:{signed_at:%S}"),
        ("签名密钥编号", checkpoint.key_id),
        ("签名（Ed25519）", checkpoint.signature),
    )
