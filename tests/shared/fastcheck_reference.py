"""The fast validator as it was before it was written out as source (issue 18): a loop
over one closure per field. Kept unchanged as the reference the written-out validator is
held to (tests/shared/test_fastcheck.py): both must accept exactly the same payloads and
store them the same. Extend it only with a field type the validator newly covers."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate
from marshmallow.utils import missing

from shared.eventstore.fastcheck import Check, NotSure

_UNSURE = NotSure()
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def compile_schema(schema: Schema) -> Callable[[dict[str, Any]], dict[str, Any] | None] | None:
    """A fast validator for ``schema`` (an instance that raises on unknown keys), or None
    when the schema has anything the fast path does not cover."""
    if any(schema._hooks.values()):  # pre/post load or dump, schema validators
        return None
    if set(schema.load_fields) != set(schema.dump_fields):
        return None
    checks: list[tuple[str, Check, bool, Any]] = []
    for name, field in schema.fields.items():
        if field.data_key not in (None, name) or field.attribute not in (None, name):
            return None
        if field.dump_default is not missing:
            return None
        check = _field_check(field)
        if check is None:
            return None
        default = _missing_value(schema, name, field.load_default)
        if default is None:
            return None
        checks.append((name, check, field.required, default))
    names = frozenset(name for name, *_ in checks)

    def check_payload(payload: dict[str, Any]) -> dict[str, Any] | None:
        for key in payload:
            if key not in names:
                return None
        out: dict[str, Any] = {}
        try:
            for name, check, required, default in checks:
                if name in payload:
                    out[name] = check(payload[name])
                elif required:
                    return None
                elif default is not missing:
                    out[name] = default()
        except NotSure:
            return None
        return out

    return check_payload


def _missing_value(schema: Schema, name: str, default: Any) -> Any:
    """What marshmallow writes for a missing key (the load default as dumped), as a
    function giving a fresh value each time; `missing` when the key has no default; None
    when the fast path cannot say."""
    if default is missing:
        return missing
    made = callable(default)
    dumped = schema.dump({name: default() if made else default})[name]
    if not made:
        return _constant(dumped)
    # A factory: a fresh empty container each time, or a plain value.
    if dumped == {} or dumped == []:
        return type(dumped)
    if not isinstance(dumped, str | int | bool | type(None)):
        return None
    return _constant(dumped)


def _constant(value: Any) -> Callable[[], Any]:
    """The dumped default of a missing key; a copy of a container, never one shared by
    every payload."""
    if isinstance(value, dict | list):
        return lambda: copy.deepcopy(value)
    return lambda: value


def _field_check(field: fields.Field) -> Check | None:
    """The check of one field: its type's, then its validators; None: not covered."""
    typed = _typed(field)
    if typed is None:
        return None
    validators: list[Callable[[Any], bool]] = []
    for validator in field.validators:
        test = _validator_test(validator)
        if test is None:
            return None
        validators.append(test)
    allow_none = field.allow_none
    if not validators and not allow_none and typed in _REFUSE_NONE:
        return typed  # the type's check alone (it refuses None itself): one call a field

    def check(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            raise _UNSURE
        stored = typed(value)
        for test in validators:
            if not test(stored):
                raise _UNSURE
        return stored

    return check


def _typed(field: fields.Field) -> Check | None:
    """The type's own check, before validators (which see the loaded value: for every
    type covered here that is the stored value too)."""
    kind = type(field)
    own = kind.__dict__.get("fast_check")  # the class's own: a subclass may load otherwise
    if own is not None:
        return own(field)  # type: ignore[no-any-return]
    if kind is fields.String:
        return _string
    if kind is fields.Integer:
        return _whole
    if kind is fields.Dict:
        if field.key_field is not None or field.value_field is not None:  # type: ignore[attr-defined]
            return None
        if field.mapping_type is not dict:  # type: ignore[attr-defined]
            return None
        return _mapping
    if kind is fields.Boolean:
        return _boolean
    if kind is fields.Date:
        return _date if field.format in (None, "iso") else None  # type: ignore[attr-defined]
    if kind is fields.List:
        inner = _field_check(field.inner)  # type: ignore[attr-defined]
        if inner is None:
            return None

        def a_list(value: Any) -> list[Any]:
            if type(value) is not list:
                raise _UNSURE
            return [inner(item) for item in value]

        return a_list
    return None


def _string(value: Any) -> str:
    if type(value) is str:
        return value
    raise _UNSURE


def _whole(value: Any) -> int:
    if type(value) is int:
        return value
    raise _UNSURE


def _mapping(value: Any) -> dict[str, Any]:
    """A `fields.Dict` without key or value fields loads and dumps a shallow copy."""
    if type(value) is dict:
        return dict(value)
    raise _UNSURE


def _boolean(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise _UNSURE


def _date(value: Any) -> str:
    if type(value) is str and _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            raise _UNSURE from None
        return value
    raise _UNSURE


_REFUSE_NONE = frozenset((_string, _whole, _mapping, _boolean, _date))
"""The type checks above, each of which refuses None."""


def _validator_test(validator: Any) -> Callable[[Any], bool] | None:
    """A validator as a test that is True where it passes; None: not covered."""
    kind = type(validator)
    if kind is validate.Length:
        low, high, equal = validator.min, validator.max, validator.equal
        if equal is not None:
            return lambda value: len(value) == equal
        return lambda value: (
            (low is None or len(value) >= low) and (high is None or len(value) <= high)
        )
    if kind is validate.Range:
        low, high = validator.min, validator.max
        low_in, high_in = validator.min_inclusive, validator.max_inclusive

        def in_range(value: Any) -> bool:
            if low is not None and (value < low if low_in else value <= low):
                return False
            return high is None or not (value > high if high_in else value >= high)

        return in_range
    if kind is validate.OneOf:
        choices = tuple(validator.choices)
        return lambda value: value in choices
    if kind is validate.Regexp:
        regex = validator.regex
        return lambda value: regex.match(value) is not None
    return None
