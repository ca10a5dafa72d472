"""What the documents of one plan version share: the record, the office, the number; the
period and meeting as written; the agenda in leader rank order; the progress and item
tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.documents import (
    Block,
    Column,
    IssuedDocument,
    LeaderRanks,
    OfficeConfig,
    OfficialDocument,
    Paragraph,
    Table,
    chinese_number,
    office_document,
    person,
    signing_date,
)
from shared.i18n import date_text, instant_text_of, label, month_text, percent, yes_no, yi

from ...domain.plan import LEGACY_CHAIR


@dataclass(frozen=True)
class PlanDocument:
    """What every document of one plan version shares."""

    record: dict[str, Any]
    office: OfficeConfig
    zone: ZoneInfo
    issued: IssuedDocument | None = None
    progress_rows: list[dict[str, Any]] | None = None
    """The meeting's progress table (`SchedulingService.progress`); else from the agenda."""

    @property
    def plan(self) -> dict[str, Any]:
        return self.record["plan"]

    @property
    def chair(self) -> str:
        """The chair the plan recorded (the office's chair of the level when it was made);
        for a plan made before the levels had chairs, the one configured now."""
        recorded = self.plan["meeting"]["chair"]
        if recorded != LEGACY_CHAIR:
            return recorded
        return self.office.chair_for(self.plan["cadence"], recorded)

    @property
    def attendees(self) -> tuple[list[str], list[str]]:
        """The plan's attendees split into leaders (by rank) and units (in the plan's order:
        lead units by their leader's rank, then owners)."""
        leaders = {group["leader"] for group in self.plan["groups"]}
        listed = self.plan["meeting"]["attendees"]
        return (
            self.ranks.ordered(a for a in listed if a in leaders),
            [a for a in listed if a not in leaders],
        )

    @property
    def period(self) -> str:
        return period_text(self.plan["cadence"], self.plan["period"])

    @property
    def ranks(self) -> LeaderRanks:
        return LeaderRanks(self.office)

    def frame(
        self, kind: str, title: str, body: list[Block], tables: list[Table]
    ) -> OfficialDocument:
        return office_document(
            self.office,
            kind=kind,
            title=title,
            body=body,
            tables=tables,
            signed_on=signing_date(self.issued, self.record["recorded_at"], self.zone),
            issued=self.issued,
            metadata=self.metadata(),
        )

    def metadata(self) -> dict[str, str]:
        record = self.record
        out = {
            "计划": f"{label('cadence', self.plan['cadence'])} {self.plan['period']} 第{record['version']}版",
            "计划摘要（SHA-256）": record["digest"],
            "计划事件编号": record["event_id"],
            "计划事件全局位置": str(record["global_position"]),
            "信息截止时间": instant_text_of(record["known_at"], self.zone),
            "数据水位（全局位置）": str(record.get("watermark") or ""),
        }
        warnings = self.plan["meeting"].get("warnings") or []
        if warnings:
            out["工作日历提示"] = "；".join(warnings)
        return out


def period_text(cadence: str, period: str) -> str:
    """``2026-W10`` → 2026年第10周, ``2026-03`` → 2026年3月, ``2026-Q1`` → 2026年第一季度."""
    if cadence == "weekly":
        year, week = period.split("-W")
        return f"{int(year)}年第{int(week)}周"
    if cadence == "quarterly":
        year, quarter = period.split("-Q")
        return f"{int(year)}年第{chinese_number(int(quarter))}季度"
    return month_text(period)


def meeting_time(day: str, clock: str) -> str:
    """``2026年3月2日（星期一）上午9:00``."""
    hour, minute = (int(part) for part in clock.split(":"))
    half = "上午" if hour < 12 else "下午"
    shown = hour if hour <= 12 else hour - 12
    return f"{date_text(date.fromisoformat(day))}{half}{shown}:{minute:02d}"


# -- what both documents list ---------------------------------------------------------


def ordered_groups(doc: PlanDocument) -> list[tuple[str, list[dict[str, Any]]]]:
    """Agenda groups by leader (rank order), each with its units' groups in plan order."""
    by_leader: dict[str, list[dict[str, Any]]] = {}
    for group in doc.plan["groups"]:
        by_leader.setdefault(group["leader"], []).append(group)
    return [(leader, by_leader[leader]) for leader in doc.ranks.ordered(by_leader)]


