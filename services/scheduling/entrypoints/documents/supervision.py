"""The supervision notice (督查通报) of a plan's period: overall progress, the projects
commended (green), the problems (red and yellow, with their reasons), the units
criticised (those with a red project) and the requirements; 附件 the progress table."""

from __future__ import annotations

from decimal import Decimal

from shared.documents import (
    Block,
    Heading,
    OfficialDocument,
    Paragraph,
    level2,
    numbered_sections,
    person,
)
from shared.i18n import label, percent, wan

from .common import (
    PlanDocument,
    board_sentence,
    items_by_project,
    progress,
    progress_table,
    project_names,
)


def title(doc: PlanDocument) -> str:
    return f"关于{doc.period}重点项目建设攻坚行动督查情况的通报"


def build(doc: PlanDocument) -> OfficialDocument:
    body: list[Block] = [Paragraph(_opening(doc))]
    sections = [
        ("总体情况", overall(doc)),
        ("进展较好的项目", commended(doc)),
        ("存在的主要问题", problems(doc)),
        ("通报批评", criticised(doc)),
        ("下步要求", requirements(doc)),
    ]
    body += numbered_sections(sections)
    tables = [progress_table(doc, f"{doc.period}重点项目督查进展情况表")]
    return doc.frame("通报", title(doc), body, tables)


def _opening(doc: PlanDocument) -> str:
    spot = doc.plan.get("spot_check") or {}
    sampled = spot.get("project_ids") or []
    drawn = (
        f"，并随机抽查了{'、'.join(project_names(doc, sampled))}等{len(sampled)}个项目"
        if sampled
        else ""
    )
    return (
        f"按照重点项目建设攻坚行动督查工作安排，{doc.office.issuing_office}对{doc.period}"
        f"全县重点项目推进情况进行了督查{drawn}。现将有关情况通报如下："
    )


def overall(doc: PlanDocument) -> list[Block]:
    rows = [r for r in progress(doc) if r.get("annual_plan") is not None]
    blocks: list[Block] = [Paragraph(board_sentence(doc))]
    planned = sum((Decimal(r["annual_plan"]) for r in rows), Decimal(0))
    if planned > 0:
        done = sum((Decimal(r["completed"]) for r in rows), Decimal(0))
        blocks.append(
            Paragraph(
                f"纳入督查的项目年度计划投资合计{wan(planned)}，已完成投资{wan(done)}，"
                f"占年度计划的{percent(done / planned * 100)}。"
            )
        )
    return blocks


def commended(doc: PlanDocument) -> list[Block]:
    green = [r["project"] for r in progress(doc) if r.get("colour") == "green"]
    if not green:
        return [Paragraph("本期无按计划推进、达到序时进度的项目。")]
    return [
        Paragraph(
            f"{'、'.join(green)}等{len(green)}个项目按计划推进，投资完成达到序时进度，予以通报表扬。"
        )
    ]


def problems(doc: PlanDocument) -> list[Block]:
    items = items_by_project(doc)
    blocks: list[Block] = []
    kinds = [(c, [r for r in progress(doc) if r.get("colour") == c]) for c in ("red", "yellow")]
    for n, (colour, rows) in enumerate(((c, rows) for c, rows in kinds if rows), 1):
        blocks.append(Heading(f"{level2(n)}{label('colour', colour)}牌项目（{len(rows)}个）", 2))
        for k, row in enumerate(rows, 1):
            reasons = "；".join(i["reason"] for i in items.get(row["project_id"], []))
            blocks.append(
                Paragraph(
                    f"{row['project']}（承办单位：{row['lead_unit']}；分包领导：{person(row['leader'])}）："
                    f"{reasons or '进度滞后'}。",
                    lead=f"{k}.",
                )
            )
    return blocks or [Paragraph("本期督查未发现红、黄牌项目。")]


def criticised(doc: PlanDocument) -> list[Block]:
    units = list(dict.fromkeys(r["lead_unit"] for r in progress(doc) if r.get("colour") == "red"))
    if not units:
        return [Paragraph("本期无通报批评的单位。")]
    return [
        Paragraph(
            f"{'、'.join(units)}承办的项目列为红牌、推进不力，予以通报批评，"
            "请主要负责同志切实履行责任，限期整改到位。"
        )
    ]


def requirements(doc: PlanDocument) -> list[Block]:
    office = doc.office.issuing_office
    texts = (
        "各承办单位要对照本通报指出的问题，逐项制定整改措施，明确责任人和完成时限，"
        f"整改情况于下次调度会前报送{office}。",
        "各分包县领导要加强对分包项目的协调调度，帮助解决用地、资金、手续等方面的困难和问题。",
        f"{office}将对整改情况持续跟踪督办，督查结果纳入年终考核。",
    )
    return [Paragraph(text, lead=level2(i)) for i, text in enumerate(texts, 1)]
