"""Response schemas that give the Chinese label beside each code.

A response keeps its stable English codes; beside each coded field the schema adds
``<field>_label`` (``"grade": "excellent", "grade_label": "优秀"``) from the one catalogue
(``shared.i18n``); beside a list of codes or a mapping keyed by codes (counts, totals) it
adds ``<field>_labels`` (``"counts": {"red": 2}, "counts_labels": {"red": "红"}``). A schema declares the coded fields (and what it documents); every other
key of the body passes through unchanged, so a schema never drops what a route returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from marshmallow import Schema, fields, missing, post_dump
from marshmallow.schema import SchemaMeta

from shared.i18n import label, labels


def coded(kind: str, field: type[fields.Field] = fields.String, **kwargs: Any) -> fields.Field:
    """A code with its Chinese label in ``<name>_label`` beside it."""
    metadata = {"label": kind, **kwargs.pop("metadata", {})}
    choices = "; ".join(f"{code}: {text}" for code, text in labels(kind).items())
    metadata.setdefault("description", f"code; its Chinese label is beside it ({choices})")
    return field(metadata=metadata, **kwargs)


def coded_list(kind: str, **kwargs: Any) -> fields.Field:
    """A list of codes with their Chinese labels, in the same order, in ``<name>_labels``."""
    return fields.List(fields.String(), metadata=_many(kind, "list of codes"), **kwargs)


def coded_keys(kind: str, values: fields.Field | None = None, **kwargs: Any) -> fields.Field:
    """A mapping keyed by codes (counts, totals), with ``<name>_labels``: code → label."""
    return fields.Dict(
        keys=fields.String(),
        values=values or fields.Raw(),
        metadata=_many(kind, "keyed by code"),
        **kwargs,
    )


def _many(kind: str, shape: str) -> dict[str, Any]:
    choices = "; ".join(f"{code}: {text}" for code, text in labels(kind).items())
    return {"labels": kind, "description": f"{shape}; its Chinese labels are beside it ({choices})"}


def yes_no(**kwargs: Any) -> fields.Field:
    """A boolean with ``是``/``否`` beside it."""
    return coded("boolean", fields.Boolean, **kwargs)


class _LabelledMeta(SchemaMeta):
    """Declares ``<field>_label`` beside each coded field (so OpenAPI shows it too)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        klass = super().__new__(mcs, name, bases, attrs)
        declared = klass._declared_fields
        for field_name, field in list(declared.items()):
            name = field.data_key or field_name
            if field.metadata.get("label") and f"{name}_label" not in declared:
                declared[f"{name}_label"] = fields.String(
                    dump_only=True,
                    allow_none=True,
                    metadata={"description": f"Chinese label of {name}"},
                )
            if field.metadata.get("labels") and f"{name}_labels" not in declared:
                declared[f"{name}_labels"] = fields.Raw(
                    dump_only=True,
                    metadata={"description": f"Chinese labels of the codes in {name}"},
                )
        return klass


class LabelledSchema(Schema, metaclass=_LabelledMeta):
    """Adds ``<field>_label`` beside each coded field; keeps the body's other keys.

    A body made of plain JSON values is written by a plan made once for the schema
    (`_Plan`), not field by field through marshmallow: a project's state of some 4,000
    records took 18 ms so. The plan writes exactly what marshmallow writes; what it is
    not sure of (a value marshmallow would convert, a schema with options it does not
    know), marshmallow writes. ``tests/shared/test_labelled_dump.py`` holds the two to
    the same output for every schema of the services."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        plan = None if self.only or self.exclude else _plan_of(type(self))
        if plan is not None and PLANNED.get():
            many = self.many if many is None else bool(many)
            try:
                if not many:
                    return plan.write(obj)
                if type(obj) is list:
                    return [plan.write(item) for item in obj]
            except _Unplain:
                pass
        return super().dump(obj, many=many)

    @post_dump(pass_original=True)
    def _labels(self, data: dict[str, Any], original: Any, **kwargs: Any) -> dict[str, Any]:
        out = dict(original) if isinstance(original, Mapping) else {}
        out.update(data)
        return _labelled(out, self.dump_fields.items())


def _labelled(out: dict[str, Any], named: Iterable[tuple[str, fields.Field]]) -> dict[str, Any]:
    for name, field in named:
        kind = field.metadata.get("label")
        if kind and name in out:
            out[f"{name}_label"] = None if out[name] is None else label(kind, out[name])
        many = field.metadata.get("labels")
        if many and out.get(name) is not None:
            out[f"{name}_labels"] = _labels_of(many, out[name])
    return out


PLANNED: ContextVar[bool] = ContextVar("labelled_planned", default=True)
"""Whether `LabelledSchema.dump` may use its plan (the tests set it off to compare)."""


class _Unplain(Exception):
    """A value the plan does not write as marshmallow would: marshmallow writes the body."""


Write = Callable[[Any], Any]


class _Plan:
    """How a schema writes a plain body: each declared field's value converted (a nested
    body by its own plan), the body's other keys kept, the labels added."""

    def __init__(self, schema: type[LabelledSchema]) -> None:
        self.fields = [(n, f) for n, f in schema._declared_fields.items() if not f.load_only]
        self.coded = [(n, f) for n, f in self.fields if {"label", "labels"} & f.metadata.keys()]
        self.writes: list[tuple[str, str, Write]] = []
        """Each field's name, the key its value is read from, and how it is written."""

    def write(self, obj: Any) -> dict[str, Any]:
        if type(obj) is not dict:
            raise _Unplain
        out = dict(obj)
        for name, source, write in self.writes:
            if source in obj:
                out[name] = write(obj[source])
            elif hasattr(dict, source):  # marshmallow takes the dict's method ("items")
                raise _Unplain
        return _labelled(out, self.coded)


