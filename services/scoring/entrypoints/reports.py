"""An assessment as the office sends it: the 考核通报 (`bulletin`) as .docx, printable
HTML, XLSX (project ranking, units, leaders, 文件信息), Markdown or CSV (the ranking)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from shared.documents import FORMATS, IssuedDocument, OfficeConfig, RenderedDocument
from shared.documents import render as render_document

from . import bulletin

__all__ = ["FORMATS", "render"]


def render(
    record: dict[str, Any],
    fmt: str,
    office: OfficeConfig,
    zone: ZoneInfo,
    issued: IssuedDocument | None = None,
) -> RenderedDocument:
    document = bulletin.build(record, office, zone, issued)
    return render_document(document, fmt, office, f"assessment-{record['assessment_id']}")
