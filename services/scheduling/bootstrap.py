"""Wiring of the scheduling service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_smorest import Api

from shared.http import create_base_app
from shared.runtime import Runtime

from .entrypoints import actors, alert_routes, errors, oversight, rollup, routes
from .wiring import SchedulingParts

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"

errors.register()
# Nothing of scheduling is kept for the whole deployment any more: plans, their documents,
# the documents register, set pieces, site meetings and the mechanisms of issue 17 are
# kept per county (`county`, shared.tenancy).


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
