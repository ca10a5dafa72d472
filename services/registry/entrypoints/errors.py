"""The registry's domain errors as problem documents."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from shared.http.problems import problem_response

from ..domain import AlreadyRegistered, ProjectNotFound, RuleViolation


def register_error_handlers(blp: Blueprint) -> None:
    """App-wide handlers, carried by one of the registry's blueprints."""

    @blp.app_errorhandler(RuleViolation)
    def _rule(exc: RuleViolation) -> Response:
        return problem_response(
            422, "Unprocessable Content", str(exc), errors={exc.field: [exc.message]}
        )

    @blp.app_errorhandler(ProjectNotFound)
    def _missing(exc: ProjectNotFound) -> Response:
        return problem_response(404, "Not Found", str(exc), project_id=exc.project_id)

    @blp.app_errorhandler(AlreadyRegistered)
    def _taken(exc: AlreadyRegistered) -> Response:
        return problem_response(
            409, "Conflict", str(exc), errors={exc.field: [str(exc)]}, project_id=exc.project_id
        )
