"""A project's history under the two clocks, and the comparison of two dates.

Which events count, and with which payload, is `shared.history`'s rule (one for all
three services); this module turns its answer into the registry's `ProjectEvent`s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.history import Standing, counted, known_by

from .events import ProjectEvent
from .project import KeyProject


def admitted(
    events: Iterable[ProjectEvent],
    as_of: datetime | None = None,
    known_at: datetime | None = None,
) -> list[ProjectEvent]:
    """The events that count under the two clocks (`shared.history`), amendments
    resolved: corrected events carry their corrected payload and business time,
    retracted ones are marked (they have no effect); the amendments themselves follow
    at the end (they only record that a correction was made)."""
    known = known_by(events, known_at)
    if as_of is None and not any(e.is_amendment for e in known):
        return known  # nothing amended, nothing bounded: every event counts as it is
    return [_as_counted(s) for s in counted(known, as_of)] + [e for e in known if e.is_amendment]


def _as_counted(standing: Standing[ProjectEvent]) -> ProjectEvent:
    event, ids = standing.event, tuple(a.event_id for a in standing.amendments)
    if standing.retracted:
        return replace(event, retracted_by=ids)
    if not ids:
        return event
    return replace(
        event,
        payload=standing.payload,
        occurred_at=standing.occurred_at,
        amended_by=ids,
    )


def state_at(
    project_id: str,
    events: Iterable[ProjectEvent],
    as_of: datetime | None = None,
    known_at: datetime | None = None,
) -> KeyProject:
    return KeyProject.fold(project_id, admitted(events, as_of, known_at))


@dataclass(frozen=True, slots=True)
class Change:
    """One field that differs between two states, and the events that changed it."""

    field: str
    before: Any
    after: Any
    event_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "event_ids": list(self.event_ids),
        }


def compare(before: KeyProject, after: KeyProject) -> list[Change]:
    """Every leaf field that differs (the baseline comparison), with the events that
    set it in ``after`` but had not in ``before``."""
    old, new = _flatten(before.to_dict()), _flatten(after.to_dict())
    changes = []
    for key in sorted(set(old) | set(new)):
        if key in _BOOKKEEPING or old.get(key) == new.get(key):
            continue
        source = _provenance_key(key, after.provenance) or _provenance_key(key, before.provenance)
        events: Sequence[str] = ()
        if source is not None:
            seen = set(before.provenance.get(source, ()))
            events = [e for e in after.provenance.get(source, ()) if e not in seen]
        changes.append(Change(key, old.get(key), new.get(key), tuple(events)))
    return changes


_BOOKKEEPING = ("version", "last_occurred_at")


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf fields by dotted path; an empty collection has no leaves."""
    if isinstance(value, dict) and prefix != "corrections":
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and prefix == "corrections":
        return {prefix: [c["event_id"] for c in value]}
    return {prefix: value}


def _provenance_key(key: str, provenance: dict[str, list[str]]) -> str | None:
    """The most specific provenance key that covers a flattened field."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in provenance:
            return candidate
    return None
