"""The 督查通报 of one inspection round of units (层级检查, 专项督查): who inspected whom,
the units commended (表扬), the problems found and the units criticised (批评) with who
is to put each right by when, and the requirements; 附件 the list of problems to put
right. Built from the round's ``InspectionRecorded`` event alone, so that the numbered
document reads the same whenever it is printed (how each action stands now is the
console's and the API's, not the document's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
    signing_date,
)
from shared.i18n import label, short_date

KIND = "inspection_notice"


@dataclass(frozen=True)
class RoundDocument:
    """What the notice of one round is made from: the stored event's payload and facts."""

    payload: dict[str, Any]
    recorded_at: datetime
    event_id: str
    office: OfficeConfig
    zone: ZoneInfo
    issued: IssuedDocument | None = None

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.payload["findings"] if f["kind"] == kind]


def document_key(round_id: str) -> str:
    """What the register numbers: the notice of one round."""
    return f"{KIND}:{round_id}"


def title(payload: dict[str, Any]) -> str:
    return f"关于{payload['title']}情况的通报"


def build(doc: RoundDocument) -> OfficialDocument:
    body: list[Block] = [Paragraph(_opening(doc.payload))]
    body += numbered_sections(
        [
            ("检查基本情况", _basics(doc.payload)),
            ("表扬", _commended(doc)),
            ("批评", _criticised(doc)),
            ("整改要求", _requirements(doc)),
        ]
    )
    return office_document(
        doc.office,
        kind="通报",
        title=title(doc.payload),
        body=body,
        tables=[_problem_table(doc)],
        signed_on=signing_date(doc.issued, doc.recorded_at, doc.zone),
        issued=doc.issued,
        metadata={
            "检查轮次编号": doc.payload["round_id"],
            "检查记录事件编号": doc.event_id,
        },
    )


def _span(payload: dict[str, Any]) -> str:
    starts, ends = (date.fromisoformat(payload[k]) for k in ("started_on", "ended_on"))
    return short_date(starts) if starts == ends else f"{short_date(starts)}至{short_date(ends)}"


def _opening(payload: dict[str, Any]) -> str:
    units = payload["units"]
    return (
        f"{_span(payload)}，{label('inspection_kind', payload['kind'])}组对"
        f"{'、'.join(units)}等{len(units)}个单位开展了{payload['title']}。"
        "现将有关情况通报如下："
    )


def _basics(payload: dict[str, Any]) -> list[Block]:
    team = payload["team"]
    return [
        Paragraph(f"组长：{team['leader']}；成员：{'、'.join(team['members'])}。", lead="检查组："),
        Paragraph(f"{'、'.join(payload['units'])}。", lead="被检查单位："),
    ]


def _commended(doc: RoundDocument) -> list[Block]:
    found = doc.of_kind("commendation")
    if not found:
        return [Paragraph("本次检查无予以表扬的单位。")]
    blocks: list[Block] = [
        Paragraph(f"{f['unit']}：{f['text']}。", lead=level2(n)) for n, f in enumerate(found, 1)
    ]
    units = list(dict.fromkeys(f["unit"] for f in found))
    blocks.append(Paragraph(f"对{'、'.join(units)}予以通报表扬。"))
    return blocks


def _criticised(doc: RoundDocument) -> list[Block]:
    found = doc.of_kind("problem")
    if not found:
        return [Paragraph("本次检查未发现需要通报批评的问题。")]
    blocks: list[Block] = [
        Paragraph(
            f"{f['unit']}：{f['text']}。整改责任单位：{f['owner']}；"
            f"整改期限：{short_date(date.fromisoformat(f['due']))}。",
            lead=level2(n),
        )
        for n, f in enumerate(found, 1)
    ]
    units = list(dict.fromkeys(f["unit"] for f in found))
    blocks.append(Paragraph(f"对{'、'.join(units)}予以通报批评，请限期整改到位。"))
    return blocks


def _requirements(doc: RoundDocument) -> list[Block]:
    office = doc.office.issuing_office
    texts = (
        "各被通报批评的单位要对照本通报指出的问题，逐项制定整改措施，明确责任人，"
        f"在整改期限内整改到位，并将整改情况书面报送{office}。",
        f"{office}将对整改情况逐项跟踪督办，直至办结；逾期未整改的，提请领导小组研究处理。",
        "督查检查结果纳入年终考核。",
    )
    return [Paragraph(text, lead=level2(i)) for i, text in enumerate(texts, 1)]


def _problem_table(doc: RoundDocument) -> Table:
    columns = (
        Column("序号", 4, "number"),
        Column("被检查单位", 10),
        Column("存在问题", 24),
        Column("整改责任单位", 10),
        Column("整改期限", 8, "date"),
        Column("督办事项编号", 10),
    )
    rows = tuple(
        (n, f["unit"], f["text"], f["owner"], date.fromisoformat(f["due"]), f["action_id"])
        for n, f in enumerate(doc.of_kind("problem"), 1)
    )
    return Table(f"{doc.payload['title']}发现问题整改清单", columns, rows)
