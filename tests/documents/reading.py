"""Reading rendered documents back as a county office would see them: the body text of
a .docx (paragraphs and tables, not its properties), of an HTML page (not its head), of
a workbook's sheets (not 文件信息, the appendix with the metadata)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from docx import Document
from openpyxl import load_workbook

from shared.documents.sheet import INFO_SHEET


def docx_paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def docx_tables(data: bytes) -> list[list[list[str]]]:
    return [
        [[cell.text for cell in row.cells] for row in table.rows]
        for table in Document(io.BytesIO(data)).tables
    ]


def docx_body(data: bytes) -> str:
    tables = ["\n".join("\t".join(r) for r in t) for t in docx_tables(data)]
    return "\n".join(docx_paragraphs(data) + tables)


class _BodyText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._in_body = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        self._in_body = self._in_body or tag == "body"
        self._skip += tag in ("style", "script")
        if tag in ("p", "h1", "h2", "h3", "h4", "tr", "br", "li"):
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._skip:
            self.parts.append(data)


def html_body(page: str) -> str:
    parser = _BodyText()
    parser.feed(page)
    return re.sub(r"\n+", "\n", "".join(parser.parts)).strip()


def xlsx_body(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    lines = []
    for sheet in book.worksheets:
        if sheet.title == INFO_SHEET:
            continue
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(lines)


ENGLISH = re.compile(r"[A-Za-z]{2,}")
UTC_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|UTC|\dZ\b")
HEX_DIGEST = re.compile(r"\b[0-9a-f]{16,}\b")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def what_an_office_would_not_print(body: str) -> list[str]:
    """English words, True/False, UTC instants, digests and event ids found in ``body``."""
    found = []
    for pattern in (ENGLISH, UTC_INSTANT, HEX_DIGEST, UUID):
        found += pattern.findall(body)
    return found
