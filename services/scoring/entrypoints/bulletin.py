"""The assessment bulletin (考核通报) of a stored assessment: overall results, rankings by
category, the advanced units (先进单位) and those criticised (通报批评), requirements; as
附件 the project ranking by category, the unit ranking and the leaders' results (leaders
in rank order). Built from the assessment record alone; the GB/T 9704 frame, formats and
numbering are `shared.documents`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.documents import (
    Block,
    Column,
    Heading,
    IssuedDocument,
    LeaderRanks,
    OfficeConfig,
    OfficialDocument,
    Paragraph,
    Table,
    checkpoint_tables,
    level2,
    numbered_sections,
    office_document,
    person,
    signing_date,
)
from shared.eventstore.signed import SignedCheckpoint
from shared.i18n import instant_text_of, label, percent, points_text, short_date, yes_no, yi
from shared.tenancy import DEFAULT_COUNTY, deployment_counties

from ..domain.rulebook import GRADES, LINES

KIND = "考核通报"


def document_key(record: dict[str, Any]) -> str:
    return f"assessment:{record['assessment_id']}"


@dataclass(frozen=True)
class Bulletin:
    record: dict[str, Any]
    office: OfficeConfig
    zone: ZoneInfo
    issued: IssuedDocument | None = None

    @property
    def result(self) -> dict[str, Any]:
        return self.record["result"]

    @property
    def year(self) -> int:
        return int(self.record["year"])

    @property
    def draft(self) -> bool:
        """Not signed off (审定): every copy says 草稿."""
        return self.publication.get("state", "draft") == "draft"

    @property
    def publication(self) -> dict[str, Any]:
        return dict(self.record.get("publication") or {})

    @property
    def title(self) -> str:
        title = f"关于{self.year}年度重点项目建设攻坚行动年终考核结果的通报"
        if len(deployment_counties()) > 1:  # many counties: whose assessment it is
            title = label("county", self.record.get("county") or DEFAULT_COUNTY) + title
        return f"{title}（草稿，未经审定）" if self.draft else title

    @property
    def signed_on(self) -> date:
        return signing_date(self.issued, self.record.get("created_at"), self.zone)


def build(
    record: dict[str, Any],
    office: OfficeConfig,
    zone: ZoneInfo,
    issued: IssuedDocument | None = None,
    checkpoints: Sequence[SignedCheckpoint] = (),
) -> OfficialDocument:
    """``checkpoints``: the log's signed checkpoints taken for the published assessment
    and since (`signed_covering`), printed in the 审计附录."""
    b = Bulletin(record, office, zone, issued)
    body: list[Block] = [Paragraph(_opening(b))]
    sections = [
        ("总体情况", overall(b)),
        ("分类考核情况", by_category(b)),
        ("先进单位", advanced(b)),
        ("通报批评", criticised(b)),
        *([("诫勉谈话", admonished(b))] if b.record.get("admonishments") else []),
        ("有关要求", requirements(b)),
    ]
    body += numbered_sections(sections)
    tables = [project_table(b), unit_table(b), leader_table(b)]
    return office_document(
        office,
        kind=KIND,
        title=b.title,
        body=body,
        tables=tables,
        signed_on=b.signed_on,
        issued=issued,
        metadata=metadata(b),
        appendix=checkpoint_tables(checkpoints, zone),
    )


def metadata(b: Bulletin) -> dict[str, str]:
    r = b.record
    out = {
        "考核编号": r["assessment_id"],
        "考核规则版本": r["rulebook_version"],
        "考核规则摘要（SHA-256）": r["rulebook_hash"],
        "业务截止时间": instant_text_of(r["as_of"], b.zone),
        "信息截止时间": instant_text_of(r["known_at"], b.zone),
        "事件链头位置": str(r["chain_head_position"]),
        "事件链头哈希": r["chain_head_hash"],
        "结果摘要（SHA-256）": r["result_hash"],
        "考核摘要（SHA-256）": r["digest"],
        **sign_off_of(r, b.zone),
    }
    return out


def sign_off_of(record: dict[str, Any], zone: ZoneInfo) -> dict[str, str]:
    """审定: the state, and for a published version who signed it off, when, its version
    and what it corrects, and why."""
    standing = dict(record.get("publication") or {})
    out = {"审定状态": label("assessment_state", standing.get("state", "draft"))}
    if standing.get("approved_by"):
        out["审定人"] = standing["approved_by"]
        out["审定时间"] = instant_text_of(standing["approved_at"], zone)
    if standing.get("version"):
        out["发布版本"] = f"第{standing['version']}版"
    if standing.get("supersedes"):
        out["更正的版本"] = standing["supersedes"]
        out["更正原因"] = standing.get("correction_reason") or ""
    return out


def _opening(b: Bulletin) -> str:
    return (
        f"根据{b.year}年重点项目建设攻坚行动实施方案和年终考核办法，{b.office.leading_group}"
        "按照客观科学、公正、分类考核的原则，对全县重点项目及其承办单位、分包县领导进行了年终考核。"
        "现将考核结果通报如下："
    )


def overall(b: Bulletin) -> list[Block]:
    c = b.result["campaign"]
    grades = "、".join(f"{label('grade', g)}{c['grade_counts'].get(g, 0)}个" for g in GRADES)
    text = (
        f"全县纳入考核的重点项目{c['projects']}个，年度计划投资{yi(c['annual_plan_total'])}，"
        f"完成投资{yi(c['investment_completed'])}，占年度投资目标{yi(c['investment_target'])}的"
        f"{percent(c['investment_attainment_percent'])}。项目考核等次为{grades}。"
    )
    blocks: list[Block] = [Paragraph(text)]
    vetoed = c.get("vetoed_projects") or []
    if vetoed:
        names = _names(b, vetoed)
        blocks.append(
            Paragraph(f"{'、'.join(names)}等{len(names)}个项目因一票否决事项，考核等次为不合格。")
        )
    return blocks


def _names(b: Bulletin, ids: list[str]) -> list[str]:
    names = {p["project_id"]: p["name"] for p in b.result["projects"]}
    return [names.get(i, i) for i in ids]


def _categories(b: Bulletin) -> list[tuple[str, list[dict[str, Any]]]]:
    projects = b.result["projects"]
    order = list(b.result["campaign"].get("by_category") or {})
    order += sorted({p["category"] for p in projects} - set(order))
    ranked = [
        (category, sorted((p for p in projects if p["category"] == category), key=_by_rank))
        for category in order
    ]
    return [(category, members) for category, members in ranked if members]


def _by_rank(p: dict[str, Any]) -> tuple[int, str]:
    return p["rank"], p["project_id"]


def by_category(b: Bulletin) -> list[Block]:
    targets = b.result["campaign"].get("by_category") or {}
    blocks: list[Block] = []
    for n, (category, members) in enumerate(_categories(b), 1):
        blocks.append(Heading(f"{level2(n)}{label('category', category)}类", level=2))
        target = targets.get(category)
        counted = (
            f"目标{target['target']}个，纳入考核{target['registered']}个，目标全面完成{target['full_attainment']}个。"
            if target
            else f"纳入考核{len(members)}个。"
        )
        top = "、".join(
            f"{p['name']}（{points_text(p['total'])}分，{label('grade', p['grade'])}）"
            for p in members[:3]
        )
        blocks.append(Paragraph(f"{counted}得分居前的项目为：{top}。"))
    if blocks:
        blocks.append(Paragraph("各类项目排名详见附件1。"))
    return blocks


def advanced(b: Bulletin) -> list[Block]:
    units = b.result["advanced_units"]
    if not units:
        return [Paragraph("本年度无评为先进单位的承办单位。")]
    return [
        Paragraph(
            f"经考核，{'、'.join(units)}等{len(units)}个单位被评为{b.year}年度重点项目建设先进单位，"
            "予以通报表扬。"
        )
    ]


def criticised(b: Bulletin) -> list[Block]:
    units = b.result["criticised_units"]
    if not units:
        return [Paragraph("本年度无通报批评的承办单位。")]
    reasons = b.result.get("criticism_reasons") or {}
    blocks = [
        Paragraph(
            f"{'、'.join(units)}等{len(units)}个单位考核排名靠后、存在一票否决事项或"
            "经考核认定工作不力，予以通报批评。"
        )
    ]
    blocks += [
        Paragraph(f"{unit}：{grounds_text(reasons[unit])}。") for unit in units if unit in reasons
    ]
    return blocks


def grounds_text(codes: list[str]) -> str:
    """``工作不主动、成效不明显``."""
    return "、".join(label("criticism_criterion", code) for code in codes)


def admonished(b: Bulletin) -> list[Block]:
    """The 诫勉谈话 recorded for the year (``record["admonishments"]``), one paragraph each."""
    return [
        Paragraph(
            f"{short_date(date.fromisoformat(a['held_on']))}，"
            f"{a['conducted_by']}对{a['unit']}主要负责人{a['principal']}进行诫勉谈话。"
            f"事由：{a['reason']}"
        )
        for a in b.record["admonishments"]
    ]


def requirements(b: Bulletin) -> list[Block]:
    texts = (
        "受到表扬的单位要珍惜荣誉、再接再厉，在重点项目建设中继续发挥示范带动作用。",
        "受到通报批评的单位要认真分析原因，制定整改措施，整改情况书面报送"
        f"{b.office.issuing_office}。",
        "考核结果纳入领导班子和领导干部年度考核内容，作为使用和评价干部的重要参考。",
    )
    return [Paragraph(text, lead=level2(i)) for i, text in enumerate(texts, 1)]


def project_table(b: Bulletin) -> Table:
    # Widths in proportion: ``97.92`` and ``不合格`` on one line in a landscape 版心.
    columns = (
        Column("考核类别", 6),
        Column("排名", 4, "number"),
        Column("项目名称", 9),
        Column("承办单位", 7),
        Column("分包领导", 7),
        Column("年度计划投资", 7, "money"),
        Column("完成投资", 7, "money"),
        *(Column(label("score_line", line), 6, "points") for line in LINES),
        Column("总分", 6, "points"),
        Column("等次", 6),
        Column("一票否决", 6),
    )
    rows = []
    for category, members in _categories(b):
        for p in members:
            points = {line["line"]: Decimal(line["points"]) for line in p["lines"]}
            vetoes = "、".join(label("incident_kind", v["kind"]) for v in p["vetoes"])
            rows.append(
                (
                    label("category", category),
                    p["rank"],
                    p["name"],
                    p["lead_unit"],
                    person(p["leader"]),
                    Decimal(p["annual_plan"]),
                    Decimal(p["completed_investment"]),
                    *(points.get(line) for line in LINES),
                    Decimal(p["total"]),
                    label("grade", p["grade"]),
                    vetoes or "否",
                )
            )
    return Table(
        f"{b.year}年度重点项目年终考核分类排名表", columns, tuple(rows), sheet="项目分类排名"
    )


def unit_table(b: Bulletin) -> Table:
    advanced_units, criticised_units = (
        set(b.result["advanced_units"]),
        set(b.result["criticised_units"]),
    )
    columns = (
        Column("排名", 4, "number"),
        Column("承办单位", 10),
        Column("总分", 5, "points"),
        Column("等次", 5),
        Column("一票否决", 5),
        Column("年度计划投资", 7, "money"),
        Column("项目数", 4, "number"),
        Column("考核结果", 6),
    )
    rows = []
    for u in sorted(b.result["units"], key=lambda u: (u["rank"], u["name"])):
        outcome = (
            "先进单位"
            if u["name"] in advanced_units
            else "通报批评"
            if u["name"] in criticised_units
            else ""
        )
        rows.append(
            (
                u["rank"],
                u["name"],
                Decimal(u["total"]),
                label("grade", u["grade"]),
                yes_no(u["vetoed"]),
                Decimal(u["annual_plan"]),
                len(u["projects"]),
                outcome,
            )
        )
    return Table(f"{b.year}年度承办单位考核排名表", columns, tuple(rows), sheet="承办单位排名")


def leader_table(b: Bulletin) -> Table:
    """By the leaders' rank (县委书记、县长 …), not by score: the score's rank is a column."""
    columns = (
        Column("分包领导", 10),
        Column("总分", 5, "points"),
        Column("得分排名", 4, "number"),
        Column("等次", 4),
        Column("一票否决", 4),
        Column("年度计划投资", 7, "money"),
        Column("分包项目数", 5, "number"),
    )
    leaders = {h["name"]: h for h in b.result["leaders"]}
    rows = [
        (
            person(name),
            Decimal(h["total"]),
            h["rank"],
            label("grade", h["grade"]),
            yes_no(h["vetoed"]),
            Decimal(h["annual_plan"]),
            len(h["projects"]),
        )
        for name in LeaderRanks(b.office).ordered(leaders)
        for h in (leaders[name],)
    ]
    return Table(f"{b.year}年度分包县领导考核情况表", columns, tuple(rows), sheet="分包县领导")
