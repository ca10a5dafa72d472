"""Stopping and restarting an integration, recorded in the log (who, when): the CLI,
the API and the console's 管理 page all come through here."""

from __future__ import annotations

from shared.auth import Principal
from shared.auth.administration import INTEGRATIONS_STREAM, record
from shared.eventstore import EventStore

from .integrations import Integrations


class NoSuchIntegration(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no integration named {name!r}")
        self.name = name


def set_enabled(
    store: EventStore, integrations: Integrations, name: str, enabled: bool, by: Principal
) -> bool:
    """Disable or enable the integration; False when it already was so (nothing
    recorded). A disabled integration's next request is refused."""
    if not integrations.exists(name):
        raise NoSuchIntegration(name)

    def change(conn) -> bool:  # type: ignore[no-untyped-def]
        if enabled:
            return integrations.enable(name, connection=conn)
        return integrations.disable(name, connection=conn)

    kind = "IntegrationEnabled" if enabled else "IntegrationDisabled"
    return record(store, INTEGRATIONS_STREAM, kind, lambda: {"name": name}, by, change)
