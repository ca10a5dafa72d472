"""In-memory facts for the domain's unit tests (the same shape the store returns)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from services.scheduling.domain.project import AmendedFact, ProjectState, fold

from ..helpers import ZONE, at, registration

_ids = itertools.count(1)


def fact(type_: str, on: str, stream: str = "project-p1", **payload: Any) -> AmendedFact:
    return AmendedFact(f"e{next(_ids)}", stream, type_, at(on), payload)


def registered(on: str = "2024-01-02", **overrides: Any) -> AmendedFact:
    return fact("ProjectRegistered", on, **registration("p1", **overrides))


def state_of(*facts: AmendedFact) -> ProjectState:
    state = fold(facts, ZONE)
    assert state is not None
    return state


def day(text: str) -> date:
    return date.fromisoformat(text)
