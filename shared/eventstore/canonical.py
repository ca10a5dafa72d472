"""Canonical JSON, the one text form of a value wherever a hash is taken over it: the
event chain, plan digests, rulebook hashes, assessment digests.

A leaf module (the standard library and orjson only), so that domain code may use it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

try:
    from orjson import OPT_SORT_KEYS as _SORTED
    from orjson import Fragment as _Fragment
    from orjson import dumps as _orjson_dumps
except ImportError:  # pragma: no cover - a dependency; the standard library gives the same text
    _SORTED, _orjson_dumps, _Fragment = 0, None, None  # type: ignore[assignment,misc]


class Canonical(bytes):
    """A part of a value already written as its canonical JSON (UTF-8): in
    `canonical_json_bytes` it stands for that part, and the whole's text is the one the
    part itself would have given. For a large value built part by part (an assessment's
    projects), so that the parts are not all held as objects at once."""

    @classmethod
    def of(cls, value: Any) -> Canonical:
        return cls(canonical_json_bytes(value))


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


def canonical_json_bytes(value: Any) -> bytes:
    """``canonical_json(value).encode()``, written straight to bytes (a large value's text is
    not held twice, as text and as bytes); ``value`` may hold `Canonical` parts."""
    if _orjson_dumps is not None and _plain_json(value, parts=True):
        try:
            return _orjson_dumps(value, option=_SORTED, default=_fragment)
        except (TypeError, ValueError):  # e.g. a lone surrogate: json decides
            pass
    return canonical_json(_without_parts(value)).encode()


def _fragment(value: Any) -> Any:
    if type(value) is Canonical:
        return _Fragment(bytes(value))
    raise TypeError(f"not JSON: {type(value).__name__}")


def _without_parts(value: Any) -> Any:
    if type(value) is Canonical:
        return json.loads(value)
    if type(value) is dict:
        return {k: _without_parts(v) for k, v in value.items()}
    if type(value) is list:
        return [_without_parts(v) for v in value]
    return value


def _plain_json(value: Any, *, parts: bool = False) -> bool:
    """Only str/int/bool/None inside dicts with str keys and lists: no floats (and, with
    ``parts``, `Canonical` parts)."""
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
        elif kind is Canonical:
            if not parts:
                return False
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


_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))
_THREE_DIGITS = tuple(f"{n:03d}" for n in range(1000))


def wall_clock_text(instant: datetime) -> str:
    """``strftime("%Y-%m-%dT%H:%M:%S.%fZ")`` of ``instant``'s own wall clock (its zone
    left out), the year in four digits as isoformat writes it: the one form instants are
    hashed and folded in. Put together from texts of two and three digits made once:
    half the instructions of ``%``-formatting the seven numbers (which was itself half
    of isoformat with its offset cut off and a fifth of strftime's; issue 18)."""
    year, micro = instant.year, instant.microsecond
    return (
        f"{_TWO_DIGITS[year // 100]}{_TWO_DIGITS[year % 100]}-{_TWO_DIGITS[instant.month]}"
        f"-{_TWO_DIGITS[instant.day]}T{_TWO_DIGITS[instant.hour]}"
        f":{_TWO_DIGITS[instant.minute]}:{_TWO_DIGITS[instant.second]}"
        f".{_THREE_DIGITS[micro // 1000]}{_THREE_DIGITS[micro % 1000]}Z"
    )
