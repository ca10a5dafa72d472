"""The quarterly notice's review of the quarter before the meeting (`domain.quarter_review`):
挂点服务情况 (each leader by rank, the projects visited and not) and 项目库转化情况 (entries,
入统, 签约→开工, 开工→投产)."""

from __future__ import annotations

from typing import Any

from shared.documents import Block, Paragraph
from shared.i18n import label, period_text

STAGES = ("signed", "started", "commissioned")
"""The stages the quarter's movement counts, in the pool's order (the stored plan's keys are
in character order)."""


def review_sections(plan: dict[str, Any]) -> list[tuple[str, list[Block]]]:
    """The notice's numbered sections of the review, those the plan states."""
    out: list[tuple[str, list[Block]]] = []
    if plan.get("leader_visits"):
        out.append(("挂点服务情况", visit_paragraphs(plan["leader_visits"])))
    if plan.get("pool"):
        out.append(("项目库转化情况", pool_paragraphs(plan["pool"])))
    return out


def visit_paragraphs(section: dict[str, Any]) -> list[Block]:
    quarter = period_text(section["quarter"])
    missing = section["not_visited"]
    summary = (
        f"{quarter}未到挂点项目服务的领导：{'、'.join(missing)}。"
        if missing
        else f"{quarter}各挂点领导均已到所挂项目服务。"
    )
    return [Paragraph(summary)] + [
        Paragraph(_leader(row), lead=f"{k}.") for k, row in enumerate(section["leaders"], 1)
    ]


def _leader(row: dict[str, Any]) -> str:
    projects = row["projects"]
    visits = sum(p["visits"] for p in projects)
    solved = sum(p["problems_solved"] for p in projects)
    text = (
        f"{row['leader']}：挂点项目{len(projects)}个，已服务{len(row['visited'])}个"
        f"（服务{visits}次，现场解决问题{solved}个）"
    )
    names = {p["project_id"]: p["name"] for p in projects}
    if row["not_visited"]:
        text += "，未服务：" + "、".join(names[i] for i in row["not_visited"])
    return text + "。"


def pool_paragraphs(section: dict[str, Any]) -> list[Block]:
    names = section.get("names") or {}

    def listed(ids: list[str]) -> str:
        return f"（{'、'.join(names.get(i, i) for i in ids)}）" if ids else ""

    entered = "，".join(
        f"{label('project_stage', stage)}{len(section['entered'].get(stage) or ())}个"
        for stage in STAGES
    )
    moves = (
        f"{period_text(section['quarter'])}新入库项目{len(section['entered_pool'])}个"
        f"{listed(section['entered_pool'])}，入统{len(section['statistics'])}个"
        f"{listed(section['statistics'])}；{entered}。"
    )
    return [Paragraph(moves)] + [
        Paragraph(_conversion(c) + listed(c["projects"]) + "。") for c in section["conversions"]
    ]


def _conversion(c: dict[str, Any]) -> str:
    rate = f"{float(c['rate']) * 100:.0f}%" if c["rate"] is not None else "—"
    return (
        f"{label('project_stage', c['source'])}→{label('project_stage', c['target'])}："
        f"可转化{c['could']}个，已转化{c['converted']}个，转化率{rate}"
    )
