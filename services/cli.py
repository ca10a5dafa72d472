"""``gongjian``: the one command-line tool. Errors are one line on stderr, exit 1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from shared.config import Settings
from shared.eventstore import verify_chain
from shared.heartbeat import MAX_AGE_SECONDS, heartbeat_age, heartbeat_path
from shared.logging import configure_logging
from shared.metrics import record_verification
from shared.runtime import Runtime

from .registry.entrypoints import cli as registry_cli
from .scheduling.entrypoints import cli as scheduling_cli
from .scoring.entrypoints import cli as scoring_cli


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


class CliContext:
    """What a subcommand gets as ``ctx.obj``: settings and a runtime, built on first use.

    Service commands take it with ``@click.pass_obj``; they never import the composition
    root, so the services stay independent of each other."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._runtime: Runtime | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = _settings()
        return self._settings

    def runtime(self) -> Runtime:
        if self._runtime is None:
            from .composition import runtime_for

            self._runtime = runtime_for(self.settings)
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Gongjian (攻坚): key-project campaign registry, dispatch and year-end scoring."""
    ctx.obj = CliContext()
    ctx.call_on_close(ctx.obj.close)


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the head of every branch (safe to run twice)."""
    from .composition import migrate

    settings = _settings()
    configure_logging(settings.log_level, "text")
    migrate(settings)
    click.echo(f"database at head: {_redact(settings.database_url)}")


@main.command()
@click.option("--host", default=None, help="Defaults to GONGJIAN_HOST (127.0.0.1).")
@click.option("--port", default=None, type=int, help="Defaults to GONGJIAN_PORT (8000).")
@click.option("--no-migrate", is_flag=True, help="Do not migrate before serving.")
def serve(host: str | None, port: int | None, no_migrate: bool) -> None:
    """Serve all three services in one process (the embedded default)."""
    from werkzeug.serving import run_simple

    from shared.messaging import start_worker

    from .composition import create_app, migrate, runtime_for

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    if not no_migrate:
        migrate(settings)
    runtime = runtime_for(settings)
    worker = start_worker(runtime.broker) if not settings.redis_url else None
    app = create_app(runtime)
    host, port = host or settings.host, port or settings.port
    click.echo(
        f"Gongjian serving on http://{host}:{port}  (OpenAPI: http://{host}:{port}/openapi.json)"
    )
    click.echo(
        f"  store: {_redact(settings.database_url)}  broker: {'redis' if settings.redis_url else 'in-memory'}"
    )
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.stop()
        runtime.close()


@main.command()
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify an exported NDJSON log offline instead of the database.",
)
def verify(path: Path | None) -> None:
    """Verify the hash chain; exits 1 and names the first bad position if broken."""
    if path is not None:
        result = _verify_file(path)
    else:
        store = click.get_current_context().obj.runtime().store
        result = store.verify()
        record_verification(store, result)  # the metric gongjian_chain_verified_position
    click.echo(result.describe())
    if not result.ok:
        sys.exit(1)


def _verify_file(path: Path):  # type: ignore[no-untyped-def]
    """An export is one envelope per line, optionally ending with {"chain_head": {...}}."""
    head: tuple[int, str] | None = None

    def events():  # type: ignore[no-untyped-def]
        nonlocal head
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise click.ClickException(f"{path}:{number}: not JSON ({exc.msg})") from exc
                if "chain_head" in record:
                    head = (record["chain_head"]["position"], record["chain_head"]["hash"])
                    continue
                yield record

    records = list(events())
    return verify_chain(records, expected_head=head)


@main.command("worker-health")
@click.option(
    "--max-age",
    default=MAX_AGE_SECONDS,
    show_default=True,
    type=float,
    help="Seconds since the last heartbeat after which the worker counts as dead.",
)
def worker_health(max_age: float) -> None:
    """Exit 0 when this container's worker beat recently (its liveness check), else 1."""
    age = heartbeat_age()
    if age is None:
        click.echo(f"no heartbeat at {heartbeat_path()}: the worker has not booted", err=True)
        sys.exit(1)
    if age > max_age:
        click.echo(f"last heartbeat {age:.0f} s ago (limit {max_age:g} s)", err=True)
        sys.exit(1)
    click.echo(f"worker alive: last heartbeat {age:.1f} s ago")


@main.group()
def token() -> None:
    """API bearer tokens."""


@token.command("create")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "office", "integration", "auditor", "viewer"]),
)
@click.option("--name", required=True, help="Who holds it; recorded as the actor of every write.")
@click.pass_obj
def token_create(obj: CliContext, role: str, name: str) -> None:
    """Create a token and print it once (only its hash is kept)."""
    try:
        click.echo(obj.runtime().tokens.create(name, role))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


for _service_cli in (registry_cli, scheduling_cli, scoring_cli):
    for _command in _service_cli.commands():
        main.add_command(_command)


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
