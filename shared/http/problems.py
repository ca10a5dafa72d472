"""Every error over HTTP is one shape: RFC 9457 ``application/problem+json``.

Errors reach it one way: `PROBLEM_TYPES`, the one table from an error class to its
problem type. The store's errors are registered here; each service registers its domain
errors from its ``entrypoints/errors.py``; routes raise domain errors and never translate
them. `Problem` is for what only HTTP knows (a bad header, an unknown format)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ..eventstore.errors import (
    ConcurrencyConflict,
    DuplicateEventConflict,
    InvalidEventPayload,
    LockTimeout,
    UnknownEventType,
)
from ..eventstore.limits import InvalidEnvelope
from ..i18n.labels import label
from ..i18n.validation import in_chinese
from ..logging import once_a_minute
from ..tenancy import BeyondScope, CountyRequired, UnknownCounty

log = logging.getLogger(__name__)
outage_log = once_a_minute(logging.getLogger("gongjian.database"))
"""The database being away is logged once a minute, not once a request."""

DATABASE_RETRY_AFTER = 5
"""Seconds a client is asked to wait when the database is unreachable or the connection
was cut mid-request (the pool reconnects; pre-ping finds dead connections)."""

PROBLEM_TYPE_BASE = "https://gongjian.example/problems/"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def problem_response(
    status: int, title: str, detail: str = "", *, problem_type: str | None = None, **extra: Any
) -> Response:
    """A problem document; ``problem_type`` defaults to the title's slug."""
    if "errors" in extra:
        extra["errors"] = in_chinese(_with_text_keys(extra["errors"]))
    body = {
        "type": PROBLEM_TYPE_BASE + (problem_type or title.lower().replace(" ", "-")),
        "title": HTTP_TITLES.get(status, title) if title.isascii() else title,
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
        **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status)
    response.content_type = "application/problem+json"
    return response


def _with_text_keys(errors: Any) -> Any:
    """Field errors keyed by text only (marshmallow keys a nameless form field ``None``)."""
    if isinstance(errors, dict):
        return {
            "(unnamed)" if key is None else str(key): _with_text_keys(value)
            for key, value in errors.items()
        }
    return errors


@dataclass(frozen=True)
class ProblemType:
    """How one error class is answered: its status, its problem type (the last part of
    the ``type`` URI), and the members it adds to the document."""

    status: int
    slug: str
    extra: Callable[[Any], dict[str, Any]] = field(default=lambda exc: {})
    detail: Callable[[Any], str] = str
    retry_after: int | None = None

    def response(self, exc: BaseException) -> Response:
        response = problem_response(
            self.status,
            HTTPStatus(self.status).phrase,
            self.detail(exc),
            problem_type=self.slug,
            **self.extra(exc),
        )
        if self.retry_after is not None:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


PROBLEM_TYPES: dict[type[BaseException], ProblemType] = {}
"""The one table from errors to problem types: the store's errors below, each service's
domain errors registered by its bootstrap (``entrypoints/errors.py``)."""


def register_problem_types(table: Mapping[type[BaseException], ProblemType]) -> None:
    for error, problem_type in table.items():
        known = PROBLEM_TYPES.setdefault(error, problem_type)
        if known != problem_type:
            raise ValueError(f"{error.__name__} is already mapped to {known.slug}")


def problem_type_of(exc: BaseException) -> ProblemType | None:
    """The problem type of ``exc``'s class or of its nearest registered base class."""
    for kind in type(exc).__mro__:
        found = PROBLEM_TYPES.get(kind)
        if found is not None:
            return found
    return None


def field_errors(name: str) -> Callable[[Any], dict[str, Any]]:
    """``errors: {name: [the error's text]}``: the field at fault, for 422 answers."""
    return lambda exc: {"errors": {name: [str(exc)]}}


register_problem_types(
    {
        ValidationError: ProblemType(
            422,
            "invalid-request",
            extra=lambda exc: {"errors": exc.messages},
            detail=lambda exc: "请求内容有误，各字段的问题见 errors",
        ),
        ConcurrencyConflict: ProblemType(
            409,
            "version-conflict",
            extra=lambda exc: {
                "stream_id": exc.stream_id,
                "expected_version": exc.expected,
                "current_version": exc.actual,
            },
            detail=lambda exc: (
                f"“{exc.stream_id}”已是第 {exc.actual} 版，"
                + (
                    "而请求以为它尚不存在"
                    if exc.expected is None
                    else f"而请求基于第 {exc.expected} 版"
                )
                + "：请重新读取后再提交"
            ),
        ),
        DuplicateEventConflict: ProblemType(
            409,
            "duplicate-event",
            extra=lambda exc: {"event_id": exc.event_id},
            detail=lambda exc: (
                f"事件 {exc.event_id} 已记录过，内容与本次不同（同一 event_id 只能重发原内容）"
            ),
        ),
        UnknownEventType: ProblemType(
            422,
            "unknown-event-type",
            extra=lambda exc: {"errors": {"type": [f"未知的事件类型“{exc.event_type}”"]}},
            detail=lambda exc: f"未知的事件类型“{exc.event_type}”",
        ),
        InvalidEventPayload: ProblemType(
            422,
            "invalid-payload",
            extra=lambda exc: {"errors": {"payload": exc.errors}},
            detail=lambda exc: (
                f"“{label('event_type', exc.event_type)}”事件的内容有误："
                + "、".join(sorted(str(k) for k in exc.errors))
            ),
        ),
        LockTimeout: ProblemType(
            503, "busy", retry_after=1, detail=lambda exc: "事件日志正忙，请稍后重试"
        ),
        InvalidEnvelope: ProblemType(
            422,
            "invalid-envelope",
            extra=lambda exc: {"code": exc.code, "errors": {exc.field: [exc.message]}},
            detail=lambda exc: f"{exc.field}：{exc.message}",
        ),
        BeyondScope: ProblemType(403, "beyond-scope", extra=lambda exc: {"code": exc.code}),
        CountyRequired: ProblemType(
            422,
            "county-required",
            extra=lambda exc: {"code": exc.code, "counties": exc.counties},
        ),
        UnknownCounty: ProblemType(
            422, "unknown-county", extra=lambda exc: {"code": exc.code, "county": exc.county}
        ),
    }
)

