"""The base Flask app every service builds on: OpenAPI, problems, health, metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask, Response, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
)
from sqlalchemy import text

from ..events.docs import payload_components
from ..events.fields import Money
from ..metrics import RuntimeCollector, exposition
from .deprecation import add_deprecation_headers
from .inputs import check_inputs
from .openapi import DocumentedApi
from .problems import REGISTER_BUSY, register_problem_handlers, register_problem_types
from .routing import route_reads

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger("gongjian.http")

ReadinessCheck = Callable[[], str | None]
"""Returns None when ready, or why not."""


def _register_document_problems() -> None:
    from ..documents.register import RegisterBusy  # the documents import this package

    register_problem_types({RegisterBusy: REGISTER_BUSY})


def create_base_app(
    runtime: Runtime,
    *,
    title: str,
    readiness: list[ReadinessCheck] | None = None,
    degradations: list[ReadinessCheck] | None = None,
) -> tuple[Flask, DocumentedApi]:
    """The base app. ``readiness`` checks make ``/readyz`` answer 503 when they fail;
    ``degradations`` are only reported in its body (a web process serves without them)."""
    app = Flask(title)
    app.config.update(
        API_TITLE=f"Gongjian {title}",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=runtime.settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["gongjian.runtime"] = runtime
    app.extensions["gongjian.tokens"] = runtime.tokens
    api = DocumentedApi(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
        },
    )
    _document_event_payloads(api)
    register_problem_handlers(app)
    _register_document_problems()
    check_inputs(app)
    app.after_request(add_deprecation_headers)
    _add_health(app, runtime, readiness or [], degradations or [])
    _add_metrics(app, runtime)
    route_reads(app, runtime.replica)
    return app, api


def _document_event_payloads(api: DocumentedApi) -> None:
    """Every event type's payload schema as a component ``<Type>Payload``."""
    api.register_field(Money, "string", "decimal")
    for name, component in payload_components().items():
        api.spec.components.schema(name, component=component)


def _add_health(
    app: Flask, runtime: Runtime, checks: list[ReadinessCheck], optional: list[ReadinessCheck]
) -> None:
    @app.get("/livez")
    def livez():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():  # type: ignore[no-untyped-def]
        problems = _failures([_database_check(runtime), *checks])
        degraded = _failures(optional)
        status = 200 if not problems else 503
        body = {
            "status": "ready" if status == 200 else "not ready",
            "problems": problems,
            "degraded": degraded,
        }
        return jsonify(body), status


def _database_check(runtime: Runtime) -> ReadinessCheck:
    def database() -> str | None:
        with runtime.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None

    return database


def _failures(checks: list[ReadinessCheck]) -> dict[str, str]:
    """Each failing check's name and reason (an exception's first line is its reason)."""
    found: dict[str, str] = {}
    for check in checks:
        try:
            reason = check()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if reason:
            found[getattr(check, "__name__", "check")] = reason
    return found


def _add_metrics(app: Flask, runtime: Runtime) -> None:
    registry = CollectorRegistry()
    scrape_time = RuntimeCollector(runtime)
    registry.register(scrape_time)
    requests = Counter(
        "gongjian_http_requests",
        "HTTP requests",
        ["method", "endpoint", "status"],
        registry=registry,
    )
    latency = Histogram(
        "gongjian_http_request_seconds",
        "HTTP request latency",
        ["method", "endpoint"],
        registry=registry,
    )
    app.extensions["gongjian.metrics"] = registry

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        endpoint = request.endpoint or "unmatched"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        requests.labels(request.method, endpoint, str(response.status_code)).inc()
        latency.labels(request.method, endpoint).observe(elapsed)
        if request.path not in ("/livez", "/readyz", "/metrics"):
            log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                elapsed * 1000,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round(elapsed * 1000, 2),
                },
            )
        return response

    @app.get("/metrics")
    def metrics():  # type: ignore[no-untyped-def]
        return Response(exposition(registry, scrape_time), content_type=CONTENT_TYPE_LATEST)
