"""Scheduling's errors in the one table of problem types (shared/http/problems.py)."""

from __future__ import annotations

from shared.http.problems import ProblemType, register_problem_types

from ..domain.duban import NotTheUnitsAction, StepRefused
from ..domain.errors import (
    ActionNotFound,
    AlertChannelNotFound,
    AlertNotFound,
    ColourRecordNotFound,
    EscalationConflict,
    EscalationNotFound,
    InspectionNotFound,
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
    InspectionNotFound: ProblemType(
        404, "inspection-not-found", extra=lambda exc: {"round_id": exc.round_id}
    ),
    EscalationNotFound: ProblemType(
        404, "escalation-not-found", extra=lambda exc: {"escalation_id": exc.escalation_id}
    ),
    EscalationConflict: ProblemType(
        409,
        "escalation-state",
        extra=lambda exc: {"escalation_id": exc.escalation_id, "state": exc.state},
    ),
    AlertChannelNotFound: ProblemType(
        404, "alert-channel-not-found", extra=lambda exc: {"channel_id": exc.channel_id}
    ),
    AlertNotFound: ProblemType(
        404, "alert-not-found", extra=lambda exc: {"alert_id": exc.alert_id}
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
    NotTheUnitsAction: ProblemType(
        403, "not-the-units-action", extra=lambda exc: {"action_id": exc.action_id}
    ),
    StepRefused: ProblemType(
        409,
        "action-step-out-of-order",
        extra=lambda exc: {"action_id": exc.action_id, "step": exc.step, "stage": exc.stage},
    ),
}


def register() -> None:
    register_problem_types(PROBLEM_TYPES)
