"""The meeting notice with its agenda (关于召开2026年第10周重点项目调度会议的通知):
time, place, chair, leaders in rank order and units, 议程 (汇报、协调、点评、部署), the
agenda items by leader and unit, requirements; 附件 the item list and progress table."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.documents import (
    Block,
    Heading,
    OfficialDocument,
    Paragraph,
    level2,
    level3,
    level4,
    numbered_sections,
    person,
)
from shared.i18n import label, short_date

from .by_kind import kind_sections
from .common import (
    PlanDocument,
    board_sentence,
    item_table,
    meeting_time,
    ordered_groups,
    period_text,
    progress_table,
    project_names,
    totals_paragraph,
)
from .review import review_sections


def title(doc: PlanDocument) -> str:
    if doc.plan["meeting"]["date"] is None:
        return f"关于{doc.period}不召开重点项目调度会议的通知"
    if doc.plan["cadence"] == "quarterly":
        return f"关于召开{doc.period}重点项目建设攻坚行动领导小组调度会议的通知"
    return f"关于召开{doc.period}重点项目调度会议的通知"


def build(doc: PlanDocument) -> OfficialDocument:
    meeting = doc.plan["meeting"]
    if meeting["date"] is None:
        return _no_meeting(doc)
    when = meeting_time(meeting["date"], meeting["time"])
    body: list[Block] = [
        *calendar_warnings(doc),
        Paragraph(
            "为全面掌握重点项目建设攻坚行动进展情况，协调解决项目推进中的困难和问题，"
            f"定于{when}召开{doc.period}重点项目调度会议"
            f"（{label('meeting_date_rule', meeting.get('date_rule') or 'first_working_day')}）。"
            "现将有关事项通知如下："
        ),
    ]
    sections = [
        ("会议时间", [Paragraph(when)]),
        ("会议地点", [Paragraph(doc.office.meeting_place)]),
        ("会议主持", [Paragraph(doc.chair)]),
        ("参会人员", attendees(doc)),
        ("会议议程", programme(doc)),
        ("调度事项", agenda_items(doc)),
        *([("分类调度", by_kind)] if (by_kind := kind_sections(doc.plan)) else []),
        *review_sections(doc.plan),
        ("有关要求", requirements(doc)),
    ]
    body += numbered_sections(sections)
    tables = [
        item_table(doc, f"{doc.period}重点项目调度事项清单"),
        progress_table(doc, f"{doc.period}重点项目进展情况表"),
    ]
    return doc.frame("通知", title(doc), body, tables)


def calendar_warnings(doc: PlanDocument) -> list[Block]:
    """The calendar's warning (a year guessed Monday to Friday), where all can see it."""
    warnings = doc.plan["meeting"].get("warnings") or []
    return [Paragraph("；".join(warnings) + "。", lead="工作日历提示：")] if warnings else []


def _no_meeting(doc: PlanDocument) -> OfficialDocument:
    """A period without a working day: no meeting; why, and where its items go."""
    plan = doc.plan
    carried = plan.get("carried_items") or []
    body: list[Block] = [
        *calendar_warnings(doc),
        Paragraph(plan["meeting"]["reason"] + "。"),
        Paragraph(
            f"本期{len(carried)}项调度事项顺延至{period_text(plan['cadence'], plan['carried_to'])}调度会议；"
            "已交办未办结的事项继续按原完成时限办理。"
            if carried
            else "本期无需顺延的调度事项。"
        ),
    ]
    body += [
        Paragraph(f"{item['project']}：{item['reason']}。", lead=level4(k))
        for k, item in enumerate(carried, 1)
    ]
    return doc.frame("通知", title(doc), body, [])


def attendees(doc: PlanDocument) -> list[Block]:
    ranked, units = doc.attendees
    leaders = [person(leader) for leader in ranked]
    return [
        Paragraph("、".join(leaders) + "。" if leaders else "分包县领导。", lead="县领导："),
        Paragraph(
            "、".join([*units, doc.office.issuing_office]) + "主要负责同志。", lead="参会单位："
        ),
    ]


def programme(doc: PlanDocument) -> list[Block]:
    chair = doc.chair
    steps = (
        ("汇报", "各承办单位主要负责同志汇报分包项目进展情况、存在问题及下步打算。"),
        ("协调", "分包县领导协调解决所分包项目推进中的困难和问题，明确责任单位和完成时限。"),
        ("点评", f"{doc.office.issuing_office}通报挂图作战红、黄牌项目情况，{chair}点评。"),
        ("部署", f"{chair}对下一阶段重点项目建设工作进行部署。"),
    )
    return [Paragraph(text, lead=f"{level2(i)}{step}。") for i, (step, text) in enumerate(steps, 1)]


