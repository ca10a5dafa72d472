"""An assessment as the office sends it: the 考核通报 (`bulletin`) as .docx, printable
HTML, XLSX (project ranking, units, leaders, 文件信息), Markdown or CSV (the ranking)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from shared.documents import FORMATS, IssuedDocument, OfficeConfig, RenderedDocument
from shared.documents import render as render_document
from shared.eventstore import EventStore
from shared.eventstore.audit import signed_covering
from shared.eventstore.signed import SignedCheckpoint

from . import bulletin

__all__ = ["FORMATS", "render"]


def render(
    record: dict[str, Any],
    fmt: str,
    office: OfficeConfig,
    zone: ZoneInfo,
    issued: IssuedDocument | None = None,
    checkpoints: list[SignedCheckpoint] | None = None,
) -> RenderedDocument:
    document = bulletin.build(record, office, zone, issued, checkpoints or ())
    return render_document(document, fmt, office, f"assessment-{record['assessment_id']}")


def checkpoints_for(store: EventStore, record: dict[str, Any]) -> list[SignedCheckpoint]:
    """The signed checkpoints the bulletin prints: the one taken for the published
    assessment (at or after its ``AssessmentPublished``) and the latest."""
    position = record.get("published_position") or record["chain_head_position"]
    return signed_covering(store, int(position))
