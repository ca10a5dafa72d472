"""An official document (公文) as data, in the parts GB/T 9704-2012 names: 版头 (issuing
office, number), 主体 (title, addressees, body, attachment note, signature, date),
附件 (tables) and 版记 (copied to, printed by). The renderers (docx, html, xlsx, text)
lay it out; nothing here knows a format.

Text is what people read, already in Chinese. Table cells keep exact values: money as
`Decimal` yuan (a "money" column shows it in 万元), points and percentages as `Decimal`,
dates as `date`; `cells.py` turns them into text the one way every format shares. `metadata` (digests, event ids, positions)
goes only into a document's properties or its 附录, never into the body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Kind = Literal["text", "money", "number", "points", "percent", "date"]
Cell = str | int | Decimal | date | None


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 12
    """In characters of the body font (the spreadsheet's unit; docx and HTML scale it)."""
    kind: Kind = "text"

    @property
    def title(self) -> str:
        """The header as printed: a money column says its unit."""
        if self.kind == "money" and "万元" not in self.header:
            return f"{self.header}（万元）"
        return self.header


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    sheet: str = ""
    """The spreadsheet tab's name (at most 31 characters); the title when empty."""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1
    """1: 一、 (黑体); 2: （一） (楷体); 3: 1. (仿宋 bold)."""


@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: str = ""
    """Bold words that open the paragraph (e.g. ``会议时间：``)."""


Block = Heading | Paragraph | Table


APPENDIX_TITLE = "审计附录"
"""The heading of `OfficialDocument.appendix` in every format."""


@dataclass(frozen=True)
class Attachment:
    title: str
    table: Table


@dataclass(frozen=True)
class OfficialDocument:
    kind: str
    """What the document is, in Chinese (通知, 通报): the docx's category."""
    issuing_office: str
    title: str
    addressees: tuple[str, ...]
    body: tuple[Block, ...]
    signed_on: date
    number: str | None = None
    """``攻坚办〔2026〕12号`` once issued; None for a draft (shown as 未编号)."""
    attachments: tuple[Attachment, ...] = ()
    copy_to: tuple[str, ...] = ()
    printed_by: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    main_table: Table | None = None
    """The table a spreadsheet opens on (usually the first attachment's)."""
    appendix: tuple[Table, ...] = ()
    """The 审计附录: what an auditor verifies (signed checkpoints of the event log), printed
    after the 版记 on its own page — outside the body and the numbered 附件."""

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table in reading order: the body's, then the attachments'."""
        inline = tuple(block for block in self.body if isinstance(block, Table))
        return inline + tuple(attachment.table for attachment in self.attachments)

    @property
    def number_text(self) -> str:
        return self.number or "（未编号）"

    @property
    def addressee_line(self) -> str:
        return "，".join(self.addressees) + "：" if self.addressees else ""
