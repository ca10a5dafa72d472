"""Canonical JSON, the one text form of a value wherever a hash is taken over it: the
event chain, plan digests, rulebook hashes, assessment digests.

A leaf module (the standard library and orjson only), so that domain code may use it."""

from __future__ import annotations

import json
from typing import Any

try:
    from orjson import OPT_SORT_KEYS as _SORTED
    from orjson import dumps as _orjson_dumps
except ImportError:  # pragma: no cover - a dependency; the standard library gives the same text
    _SORTED, _orjson_dumps = 0, None  # type: ignore[assignment]


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same value always gives the same text.

    The text is exactly ``json.dumps(value, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, which auditors can reproduce with the standard library. For
    plain JSON without floats orjson writes the same bytes some fifteen times faster, so
    it is used there; anything else (floats, whose exponent orjson writes differently,
    non-string keys, other types) takes the standard library's path."""
    if _orjson_dumps is not None and _plain_json(value):
        try:
            return _orjson_dumps(value, option=_SORTED).decode()
        except (TypeError, ValueError):  # e.g. a lone surrogate: json decides
            pass
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain_json(value: Any) -> bool:
    """Only str/int/bool/None inside dicts with str keys and lists: no floats."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, inner in item.items():
                if type(key) is not str:
                    return False
                stack.append(inner)
        elif kind is list:
            stack.extend(item)
        elif kind is not str and kind is not int and kind is not bool and item is not None:
            return False
    return True


def canonical_flat_json(fields: dict[str, Any]) -> str:
    """`canonical_json` of a flat mapping of strings, whole numbers and nulls (an event
    envelope's fields): orjson writes those exactly as the standard library does, so the
    `_plain_json` walk (a fifth of a verification's time) is skipped; anything else takes
    the general path."""
    if _orjson_dumps is not None:
        try:
            if all(type(v) is str or type(v) is int or v is None for v in fields.values()):
                return _orjson_dumps(fields, option=_SORTED).decode()
        except (TypeError, ValueError):  # e.g. a lone surrogate: json decides
            pass
    return canonical_json(fields)
