"""The words of every agenda and board reason, from the rule's code and its facts.

``ZH`` is how the office reads them. ``LEGACY_EN`` is the wording of plans made before the
Chinese texts: kept so that a plan remade as known then is recognised as the same plan
(wording alone is never a new version; see `SchedulingService.plan`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.i18n import decimal1, label, month_range, month_text, period_text, short_date, wan

ZH = "zh"
LEGACY_EN = "en"
TEXTS = (ZH, LEGACY_EN)

Facts = Mapping[str, Any]


def _investment_zh(f: Facts) -> str:
    """``1—10月计划投资6,549.09万元，完成0万元，落后序时进度83.3个百分点``."""
    return (
        f"{month_range(1, f['months'])}计划投资{wan(f['planned'])}，完成{wan(f['actual'])}，"
        f"落后序时进度{decimal1(f['behind_pp'])}个百分点"
    )


def _follow_up_zh(f: Facts) -> str:
    note = f"：{f['description']}" if f["description"] else ""
    return f"{period_text(f['period'])}交办事项尚未办结（应于{short_date(f['due'])}前完成）{note}"


def _statistics_zh(f: Facts) -> str:
    """``已于2026年3月5日开工，满2个月仍未入统（本县规定：开工满1个月未入统为黄，满2个月为红）``."""
    rule = "，".join(
        f"满{n}个月未入统为{word}"
        for n, word in ((f["yellow_months"], "黄"), (f["red_months"], "红"))
        if n
    )
    return (
        f"已于{short_date(f['started_on'])}开工，满{f['months']}个月仍未入统"
        f"（本县规定：开工{rule}）"
    )


_ZH: dict[str, Callable[[Facts], str]] = {
    "milestone_slipped": lambda f: (
        f"节点“{f['name']}”已延期{f['slips']}次（现定{short_date(f['due'])}完成），提请领导小组研究"
    ),
    "milestone_overdue": lambda f: (
        f"节点“{f['name']}”应于{short_date(f['due'])}完成，已逾期{f['late']}天"
    ),
    "milestone_due": lambda f: (
        f"节点“{f['name']}”应于{short_date(f['due'])}完成，在本期（{period_text(f['period'])}）内到期"
    ),
    "start_missed": lambda f: (
        f"计划于{short_date(f['planned_start'])}开工，已过{f['late']}天仍未开工"
    ),
    "approval_pending": lambda f: (
        f"{label('approval_kind', f['kind'])}手续（{f['approval_id']}）已申报{f['waited']}天"
        f"未获批复，限办{f['allowed']}天"
    ),
    "issue_open": lambda f: (
        f"{label('issue_kind', f['kind'])}问题“{f['description']}”已{f['open_days']}天未解决，"
        f"限办{f['allowed']}天"
    ),
    "investment_behind": _investment_zh,
    "inspection_failed": lambda f: (
        f"{short_date(f['on'])}督查检查（{f['inspection_id']}）结果为不合格"
    ),
    "investment_report_missing": lambda f: f"{month_text(f['month'])}投资完成情况未报送",
    "veto_incident": lambda f: (
        f"{short_date(f['on'])}发生{label('incident_kind', f['kind'])}，属一票否决事项，提请领导小组研究"
    ),
    "follow_up": _follow_up_zh,
    "statistics_missing": _statistics_zh,
}

_LEGACY_EN: dict[str, Callable[[Facts], str]] = {
    "milestone_slipped": lambda f: (
        f"milestone {f['name']!r} slipped {f['slips']} times (now due {f['due']}): "
        "escalate to the leading group"
    ),
    "milestone_overdue": lambda f: (
        f"milestone {f['name']!r} overdue by {f['late']} days (due {f['due']})"
    ),
    "milestone_due": lambda f: f"milestone {f['name']!r} due {f['due']}, within {f['period']}",
    "start_missed": lambda f: f"planned start {f['planned_start']} missed by {f['late']} days",
    "approval_pending": lambda f: (
        f"approval {f['kind']} ({f['approval_id']}) pending {f['waited']} days, "
        f"allowed {f['allowed']}"
    ),
    "issue_open": lambda f: (
        f"{f['kind']} problem {f['description']!r} open {f['open_days']} days, "
        f"allowed {f['allowed']}"
    ),
    "investment_behind": lambda f: (
        f"investment {f['actual']:.2f} of {f['planned']:.2f} planned to month {f['months']}: "
        f"{f['behind_pp']} points behind the time-proportional plan (序时进度)"
    ),
    "inspection_failed": lambda f: f"inspection {f['inspection_id']} on {f['on']} failed",
    "investment_report_missing": lambda f: f"no investment report for {f['month']}",
    "veto_incident": lambda f: (
        f"{f['kind']} reported on {f['on']}: a veto (一票否决), escalate to the leading group"
    ),
    "follow_up": lambda f: (
        f"follow-up action from {f['period']} still open (due {f['due']})"
        + (f": {f['description']}" if f["description"] else "")
    ),
    "statistics_missing": lambda f: (
        f"started on {f['started_on']}, {f['months']} months and not in the statistics database"
    ),
}

_SCOPES = {
    LEGACY_EN: {
        "weekly": "major projects, weekly-cadence projects and every red project",
        "monthly": "all active projects",
        "quarterly": "escalations and red projects of all active projects; campaign totals",
    }
}


def reason(rule: str, facts: Facts, texts: str = ZH) -> str:
    """The reason of a finding of ``rule`` in the words of ``texts``."""
    return (_ZH if texts == ZH else _LEGACY_EN)[rule](facts)


def scope(cadence: str, texts: str = ZH) -> str:
    """Which projects a meeting of ``cadence`` takes up."""
    if texts == ZH:
        return label("agenda_scope", cadence)
    return _SCOPES[texts][cadence]


def calendar_warning(year: int, texts: str = ZH) -> str:
    if texts == ZH:
        return f"{year}年不在国家法定工作日历数据之内，暂按周一至周五为工作日"
    return f"{year} is not in the official calendar data: Monday to Friday assumed"
