"""``/openapi.json`` describes every answer the API gives, in one place.

flask-smorest documents what a route declares; the answers that come from elsewhere are
added here, once, for every operation:

- the problem documents (`shared/http/problems.py`): 400, 401, 403, 404, 405, 409, 413,
  422 and 503 (with ``Retry-After``) as ``application/problem+json`` with the `PROBLEM`
  schema, in place of flask-smorest's ``default`` error, which these answers never had;
- an operation that declares no success answer gets ``2XX``: a JSON object;
- a text parameter (path, query, header) without a pattern of its own gets
  `NO_NUL`: a NUL character is refused there (``shared/http/inputs.py``);
- a read-only operation under ``/v1/`` (``GET``) takes ``Gongjian-Min-Position`` and its
  successful answers may carry the read route's headers (`shared/http/routing.py`), sent
  only where a replica is configured;
- answer schemas are open (``additionalProperties`` allowed): an answer may gain members
  in a minor release, and clients ignore members they do not know. Request schemas stay
  closed, as the server refuses unknown fields.

Downloads declare their own content types with `download`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any

from flask import current_app
from flask_smorest import Api

PROBLEM_JSON = "application/problem+json"

PROBLEM: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem document; `detail` and `errors` in Chinese, `code` the "
    "machine code where there is one",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "nullable": True},
        "code": {"type": "string"},
        "errors": {"type": "object"},
    },
}

NO_NUL = "^[^\\x00]*$"
"""The pattern of text without a NUL character."""

PROBLEM_STATUSES = (400, 401, 403, 404, 405, 409, 413, 422, 503)
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_REF = "#/components/schemas/"


def download(*content_types: str, description: str = "the file") -> dict[int, Any]:
    """The ``responses`` of a route answering a file in one of ``content_types``."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    media = {content_type.split(";")[0]: binary for content_type in content_types}
    return {200: {"description": description, "content": media}}


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": {"$ref": _REF + "Problem"}}},
    }
    if status == 503:
        response["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        }
    return response


def complete(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the answers no route declares (see the module's docstring)."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for operation in _operations(spec):
        responses = operation.setdefault("responses", {})
        responses.pop("default", None)
        for status in PROBLEM_STATUSES:
            declared = responses.get(str(status)) or responses.get(status) or {}
            responses.pop(status, None)
            responses[str(status)] = _problem_response(status, declared.get("description"))
        if not any(str(code).startswith("2") for code in responses):
            responses["2XX"] = {
                "description": "OK",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
    _document_read_route(spec)
    _open_answer_schemas(spec)
    for parameter in _parameters(spec):
        schema = parameter.get("schema", {})
        _forbid_nul(schema.get("items", {}) if schema.get("type") == "array" else schema)
    return spec


_ROUTE_HEADERS: dict[str, tuple[str, dict[str, Any]]] = {
    "Gongjian-Served-By": (
        "which server answered: `replica` or `primary` (only where a replica is configured)",
        {"type": "string", "enum": ["replica", "primary"]},
    ),
    "Gongjian-Replica-Fallback": (
        "why the primary answered: `unreachable`, `lagging`, `min-position` or `interrupted`",
        {"type": "string", "enum": ["unreachable", "lagging", "min-position", "interrupted"]},
    ),
    "Gongjian-Replica-Replayed-At": (
        "the primary's commit time of the last transaction the replica has replayed "
        "(RFC 3339, UTC): an answer from the replica includes nothing recorded later, "
        "whatever its `known_at`",
        {"type": "string", "format": "date-time"},
    ),
    "Gongjian-Replica-Position": (
        "the last global position the replica has: an answer from it includes no later event",
        {"type": "integer", "minimum": 0},
    ),
    "Gongjian-Replica-Lag-Seconds": (
        "how far the replica is behind (0 when it has replayed everything it received)",
        {"type": "number", "minimum": 0},
    ),
}

_MIN_POSITION = {
    "name": "Gongjian-Min-Position",
    "in": "header",
    "required": False,
    "description": "read your own writes: the global position a write of yours was answered "
    "with; a replica that has not got that far does not answer (the primary does)",
    "schema": {"type": "integer", "minimum": 0},
}


def _document_read_route(spec: dict[str, Any]) -> None:
    for path, item in spec.get("paths", {}).items():
        if not path.startswith("/v1/") or "get" not in item:
            continue
        operation = item["get"]
        operation.setdefault("parameters", []).append(dict(_MIN_POSITION))
        for status, response in operation.get("responses", {}).items():
            if str(status).startswith("2"):
                headers = response.setdefault("headers", {})
                for name, (description, schema) in _ROUTE_HEADERS.items():
                    headers[name] = {"description": description, "schema": dict(schema)}


def _forbid_nul(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
        schema["pattern"] = NO_NUL


def _parameters(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in spec.get("paths", {}).values():
        yield from path.get("parameters", [])
        for method in _METHODS:
            yield from path.get(method, {}).get("parameters", [])


def _operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in spec.get("paths", {}).values():
        for method in _METHODS:
            if method in path:
                yield path[method]


def _open_answer_schemas(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    answers: list[Any] = []
    requests: list[Any] = []
    for operation in _operations(spec):
        answers += [r for r in operation.get("responses", {}).values()]
        requests += [operation.get("requestBody"), operation.get("parameters")]
    in_requests = _referenced(requests, schemas)
    for name in _referenced(answers, schemas) - in_requests:
        _open(schemas[name])
    for answer in answers:
        for media in answer.get("content", {}).values():
            _open(media.get("schema", {}))


def _open(schema: dict[str, Any]) -> None:
    if schema.get("additionalProperties") is False:
        del schema["additionalProperties"]
    for inner in _children(schema):
        if "$ref" not in inner:
            _open(inner)


def _children(schema: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield schema[key]
    yield from (v for v in schema.get("properties", {}).values() if isinstance(v, dict))
    for key in ("allOf", "anyOf", "oneOf"):
        yield from schema.get(key, [])


def _referenced(roots: list[Any], schemas: dict[str, Any]) -> set[str]:
    """Names of the component schemas ``roots`` refer to, directly or through others."""
    found: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF) and ref[len(_REF) :] not in found:
                name = ref[len(_REF) :]
                found.add(name)
                stack.append(schemas.get(name))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


class DocumentedApi(Api):
    """flask-smorest's `Api`, serving the `complete` spec, made once under a lock: making
    it changes the spec's own dicts (apispec's ``to_dict`` updates them in place, and so
    does `complete`), and two threads making it at once answered 500 ("dictionary changed
    size during iteration", seen in tests/deploy/test_threaded_server.py). The routes are
    all registered before the app serves, so the document does not change after."""

    _making = threading.Lock()

    def _openapi_json(self):  # type: ignore[no-untyped-def]
        with self._making:
            document = getattr(self, "_document", None)
            if document is None:
                spec = complete(self.spec.to_dict())
                document = current_app.json.dumps(spec, indent=2, sort_keys=False)
                self._document = document
        return current_app.response_class(document, mimetype="application/json")
