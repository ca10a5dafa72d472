"""Response schemas that give the Chinese label beside each code.

A response keeps its stable English codes; beside each coded field the schema adds
``<field>_label`` (``"grade": "excellent", "grade_label": "优秀"``) from the one catalogue
(``shared.i18n``). A schema declares the coded fields (and what it documents); every other
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


def yes_no(**kwargs: Any) -> fields.Field:
    """A boolean with ``是``/``否`` beside it."""
    return coded("boolean", fields.Boolean, **kwargs)


class _LabelledMeta(SchemaMeta):
    """Declares ``<field>_label`` beside each coded field (so OpenAPI shows it too)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        klass = super().__new__(mcs, name, bases, attrs)
        declared = klass._declared_fields
        for field_name, field in list(declared.items()):
            key = f"{field.data_key or field_name}_label"
            if field.metadata.get("label") and key not in declared:
                declared[key] = fields.String(
                    dump_only=True,
                    allow_none=True,
                    metadata={"description": f"Chinese label of {field.data_key or field_name}"},
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
        return out
