"""Scheduling's errors in the one table of problem types (shared/http/problems.py)."""

from __future__ import annotations

from shared.http.problems import ProblemType, register_problem_types

from ..domain.errors import (
    ActionNotFound,
    ColourRecordNotFound,
    InvalidRecord,
    PlanNotFound,
    SetPieceNotFound,
    SiteMeetingNotFound,
)
from ..domain.periods import InvalidPeriod

PROBLEM_TYPES = {
    PlanNotFound: ProblemType(404, "plan-not-found"),
    ActionNotFound: ProblemType(
        404, "action-not-found", extra=lambda exc: {"action_id": exc.action_id}
    ),
    SetPieceNotFound: ProblemType(404, "set-piece-not-found", extra=lambda exc: {"code": exc.code}),
    SiteMeetingNotFound: ProblemType(
        404, "site-meeting-not-found", extra=lambda exc: {"record_id": exc.record_id}
    ),
    ColourRecordNotFound: ProblemType(
        404, "colour-record-not-found", extra=lambda exc: {"project_id": exc.project_id}
    ),
    InvalidRecord: ProblemType(
        422, "invalid-record", extra=lambda exc: {"errors": {exc.field: [str(exc)]}}
    ),
    InvalidPeriod: ProblemType(
        422, "invalid-period", extra=lambda exc: {"errors": {exc.field: [str(exc)]}}
    ),
}


def register() -> None:
    register_problem_types(PROBLEM_TYPES)
