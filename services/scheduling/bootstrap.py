"""Wiring of the scheduling service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_smorest import Api

from shared.http import create_base_app
from shared.runtime import Runtime
from shared.tenancy import deployment_wide

from .entrypoints import actors, alert_routes, errors, oversight, rollup, routes
from .wiring import SchedulingParts

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"

errors.register()
# Kept for the whole deployment, not per county (shared.tenancy). Plans, their documents,
# the documents register, set pieces and site meetings are kept per county (`county`).
for _endpoint, _what in (
    ("colour_record", "月度红黄绿灯"),
    ("project_colour_record", "月度红黄绿灯"),
    ("record_colours", "月度红黄绿灯"),
):
    deployment_wide(f"{routes.blp.name}.{_endpoint}", _what)
# The mechanisms of issue 17 kept for the whole deployment so far (docs/tenancy.md).
deployment_wide(oversight.blp.name, "督查与提级事项")
deployment_wide(alert_routes.blp.name, "提醒推送")


def register_routes(api: Api, runtime: Runtime) -> None:
    api.register_blueprint(routes.blp)
    api.register_blueprint(oversight.blp)
    api.register_blueprint(alert_routes.blp)
    api.register_blueprint(rollup.blp)


def wire(runtime: Runtime) -> SchedulingParts:
    """The service and the scheduler; declares ``scheduling.catch_up(position)`` (nudged
    after appends) and ``scheduling.plan(cadence, period)`` (sent by the scheduler)."""
    actors.declare(runtime)
    return SchedulingParts.build(runtime)


def create_app(runtime: Runtime) -> Flask:
    app, api = create_base_app(runtime, title="scheduling")
    register_routes(api, runtime)
    return app
