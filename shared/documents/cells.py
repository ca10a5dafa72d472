"""A table cell as text, the one way every format shows it (万元, points, percentages,
dates), and as the exact value a spreadsheet keeps with its number format."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.i18n import decimal1, points_text, short_date, wan_number

from .model import Cell, Column

WAN = Decimal(10_000)

NUMBER_FORMATS = {
    "money": "#,##0.00",
    "points": "0.00",
    "percent": "0.0",
    "number": "0",
    "date": "yyyy年m月d日",
}
"""Spreadsheet number formats by column kind (money is in 万元, percent in percent)."""


def cell_text(value: Cell, column: Column) -> str:
    if value is None or value == "":
        return ""
    if column.kind == "money":
        return wan_number(Decimal(value))  # type: ignore[arg-type]
    if column.kind == "points":
        return points_text(Decimal(value))  # type: ignore[arg-type]
    if column.kind == "percent":  # the header says the unit (% or 百分点)
        return decimal1(Decimal(value))  # type: ignore[arg-type]
    if isinstance(value, date):
        return short_date(value)
    return str(value)


def cell_value(value: Cell, column: Column) -> str | int | Decimal | date | None:
    """What a spreadsheet cell holds: money in 万元 as a number, text never a formula."""
    if value is None or value == "":
        return None
    if column.kind == "money":
        return Decimal(value) / WAN  # type: ignore[arg-type]
    if column.kind in ("points", "percent"):
        return Decimal(value)  # type: ignore[arg-type]
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet would run it as a formula
    return value


def is_numeric(column: Column) -> bool:
    return column.kind in ("money", "points", "percent", "number")