UNAVAILABLE = ProblemType(
    503,
    "database-unavailable",
    detail=lambda exc: "数据库暂时无法连接，或连接在请求中途断开：请稍后重试",
    retry_after=DATABASE_RETRY_AFTER,
)
register_problem_types(
    # A driver's connection errors, a query cancelled by the server and a full pool:
    # nothing the client did wrong, and a retry will do.
    {OperationalError: UNAVAILABLE, InterfaceError: UNAVAILABLE, PoolTimeout: UNAVAILABLE}
)


REGISTER_BUSY = ProblemType(
    409,
    "register-busy",
    retry_after=1,
    detail=lambda exc: "发文编号正忙（同时发文的太多），请稍后重试",
)
"""A document register that stayed contended (many offices issuing at once): the client
may retry; never a 500. Registered by `shared.http.app.create_base_app` for
``shared.documents.RegisterBusy`` (the documents package imports this one)."""


register_problem_types(
    # A value the database cannot hold that no check before it caught (PostgreSQL refuses
    # NUL in text; found by the fuzzer in an identifier list): the request's fault, not a 500.
    {
        DataError: ProblemType(
            422,
            "unstorable-value",
            extra=lambda exc: {"code": "value_not_storable"},
            detail=lambda exc: "请求中有数据库无法存储的值（如 NUL 字符，或超出范围的数）",
        )
    }
)


def register_problem_handlers(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc.status, exc.title, exc.detail, **exc.extra)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        extra: dict[str, Any] = {}
        data = getattr(exc, "data", None)  # webargs/flask-smorest put field errors here
        if isinstance(data, dict) and "messages" in data:
            extra["errors"] = _flatten_locations(data["messages"])
        detail = _chinese_description(exc)
        if exc.code == 422 and extra:
            detail = "请求有误：" + "、".join(sorted(map(str, extra["errors"])))
        response = problem_response(exc.code or 500, exc.name, detail, **extra)
        allow = dict(exc.get_headers()).get("Allow")
        if allow:  # a 405 names the methods the resource has
            response.headers["Allow"] = allow
        return response

    @app.errorhandler(Exception)
    def _mapped_or_unexpected(exc: Exception) -> Response:
        problem_type = problem_type_of(exc)
        if problem_type is UNAVAILABLE:
            outage_log.warning(
                "database unavailable", extra={"path": request.path, "reason": _first_line(exc)}
            )
        if problem_type is not None:
            return problem_type.response(exc)
        log.exception("unhandled error", extra={"path": request.path})
        return problem_response(500, "Internal Server Error", "服务器内部出错，已记入日志")


HTTP_TITLES = {
    400: "请求有误",
    401: "未经认证",
    403: "无权访问",
    404: "未找到",
    405: "请求方法不被接受",
    406: "无法按所要的格式答复",
    409: "冲突",
    410: "已停用",
    411: "须带长度",
    412: "前提条件不成立",
    413: "请求体过大",
    414: "地址过长",
    415: "不支持的请求体格式",
    422: "请求内容有误",
    428: "须带前提条件",
    429: "请求过于频繁",
    431: "请求头过大",
    500: "服务器内部出错",
    501: "不支持",
    502: "上游服务出错",
    503: "服务暂时不可用",
    504: "上游服务超时",
}
"""The ``title`` a person reads, by status: a problem raised with the status's English
reason phrase (``Problem(404, "Not Found", …)``, werkzeug's own errors, a registered
type) is titled in Chinese; its ``type`` keeps the English slug (for programs)."""

HTTP_DETAILS = {
    400: "请求有误",
    401: "未经认证",
    403: "无权执行此操作",
    404: "没有这个地址",
    405: "此地址不接受这种请求方法（可用的方法见 Allow 头）",
    406: "无法按请求的格式（Accept）答复",
    409: "与当前状态冲突",
    410: "此地址已停用",
    411: "请求须带 Content-Length",
    412: "前提条件不成立（If-Match 等）",
    413: "请求体过大",
    414: "地址过长",
    415: "不支持这种请求体格式（Content-Type）",
    422: "请求有误",
    428: "此请求须带前提条件（If-Match）",
    429: "请求过于频繁，请稍后重试",
    431: "请求头过大",
    500: "服务器内部出错",
    501: "不支持这种请求",
    503: "服务暂时不可用，请稍后重试",
}
"""Details in Chinese for werkzeug's own errors (their built-in descriptions are English)."""


def _chinese_description(exc: HTTPException) -> str:
    """The error's own description when a route gave one, else the Chinese of its status."""
    own = exc.description or ""
    if own and own != type(exc).description:
        return own
    return HTTP_DETAILS.get(exc.code or 500, "请求未能完成")


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__


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
