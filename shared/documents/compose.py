"""Putting a document together the same way for every service: numbered sections, the
frame filled from the office's configuration, the date it is signed."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .model import Attachment, Block, Heading, OfficialDocument, Table
from .numerals import level1
from .office import OfficeConfig
from .register import IssuedDocument


def numbered_sections(sections: list[tuple[str, list[Block]]]) -> list[Block]:
    """一、 二、 三、 … before each section's heading, then its blocks."""
    out: list[Block] = []
    for index, (heading, blocks) in enumerate(sections, 1):
        out += [Heading(level1(index) + heading), *blocks]
    return out


def signing_date(
    issued: IssuedDocument | None, made_at: datetime | str | None, zone: ZoneInfo
) -> date:
    """成文日期: the day it was issued; a draft carries the day its content was made."""
    if issued is not None:
        return issued.issued_on
    if isinstance(made_at, str):
        made_at = datetime.fromisoformat(made_at.replace("Z", "+00:00"))
    if made_at is None:
        raise ValueError("a draft needs the instant its content was made")
    return made_at.astimezone(zone).date()


def office_document(
    office: OfficeConfig,
    *,
    kind: str,
    title: str,
    body: list[Block],
    tables: list[Table],
    signed_on: date,
    issued: IssuedDocument | None,
    metadata: dict[str, str],
    appendix: tuple[Table, ...] = (),
) -> OfficialDocument:
    """The office's document: its addressees and copy-to, the tables as 附件 (the first is
    what a spreadsheet opens on), the number once issued."""
    if issued is not None:
        metadata = {**metadata, "发文登记事件编号": issued.event_id}
    return OfficialDocument(
        kind=kind,
        issuing_office=office.issuing_office,
        title=title,
        addressees=office.addressees,
        body=tuple(body),
        signed_on=signed_on,
        number=issued.number if issued else None,
        attachments=tuple(Attachment(t.title, t) for t in tables),
        copy_to=office.copy_to,
        metadata=metadata,
        main_table=tables[0] if tables else None,
        appendix=appendix,
    )
