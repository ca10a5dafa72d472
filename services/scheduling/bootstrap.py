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
# Kept for the whole deployment, not per county (shared.tenancy): plans are refused in
# the service itself (SchedulingService.latest, get_plan, ...); these routes here.
for _endpoint, _what in (
    ("list_documents", "发文登记"),
    ("list_set_pieces", "规定动作"),
    ("set_piece_held", "规定动作"),
    ("set_piece_missed", "规定动作"),
    ("record_site_meeting", "现场会"),
    ("list_site_meetings", "现场会"),
    ("get_site_meeting", "现场会"),
):
    deployment_wide(f"{routes.blp.name}.{_endpoint}", _what)


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
