"""督办函: the office's letter to one responsible unit about its follow-up actions — what
each is, by when — and the 签收 / 反馈 / 复核 it asks for. Made from the actions' own
facts (project, matter, date issued, deadline), never from their stage today, so the
letter of a set of actions reads the same whenever it is printed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from shared.documents import (
    Block,
    Column,
    IssuedDocument,
    OfficeConfig,
    OfficialDocument,
    Paragraph,
    Table,
    level2,
    numbered_sections,
    office_document,
)
from shared.i18n import short_date

from ...domain.duban import ActionLimits

KIND = "duban_letter"


@dataclass(frozen=True)
class LetterItem:
    action_id: str
    project: str
    matter: str
    issued_on: date
    due: date


@dataclass(frozen=True)
class Letter:
    unit: str
    items: tuple[LetterItem, ...]
    limits: ActionLimits

    @property
    def key(self) -> str:
        return letter_key([item.action_id for item in self.items])

    @property
    def digest(self) -> str:
        facts = [self.unit, [_facts(item) for item in self.items]]
        text = json.dumps(facts, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def letter_key(action_ids: list[str]) -> str:
    """What the register numbers: one letter per set of actions (in any order)."""
    return f"{KIND}:" + ",".join(sorted(set(action_ids)))


def _facts(item: LetterItem) -> list[str]:
    return [item.action_id, item.project, item.matter, str(item.issued_on), str(item.due)]


def title(letter: Letter) -> str:
    return f"关于督促{letter.unit}加快办理重点项目督办事项的函"


def build(
    letter: Letter,
    office: OfficeConfig,
    signed_on: date,
    issued: IssuedDocument | None,
) -> OfficialDocument:
    body: list[Block] = [Paragraph(_opening(letter))]
    body += numbered_sections(
        [("督办事项", _matters(letter)), ("办理要求", _requirements(letter, office))]
    )
    document = office_document(
        office,
        kind="函",
        title=title(letter),
        body=body,
        tables=[_table(letter)],
        signed_on=signed_on,
        issued=issued,
        metadata={"督办事项": "、".join(i.action_id for i in letter.items), "摘要": letter.digest},
    )
    return replace(document, addressees=(letter.unit,))


def _opening(letter: Letter) -> str:
    return (
        f"根据县重点项目建设攻坚行动督办工作安排，现将你单位承办的{len(letter.items)}项"
        "重点项目督办事项函告如下，请按照“签收、办理、反馈”的程序抓紧办理，确保按期办结。"
    )


def _matters(letter: Letter) -> list[Block]:
    return [
        Paragraph(
            f"{item.project}：{item.matter}（{short_date(item.issued_on)}交办，"
            f"办理时限：{short_date(item.due)}）。",
            lead=f"{n}.",
        )
        for n, item in enumerate(letter.items, 1)
    ]


def _requirements(letter: Letter, office: OfficeConfig) -> list[Block]:
    days = letter.limits.acknowledge_working_days
    texts = (
        f"请于交办之日起{days}个工作日内签收，明确责任领导和经办人。",
        f"请于办理时限前将办理情况书面反馈{office.issuing_office}；"
        "逾期未签收、未反馈的，亮红灯并予以通报。",
        f"{office.issuing_office}对反馈情况进行复核，复核未通过的退回重办，办理结果纳入年终考核。",
    )
    return [Paragraph(text, lead=level2(n)) for n, text in enumerate(texts, 1)]


def _table(letter: Letter) -> Table:
    columns = (
        Column("序号", 6),
        Column("项目名称", 24),
        Column("督办事项", 36),
        Column("交办日期", 14, "date"),
        Column("办理时限", 14, "date"),
        Column("事项编号", 20),
    )
    rows = tuple(
        (n, item.project, item.matter, item.issued_on, item.due, item.action_id)
        for n, item in enumerate(letter.items, 1)
    )
    return Table("督办事项清单", columns, rows)


def letter_of(
    rows: list[dict[str, Any]], names: dict[str, str], limits: ActionLimits, zone: ZoneInfo
) -> Letter:
    """The letter of actions of one unit (the caller checked there is one)."""
    items = tuple(
        LetterItem(
            row["action_id"],
            names.get(row["project_id"], row["project_id"]),
            row.get("description") or row["item"],
            row["assigned_at"].astimezone(zone).date(),
            row["due"],
        )
        for row in sorted(rows, key=lambda r: r["action_id"])
    )
    return Letter(rows[0]["assignee"], items, limits)
