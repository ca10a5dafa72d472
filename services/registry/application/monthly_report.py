"""A unit's monthly 填报表: one row per project and month, for units that no approval
system covers. A clean row becomes an ``InvestmentReported`` (with the 形象进度) and,
when it names a problem, an ``IssueRaised``; the office that imports it is the source."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from shared.i18n import labels

from .spreadsheets import (
    Column,
    ImportContext,
    Layout,
    Row,
    choice,
    code,
    event_id,
    month,
    text,
    wan_yuan,
)
from .submissions import Submission

KIND = "monthly-report"

COLUMNS = (
    Column("月份", "month", month, required=True, note="填报的月份，如 2026-03"),
    Column("项目代码", "project_id", code, required=True, note="台账中的项目代码"),
    Column("项目名称", "name", text(200), note="便于核对，不导入"),
    Column("本月完成投资（万元）", "amount", wan_yuan, required=True),
    Column("形象进度", "progress", text(2000), note="本月末的形象进度"),
    Column("存在问题", "problem", text(2000), note="需协调解决的问题；空则不记录问题"),
    Column(
        "问题类型",
        "issue_kind",
        choice("issue_kind"),
        note="空则为“其他”",
        choices=tuple(labels("issue_kind").values()),
    ),
)


def reported_at(month_text: str, context: ImportContext) -> datetime:
    """The business time of a month's report: the month's last day at 18:00 in the
    campaign's zone, or now if that is still to come."""
    year, number = (int(part) for part in month_text.split("-"))
    last = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
    return min(datetime.combine(last, time(18), tzinfo=context.zone), context.now)


def events(row: Row, context: ImportContext) -> list[Submission]:
    v = row.values
    project_id, reported = v["project_id"], v["month"]

    def submission(type_: str, what: str, payload: dict[str, Any]) -> Submission:
        return Submission(
            event_id=event_id(KIND, project_id, f"{reported}/{what}"),
            type=type_,
            occurred_at=reported_at(reported, context),
            payload=payload,
            project_id=project_id,
            actor=context.actor,
            source=context.source,
        )

    investment: dict[str, Any] = {"month": reported, "amount": f"{v['amount']:.2f}"}
    if v["progress"]:
        investment["progress"] = v["progress"]
    out = [submission("InvestmentReported", "investment", investment)]
    if v["problem"]:
        issue = {
            "issue_id": f"TB{reported.replace('-', '')}",
            "kind": v["issue_kind"] or "other",
            "description": v["problem"],
        }
        out.append(submission("IssueRaised", "issue", issue))
    return out


MONTHLY_REPORT = Layout(
    kind=KIND,
    title="月度填报表",
    columns=COLUMNS,
    events=events,
    key_of=lambda row: f"{row.values['project_id']}/{row.values['month']}",
    duplicate_message="同一项目同一月份与第{}行重复",
    corrects=True,
    example=(
        "2026-03",
        "XM2026001",
        "年产5万吨新型绿色建材项目",
        1085.5,
        "主体结构完成60%",
        "",
        "",
    ),
)
