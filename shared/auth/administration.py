"""What administrators do to access, recorded in the log: who revoked a token, who
stopped or restarted an integration, and when. The change and its event commit together;
the CLI, the API and the console's 管理 page all come through here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from ..eventstore import EventStore, NewEvent, now_utc
from .tokens import Principal, TokenStore

TOKENS_STREAM = "admin-tokens"
INTEGRATIONS_STREAM = "admin-integrations"


def record(
    store: EventStore,
    stream: str,
    type_: str,
    payload: Callable[[], dict[str, Any]],
    by: Principal,
    change: Callable[[Connection], bool],
) -> bool:
    """Make ``change`` and, when it changed something, append the event (its payload
    known after the change) in the same transaction; False when there was nothing to
    change (then nothing is recorded)."""
    with store.writing() as conn:
        if not change(conn):
            return False
        event = NewEvent(
            stream_id=stream,
            type=type_,
            payload=payload(),
            occurred_at=now_utc(),
            source=by.source,
            actor=by.name,
        )
        result = store.append([event], connection=conn)
    store.notify(result.last_position)
    return True


def revoke_token(store: EventStore, tokens: TokenStore, name: str, by: Principal) -> bool:
    """Revoke the named token (it fails from the next request on) and record who did."""
    revoked: dict[str, str] = {}

    def change(conn: Connection) -> bool:
        role = tokens.revoke(name, connection=conn)
        if role is not None:
            revoked["role"] = role
        return role is not None

    return record(
        store,
        TOKENS_STREAM,
        "TokenRevoked",
        lambda: {"name": name, "role": revoked["role"]},
        by,
        change,
    )
