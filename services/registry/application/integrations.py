"""Integrations: approval systems that push events, each with the event types it may
send and one or two active secrets (two while a secret is being rotated). Secrets are
stored encrypted (`shared.secrets`): they must be read back to check a signature."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.eventstore import now_utc
from shared.secrets import SecretBox
from shared.tenancy import DEFAULT_COUNTY, admits

from ..readmodel.tables import ingest_requests, integration_secrets, integrations
from .signing import TOLERANCE_SECONDS, SignatureError, new_secret, verify


def _in_scope(rows: list) -> list:  # type: ignore[type-arg]
    """The integrations of the current scope's counties."""
    return [r for r in rows if admits(r.county)]


MAX_ACTIVE_SECRETS = 2
PURGE_CHANCE = 0.05
"""Share of requests that also forget request ids too old to pass the timestamp check."""


@dataclass(frozen=True, slots=True)
class Integration:
    name: str
    types: tuple[str, ...]
    secrets: tuple[str, ...]
    county: str = DEFAULT_COUNTY
    """The county whose projects it writes (`shared.tenancy`)."""


class Integrations:
    def __init__(
        self, engine: Engine, known_types: tuple[str, ...], box: Callable[[], SecretBox]
    ) -> None:
        self.engine = engine
        self.known_types = known_types
        self.box = box
        """The secrets' key, asked for when a secret is written or read (not at start)."""

    def create(self, name: str, types: list[str], county: str | None = None) -> str:
        """Register an integration of ``county`` (default: the default county); returns
        its first secret (shown once)."""
        if not name or len(name) > 100:
            raise ValueError("对接系统的名称为 1 至 100 个字符")
        unknown = [t for t in types if t not in self.known_types]
        if unknown or not types:
            raise ValueError(
                f"未知的事件类型：{'、'.join(unknown) or '（未给出）'}；"
                f"可选其中一个或多个：{'、'.join(self.known_types)}"
            )
        secret = new_secret()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(integrations).values(
                        name=name,
                        types=json.dumps(sorted(set(types))),
                        created_at=now_utc(),
                        county=county or DEFAULT_COUNTY,
                    )
                )
                conn.execute(
                    insert(integration_secrets).values(
                        integration=name, secret=self.box().seal(secret), created_at=now_utc()
                    )
                )
        except IntegrityError:
            raise ValueError(f"已有名为“{name}”的对接系统") from None
        return secret

    def rotate(self, name: str, *, retire_old: bool = False) -> str | None:
        """Add a new secret (the old one stays valid until retired); with
        ``retire_old``, retire every secret but the newest instead."""
        with self.engine.begin() as conn:
            active = self._active(conn, name)
            if retire_old:
                conn.execute(
                    update(integration_secrets)
                    .where(integration_secrets.c.secret_id.in_([i for i, _ in active[:-1]]))
                    .values(retired_at=now_utc())
                )
                return None
            if len(active) >= MAX_ACTIVE_SECRETS:
                raise ValueError(
                    f"{name} 已有 {len(active)} 个有效密钥：请先停用旧的"
                    "（gongjian integration rotate --retire-old）"
                )
            secret = new_secret()
            conn.execute(
                insert(integration_secrets).values(
                    integration=name, secret=self.box().seal(secret), created_at=now_utc()
                )
            )
            return secret

    def _active(self, conn, name: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
        if (
            conn.execute(select(integrations.c.name).where(integrations.c.name == name)).first()
            is None
        ):
            raise ValueError(f"没有名为“{name}”的对接系统")
        rows = conn.execute(
            select(integration_secrets.c.secret_id, integration_secrets.c.secret)
            .where(
                integration_secrets.c.integration == name,
                integration_secrets.c.retired_at.is_(None),
            )
            .order_by(integration_secrets.c.secret_id)
        ).all()
        box = self.box() if rows else None
        return [(r.secret_id, box.open(r.secret)) for r in rows if box is not None]

    def get(self, name: str) -> Integration | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(integrations).where(
                    integrations.c.name == name, integrations.c.disabled_at.is_(None)
                )
            ).first()
            if row is None:
                return None
            active = self._active(conn, name)
        return Integration(
            name, tuple(json.loads(row.types)), tuple(s for _, s in active), row.county
        )

    def disable(self, name: str, *, connection: Connection | None = None) -> bool:
        """Refuse the integration's requests from now on (its events stay in the log)."""
        return self._set_disabled(name, now_utc(), connection)

    def enable(self, name: str, *, connection: Connection | None = None) -> bool:
        """Accept the integration's requests again, with the secrets it had."""
        return self._set_disabled(name, None, connection)

    def _set_disabled(self, name: str, when: datetime | None, conn: Connection | None) -> bool:
        """True when the integration changed (it exists and was in the other state)."""
        if conn is None:
            with self.engine.begin() as own:
                return self._set_disabled(name, when, own)
        was = (
            integrations.c.disabled_at.is_(None) if when else integrations.c.disabled_at.isnot(None)
        )
        result = conn.execute(
            update(integrations).where(integrations.c.name == name, was).values(disabled_at=when)
        )
        return result.rowcount > 0

    def exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            query = select(integrations.c.name).where(integrations.c.name == name)
            return conn.execute(query).first() is not None

    def reseal(self) -> int:
        """Encrypt every stored secret under the first configured key (after a key
        rotation, or secrets stored in clear); the number rewritten."""
        box = self.box()
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(integration_secrets.c.secret_id, integration_secrets.c.secret)
            ).all()
            for secret_id, stored in rows:
                conn.execute(
                    update(integration_secrets)
                    .where(integration_secrets.c.secret_id == secret_id)
                    .values(secret=box.reseal(stored))
                )
        return len(rows)

    def list(self) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(integrations).order_by(integrations.c.name)).all()
            return [
                {
                    "name": r.name,
                    "types": json.loads(r.types),
                    "active_secrets": len(self._active(conn, r.name)),
                    "disabled": r.disabled_at is not None,
                    "county": r.county,
                }
                for r in _in_scope(rows)
            ]

    def authenticate(
        self,
        name: str,
        request_id: str,
        timestamp: str,
        signature: str,
        body: bytes,
        *,
        now: datetime | None = None,
    ) -> Integration:
        """The integration, if the request is signed by it, fresh, and not a replay."""
        now = now or now_utc()
        integration = self.get(name) if name else None
        if integration is None:
            raise SignatureError(f"没有名为“{name}”的在用接入系统（gongjian-integration 请求头）")
        verify(integration.secrets, request_id, timestamp, signature, body, now=now.timestamp())
        self._remember(name, request_id, now)
        return integration

    def _remember(self, name: str, request_id: str, now: datetime) -> None:
        # Ids older than twice the tolerance can no longer pass the timestamp check.
        horizon = now - timedelta(seconds=2 * TOLERANCE_SECONDS)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(ingest_requests).values(
                        integration=name, request_id=request_id[:200], received_at=now
                    )
                )
                if random.random() < PURGE_CHANCE:
                    conn.execute(
                        delete(ingest_requests).where(ingest_requests.c.received_at < horizon)
                    )
        except IntegrityError:
            raise ReplayedRequest(request_id) from None


class ReplayedRequest(SignatureError):
    def __init__(self, request_id: str) -> None:
        super().__init__(f"请求编号“{request_id}”已收到过，请用新的编号重新签名")
        self.request_id = request_id
