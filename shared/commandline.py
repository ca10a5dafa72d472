"""The shared vocabulary on the command line: ``--as-of`` and ``--known-at`` read by the
same fields as the API (`shared.http.params`), so a date means the same everywhere."""

from __future__ import annotations

import os
from typing import Any

import click
from marshmallow import ValidationError, fields

from .auth import Principal
from .http.params import AsOf, KnownAt


class FieldParam(click.ParamType):
    """A click parameter converted by one marshmallow field."""

    def __init__(self, field: fields.Field, name: str) -> None:
        self.field = field
        self.name = name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.field.deserialize(value)
        except ValidationError as exc:
            self.fail(" ".join(map(str, exc.messages)), param, ctx)


AS_OF = FieldParam(AsOf(), "date")
"""``YYYY-MM-DD``: a calendar date in the campaign's time zone."""

KNOWN_AT = FieldParam(KnownAt(), "instant")
"""An RFC 3339 instant with its offset, or ``YYYY-MM-DD`` (the end of that day)."""


def operator() -> Principal:
    """Who runs an administrative command here: the machine's user, as an administrator
    (recorded as the ``actor`` of the event the command writes)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # a container's uid without a passwd entry
        user = str(os.getuid())
    return Principal(name=f"cli:{user}", role="admin", source="cli")
