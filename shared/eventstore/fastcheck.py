"""Payload validation without marshmallow for the payloads that need none of it.

`EventTypeRegistry.validate` answers ``schema.dump(schema.load(payload))``: the payload
in its stored form, or the errors. marshmallow spends some 25 µs an event on that, about
the whole time PostgreSQL takes to store one in a batch (issue 18). Most payloads are
already in their stored form: strings, whole numbers, booleans, ISO dates, money as
``"123.45"``, free-form objects (a `fields.Dict`). `compile_schema` turns a schema into a
plain function that checks exactly those and answers the very dict marshmallow would, or
`None` whenever it is not sure — a value of another type or form, an unknown key, a field
or validator it does not know, a schema with hooks — and then marshmallow decides (and
words the errors) as before. So the fast path only ever accepts; it never refuses, and
never answers differently (tests/shared/test_fastcheck.py holds it to marshmallow over the
whole catalogue).

The function is written out as Python source from the schema's fields, each check inline,
and compiled once (as fastjsonschema does): a loop calling a closure per field and per
validator spent three times as long calling as checking (issue 18). `check_source` shows
the text written for a schema.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate
from marshmallow.utils import missing

Check = Callable[[Any], Any]
"""A field's check: the value as stored, or raises `NotSure`."""

FastValidator = Callable[[dict[str, Any]], dict[str, Any] | None]
"""A schema's fast validator: the payload in its stored form, or None (not sure)."""


class NotSure(Exception):
    """The fast path cannot answer: marshmallow decides.

    A field class of its own may take part: its ``fast_check()`` answers a `Check` (the
    value when it is valid and already in the form the field dumps, else `NotSure`)
    that holds before the field's validators, or None to leave the field to marshmallow."""


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LITERALS = (str, int, bool, type(None))
"""Types whose values the written check spells out: `repr` reads back as the same value."""
_TYPE_TESTS = {
    fields.String: "type({0}) is not str",
    fields.Integer: "type({0}) is not int",
    fields.Boolean: "{0} is not True and {0} is not False",
}
"""The refusal of a value of another type, for the types whose stored form is the value."""


def compile_schema(schema: Schema) -> FastValidator | None:
    """A fast validator for ``schema`` (an instance that raises on unknown keys), or None
    when the schema has anything the fast path does not cover."""
    written = check_source(schema)
    if written is None:
        return None
    source, names = written
    namespace = dict(names)
    exec(compile(source, f"<fastcheck {type(schema).__qualname__}>", "exec"), namespace)  # noqa: S102 - our own text
    return namespace["check_payload"]  # type: ignore[no-any-return]


def check_source(schema: Schema) -> tuple[str, dict[str, Any]] | None:
    """The text of ``schema``'s fast validator (a function ``check_payload``) and the
    objects the names in it stand for; None when the schema is not covered."""
    if any(schema._hooks.values()):  # pre/post load or dump, schema validators
        return None
    if set(schema.load_fields) != set(schema.dump_fields):
        return None
    code = _Code()
    code.line(0, "def check_payload(payload):")
    code.refuse_if(1, "type(payload) is not dict")  # a subclass may read otherwise
    if all(field.required for field in schema.fields.values()):
        code.refuse_if(1, f"len(payload) != {len(schema.fields)}")  # then none is unknown
    else:
        code.refuse_if(1, f"not payload.keys() <= {code.name(frozenset(schema.fields), 'names')}")
    code.line(1, "out = {}")
    code.line(1, "try:")
    if not schema.fields:
        code.line(2, "pass")
    for name, field in schema.fields.items():
        if not _field(code, schema, name, field):
            return None
    code.line(1, "except (KeyError, NotSure):  # a required key missing; a field's own check")
    code.line(2, "return None")
    code.line(1, "return out")
    return "\n".join(code.lines) + "\n", code.names


