"""Wiring of the registry service."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_smorest import Api

from shared.http import create_base_app
from shared.runtime import Runtime

from .entrypoints import feed

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"


def register_routes(api: Api, runtime: Runtime) -> None:
    api.register_blueprint(feed.blp)


def declare_actors(runtime: Runtime) -> None:
    """The registry has no actors yet."""


def create_app(runtime: Runtime) -> Flask:
    app, api = create_base_app(runtime, title="registry")
    register_routes(api, runtime)
    return app
