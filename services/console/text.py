"""How the console says codes, money and dates: the project's one label catalogue and
formats (``shared.i18n``), with the few adaptations pages need (empty for nothing, dates
given as text or as instants)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.i18n import instant_text, label, short_date, wan_number, yi

__all__ = ["label", "wan", "yi", "yi_number", "day", "moment"]


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