_PLANS: dict[type, _Plan | None] = {}
_BUILDING: set[type] = set()
_BUILT = threading.RLock()


def _plan_of(schema: type[LabelledSchema]) -> _Plan | None:
    """The schema's plan, or None when marshmallow must write its bodies. Made once, under
    a lock, and published whole (a request on another thread never sees half a plan); a
    schema that nests itself is left to marshmallow."""
    if schema in _PLANS:
        return _PLANS[schema]
    with _BUILT:
        if schema in _PLANS:
            return _PLANS[schema]
        if schema in _BUILDING:
            raise _Unplain  # it nests itself: its nesting schemas are left to marshmallow
        _BUILDING.add(schema)
        made = _Plan(schema)
        try:
            made.writes = [
                (name, field.attribute or name, _writer(field)) for name, field in made.fields
            ]
            plan: _Plan | None = made
        except _Unplain:
            plan = None
        finally:
            _BUILDING.discard(schema)
        _PLANS[schema] = plan
        return plan


def _writer(field: fields.Field) -> Write:
    """How the plan writes ``field``'s value; `_Unplain` when marshmallow must."""
    if field.data_key or "." in (field.attribute or "") or field.dump_default is not missing:
        raise _Unplain
    kind = type(field)  # exactly these classes: a subclass may write otherwise
    if kind in _EXACT and not getattr(field, "as_string", False):
        return _exactly(_EXACT[kind])
    if kind is fields.Raw:
        return _as_is
    if kind is fields.List and isinstance(field, fields.List):
        return _each(_writer(field.inner))
    if kind is fields.Dict and isinstance(field, fields.Dict):
        keys = _writer(field.key_field) if field.key_field is not None else _as_is
        values = _writer(field.value_field) if field.value_field is not None else _as_is
        return _keyed(keys, values)
    if kind is fields.Nested and isinstance(field, fields.Nested):
        return _nested(field)
    raise _Unplain


_EXACT: dict[type, tuple[type, ...]] = {
    fields.String: (str,),
    fields.Integer: (int,),
    fields.Boolean: (bool,),
}
"""Fields whose plain values are written unchanged: those of exactly these types."""


def _as_is(value: Any) -> Any:
    return value


def _exactly(types: tuple[type, ...]) -> Write:
    def write(value: Any) -> Any:
        if value is not None and type(value) not in types:
            raise _Unplain
        return value

    return write


def _each(inner: Write) -> Write:
    def write(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not list:
            raise _Unplain
        return [inner(item) for item in value]

    return write


def _keyed(keys: Write, values: Write) -> Write:
    def write(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not dict:
            raise _Unplain
        return {keys(k): values(v) for k, v in value.items()}

    return write


def _nested(field: fields.Nested) -> Write:
    nested = field.nested  # a schema class; an instance, a name or a callable: marshmallow
    if not (isinstance(nested, type) and issubclass(nested, LabelledSchema)):
        raise _Unplain
    plan = _plan_of(nested)
    if plan is None or field.only or field.exclude:
        raise _Unplain
    if field.many:
        return _each(plan.write)

    def write(value: Any) -> Any:
        return None if value is None else plan.write(value)

    return write


def _labels_of(kind: str, codes: Any) -> Any:
    """The labels of a list of codes (a list), or of a mapping's keys (code → label)."""
    if isinstance(codes, Mapping):
        return {code: label(kind, code) for code in codes}
    return [label(kind, code) for code in codes]
