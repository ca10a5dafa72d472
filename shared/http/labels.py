"""Response schemas that give the Chinese label beside each code.

A response keeps its stable English codes; beside each coded field the schema adds
``<field>_label`` (``"grade": "excellent", "grade_label": "优秀"``) from the one catalogue
(``shared.i18n``); beside a list of codes or a mapping keyed by codes (counts, totals) it
adds ``<field>_labels`` (``"counts": {"red": 2}, "counts_labels": {"red": "红"}``). A schema declares the coded fields (and what it documents); every other
key of the body passes through unchanged, so a schema never drops what a route returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields, post_dump
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
    """Adds ``<field>_label`` beside each coded field; keeps the body's other keys."""

    @post_dump(pass_original=True)
    def _labels(self, data: dict[str, Any], original: Any, **kwargs: Any) -> dict[str, Any]:
        out = dict(original) if isinstance(original, Mapping) else {}
        out.update(data)
        for name, field in self.dump_fields.items():
            kind = field.metadata.get("label")
            if kind and name in out:
                out[f"{name}_label"] = None if out[name] is None else label(kind, out[name])
            many = field.metadata.get("labels")
            if many and out.get(name) is not None:
                out[f"{name}_labels"] = _labels_of(many, out[name])
        return out


def _labels_of(kind: str, codes: Any) -> Any:
    """The labels of a list of codes (a list), or of a mapping's keys (code → label)."""
    if isinstance(codes, Mapping):
        return {code: label(kind, code) for code in codes}
    return [label(kind, code) for code in codes]