def agenda_items(doc: PlanDocument) -> list[Block]:
    blocks: list[Block] = [Paragraph(board_sentence(doc))]
    spot = doc.plan.get("spot_check")
    if spot and spot["project_ids"]:
        names = "、".join(project_names(doc, spot["project_ids"]))
        blocks.append(Paragraph(f"本周随机抽查项目：{names}。"))
    totals = totals_paragraph(doc)
    if totals is not None:
        blocks.append(totals)
    blocks += set_piece_paragraphs(doc.plan)
    blocks += escalation_paragraphs(doc)
    groups = ordered_groups(doc)
    if not groups:
        blocks.append(Paragraph("本期无需调度的事项。"))
    for n, (leader, unit_groups) in enumerate(groups, 1):
        blocks.append(Heading(f"{level2(n)}{person(leader)}分包项目", level=2))
        for m, group in enumerate(unit_groups, 1):
            blocks.append(Heading(f"{level3(m)}承办单位：{group['unit']}", level=3))
            blocks += [_item(k, item) for k, item in enumerate(group["items"], 1)]
    return blocks


def set_piece_paragraphs(plan: dict[str, Any]) -> list[Block]:
    """The campaign calendar's set pieces of the period, and (for the leading group) those
    past their window without being held."""
    blocks: list[Block] = []
    due = plan.get("set_pieces") or []
    if due:
        blocks.append(Paragraph("；".join(_piece(p) for p in due) + "。", lead="本期重点活动："))
    missed = plan.get("set_pieces_missed")
    if missed:
        text = "、".join(
            f"{label('set_piece', p['code'])}（应于{short_date(date.fromisoformat(p['ends_on']))}前开展，"
            f"{label('set_piece_state', p['state'])}）"
            for p in missed
        )
        blocks.append(Paragraph(text + "。", lead="未按期开展的重点活动："))
    elif missed is not None:
        blocks.append(Paragraph("重点活动均已按期开展或尚未到期。"))
    return blocks


def escalation_paragraphs(doc: PlanDocument) -> list[Block]:
    """The problems put to the leading group and not closed by the meeting (一事一议),
    each project by its name."""
    shown = doc.plan.get("escalations") or []
    if not shown:
        return []
    ids = [e["project_id"] for e in shown if e.get("project_id")]
    names = dict(zip(ids, project_names(doc, ids), strict=True))
    return [Paragraph("", lead="提请领导小组研究的事项（一事一议）：")] + [
        Paragraph(_escalation(e, names), lead=f"{k}.") for k, e in enumerate(shown, 1)
    ]


def _escalation(e: dict[str, Any], names: dict[str, str]) -> str:
    project = names.get(e.get("project_id") or "")
    about = "、".join(x for x in (project, e.get("unit")) if x)
    raised = short_date(date.fromisoformat(e["raised_on"]))
    text = f"{about}：{e['matter']}（{e['raised_by']}{raised}提请）"
    decision = e.get("decision")
    if decision is None:
        return text + "，待领导小组研究。"
    due = short_date(date.fromisoformat(decision["due"]))
    return (
        text + f"。议定：{decision['decision']}；责任单位：{decision['owner']}；完成时限：{due}。"
    )


def _piece(piece: dict[str, Any]) -> str:
    starts, ends = (date.fromisoformat(piece[k]) for k in ("starts_on", "ends_on"))
    return (
        f"{label('set_piece', piece['code'])}（{short_date(starts)}至{short_date(ends)}，"
        f"责任：{piece['owner']}，成果：{piece['produces']}，"
        f"{label('set_piece_state', piece['state'])}）"
    )


def _item(k: int, item: dict[str, Any]) -> Paragraph:
    action = item["action"]
    escalate = "提请领导小组协调。" if item["escalate"] else ""
    due = short_date(date.fromisoformat(action["due"]))
    return Paragraph(
        f"{item['project']}：{item['reason']}。{escalate}责任单位：{action['assignee']}；"
        f"完成时限：{due}；{label('action_status', action['status'])}。",
        lead=level4(k),
    )


def requirements(doc: PlanDocument) -> list[Block]:
    office = doc.office.issuing_office
    texts = (
        f"请各承办单位对照调度事项逐项准备书面汇报材料，于会前一个工作日报送{office}。",
        "请参会人员准时参会，不得缺席；确因特殊情况不能参会的，须向会议主持人请假，"
        "并委托相关负责同志参会。",
        "会议交办事项实行台账管理，责任单位须在完成时限内办结并报送办理情况，"
        "未办结事项转入下次调度。",
    )
    return [Paragraph(text, lead=level2(i)) for i, text in enumerate(texts, 1)]
