"""`gongjian` subcommands of the registry service: integrations and their secrets."""

from __future__ import annotations

import json

import click

from shared.events import PROJECT_EVENT_TYPES


def _integrations(obj):  # type: ignore[no-untyped-def]
    from ..bootstrap import wire

    runtime = obj.runtime()
    wire(runtime)
    return runtime.extras["integrations"]


@click.group()
def integration() -> None:
    """Approval systems that push signed event batches to POST /v1/ingest."""


@integration.command("create")
@click.option("--name", required=True, help="The integration's name; the source of its events.")
@click.option(
    "--types",
    required=True,
    help=f"Comma-separated event types it may send, e.g. ApprovalGranted,InvestmentReported "
    f"(known: {', '.join(PROJECT_EVENT_TYPES)}).",
)
@click.pass_obj
def create(obj, name: str, types: str) -> None:  # type: ignore[no-untyped-def]
    """Create an integration and print its secret once."""
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    try:
        click.echo(_integrations(obj).create(name, wanted))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@integration.command("rotate")
@click.option("--name", required=True)
@click.option(
    "--retire-old", is_flag=True, help="Retire every secret but the newest (ends a rotation)."
)
@click.pass_obj
def rotate(obj, name: str, retire_old: bool) -> None:  # type: ignore[no-untyped-def]
    """Add a second secret and print it once; both stay valid until --retire-old."""
    try:
        secret = _integrations(obj).rotate(name, retire_old=retire_old)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(secret if secret is not None else f"{name}：只保留最新的密钥")


@integration.command("list")
@click.pass_obj
def list_(obj) -> None:  # type: ignore[no-untyped-def]
    """Integrations, their types and how many secrets are active (never the secrets)."""
    for row in _integrations(obj).list():
        click.echo(json.dumps(row, ensure_ascii=False))


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    return [integration]
