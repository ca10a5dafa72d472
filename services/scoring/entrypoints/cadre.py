"""The cadre-assessment export (干部考核, plan 2: 把重点项目建设工作和干部使用、绩效考核挂钩):
a published assessment's units and leaders with score, grade, rank, and the rewards and
accountability that fell to them (先进单位, 通报批评, 诫勉谈话), one sheet each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.documents import (
    Column,
    LeaderRanks,
    OfficeConfig,
    OfficialDocument,
    Paragraph,
    Table,
    office_document,
    person,
    signing_date,
)
from shared.i18n import label, short_date
from shared.tenancy import DEFAULT_COUNTY, deployment_counties

from ..application.accountability import Admonishment
from .bulletin import grounds_text, sign_off_of

KIND = "干部考核参考"
_SCORED = (
    Column("总分", 5, "points"),
    Column("等次", 5),
    Column("排名", 4, "number"),
)


def build(
    record: dict[str, Any],
    admonished: Sequence[Admonishment],
    office: OfficeConfig,
    zone: ZoneInfo,
) -> OfficialDocument:
    year = int(record["year"])
    signed_on: date = signing_date(None, record.get("created_at"), zone)
    title = f"{year}年度重点项目建设考核结果（干部考核参考）"
    if len(deployment_counties()) > 1:  # many counties: whose assessment it is
        title = label("county", record.get("county") or DEFAULT_COUNTY) + title
    return office_document(
        office,
        kind=KIND,
        title=title,
        body=[Paragraph(f"{year}年度重点项目建设年终考核结果，作为使用和评价干部的重要参考。")],
        tables=[unit_table(record, admonished), leader_table(record, office)],
        signed_on=signed_on,
        issued=None,
        metadata={"考核编号": record["assessment_id"], **sign_off_of(record, zone)},
    )


def _talks(admonished: Sequence[Admonishment], unit: str) -> str:
    return "；".join(
        f"{a.principal}（{short_date(date.fromisoformat(a.held_on))}，{a.conducted_by}）"
        for a in admonished
        if a.unit == unit
    )


def _criticised(unit: str, criticised: set[str], reasons: dict[str, list[str]]) -> str:
    if unit not in criticised:
        return "否"
    return f"是（{grounds_text(reasons[unit])}）" if unit in reasons else "是"


def unit_table(record: dict[str, Any], admonished: Sequence[Admonishment]) -> Table:
    result = record["result"]
    advanced, criticised = set(result["advanced_units"]), set(result["criticised_units"])
    columns = (
        Column("承办单位", 10),
        *_SCORED,
        Column("先进单位", 5),
        Column("通报批评", 12),
        Column("诫勉谈话", 16),
    )
    rows = tuple(
        (
            u["name"],
            Decimal(u["total"]),
            label("grade", u["grade"]),
            u["rank"],
            "是" if u["name"] in advanced else "否",
            _criticised(u["name"], criticised, result.get("criticism_reasons") or {}),
            _talks(admonished, u["name"]) or "无",
        )
        for u in sorted(result["units"], key=lambda u: (u["rank"], u["name"]))
    )
    return Table(f"{record['year']}年度承办单位考核结果", columns, rows, sheet="承办单位")


def leader_table(record: dict[str, Any], office: OfficeConfig) -> Table:
    """Leaders by their configured rank; the units of their projects that were named 先进
    or 通报批评 beside their own score."""
    result = record["result"]
    units_of = {p["project_id"]: p["lead_unit"] for p in result["projects"]}
    leaders = {h["name"]: h for h in result["leaders"]}
    columns = (
        Column("分包领导", 10),
        *_SCORED,
        Column("所联系先进单位", 12),
        Column("所联系通报批评单位", 12),
    )
    rows = []
    for name in LeaderRanks(office).ordered(leaders):
        holder = leaders[name]
        units = {units_of[p] for p in holder["projects"] if p in units_of}
        rows.append(
            (
                person(name),
                Decimal(holder["total"]),
                label("grade", holder["grade"]),
                holder["rank"],
                "、".join(u for u in result["advanced_units"] if u in units) or "无",
                "、".join(u for u in result["criticised_units"] if u in units) or "无",
            )
        )
    return Table(
        f"{record['year']}年度分包县领导考核结果", columns, tuple(rows), sheet="分包县领导"
    )
