"""An `OfficialDocument` as plain Markdown (to paste or read in a terminal) and its main
table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese)."""

from __future__ import annotations

import csv
import io

from shared.i18n import short_date

from .cells import cell_text, cell_value
from .model import APPENDIX_TITLE, Heading, OfficialDocument, Paragraph, Table


def to_markdown(document: OfficialDocument) -> str:
    out = [
        f"**{document.issuing_office}文件**",
        "",
        document.number_text,
        "",
        f"# {document.title}",
    ]
    if document.addressee_line:
        out += ["", document.addressee_line]
    for block in document.body:
        out += ["", *_block(block)]
    if document.attachments:
        out += ["", "附件：" + "；".join(a.title for a in document.attachments)]
    out += ["", document.issuing_office, "", short_date(document.signed_on)]
    for index, attachment in enumerate(document.attachments, 1):
        label = "附件" if len(document.attachments) == 1 else f"附件{index}"
        out += ["", "---", "", label, "", f"## {attachment.title}", "", *_table(attachment.table)]
    if document.appendix:
        out += ["", "---", "", f"## {APPENDIX_TITLE}"]
    for table in document.appendix:
        out += ["", f"### {table.title}", "", *_table(table)]
    return "\n".join(out) + "\n"


def _block(block: Heading | Paragraph | Table) -> list[str]:
    if isinstance(block, Heading):
        return [f"{'#' * (block.level + 1)} {block.text}"]
    if isinstance(block, Paragraph):
        return [f"**{block.lead}**{block.text}" if block.lead else block.text]
    return _table(block)


def _table(table: Table) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "｜").replace("\n", " ") for c in cells) + " |"

    out = [line([c.title for c in table.columns]), "|" + "---|" * len(table.columns)]
    for row in table.rows:
        out.append(line([cell_text(v, c) for v, c in zip(row, table.columns, strict=True)]))
    return out


def to_csv(table: Table) -> str:
    """Money in 万元 as plain numbers (two decimals, no separators), text never a formula."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([column.title for column in table.columns])
    for row in table.rows:
        values = [cell_value(v, c) for v, c in zip(row, table.columns, strict=True)]
        writer.writerow([_plain(v, c.kind) for v, c in zip(values, table.columns, strict=True)])
    return buffer.getvalue()


def _plain(value: object, kind: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return f"{value:.2f}"
    if hasattr(value, "isoformat") and kind == "date":
        return short_date(value)  # type: ignore[arg-type]
    return str(value)
