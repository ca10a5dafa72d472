"""Event types: each ``type`` has a marshmallow schema, a current schema version and
upcasters that lift old payloads on read (stored rows are never rewritten)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from .errors import InvalidEventPayload, UnknownEventType
from .fastcheck import compile_schema

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_Fast = Callable[[dict[str, Any]], dict[str, Any] | None]


@dataclass
class EventType:
    """One entry of the catalogue."""

    name: str
    schema: type[Schema]
    version: int = 1
    meaning: str = ""
    upcasters: dict[int, Upcaster] = field(default_factory=dict)
    """``upcasters[n]`` turns a version-``n`` payload into version ``n + 1``."""


class EventTypeRegistry:
    """Maps ``type`` to its `EventType`; validates on append, upcasts on read."""

    def __init__(self, types: Iterable[EventType] = ()) -> None:
        self._types: dict[str, EventType] = {}
        # Each type's schema (an instance holds no per-load state; building one per event
        # was half the cost of validating it), its fast validator (`fastcheck`), or None
        # where marshmallow does it all, and its current version: built on first use,
        # stored as one tuple, so that a thread never sees one without the other (threaded
        # web workers validate at once).
        self._compiled: dict[str, tuple[Schema, _Fast | None, int]] = {}
        for event_type in types:
            self.register(event_type)

    def register(self, event_type: EventType) -> None:
        missing = [n for n in range(1, event_type.version) if n not in event_type.upcasters]
        if missing:
            raise ValueError(f"{event_type.name}: no upcaster from version(s) {missing}")
        self._types[event_type.name] = event_type
        self._compiled.pop(event_type.name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._types.values(), key=lambda t: t.name))

    def get(self, name: str) -> EventType:
        try:
            return self._types[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def current_version(self, name: str) -> int:
        return self.get(name).version

    def validate(
        self, name: str, payload: Any, schema_version: int | None = None
    ) -> dict[str, Any]:
        """The payload in its stored JSON form, or `InvalidEventPayload` naming the fields."""
        event_type = self.get(name)
        if schema_version is not None and schema_version != event_type.version:
            raise InvalidEventPayload(
                name, {"schema_version": [f"须是当前版本 {event_type.version}"]}
            )
        if not isinstance(payload, dict):
            raise InvalidEventPayload(name, {"payload": ["须是 JSON 对象"]})
        schema, fast, _version = self._compiled.get(name) or self._compile(event_type)
        if fast is not None:
            stored = fast(payload)
            if stored is not None:
                return stored
        try:
            loaded = schema.load(payload)
        except ValidationError as exc:
            errors = exc.messages if isinstance(exc.messages, dict) else {"payload": exc.messages}
            raise InvalidEventPayload(name, errors) from None
        return schema.dump(loaded)

    def quickly_stored(self, name: str, payload: Any) -> tuple[int, dict[str, Any]] | None:
        """``(current version, payload in its stored form)`` when the fast validator
        (`fastcheck`) accepts ``payload`` as type ``name``'s current version; None when it
        cannot say (or the type is unknown): `validate` then decides and words any error.
        Never raises. Once per event in a batched append: kept to two look-ups and the
        validator (which itself refuses anything but a plain dict)."""
        compiled = self._compiled.get(name)
        if compiled is None:
            event_type = self._types.get(name)
            if event_type is None:
                return None
            compiled = self._compile(event_type)
        fast, version = compiled[1], compiled[2]
        if fast is None:  # marshmallow does it all for this type
            return None
        stored = fast(payload)
        return None if stored is None else (version, stored)

    def _compile(self, event_type: EventType) -> tuple[Schema, _Fast | None, int]:
        schema = event_type.schema(unknown=RAISE)
        compiled = (schema, compile_schema(schema), event_type.version)
        self._compiled[event_type.name] = compiled  # two threads may both build it: no matter
        return compiled

    def upcast(
        self, name: str, schema_version: int, payload: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Lift a stored payload to the current version; unknown types pass unchanged."""
        event_type = self._types.get(name)
        if event_type is None:
            return schema_version, payload
        version = schema_version
        while version < event_type.version:
            payload = event_type.upcasters[version](payload)
            version += 1
        return version, payload
