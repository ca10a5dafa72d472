"""The label catalogue: the Chinese label of every code a person sees, from one data file."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

CATALOGUE_FILE = "labels.zh.yaml"


class UnknownLabelKind(KeyError):
    """A kind of code the catalogue does not know (a programming error, not bad input)."""


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Kind → code → label, read once from ``labels.zh.yaml``."""
    text = resources.files(__package__).joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {str(kind): {str(c): str(t) for c, t in codes.items()} for kind, codes in data.items()}


CONFIGURED: dict[str, dict[str, str]] = {}
"""Kind → code → label set by configuration over the catalogue's (the counties' names
from the tenant hierarchy, `shared.tenancy.configure`)."""


_MERGED: dict[str, dict[str, str]] = {}
"""Kind → the catalogue's codes with the configured ones over them, made once a kind
until configuration changes (a project's state labels some 2,000 codes)."""


def configure_labels(kind: str, names: dict[str, str]) -> None:
    CONFIGURED[kind] = dict(names)
    _MERGED.clear()


def labels(kind: str) -> dict[str, str]:
    """Every code of ``kind`` with its label, in the catalogue's order (then configured)."""
    return dict(_merged(kind))


def _merged(kind: str) -> dict[str, str]:
    merged = _MERGED.get(kind)
    if merged is None:
        try:
            merged = _MERGED[kind] = {**catalogue()[kind], **CONFIGURED.get(kind, {})}
        except KeyError:
            raise UnknownLabelKind(kind) from None
    return merged


def has_label(kind: str, code: Any) -> bool:
    return _code(code) in _merged(kind)


def label(kind: str, code: Any) -> str:
    """The Chinese label of ``code``. A code without one (free text such as a sector a
    project was registered with in Chinese) is shown as it is; ``None`` is shown empty."""
    if code is None:
        return ""
    text = _code(code)
    return _merged(kind).get(text, text)


def yes_no(value: bool) -> str:
    """是 / 否 (never ``True``/``False`` in anything a person reads)."""
    return label("boolean", bool(value))


def _code(code: Any) -> str:
    if isinstance(code, bool):
        return "true" if code else "false"
    return str(code)
