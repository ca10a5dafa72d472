"""Wiring of the scheduling service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_smorest import Api

from shared.http import create_base_app
from shared.runtime import Runtime

from .entrypoints import actors, alert_routes, errors, oversight, routes
from .wiring import SchedulingParts

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"

errors.register()


def register_routes(api: Api, runtime: Runtime) -> None:
    api.register_blueprint(routes.blp)
    api.register_blueprint(oversight.blp)
    api.register_blueprint(alert_routes.blp)


def wire(runtime: Runtime) -> SchedulingParts:
    """The service and the scheduler; declares ``scheduling.catch_up(position)`` (nudged
    after appends) and ``scheduling.plan(cadence, period)`` (sent by the scheduler)."""
    actors.declare(runtime)
    return SchedulingParts.build(runtime)


def create_app(runtime: Runtime) -> Flask:
    app, api = create_base_app(runtime, title="scheduling")
    register_routes(api, runtime)
    return app
