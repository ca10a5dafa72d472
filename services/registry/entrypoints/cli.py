"""`gongjian` subcommands of the registry service: integrations and their secrets."""

from __future__ import annotations

import json

import click

from shared.events import PROJECT_EVENT_TYPES


def _integrations(obj):  # type: ignore[no-untyped-def]
    from ..wiring import RegistryParts

    return RegistryParts.of(obj.runtime()).integrations


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


def _set_enabled(obj, name: str, enabled: bool) -> bool:  # type: ignore[no-untyped-def]
    from shared.commandline import operator

    from ..application.integration_admin import NoSuchIntegration, set_enabled

    try:
        return set_enabled(obj.runtime().store, _integrations(obj), name, enabled, operator())
    except NoSuchIntegration as exc:
        raise click.ClickException(f"没有名为 {name} 的接入系统") from exc


STATES = {False: "停用", True: "启用"}


def _switch(enabled: bool) -> click.Command:
    verb = "enable" if enabled else "disable"

    @click.option("--name", required=True)
    @click.pass_obj
    def command(obj, name: str) -> None:  # type: ignore[no-untyped-def]
        changed = _set_enabled(obj, name, enabled)
        state = STATES[enabled]
        click.echo(f"接入系统 {name} 已{state}" if changed else f"接入系统 {name} 原已{state}")

    command.__doc__ = (
        "Accept the integration's requests again; recorded as IntegrationEnabled."
        if enabled
        else "Refuse the integration's requests from now on; recorded as IntegrationDisabled."
    )
    return integration.command(verb)(command)


disable, enable = _switch(False), _switch(True)


@integration.command("reseal")
@click.pass_obj
def reseal(obj) -> None:  # type: ignore[no-untyped-def]
    """Encrypt every stored secret under the first key of GONGJIAN_SECRETS_KEY (the last
    step of a key rotation; docs/operations.md)."""
    count = _integrations(obj).reseal()
    click.echo(f"已用当前密钥重新加密 {count} 个接入密钥")


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    return [integration]
