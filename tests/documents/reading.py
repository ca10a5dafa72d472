"""Reading rendered documents back as a county office would see them: the body text of
a .docx (paragraphs and tables, not its properties), of an HTML page (not its head), of
a workbook's sheets (not 文件信息, the appendix with the metadata); none of them with the
审计附录 (signed checkpoints for auditors) that follows the 版记."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from docx import Document
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from openpyxl import load_workbook

from shared.documents import APPENDIX_TITLE
from shared.documents.sheet import INFO_SHEET


def docx_paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def docx_tables(data: bytes) -> list[list[list[str]]]:
    """The tables of the body and the 附件 (not the 审计附录)."""
    return [
        part
        for part, in_appendix in _docx_parts(data)
        if isinstance(part, list) and not in_appendix
    ]


def docx_appendix(data: bytes) -> list[list[list[str]]]:
    """The tables of the 审计附录."""
    return [
        part for part, in_appendix in _docx_parts(data) if isinstance(part, list) and in_appendix
    ]


def docx_body(data: bytes) -> str:
    """Paragraphs and tables in reading order, up to the 审计附录."""
    parts = [
        part if isinstance(part, str) else "\n".join("\t".join(row) for row in part)
        for part, in_appendix in _docx_parts(data)
        if not in_appendix
    ]
    return "\n".join(parts)


def _docx_parts(data: bytes) -> list[tuple[str | list[list[str]], bool]]:
    """Paragraph texts and tables (rows of cell texts) in reading order, each marked
    whether it is in the 审计附录."""
    doc = Document(io.BytesIO(data))
    parts: list[tuple[str | list[list[str]], bool]] = []
    in_appendix = False
    for element in doc.element.body.iterchildren():
        if element.tag.endswith("}p"):
            text = DocxParagraph(element, doc).text
            in_appendix = in_appendix or text == APPENDIX_TITLE
            parts.append((text, in_appendix))
        elif element.tag.endswith("}tbl"):
            rows = [[cell.text for cell in row.cells] for row in DocxTable(element, doc).rows]
            parts.append((rows, in_appendix))
    return parts


def markdown_body(text: str) -> str:
    return text.split(f"## {APPENDIX_TITLE}")[0]


class _BodyText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._in_body = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        self._in_body = self._in_body or tag == "body"
        self._skip += tag in ("style", "script")
        if "appendix" in (dict(attrs).get("class") or "").split():
            self._in_body = False  # the 审计附录 is the last thing on the page
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
