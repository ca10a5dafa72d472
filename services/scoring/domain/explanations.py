"""The words of every score line's explanation, from the line's code and its facts.

``ZH`` is how the office reads them. ``LEGACY_EN`` is the wording of assessments made before
the Chinese texts: their digests cover it, so re-running one of them must say it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shared.i18n import has_label, label, month_range, percent, points_text, short_date, wan

ZH = "zh"
LEGACY_EN = "en"
TEXTS = (ZH, LEGACY_EN)

Facts = Mapping[str, Any]


def _points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _months_zh(months: int) -> str:
    return month_range(1, months) if months else "年初"


def _target_zh(f: Facts) -> str:
    if f["basis"] == "achievement":
        basis = f"{short_date(f['on'])}{label('achievement', f['kind'])}"
    elif f["basis"] == "approvals":
        basis = f"已批复前期手续{f['approvals']}项"
    else:
        basis = "尚无实质进展"
    category = label("category", f["category"])
    return f"{category}类项目：{basis}，得本项分值的{percent(f['fraction'] * 100)}"


def _target_en(f: Facts) -> str:
    if f["basis"] == "achievement":
        basis = f"{f['kind']} on {f['on'].isoformat()}"
    elif f["basis"] == "approvals":
        basis = f"{f['approvals']} approval(s) granted"
    else:
        basis = "nothing achieved yet"
    return f"category {f['category']}: {basis} earns {f['fraction']} of the points"


def _investment_zh(f: Facts) -> str:
    months = f["months"]
    basis = {
        "annual": "按年度计划",
        "monthly": f"按{_months_zh(months)}月度计划",
        "proportional": f"按序时进度（{_months_zh(months)}，年度计划的{months}/12）",
    }[f["basis"]]
    return (
        f"完成投资{wan(f['completed'])}，{basis}应完成{wan(f['due'])}，"
        f"完成率{percent(f['ratio'] * 100)}"
    )


def _investment_en(f: Facts) -> str:
    months = f["months"]
    basis = {
        "annual": "the annual plan",
        "monthly": f"the monthly plan to month {months}",
        "proportional": f"{months}/12 of the annual plan (序时进度)",
    }[f["basis"]]
    ratio = (f["ratio"] * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{_money(f['completed'])} yuan completed against {_money(f['due'])} due by {basis} ({ratio}%)"


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _counted_zh(f: Facts, what: str, done: str, bad: str) -> str:
    good, late = f["good"], f["bad"]
    counted = len(good) + len(late)
    if not counted:
        return f"本年度无到期{what}，得满分"
    text = f"到期{what}{counted}个，{done}{len(good)}个"
    return text + (f"；{bad}：{'、'.join(late)}" if late else "")


def _counted_en(f: Facts, what: str, done: str, bad: str, none: str) -> str:
    good, late = f["good"], f["bad"]
    counted = len(good) + len(late)
    if not counted:
        return none
    return f"{len(good)} of {counted} {what} {done}" + (
        f"; {bad}: {', '.join(late)}" if late else ""
    )


def _finding_zh(kind: str) -> str:
    """督查合格 / 督查不合格 / 通报批评 …: an inspection result or a notice kind."""
    if has_label("inspection_result", kind):
        return f"督查{label('inspection_result', kind)}"
    return label("notice_kind", kind)


def _supervision_zh(f: Facts) -> str:
    parts = "、".join(f"{_finding_zh(k)}{n}次" for k, n in sorted(f["counts"].items()))
    return (
        f"{parts or '无督查检查和通报'}：本项{points_text(f['maximum'])}分，"
        f"计{points_text(f['score'])}分"
    )


def _supervision_en(f: Facts) -> str:
    parts = ", ".join(f"{n} {k}" for k, n in sorted(f["counts"].items())) or "no findings"
    return f"{parts}: {_points(f['maximum'])} adjusted to {_points(f['score'])}"


_ZH: dict[str, Callable[[Facts], str]] = {
    "target_attainment": _target_zh,
    "investment": _investment_zh,
    "milestones": lambda f: _counted_zh(f, "节点", "按期完成", "逾期或未完成"),
    "issues": lambda f: _counted_zh(f, "问题", "限期内解决", "超期未解决"),
    "supervision": _supervision_zh,
}

_LEGACY_EN: dict[str, Callable[[Facts], str]] = {
    "target_attainment": _target_en,
    "investment": _investment_en,
    "milestones": lambda f: _counted_en(
        f, "milestone(s)", "due met on time", "late or open", "no milestone was due: full points"
    ),
    "issues": lambda f: _counted_en(
        f,
        "problem(s)",
        "resolved within their allowed days",
        "overdue",
        "no problem fell due: full points",
    ),
    "supervision": _supervision_en,
}


def explanation(line: str, facts: Facts, texts: str = ZH) -> str:
    """What a score line says, in the wording ``texts``."""
    return (_ZH if texts == ZH else _LEGACY_EN)[line](facts)


def retracted(count: int, texts: str = ZH) -> str:
    """The note a line gets when retracted events no longer count."""
    if texts == ZH:
        return f"；{count}个已撤回的事件不再计入"
    return f"; {count} retracted event(s) no longer count"