class _Code:
    """The text of a check being written, and the objects its names stand for."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {"NotSure": NotSure}
        self._named: dict[int, str] = {}

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def refuse_if(self, depth: int, condition: str) -> None:
        self.line(depth, f"if {condition}:")
        self.line(depth + 1, "return None")

    def name(self, value: Any, stem: str) -> str:
        """How the text writes ``value``: itself for plain text, a number, True, False or
        None; else a name bound to it."""
        if type(value) in _LITERALS:
            return repr(value)
        found = self._named.get(id(value))
        if found is None:
            found = self._named[id(value)] = f"_{stem}{len(self.names)}"
            self.names[found] = value  # kept, so the id is not reused
        return found

    def local(self, stem: str) -> str:
        """A name of its own for a value inside the check (a list's items)."""
        return f"{stem}{len(self.lines)}"


def _field(code: _Code, schema: Schema, name: str, field: fields.Field) -> bool:
    """One field's lines in the check; False when the field is not covered."""
    if field.data_key not in (None, name) or field.attribute not in (None, name):
        return False
    if field.dump_default is not missing:
        return False
    default = _missing_value(code, schema, name, field.load_default)
    if default is None:
        return False
    key = repr(name)
    depth = 2 if field.required else 3
    if not field.required:
        code.line(2, f"if {key} in payload:")
    code.line(depth, f"value = payload[{key}]")  # a KeyError when a required one is missing
    if not _value(code, field, "value", depth):
        return False
    code.line(depth, f"out[{key}] = value")
    if default:
        code.line(2, "else:")
        code.line(3, f"out[{key}] = {default}")
    return True


def _missing_value(code: _Code, schema: Schema, name: str, default: Any) -> str | None:
    """What marshmallow writes for a missing key (the load default as dumped), as text
    giving a fresh value each time; "" when the key has no default; None when the fast
    path cannot say."""
    if default is missing:
        return ""
    made = callable(default)
    dumped = schema.dump({name: default() if made else default})[name]
    if made:
        # A factory: a fresh empty container each time, or a plain value.
        if dumped == {} or dumped == []:
            return f"{code.name(type(dumped), 'made')}()"
        if not isinstance(dumped, str | int | bool | type(None)):
            return None
    elif isinstance(dumped, dict | list):  # a copy, never one shared by every payload
        return f"{code.name(copy.deepcopy, 'copy')}({code.name(dumped, 'default')})"
    return code.name(dumped, "default")


def _value(code: _Code, field: fields.Field, var: str, depth: int) -> bool:
    """Lines that refuse ``var`` unless it is valid for ``field`` and already in the form
    the field dumps (``var`` then holds that form): the type's check, then the
    validators (which see the loaded value: for every type covered here that is the
    stored value too). False when the field is not covered."""
    if field.allow_none:
        code.line(depth, f"if {var} is not None:")
        depth += 1
    if not _typed(code, field, var, depth):
        return False
    return all(_validator(code, validator, var, depth) for validator in field.validators)


def _typed(code: _Code, field: fields.Field, var: str, depth: int) -> bool:
    """The type's own check, written out."""
    kind = type(field)
    own = kind.__dict__.get("fast_check")  # the class's own: a subclass may load otherwise
    if own is not None:
        check = own(field)
        if check is None:
            return False
        if not field.allow_none:
            code.refuse_if(depth, f"{var} is None")
        code.line(depth, f"{var} = {code.name(check, 'check')}({var})  # or raises NotSure")
        return True
    test = _TYPE_TESTS.get(kind)
    if test is not None:
        code.refuse_if(depth, test.format(var))
        return True
    if kind is fields.Dict:
        return _mapping(code, field, var, depth)
    if kind is fields.Date:
        return _date(code, field, var, depth)
    if kind is fields.List:
        return _list(code, field, var, depth)
    return False


def _mapping(code: _Code, field: fields.Field, var: str, depth: int) -> bool:
    """A `fields.Dict` without key or value fields loads and dumps a shallow copy."""
    if field.key_field is not None or field.value_field is not None:  # type: ignore[attr-defined]
        return False
    if field.mapping_type is not dict:  # type: ignore[attr-defined]
        return False
    code.refuse_if(depth, f"type({var}) is not dict")
    code.line(depth, f"{var} = dict({var})")
    return True


def _date(code: _Code, field: fields.Field, var: str, depth: int) -> bool:
    """An ISO date as text is its own stored form."""
    if field.format not in (None, "iso"):  # type: ignore[attr-defined]
        return False
    form = code.name(_DATE.fullmatch, "date_form")
    code.refuse_if(depth, f"type({var}) is not str or {form}({var}) is None")
    code.line(depth, "try:")
    code.line(depth + 1, f"{code.name(date.fromisoformat, 'date')}({var})")
    code.line(depth, "except ValueError:")
    code.line(depth + 1, "return None")
    return True


def _list(code: _Code, field: fields.Field, var: str, depth: int) -> bool:
    """A list is stored as a new list of its items, each as its inner field stores it."""
    items, item = code.local("items"), code.local("item")
    code.refuse_if(depth, f"type({var}) is not list")
    code.line(depth, f"{items} = []")
    code.line(depth, f"for {item} in {var}:")
    if not _value(code, field.inner, item, depth + 1):  # type: ignore[attr-defined]
        return False
    code.line(depth + 1, f"{items}.append({item})")
    code.line(depth, f"{var} = {items}")
    return True


def _validator(code: _Code, validator: Any, var: str, depth: int) -> bool:
    """A validator as the refusal of a value it fails; False: not covered."""
    kind = type(validator)
    if kind is validate.Length:
        low, high, equal = validator.min, validator.max, validator.equal
        if type(low) is int and low <= 0:
            low = None  # every length is at least 0
        if equal is not None:
            code.refuse_if(depth, f"len({var}) != {code.name(equal, 'length')}")
        elif low is not None and high is not None:
            low, high = code.name(low, "length"), code.name(high, "length")
            code.refuse_if(depth, f"not {low} <= len({var}) <= {high}")
        elif low is not None:
            code.refuse_if(depth, f"len({var}) < {code.name(low, 'length')}")
        elif high is not None:
            code.refuse_if(depth, f"len({var}) > {code.name(high, 'length')}")
        return True
    if kind is validate.Range:
        if validator.min is not None:
            below = "<" if validator.min_inclusive else "<="
            code.refuse_if(depth, f"{var} {below} {code.name(validator.min, 'least')}")
        if validator.max is not None:
            above = ">" if validator.max_inclusive else ">="
            code.refuse_if(depth, f"{var} {above} {code.name(validator.max, 'most')}")
        return True
    if kind is validate.OneOf:
        choices = code.name(tuple(validator.choices), "choices")
        code.refuse_if(depth, f"{var} not in {choices}")
        return True
    if kind is validate.Regexp:
        code.refuse_if(depth, f"{code.name(validator.regex.match, 'pattern')}({var}) is None")
        return True
    return False
