"""Every error over HTTP is one shape: RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from ..eventstore.errors import (
    ConcurrencyConflict,
    DuplicateEventConflict,
    InvalidEventPayload,
    LockTimeout,
    UnknownEventType,
)

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://gongjian.example/problems/"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def problem_response(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    body = {
        "type": PROBLEM_TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
        **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status)
    response.content_type = "application/problem+json"
    return response


def register_problem_handlers(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc.status, exc.title, exc.detail, **exc.extra)

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return problem_response(
            422, "Unprocessable Content", "the request body is invalid", errors=exc.messages
        )

    @app.errorhandler(ConcurrencyConflict)
    def _conflict(exc: ConcurrencyConflict) -> Response:
        return problem_response(
            409,
            "Conflict",
            str(exc),
            stream_id=exc.stream_id,
            expected_version=exc.expected,
            current_version=exc.actual,
        )

    @app.errorhandler(DuplicateEventConflict)
    def _duplicate(exc: DuplicateEventConflict) -> Response:
        return problem_response(409, "Conflict", str(exc), event_id=exc.event_id)

    @app.errorhandler(UnknownEventType)
    def _unknown_type(exc: UnknownEventType) -> Response:
        return problem_response(422, "Unprocessable Content", str(exc), errors={"type": [str(exc)]})

    @app.errorhandler(InvalidEventPayload)
    def _invalid_payload(exc: InvalidEventPayload) -> Response:
        return problem_response(
            422, "Unprocessable Content", str(exc), errors={"payload": exc.errors}
        )

    @app.errorhandler(LockTimeout)
    def _busy(exc: LockTimeout) -> Response:
        response = problem_response(503, "Service Unavailable", str(exc))
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        extra: dict[str, Any] = {}
        data = getattr(exc, "data", None)  # webargs/flask-smorest put field errors here
        if isinstance(data, dict) and "messages" in data:
            extra["errors"] = _flatten_locations(data["messages"])
        detail = exc.description or ""
        if exc.code == 422 and extra:
            detail = "the request is invalid: " + ", ".join(sorted(map(str, extra["errors"])))
        return problem_response(exc.code or 500, exc.name, detail, **extra)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.path})
        return problem_response(500, "Internal Server Error", "an unexpected error was logged")


def _flatten_locations(messages: Any) -> Any:
    # webargs nests errors by location ({"json": {...}, "query": {...}}); one level is enough.
    if isinstance(messages, dict) and set(messages) <= {
        "json",
        "query",
        "headers",
        "form",
        "files",
        "path",
        "view_args",
    }:
        flat: dict[str, Any] = {}
        for value in messages.values():
            if isinstance(value, dict):
                flat.update(value)
        return flat
    return messages
