"""How the console says codes, money and dates: the project's one label catalogue
(``shared.i18n``) where it is present. Until it lands, a minimal stand-in that shows the
code itself for anything it does not know, so no page breaks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

try:  # the catalogue of the labels work (issue "Speak the office's language")
    from shared.i18n import label as _catalogue_label  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - replaced once shared.i18n is on main
    _catalogue_label = None

_STAND_IN: dict[str, dict[str, str]] = {
    "status": {"green": "绿", "yellow": "黄", "red": "红"},
    "phase": {
        "preliminary": "前期",
        "started": "在建",
        "completed": "完工",
        "commissioned": "投产",
        "suspended": "停工",
    },
    "category": {
        "breakthrough": "突破性进展或完工投产",
        "new_start": "开工建设",
        "preliminary": "前期谋划",
    },
    "role": {"office": "领导小组办公室", "auditor": "审计", "admin": "管理员", "viewer": "查看"},
    "cadence": {"weekly": "周调度", "monthly": "月调度", "quarterly": "季度调度"},
    "approval": {
        "filing": "备案/核准",
        "planning": "规划许可",
        "eia": "环评",
        "land": "用地",
        "energy": "节能审查",
        "construction_permit": "施工许可",
        "other": "其他手续",
    },
    "approval_status": {"pending": "办理中", "granted": "已批复", "rejected": "未通过"},
    "issue": {
        "land": "用地",
        "energy": "用能",
        "labour": "用工",
        "financing": "融资",
        "environment": "环保",
        "power": "供电",
        "water": "供水",
        "road": "道路",
        "other": "其他",
    },
    "event": {
        "ProjectRegistered": "项目登记",
        "ResponsibilityAssigned": "明确责任",
        "MilestonePlanned": "制定节点",
        "MilestoneCompleted": "节点完成",
        "MilestoneSlipped": "节点延期",
        "ApprovalRequested": "手续申报",
        "ApprovalGranted": "手续批复",
        "ApprovalRejected": "手续未通过",
        "ConstructionStarted": "开工",
        "InvestmentReported": "投资月报",
        "InspectionCompleted": "督查",
        "IssueRaised": "提出问题",
        "IssueResolved": "问题解决",
        "SupervisionNoticeIssued": "督查通报",
        "SafetyIncidentReported": "安全事故",
        "ProjectCompleted": "完工",
        "ProjectCommissioned": "投产",
        "ProjectSuspended": "停工",
        "ProjectResumed": "复工",
        "EventCorrected": "更正",
        "EventRetracted": "撤回",
    },
    "rule": {
        "milestone_slipped": "节点多次延期",
        "milestone_overdue": "节点逾期",
        "milestone_due": "节点临近",
        "start_missed": "未按期开工",
        "approval_pending": "手续办理超时",
        "issue_open": "问题未解决",
        "investment_behind": "投资滞后序时进度",
        "inspection_failed": "督查未通过",
        "investment_report_missing": "投资未按月报送",
        "veto_incident": "一票否决事项",
    },
}

WEEKDAYS = "一二三四五六日"


def label(kind: str, code: str | None) -> str:
    if code is None or code == "":
        return ""
    if _catalogue_label is not None:
        return str(_catalogue_label(kind, code))
    return _STAND_IN.get(kind, {}).get(code, code)


def wan(amount: Decimal | int | float | str | None) -> str:
    """Yuan shown in 万元 with two decimals (no unit: headings say it once)."""
    if amount is None:
        return ""
    value = (Decimal(str(amount)) / Decimal(10000)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{value:,}"


def yi(amount: Decimal | int | str) -> str:
    """Yuan shown in 亿元 with two decimals (campaign totals)."""
    value = (Decimal(str(amount)) / Decimal(10**8)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{value:,}"


def day(value: date | datetime | str | None, zone: ZoneInfo | None = None) -> str:
    """``2026年1月10日``; an instant is first put in the campaign's zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = (
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            if "T" in value
            else date.fromisoformat(value)
        )
    if isinstance(value, datetime):
        value = value.astimezone(zone or ZoneInfo("Asia/Shanghai")).date()
    return f"{value.year}年{value.month}月{value.day}日"


def day_with_weekday(value: date) -> str:
    return f"{day(value)}（星期{WEEKDAYS[value.weekday()]}）"


def moment(value: datetime | str | None, zone: ZoneInfo | None = None) -> str:
    """``2026年1月10日 09:30`` in the campaign's zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = value.astimezone(zone or ZoneInfo("Asia/Shanghai"))
    return f"{day(local.date())} {local:%H:%M}"
