"""A stored plan as the office's documents: the meeting notice with its agenda
(关于召开…重点项目调度会议的通知) and the supervision notice (督查通报). Built from the plan
record alone, so a document of one plan version reads the same whenever it is printed;
the GB/T 9704 frame, the formats and the numbering are `shared.documents`."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from shared.documents import IssuedDocument, OfficeConfig, OfficialDocument

from . import agenda, supervision
from .common import PlanDocument, period_text

KINDS = {"agenda": agenda, "supervision": supervision}


def document_key(kind: str, record: dict[str, Any]) -> str:
    """What the register numbers: one document of one plan version."""
    return f"{kind}:{record['cadence']}:{record['period']}:v{record['version']}"


def title_of(kind: str, record: dict[str, Any], office: OfficeConfig, zone: ZoneInfo) -> str:
    return KINDS[kind].title(PlanDocument(record, office, zone))


def build(
    kind: str,
    record: dict[str, Any],
    office: OfficeConfig,
    zone: ZoneInfo,
    issued: IssuedDocument | None = None,
    progress: list[dict[str, Any]] | None = None,
) -> OfficialDocument:
    return KINDS[kind].build(PlanDocument(record, office, zone, issued, progress))


__all__ = ["KINDS", "build", "document_key", "title_of", "period_text", "PlanDocument"]
