"""Comparing a stored assessment with the same assessment recomputed from the log: the
first value that differs, named by where it stands (a project by its id, a line by its
rule, a unit or leader by name), in the stored order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_MISSING = "（无）"


@dataclass(frozen=True, slots=True)
class Difference:
    """Where a stored assessment and its recomputation part, and the two values there."""

    path: str
    stored: Any
    recomputed: Any

    def __str__(self) -> str:
        return f"{self.path} 不一致：存档 {_text(self.stored)}，重算 {_text(self.recomputed)}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "stored": self.stored, "recomputed": self.recomputed}


def first_difference(stored: Any, recomputed: Any, path: str = "") -> Difference | None:
    """The first value in ``stored`` (walked in its own order) that ``recomputed`` does
    not have, or None when the two are equal."""
    if isinstance(stored, dict) and isinstance(recomputed, dict):
        return _first_in_mapping(stored, recomputed, path)
    if isinstance(stored, list) and isinstance(recomputed, list):
        return _first_in_list(stored, recomputed, path)
    return None if stored == recomputed else Difference(path, stored, recomputed)


def _first_in_mapping(stored: dict, recomputed: dict, path: str) -> Difference | None:
    for key in [*stored, *(k for k in recomputed if k not in stored)]:
        where = f"{path}.{key}" if path else str(key)
        if key not in stored or key not in recomputed:
            return Difference(where, stored.get(key, _MISSING), recomputed.get(key, _MISSING))
        found = first_difference(stored[key], recomputed[key], where)
        if found is not None:
            return found
    return None


def _first_in_list(stored: list, recomputed: list, path: str) -> Difference | None:
    for index, (old, new) in enumerate(zip(stored, recomputed, strict=False)):
        found = first_difference(old, new, f"{path}[{_name(old, index)}]")
        if found is not None:
            return found
    if len(stored) != len(recomputed):
        return Difference(f"{path}（条目数）", len(stored), len(recomputed))
    return None


def _name(item: Any, index: int) -> str:
    """A list item as people name it: a project by id, a line by its rule, a unit or a
    leader by name; anything else by its place."""
    if isinstance(item, dict):
        for key in ("project_id", "line", "name"):
            if isinstance(item.get(key), str):
                return item[key]
    return str(index)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)
