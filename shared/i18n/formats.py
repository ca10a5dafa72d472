"""Numbers and dates as a county office writes them (Babel, locale ``zh_CN``).

Only the shown text is rounded; stored values stay exact (Decimal yuan, UTC instants).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

LOCALE = "zh_CN"
DEFAULT_ZONE = "Asia/Shanghai"
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
MONTH_DASH = "—"
"""The dash of a month range (``1—10月``), as Chinese documents write it."""


def _fixed(value: Decimal, places: int) -> str:
    """``#,##0.00`` in the locale: what Babel's ``format_decimal`` writes, made with
    Python's own grouping and the locale's symbols (Babel parses its pattern and locale on
    every call, ~50 µs: a year-end assessment formats some 10⁵ figures)."""
    exponent = Decimal(1).scaleb(-places)
    quantized = Decimal(value).quantize(exponent, ROUND_HALF_UP)
    return f"{quantized:,.{places}f}".translate(_symbols())


@lru_cache(maxsize=1)
def _symbols() -> dict[int, str]:
    """The locale's grouping, decimal and minus signs in place of Python's."""
    return str.maketrans(
        {
            ",": get_group_symbol(LOCALE),
            ".": get_decimal_symbol(LOCALE),
            "-": get_minus_sign_symbol(LOCALE),
        }
    )


def wan_number(yuan: Decimal | str | int) -> str:
    """Yuan in 万元 with two decimals and thousands separators (``6,549.09``); zero is ``0``."""
    amount = Decimal(yuan)
    return "0" if amount == 0 else _fixed(amount / WAN, 2)


def wan(yuan: Decimal | str | int) -> str:
    """``6,549.09万元``: money as a document writes it."""
    return f"{wan_number(yuan)}万元"


def yi(yuan: Decimal | str | int) -> str:
    """``45.00亿元``: campaign totals."""
    amount = Decimal(yuan)
    return f"{'0' if amount == 0 else _fixed(amount / YI, 2)}亿元"


def decimal1(value: Decimal | str | int | float) -> str:
    """A figure to one decimal (``83.3``), e.g. percentage points."""
    return _fixed(Decimal(str(value)), 1)


def percent(value: Decimal | str | int | float) -> str:
    """A percentage to one decimal (``83.3%``); ``value`` is already in percent."""
    return f"{decimal1(value)}%"


def points_text(value: Decimal | str | int) -> str:
    """Score points to two decimals without trailing zeros (``37.5``, ``40``)."""
    quantized = Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    return format(quantized, "f")


@lru_cache(maxsize=4096)
def date_text(day: date) -> str:
    """``2026年3月2日（星期一）`` (cached: a page of 2,000 events repeats its days)."""
    return str(format_date(day, "y年M月d日（EEEE）", locale=LOCALE))


@lru_cache(maxsize=4096)
def short_date(day: date) -> str:
    """``2026年3月2日`` (tables and running text)."""
    return str(format_date(day, "y年M月d日", locale=LOCALE))


def month_text(month: str) -> str:
    """``2026-03`` → ``2026年3月``."""
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


_QUARTERS = "一二三四"


def period_text(period: str) -> str:
    """A dispatch period as people name it: ``2026-W10`` → ``2026年第10周``,
    ``2026-03`` → ``2026年3月``, ``2026-Q1`` → ``2026年第一季度``; anything else as it is."""
    year, _, rest = period.partition("-")
    if rest.startswith("W") and rest[1:].isdigit():
        return f"{int(year)}年第{int(rest[1:])}周"
    if rest.startswith("Q") and rest[1:] in ("1", "2", "3", "4"):
        return f"{int(year)}年第{_QUARTERS[int(rest[1:]) - 1]}季度"
    if rest.isdigit() and year.isdigit():
        return month_text(period)
    return period


def month_range(first: int, last: int) -> str:
    """``1—10月``, or ``3月`` for one month."""
    return f"{last}月" if first == last else f"{first}{MONTH_DASH}{last}月"


def _zone(zone: ZoneInfo | str | None) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    return ZoneInfo(zone or DEFAULT_ZONE)


def instant_text(at: datetime, zone: ZoneInfo | str | None = None) -> str:
    """``2026年3月2日（星期一）14:05``: an instant in the campaign's time zone, never UTC.
    A naive instant is read as UTC (how the store keeps them)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo("UTC"))
    local = at.astimezone(_zone(zone))
    return f"{date_text(local.date())}{local:%H:%M}"  # HH:mm, as Babel's zh_CN writes it


def instant_text_of(text: str, zone: ZoneInfo | str | None = None) -> str:
    """`instant_text` of an RFC 3339 string (``2026-03-02T06:05:00Z``)."""
    return instant_text(datetime.fromisoformat(text.replace("Z", "+00:00")), zone)
