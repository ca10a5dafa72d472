"""Rulebooks: the bundled default, reading a file, adopting one by event, the one in force."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from shared.eventstore import EventStore, NewEvent, now_utc

from ..domain.rulebook import Rulebook, RulebookInvalid
from .rulebook_document import parse_rulebook

__all__ = ["RulebookInvalid", "parse_rulebook"]

RULEBOOKS_STREAM = "rulebooks"
DEFAULT_RULEBOOK = Path(__file__).resolve().parent.parent / "rulebooks" / "default.yaml"
_NAMESPACE = uuid.UUID("5b0f5e0e-4d1c-4a55-9a0c-3c1e2f7a6b10")


class UnknownRulebook(LookupError):
    """No rulebook of that version was adopted by the cut-off."""


class RulebookConflict(ValueError):
    """A version already adopted with different content."""


def read_document(path: Path) -> Any:
    """A rulebook file, YAML or JSON by its suffix; a syntax error names the file."""
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RulebookInvalid({"(document)": f"{path.name} is not valid: {exc}"}) from exc


def default_rulebook() -> Rulebook:
    return parse_rulebook(read_document(DEFAULT_RULEBOOK))


def adopted(store: EventStore, *, up_to: int | None = None) -> list[tuple[int, datetime, Rulebook]]:
    """Every adopted rulebook by ``up_to``, in the order of adoption, with its position."""
    return [
        (event.global_position, event.recorded_at, parse_rulebook(event.payload["rulebook"]))
        for event in store.iter_all(types=["RulebookAdopted"], up_to=up_to)
        if event.stream_id == RULEBOOKS_STREAM
    ]


def in_force(store: EventStore, watermark: int, version: str | None = None) -> Rulebook:
    """The rulebook for a replay up to ``watermark``: the one named, or the latest adopted
    (the bundled default when none was adopted)."""
    candidates = [rb for _, _, rb in adopted(store, up_to=watermark)]
    default = default_rulebook()
    if version is None:
        return candidates[-1] if candidates else default
    for rulebook in reversed([default, *candidates]):
        if rulebook.version == version:
            return rulebook
    raise UnknownRulebook(f"截至全局位置 {watermark}，未启用过版本为“{version}”的考核细则")


def adopt(
    store: EventStore, document: Any, *, actor: str = "", source: str = "scoring"
) -> tuple[Rulebook, int, bool]:
    """Adopt a rulebook: (rulebook, position, newly adopted). Re-adopting the same content
    is a no-op; the same version with other content is a `RulebookConflict`."""
    rulebook = parse_rulebook(document)
    default = default_rulebook()
    if rulebook.version == default.version and rulebook.hash != default.hash:
        raise RulebookConflict(f"“{rulebook.version}”是内置默认考核细则的版本号，请另起版本号")
    for position, _, existing in adopted(store):
        if existing.version == rulebook.version:
            if existing.hash != rulebook.hash:
                raise RulebookConflict(
                    f"版本为“{rulebook.version}”的考核细则已启用，内容与此不同："
                    "请给新的细则另起版本号"
                )
            return existing, position, False
    result = store.append(
        [
            NewEvent(
                stream_id=RULEBOOKS_STREAM,
                type="RulebookAdopted",
                payload={
                    "rulebook_version": rulebook.version,
                    "rulebook_hash": rulebook.hash,
                    "rulebook": document,
                },
                occurred_at=now_utc(),
                event_id=str(uuid.uuid5(_NAMESPACE, f"{rulebook.version}:{rulebook.hash}")),
                source=source,
                actor=actor,
            )
        ]
    )
    return rulebook, result.last_position, not result.duplicate
