"""Field types the catalogue needs beyond marshmallow's own."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields

_MONEY = re.compile(r"^-?\d{1,15}(\.\d{1,2})?$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class Money(fields.Field):
    """Yuan as a decimal string with at most two places ("1250000.00"); never a float."""

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_negative = allow_negative

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool | float):
            raise ValidationError(
                'money must be a decimal string such as "1250000.00", not a float'
            )
        text = str(value).strip()
        if not _MONEY.match(text):
            raise ValidationError(
                "money must be a decimal amount in yuan with at most 2 decimal places"
            )
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError("not a decimal amount") from None
        if amount < 0 and not self.allow_negative:
            raise ValidationError("must not be negative")
        return amount

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return f"{Decimal(value):.2f}"


class Month(fields.String):
    """A calendar month, ``YYYY-MM``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not _MONTH.match(text):
            raise ValidationError("must be a month written YYYY-MM")
        return text