def progress(doc: PlanDocument) -> list[dict[str, Any]]:
    """The progress rows in leader rank order (without them: the agenda's projects)."""
    rows = doc.progress_rows
    if rows is None:
        seen: dict[str, dict[str, Any]] = {}
        for group in doc.plan["groups"]:
            for item in group["items"]:
                seen.setdefault(
                    item["project_id"],
                    {
                        "project_id": item["project_id"],
                        "project": item["project"],
                        "leader": group["leader"],
                        "lead_unit": group["unit"],
                        "colour": item["colour"],
                    },
                )
        rows = list(seen.values())
    order = {leader: i for i, leader in enumerate(doc.ranks.ordered(r["leader"] for r in rows))}
    return sorted(rows, key=lambda r: (order[r["leader"]], r["lead_unit"], r["project"]))


def items_by_project(doc: PlanDocument) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for group in doc.plan["groups"]:
        for item in group["items"]:
            out.setdefault(item["project_id"], []).append(item)
    return out


def progress_table(doc: PlanDocument, title: str) -> Table:
    items = items_by_project(doc)
    columns = (
        # Widths in proportion, for ``12,000.00`` on one line in a landscape 版心.
        Column("序号", 4, "number"),
        Column("分包领导", 8),
        Column("承办单位", 8),
        Column("项目名称", 12),
        Column("挂图状态", 5),
        Column("年度计划投资", 9, "money"),
        Column("序时计划投资", 9, "money"),
        Column("累计完成投资", 9, "money"),
        Column("落后序时进度（百分点）", 6, "percent"),
        Column("调度事项", 18),
    )
    rows = []
    for index, row in enumerate(progress(doc), 1):
        reasons = "；".join(i["reason"] for i in items.get(row["project_id"], []))
        behind = Decimal(row["behind_points"]) if row.get("behind_points") else None
        rows.append(
            (
                index,
                person(row["leader"]),
                row["lead_unit"],
                row["project"],
                label("colour", row.get("colour")),
                _money(row, "annual_plan"),
                _money(row, "planned_to_date"),
                _money(row, "completed"),
                behind if behind and behind > 0 else None,
                reasons or "按计划推进",
            )
        )
    return Table(title, columns, tuple(rows), sheet="进展情况表")


def _money(row: dict[str, Any], key: str) -> Decimal | None:
    return Decimal(row[key]) if row.get(key) is not None else None


def item_table(doc: PlanDocument, title: str) -> Table:
    columns = (
        Column("序号", 4, "number"),
        Column("分包领导", 8),
        Column("承办单位", 8),
        Column("项目名称", 12),
        Column("事项类别", 8),
        Column("事项说明", 24),
        Column("挂图状态", 4),
        Column("提请领导小组协调", 5),
        Column("责任单位", 8),
        Column("完成时限", 8, "date"),
        Column("办理状态", 5),
    )
    rows, index = [], 0
    for leader, groups in ordered_groups(doc):
        for group in groups:
            for item in group["items"]:
                index += 1
                action = item["action"]
                rows.append(
                    (
                        index,
                        person(leader),
                        group["unit"],
                        item["project"],
                        label("agenda_rule", item["rule"]),
                        item["reason"],
                        label("colour", item["colour"]),
                        yes_no(item["escalate"]),
                        action["assignee"],
                        date.fromisoformat(action["due"]),
                        label("action_status", action["status"]),
                    )
                )
    return Table(title, columns, tuple(rows), sheet="调度事项清单")


def board_sentence(doc: PlanDocument) -> str:
    board, scope = doc.plan["board"], doc.plan["scope"]
    return (
        f"本期调度范围：{label('agenda_scope', doc.plan['cadence'])}。纳入本期调度的项目"
        f"{scope['projects']}个，其中列入调度事项的{scope['on_agenda']}个；挂图作战红色{board['red']}个、"
        f"黄色{board['yellow']}个、绿色{board['green']}个。"
    )


def project_names(doc: PlanDocument, ids: list[str]) -> list[str]:
    names = {r["project_id"]: r["project"] for r in progress(doc)}
    return [names.get(i, i) for i in ids]


def totals_paragraph(doc: PlanDocument) -> Paragraph | None:
    totals = doc.plan.get("totals")
    if not totals:
        return None
    parts = [
        f"{label('category', name)}类目标{c['target']}个、在库{c['projects']}个、已实现{c['achieved']}个"
        for name, c in totals["categories"].items()
    ]
    inv = totals["investment"]
    text = (
        "；".join(parts) + f"；年度计划投资{yi(inv['target'])}，已完成{yi(inv['reported'])}，"
        f"占年度目标的{percent(inv['percent_of_target'])}。"
    )
    return Paragraph(text, lead=f"全县{totals['year']}年目标完成情况：")
