"""The registry's errors in the one table of problem types (shared/http/problems.py)."""

from __future__ import annotations

from shared.http.problems import ProblemType, register_problem_types

from ..application.signing import RequestIdRefused, SignatureError
from ..application.spreadsheets import DigestMismatch, ImportHasProblems, SpreadsheetUnreadable
from ..application.submissions import Contended
from ..domain import AlreadyRegistered, CampaignNotFound, ProjectNotFound, RuleViolation

PROBLEM_TYPES = {
    # ``code`` is for programs; ``detail`` and ``errors`` are Chinese, for people.
    RuleViolation: ProblemType(
        422,
        "rule-violation",
        extra=lambda exc: {"code": exc.code, "errors": {exc.field: [exc.message]}},
        detail=lambda exc: exc.message,
    ),
    ProjectNotFound: ProblemType(
        404,
        "project-not-found",
        extra=lambda exc: {"code": exc.code, "project_id": exc.project_id},
    ),
    AlreadyRegistered: ProblemType(
        409,
        "already-registered",
        extra=lambda exc: {
            "code": exc.code,
            "errors": {exc.field: [str(exc)]},
            "project_id": exc.project_id,
        },
    ),
    CampaignNotFound: ProblemType(404, "campaign-not-found", extra=lambda exc: {"year": exc.year}),
    SignatureError: ProblemType(401, "bad-signature"),
    Contended: ProblemType(503, "contended", retry_after=1),
    RequestIdRefused: ProblemType(400, "bad-webhook-id", extra=lambda exc: {"code": exc.code}),
    SpreadsheetUnreadable: ProblemType(422, "unreadable-spreadsheet"),
    DigestMismatch: ProblemType(
        409, "digest-mismatch", extra=lambda exc: {"digest": exc.actual, "given": exc.given}
    ),
    ImportHasProblems: ProblemType(
        422, "import-has-problems", extra=lambda exc: exc.preview.to_dict()
    ),
}


def register() -> None:
    register_problem_types(PROBLEM_TYPES)
