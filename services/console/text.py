"""How the console says codes, money and dates: the project's one label catalogue and
formats (``shared.i18n``), with the few adaptations pages need (empty for nothing, dates
given as text or as instants)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.i18n import instant_text, label, short_date, wan_number, yes_no, yi

__all__ = ["label", "wan", "yi", "yi_number", "day", "moment", "field_text", "value_text"]


def wan(amount: Decimal | int | str | None) -> str:
    """Yuan in 万元 without the unit (tables say it once); nothing for None."""
    return "" if amount is None else wan_number(Decimal(amount))


def yi_number(amount: Decimal | int | str) -> str:
    """Yuan in 亿元 without the unit (chart axes)."""
    return wan_number(Decimal(amount) / 10000)


def _as_date(value: date | datetime | str, zone: ZoneInfo | None) -> date:
    if isinstance(value, str):
        text = value.replace("Z", "+00:00")
        value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    if isinstance(value, datetime):
        return value.astimezone(zone or ZoneInfo("Asia/Shanghai")).date()
    return value


def day(value: date | datetime | str | None, zone: ZoneInfo | None = None) -> str:
    """``2026年1月10日``; an instant is first put in the campaign's zone."""
    if value is None or value == "":
        return ""
    return short_date(_as_date(value, zone))


def moment(value: datetime | str | None, zone: ZoneInfo | None = None) -> str:
    """``2026年1月10日（星期六）09:30`` in the campaign's zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant_text(value, zone)


def field_text(path: str) -> str:
    """A compared field in Chinese: ``milestones.m1.due`` → ``里程碑 · m1 · 计划完成``."""
    return " · ".join(label("project_field", part) for part in path.split("."))


MONEY_FIELDS = ("total_investment", "annual_plan", "investment", "investment_reported")


def value_text(path: str, value: object) -> str:
    """A compared value as a person reads it: money in 万元, 是/否, codes labelled."""
    if value is None or value == "":
        return "—"
    top = path.split(".")[0]
    if isinstance(value, bool):
        return yes_no(value)
    if top in MONEY_FIELDS and isinstance(value, str | int | Decimal):
        return f"{wan(value)}万元"
    if top in ("phase", "category"):
        return label(top, value)
    return str(value)
