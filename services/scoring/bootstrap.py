"""Wiring of the scoring service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_smorest import Api

from shared.http import create_base_app
from shared.runtime import Runtime
from shared.tenancy import deployment_wide

from .entrypoints import accountability_routes, actors, errors, metrics, routes, verifications
from .readmodel.leases import JobLeases
from .readmodel.records import Records
from .wiring import ScoringParts

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"

errors.register()
# The year-end assessment is kept per county (docs/tenancy.md); the rulebook adopted is
# the deployment's, for every county's assessments.
deployment_wide("scoring.adopt_rulebook", "考核细则")


def register_routes(api: Api, runtime: Runtime) -> None:
    api.register_blueprint(routes.blp)
    api.register_blueprint(verifications.blp)
    api.register_blueprint(accountability_routes.blp)


def wire(runtime: Runtime) -> ScoringParts:
    """Declares ``scoring.assess(job_id)`` and ``scoring.verify_assessment``, and adds the
    job gauges to the metrics and its leased jobs to the takeovers they count."""
    leases = JobLeases(runtime.engine)
    runtime.gauges.append(metrics.job_gauges(leases))
    runtime.leased_jobs["assessment"] = leases.rows
    runtime.leased_jobs["assessment-verification"] = Records(runtime.engine).verification_leases()
    return ScoringParts(assess=actors.declare(runtime), verify=actors.declare_verify(runtime))


def create_app(runtime: Runtime) -> Flask:
    app, api = create_base_app(runtime, title="scoring")
    register_routes(api, runtime)
    return app
