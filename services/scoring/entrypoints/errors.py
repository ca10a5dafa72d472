"""Scoring's errors in the one table of problem types (shared/http/problems.py)."""

from __future__ import annotations

from shared.http.problems import ProblemType, field_errors, register_problem_types

from ..application.rulebooks import RulebookConflict, UnknownRulebook
from ..domain.errors import (
    AssessmentAlreadyPublished,
    AssessmentAltered,
    AssessmentJobNotFound,
    AssessmentNotFound,
    AssessmentNotPublished,
    CorrectionReasonMissing,
    ProjectNotAssessed,
)
from ..domain.rulebook import RulebookInvalid

PROBLEM_TYPES = {
    RulebookInvalid: ProblemType(
        422,
        "invalid-rulebook",
        detail=lambda exc: "考核细则有误：" + "、".join(sorted(exc.errors)),
        extra=lambda exc: {"errors": {path: [why] for path, why in exc.errors.items()}},
    ),
    UnknownRulebook: ProblemType(422, "unknown-rulebook", extra=field_errors("rulebook_version")),
    RulebookConflict: ProblemType(409, "rulebook-conflict"),
    AssessmentNotFound: ProblemType(
        404, "assessment-not-found", extra=lambda exc: {"assessment_id": exc.assessment_id}
    ),
    AssessmentAltered: ProblemType(
        409,
        "assessment-altered",
        detail=lambda exc: (
            f"考核结果 {exc.assessment_id} 未通过摘要校验，不予提供：{exc.difference}"
        ),
        extra=lambda exc: {"assessment_id": exc.assessment_id, "difference": exc.difference},
    ),
    AssessmentAlreadyPublished: ProblemType(
        409,
        "assessment-superseded",
        extra=lambda exc: {"assessment_id": exc.assessment_id, "published_id": exc.published_id},
    ),
    CorrectionReasonMissing: ProblemType(
        422,
        "correction-reason-missing",
        extra=lambda exc: {
            "published_id": exc.published_id,
            "errors": {"reason": ["更正已发布的考核结果须说明原因"]},
        },
    ),
    AssessmentNotPublished: ProblemType(
        409,
        "assessment-not-published",
        extra=lambda exc: {"assessment_id": exc.assessment_id},
    ),
    AssessmentJobNotFound: ProblemType(
        404, "assessment-job-not-found", extra=lambda exc: {"job_id": exc.job_id}
    ),
    ProjectNotAssessed: ProblemType(
        404,
        "project-not-in-assessment",
        extra=lambda exc: {"assessment_id": exc.assessment_id, "project_id": exc.project_id},
    ),
}


def register() -> None:
    register_problem_types(PROBLEM_TYPES)
