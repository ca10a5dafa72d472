"""分类调度 in the meeting notice (plan 1): each section of the plan's ``by_kind`` with what
its projects are dispatched on — preliminary projects on their tasks and deadlines, those
to start on their conditions, those under construction on 序时进度 and milestones."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.documents import Block, Heading, Paragraph, level2, level4
from shared.i18n import decimal1, label, short_date, wan


def kind_sections(plan: dict[str, Any]) -> list[Block]:
    """The sections (none when the plan has no ``by_kind``: a quarterly plan, or one
    stored before dispatch by kind)."""
    blocks: list[Block] = []
    for n, section in enumerate(plan.get("by_kind") or (), 1):
        kind = section["kind"]
        heading = (
            f"{level2(n)}{label('dispatch_kind', kind)}（调度{label('dispatch_focus', kind)}）"
        )
        blocks.append(Heading(heading, level=2))
        projects = section["projects"]
        if not projects:
            blocks.append(Paragraph("本期无此类项目。"))
        blocks += [
            Paragraph(f"{p['project']}：{_TEXT[kind](p)}。", lead=level4(k))
            for k, p in enumerate(projects, 1)
        ]
    return blocks


def _day(value: str | None) -> str:
    return short_date(date.fromisoformat(value)) if value else ""


def _preliminary(project: dict[str, Any]) -> str:
    parts = [label("work_plan_gap", g) for g in project["gaps"]]
    if project["planned_start"]:
        parts.append(f"计划{_day(project['planned_start'])}开工")
    parts += [_task(t) for t in project["tasks"]]
    approvals = [
        f"{label('approval_kind', a['kind'])}{label('approval_status', a['status'])}"
        for a in project["approvals"]
    ]
    if approvals:
        parts.append("前期手续：" + "、".join(approvals))
    return "；".join(parts)


def _task(task: dict[str, Any]) -> str:
    return f"{task['name']}（{_day(task['due'])}，{label('task_status', task['status'])}）"


def _to_start(project: dict[str, Any]) -> str:
    start = project["planned_start"]
    parts = [f"计划{_day(start)}开工" if start else "计划开工时间未明确"]
    if project["late_days"]:
        parts[0] += f"，已超过{project['late_days']}天"
    parts += [_condition(c) for c in project["conditions"]]
    return "；".join(parts)


def _condition(condition: dict[str, Any]) -> str:
    name = label("start_condition", condition["condition"])
    text = f"{name}{label('condition_status', condition['status'])}"
    details = [
        f"{label('approval_kind', a['kind'])}{label('approval_status', a['status'])}"
        for a in condition["approvals"]
    ] + [f"{label('issue_kind', i['kind'])}：{i['description']}" for i in condition["issues"]]
    return f"{text}（{'、'.join(details)}）" if details else text


def _under_construction(project: dict[str, Any]) -> str:
    parts = [f"{_day(project['started_on'])}开工" if project["started_on"] else "已开工"]
    progress = project["progress"]
    if progress is not None:
        behind = progress["behind_pp"]
        parts.append(
            f"截至{progress['months']}月序时计划{wan(progress['planned'])}，"
            f"完成{wan(progress['actual'])}"
            + (
                f"，落后序时进度{decimal1(behind)}个百分点"
                if float(behind) > 0
                else "，达到序时进度"
            )
        )
    parts += [_task(m) for m in project["milestones"]]
    parts += [_condition(c) for c in project.get("conditions", ()) if c["status"] == "open"]
    return "；".join(parts)


_TEXT = {
    "preliminary": _preliminary,
    "to_start": _to_start,
    "under_construction": _under_construction,
}
