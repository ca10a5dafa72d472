"""Field types the catalogue needs beyond marshmallow's own."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields, validate

from ..eventstore.fastcheck import Check, NotSure
from ..eventstore.limits import MAX_VERSION

# ASCII digits only: ``\d`` would take full-width "１２" and other scripts' digits.
_MONEY = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,2})?")
MONEY_PATTERN = "^-?[0-9]{1,15}(\\.[0-9]{1,2})?$"
MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_WHOLE = re.compile(r"-?[0-9]{1,16}")
_MONEY_STORED = re.compile(r"[0-9]{1,15}\.[0-9]{2}")
"""Money exactly as `Money` dumps it: two places, no sign, no spaces (`fast_check`)."""
_NOT_SURE = NotSure()

VERSION_RANGE = validate.Range(0, MAX_VERSION)
"""A version, sequence number or cursor over them: what a 32-bit column holds."""

SAFE_INTEGER = 2**53 - 1
"""The largest integer every JSON reader keeps exact (and far inside SQLite's and
PostgreSQL's 64-bit integers, also with a page's ``limit`` added)."""

MONEY_HINT = '金额请用字符串，如 "6549090.00"'
LOOK_ALIKE_DIGITS = "请用半角数字 0–9 书写（不接受全角数字或其他文字的数字）"


def look_alike_digits(text: str) -> bool:
    """Whether ``text`` has a digit that is not ASCII 0–9 (full-width ``１``, ``٣`` …)."""
    return not text.isascii() and any(ch.isdigit() or ch.isnumeric() for ch in text)


class Whole(fields.Integer):
    """An integer, never rounded: a JSON integer (``2.5``, ``"2"`` and ``true`` refused);
    with ``from_text`` (query strings) ASCII digits ``-?[0-9]+``. Within ±`SAFE_INTEGER`."""

    default_error_messages = {
        "invalid": "须是整数，如 20（不接受小数、字符串或布尔值）",
        "invalid_text": "须是整数，只用半角数字 0–9，如 20",
        "look_alike": LOOK_ALIKE_DIGITS,
    }

    def __init__(self, *, from_text: bool = False, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)
        self.from_text = from_text
        self.validators.insert(
            0,
            validate.Range(-SAFE_INTEGER, SAFE_INTEGER, error=f"须在 ±{SAFE_INTEGER} 之内"),
        )

    def _validated(self, value: Any) -> int:
        if self.from_text and isinstance(value, str):
            value = self._from_text(value)
        return super()._validated(value)

    def fast_check(self) -> Check | None:
        """A JSON integer is its own stored form (the range is among the validators);
        text numbers are left to marshmallow (shared.eventstore.fastcheck)."""
        if self.from_text:
            return None

        def whole(value: Any) -> int:
            if type(value) is int:
                return value
            raise _NOT_SURE

        return whole

    def _from_text(self, text: str) -> int:
        if _WHOLE.fullmatch(text):
            return int(text)
        if look_alike_digits(text):
            raise self.make_error("look_alike")
        if re.fullmatch(r"-?[0-9]+", text):
            return SAFE_INTEGER + 1  # too many digits: the range refuses it
        raise self.make_error("invalid_text")


class Money(fields.Field):
    """Yuan as a decimal string with at most two places ("1250000.00"); never a float."""

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_negative = allow_negative
        pattern = MONEY_PATTERN if allow_negative else MONEY_PATTERN.replace("-?", "")
        self.metadata = {"type": "string", "pattern": pattern, **self.metadata}

    def fast_check(self) -> Check:
        """Money already written as it is stored ("1250000.00"); anything else is left
        to marshmallow (shared.eventstore.fastcheck)."""

        def money(value: Any) -> str:
            if type(value) is str and _MONEY_STORED.fullmatch(value):
                return value
            raise _NOT_SURE

        return money

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str):
            raise ValidationError(f"金额须是字符串，不接受数字或其他类型：{MONEY_HINT}")
        text = value.strip()
        if look_alike_digits(text):
            raise ValidationError(f"金额{LOOK_ALIKE_DIGITS}")
        if not _MONEY.fullmatch(text):
            raise ValidationError(f"金额须是以元为单位、至多两位小数的数：{MONEY_HINT}")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"不是有效的金额：{MONEY_HINT}") from None
        if amount < 0 and not self.allow_negative:
            raise ValidationError("金额不能为负数")
        return amount

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return f"{Decimal(value):.2f}"


class Month(fields.String):
    """A calendar month, ``YYYY-MM``."""

    def fast_check(self) -> Check:
        """A month as stored (shared.eventstore.fastcheck)."""

        def month(value: Any) -> str:
            if type(value) is str and _MONTH.fullmatch(value):
                return value
            raise _NOT_SURE

        return month

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if look_alike_digits(text):
            raise ValidationError(f"月份{LOOK_ALIKE_DIGITS}")
        if not _MONTH.fullmatch(text):
            raise ValidationError("月份须写作 YYYY-MM，如 2026-03")
        return text
