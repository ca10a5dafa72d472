"""Every event type's payload documented from its marshmallow schema: fields, types,
units, enumerations with their Chinese labels, and an example that the schema accepts.

The same description feeds /openapi.json (components ``<Type>Payload``) and
docs/events.md (``python -m shared.events.docs > docs/events.md``).
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, fields, validate

from shared.eventstore import EventType
from shared.i18n import label, labels

from .catalogue import CATALOGUE
from .fields import MONEY_PATTERN, MONTH_PATTERN, Money, Month
from .fields_doc import FIELD_NOTES

_TYPES: tuple[tuple[type[fields.Field], dict[str, Any]], ...] = (
    (Money, {"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "x-unit": "元"}),
    (Month, {"type": "string", "pattern": MONTH_PATTERN}),
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
    (fields.String, {"type": "string"}),
    (fields.List, {"type": "array"}),
    (fields.Dict, {"type": "object"}),
    (fields.Nested, {"type": "object"}),
)


def field_spec(name: str, field: fields.Field) -> dict[str, Any]:
    """The JSON-Schema description of one payload field."""
    spec = dict(next((s for cls, s in _TYPES if isinstance(field, cls)), {"type": "string"}))
    spec["description"] = field.metadata.get("note") or FIELD_NOTES.get(name, ("", None))[0]
    if isinstance(field, fields.Nested):
        nested = field.schema
        spec = {"type": "object", "description": spec["description"]}
        spec["properties"] = {n: field_spec(n, f) for n, f in nested.fields.items()}
        spec["required"] = [n for n, f in nested.fields.items() if f.required]
    if isinstance(field, fields.List):
        spec["items"] = field_spec(name, field.inner)
        spec["items"].pop("description", None)
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        inner = field.schema.fields.items()
        spec["properties"] = {n: field_spec(n, f) for n, f in inner}
        spec["required"] = sorted(n for n, f in inner if f.required)
    kind = field.metadata.get("label")
    choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
    if choices:
        spec["enum"] = list(choices[0])
    if kind:
        codes = spec.get("enum") or list(labels(kind))
        spec["x-enum-labels"] = {str(code): label(kind, code) for code in codes}
    if field.allow_none:
        spec["nullable"] = True
    return spec


def example(event_type: EventType) -> dict[str, Any]:
    """A payload the event's schema accepts."""
    out = {}
    for name, field in event_type.schema().fields.items():
        note = FIELD_NOTES.get(f"{event_type.name}.{name}") or FIELD_NOTES.get(name, ("", None))
        value = note[1]
        if value is None:
            value = _derived_example(name, field)
        out[name] = value
    return out


def _derived_example(name: str, field: fields.Field) -> Any:
    if name == "monthly_plan":
        return ["6549090.00"] * 11 + ["6549091.00"]
    if name == "team":
        return [
            {"name": "王建国", "unit": "县发改局", "duty": "专班组长"},
            {"name": "李娜", "unit": "县自然资源局", "duty": "联络员"},
        ]
    if name == "contact":
        return {"name": "李娜", "phone": "0558-1234567"}
    choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
    return list(choices[0])[0] if choices else None


def payload_spec(event_type: EventType) -> dict[str, Any]:
    """The payload schema of one event type, as an OpenAPI component."""
    schema = event_type.schema()
    return {
        "type": "object",
        "title": f"{event_type.name}（{label('event_type', event_type.name)}）",
        "description": event_type.meaning,
        "x-schema-version": event_type.version,
        "properties": {n: field_spec(n, f) for n, f in schema.fields.items()},
        "required": sorted(n for n, f in schema.fields.items() if f.required),
        "additionalProperties": False,
        "example": example(event_type),
    }


def payload_components() -> dict[str, dict[str, Any]]:
    """``<Type>Payload`` → its schema, for every type of the catalogue."""
    return {f"{t.name}Payload": payload_spec(t) for t in CATALOGUE}


def markdown() -> str:
    """docs/events.md: every event type with its fields and an example."""
    out = [
        "# Event payloads (事件载荷)",
        "",
        "Generated from the marshmallow schemas in `shared/events/catalogue.py` by",
        "`python -m shared.events.docs > docs/events.md`; a test fails when this file drifts.",
        "The same schemas are in `/openapi.json` as components `<Type>Payload`. Money is yuan",
        '(元) as a decimal string ("1250000.00"), never a float; dates are `YYYY-MM-DD`.',
        "",
    ]
    for event_type in CATALOGUE:
        out += _markdown_type(event_type)
    return "\n".join(out)


def _markdown_type(event_type: EventType) -> list[str]:
    spec = payload_spec(event_type)
    required = set(spec["required"])
    lines = [
        f"## {event_type.name} — {label('event_type', event_type.name)}",
        "",
        f"{event_type.meaning}. Schema version {event_type.version}.",
        "",
        "| field | type | required | meaning | codes (中文) |",
        "|---|---|---|---|---|",
    ]
    for name, prop in spec["properties"].items():
        codes = "、".join(f"`{c}` {t}" for c, t in prop.get("x-enum-labels", {}).items())
        lines.append(
            f"| `{name}` | {_type_text(prop)} | {'yes' if name in required else 'no'} "
            f"| {prop['description']} | {codes} |"
        )
    example_text = json.dumps(spec["example"], ensure_ascii=False, indent=2)
    return [*lines, "", "```json", example_text, "```", ""]


def _type_text(prop: dict[str, Any]) -> str:
    text = prop["type"] + (f" ({prop['format']})" if "format" in prop else "")
    if prop["type"] == "array":
        text += f" of {_type_text(prop['items'])}"
    return text + (", null" if prop.get("nullable") else "")


if __name__ == "__main__":
    print(markdown(), end="")
