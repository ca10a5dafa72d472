"""What a request may carry, checked before any route reads it.

Paths, query strings and headers: no NUL character (PostgreSQL cannot compare text
holding one; SQLite would) and no lone surrogate; answered 400 with a machine ``code``.

Bodies are standard JSON in UTF-8, read one way everywhere.

Python's ``json`` would take a UTF-16 body (it guesses the encoding of bytes), ``NaN``
and ``Infinity`` (not JSON), and fail with a `RecursionError` on deep nesting. Every JSON
body is read by `strict_json`: the app's JSON provider (``request.get_json``) uses it,
a hook checks every JSON body before the route's schema reads it, and signed ingest
reads its body with it. A body it refuses is answered 400 with a machine ``code``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider

from ..eventstore.limits import text_problem
from .problems import Problem

MAX_BODY_DEPTH = 64
"""Objects and arrays nested in a request body (an ingest item's payload: see
``shared/eventstore/limits.py``)."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _bad_body(code: str, detail: str) -> Problem:
    return Problem(400, "Bad Request", detail, code=code)


def strict_json(body: bytes | str) -> Any:
    """The JSON value of ``body``, or a 400 `Problem` saying why it is not one."""
    try:
        text = body if isinstance(body, str) else body.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_body("body_not_utf8", "请求体须是 UTF-8 编码的 JSON") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _bad_body("body_too_deep", f"请求体嵌套过深（至多 {MAX_BODY_DEPTH} 层）") from None
    except ValueError as exc:
        raise _bad_body(
            "body_not_json", f"请求体不是标准 JSON（不接受 NaN、Infinity）：{exc}"
        ) from None
    if _depth_exceeds(value, MAX_BODY_DEPTH):
        raise _bad_body("body_too_deep", f"请求体嵌套过深（至多 {MAX_BODY_DEPTH} 层）")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether objects and arrays nest deeper than ``limit`` (``value`` at depth 1)."""
    if type(value) is dict:
        inner: Any = value.values()
    elif type(value) is list:
        inner = value
    else:
        return False
    if limit < 1:
        return True
    # Recursion is bounded: the reader refused anything nested past its own limit.
    for item in inner:
        kind = type(item)
        if (kind is dict or kind is list) and _depth_exceeds(item, limit - 1):
            return True
    return False


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON with `strict_json` as its reader, and a writer whose text is always
    valid UTF-8."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_json(s)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        # An answer may echo a lone surrogate it was sent (a field's name, say): written
        # as an escape, the text is still JSON, and it can be encoded as UTF-8.
        text = super().dumps(obj, **kwargs)
        if text_problem(text) is not None:
            return super().dumps(obj, **{**kwargs, "ensure_ascii": True})
        return text


def is_json_body() -> bool:
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or mimetype.endswith("+json")


def _odd_text() -> tuple[str, str, str] | None:
    """(where, code, message) of the first path, query or header text no backend takes."""
    places = [("路径", request.path)]
    places += [("查询参数", text) for pair in request.args.items(multi=True) for text in pair]
    places += [("请求头", text) for pair in request.headers.items() for text in pair]
    for where, text in places:
        problem = text_problem(text)
        if problem is not None:
            return (where, *problem)
    return None


def check_inputs(app: Flask) -> None:
    """Refuse odd text in the path, query and headers, and read JSON bodies strictly."""

    @app.before_request
    def _check_text() -> None:
        odd = _odd_text()
        if odd is not None:
            where, code, message = odd
            raise Problem(400, "Bad Request", f"{where}{message}", code=code)

    read_json_bodies_strictly(app)


def read_json_bodies_strictly(app: Flask) -> None:
    """Install `strict_json` as the app's reader and refuse a bad JSON body up front,
    before webargs reads it with the standard library."""
    provider = StrictJSONProvider(app)
    provider.ensure_ascii = app.json.ensure_ascii  # type: ignore[attr-defined]
    provider.sort_keys = app.json.sort_keys  # type: ignore[attr-defined]
    app.json = provider

    @app.before_request
    def _check_json_body() -> None:
        if request.method in ("POST", "PUT", "PATCH") and is_json_body():
            data = request.get_data(cache=True)
            if data:
                g.gongjian_json_body = strict_json(data)


def json_body() -> Any:
    """The request's JSON body as `strict_json` read it before the route (read once: a
    100-event ingest batch spent a tenth of its time reading its body twice); a body the
    hook did not read (not declared JSON) is read now."""
    if "gongjian_json_body" in g:
        return g.gongjian_json_body
    return strict_json(request.get_data(cache=True))
