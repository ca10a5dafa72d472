"""The 重点项目台账: one row per key project, as the office keeps it in Excel. A clean row
becomes a ``ProjectRegistered`` and one ``MilestonePlanned`` per node (节点)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from shared.i18n import labels
from shared.i18n.formats import wan_number

from .spreadsheets import (
    CellProblem,
    Column,
    ImportContext,
    Layout,
    Row,
    choice,
    code,
    day,
    event_id,
    national_code,
    text,
    wan_yuan,
    yes_no,
)
from .submissions import Submission

KIND = "ledger"
MONTHS = tuple(f"month_{m}" for m in range(1, 13))
_NODE = re.compile(r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?)\s*(.+?)\s*(?:[（(]([^）)]+)[）)])?$")


def milestones(value: Any) -> list[tuple[date, str, str]]:
    """``2026-05-31 完成前期手续；2026-08-31 主体结构封顶（形象进度）`` → (due, name, kind):
    one node per line or per ``；``, an optional kind label in brackets (default 形象进度)."""
    kinds = {label: kind for kind, label in labels("milestone_kind").items()}
    nodes = []
    for entry in filter(None, (e.strip() for e in re.split(r"[；;\n]+", str(value)))):
        match = _NODE.match(entry)
        if match is None:
            raise CellProblem(f"“{entry}”应写成“日期 节点名称”，例如“2026-05-31 完成前期手续”")
        written_kind = match.group(3)
        if written_kind is not None and written_kind not in kinds:
            raise CellProblem(f"节点类型“{written_kind}”不是可选项（{'、'.join(kinds)}）")
        name = match.group(2).strip()
        if len(name) > 200:
            raise CellProblem("节点名称超过 200 个字")
        nodes.append((day(match.group(1)), name, kinds.get(written_kind or "", "progress")))
    return nodes


COLUMNS = (
    Column("项目名称", "name", text(200), required=True),
    Column("项目代码", "project_id", code, required=True, note="本县项目编号，如 XM2026001"),
    Column("建设单位", "owner_unit", text(200), required=True, note="业主单位全称"),
    Column(
        "分包领导", "leader", text(200), required=True, note="姓名（职务），如 张志强（副县长）"
    ),
    Column("牵头单位", "lead_unit", text(200), required=True, note="承办单位：乡镇或县直部门"),
    Column("乡镇", "town", text(100), required=True),
    Column(
        "类别",
        "category",
        choice("category"),
        required=True,
        choices=tuple(labels("category").values()),
    ),
    Column(
        "行业", "sector", choice("sector"), required=True, choices=tuple(labels("sector").values())
    ),
    Column("总投资（万元）", "total_investment", wan_yuan, required=True),
    Column("年度计划投资（万元）", "annual_plan", wan_yuan, required=True),
    *(
        Column(
            f"{m}月计划（万元）",
            f"month_{m}",
            wan_yuan,
            note="逐月计划；填了任一月，合计须等于年度计划",
        )
        for m in range(1, 13)
    ),
    Column("计划开工", "planned_start", day, note="日期，如 2026-04-15"),
    Column("计划竣工", "planned_completion", day),
    Column(
        "节点",
        "milestones",
        milestones,
        note="每行或用“；”隔开一个节点：日期 节点名称（类型），类型可省略（默认形象进度）；"
        f"类型：{'、'.join(labels('milestone_kind').values())}",
    ),
    Column(
        "重大项目", "major", yes_no, note="是：每周调度；否或空：每月调度", choices=("是", "否")
    ),
    Column(
        "全国项目代码", "national_code", national_code, note="投资项目在线审批监管平台的24位代码"
    ),
)


def check(row: Row) -> list[tuple[str, str]]:
    """The row's cells that disagree with one another."""
    v = row.values
    problems = []
    months = [v[key] for key in MONTHS if v[key] is not None]
    if months and sum(months, Decimal(0)) != v["annual_plan"]:
        total = wan_number(sum(months, Decimal(0)))
        problems.append(("annual_plan", f"1—12月计划合计 {total} 万元，与年度计划投资不符"))
    if v["annual_plan"] > v["total_investment"]:
        problems.append(("annual_plan", "年度计划投资大于总投资"))
    start, end = v["planned_start"], v["planned_completion"]
    if start is not None and end is not None and end < start:
        problems.append(("planned_completion", "计划竣工早于计划开工"))
    return problems


def events(row: Row, context: ImportContext) -> list[Submission]:
    """The registration and its nodes, all at the moment of the import."""
    v = row.values
    project_id = v["project_id"]

    def submission(type_: str, what: str, payload: dict[str, Any]) -> Submission:
        return Submission(
            event_id=event_id(KIND, project_id, what),
            type=type_,
            occurred_at=context.now,
            payload=payload,
            project_id=project_id,
            actor=context.actor,
            source=context.source,
        )

    out = [submission("ProjectRegistered", "registered", registration(v, context.year))]
    for n, (due, name, kind) in enumerate(v["milestones"] or [], start=1):
        node = {"milestone_id": f"JD{n:02d}", "name": name, "due": due.isoformat(), "kind": kind}
        out.append(submission("MilestonePlanned", f"milestone/JD{n:02d}", node))
    return out


def registration(v: dict[str, Any], year: int) -> dict[str, Any]:
    """A ``ProjectRegistered`` payload from a read row (money in yuan)."""
    months = [v[key] for key in MONTHS]
    major = bool(v["major"])
    return {
        "project_id": v["project_id"],
        "national_code": v["national_code"],
        "name": v["name"],
        "category": v["category"],
        "sector": v["sector"],
        "town": v["town"],
        "year": year,
        "total_investment": f"{v['total_investment']:.2f}",
        "annual_plan": f"{v['annual_plan']:.2f}",
        "monthly_plan": [f"{m or 0:.2f}" for m in months] if any(months) else None,
        "major": major,
        "cadence": "weekly" if major else "monthly",
        "leader": v["leader"],
        "lead_unit": v["lead_unit"],
        "owner_unit": v["owner_unit"],
        "planned_start": _iso(v["planned_start"]),
        "planned_completion": _iso(v["planned_completion"]),
    }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


LEDGER = Layout(
    kind=KIND,
    title="重点项目台账",
    columns=COLUMNS,
    events=events,
    key_of=lambda row: str(row.values["project_id"]),
    duplicate_message="项目代码与第{}行重复",
    check=check,
    example=(
        "年产5万吨新型绿色建材项目",
        "XM2026001",
        "安徽皖材新型建材有限公司",
        "周立平（副县长）",
        "县工信局",
        "嘴东镇",
        "突破性进展或完工投产",
        "制造业",
        32000,
        12000,
        *([1000] * 12),
        "2025-09-01",
        "2026-12-20",
        "2026-05-31 主体结构封顶；2026-11-30 设备安装调试（完工）",
        "是",
        None,
    ),
)
