"""`gongjian` subcommands of the scoring service."""

from __future__ import annotations

import click


def commands() -> list[click.Command]:
    """The commands this service adds to `gongjian`."""
    return []
