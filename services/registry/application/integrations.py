"""Integrations: approval systems that push events, each with the event types it may
send and one or two active secrets (two while a secret is being rotated). Secrets are
stored encrypted (`shared.secrets`): they must be read back to check a signature."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from psycopg.errors import UniqueViolation
from sqlalchemy import (
    Connection,
    Engine,
    String,
    bindparam,
    delete,
    exists,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

from shared.db import UTCDateTime, driver_errors, is_postgres
from shared.eventstore import Ahead, now_utc
from shared.secrets import SecretBox
from shared.tenancy import DEFAULT_COUNTY, admits

from ..readmodel.tables import ingest_requests, integration_secrets, integrations
from .signing import TOLERANCE_SECONDS, SignatureError, matching, new_secret


def _in_scope(rows: Sequence[Any]) -> list[Any]:
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
    secret_ids: tuple[int, ...] = ()
    """The stored ids of ``secrets``, in the same order."""


@dataclass(frozen=True, slots=True)
class Admission:
    """A request whose signature passed: still to be remembered against replay, in the
    transaction that stores its events (`Integrations.remember`)."""

    integration: Integration
    request_id: str
    received_at: datetime
    secret_id: int
    """The secret that signed it: it must still be active when the request is kept."""


class Integrations:
    def __init__(
        self, engine: Engine, known_types: tuple[str, ...], box: Callable[[], SecretBox]
    ) -> None:
        self.engine = engine
        self.known_types = known_types
        self.box = box
        """The secrets' key, asked for when a secret is written or read (not at start)."""
        self._known: dict[str, Integration] = {}
        """Integrations as last read, by name: a request signed with one of these secrets
        is checked against the stored rows only when it is remembered (`remember`), in
        the same statement, so a disabled integration or a retired secret still refuses
        it. Changes made in this process drop the entry at once."""
        self._lock = threading.Lock()

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
        self._forget(name)
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
            name,
            tuple(json.loads(row.types)),
            tuple(s for _, s in active),
            row.county,
            tuple(i for i, _ in active),
        )

    def disable(self, name: str, *, connection: Connection | None = None) -> bool:
        """Refuse the integration's requests from now on (its events stay in the log)."""
        return self._set_disabled(name, now_utc(), connection)

    def enable(self, name: str, *, connection: Connection | None = None) -> bool:
        """Accept the integration's requests again, with the secrets it had."""
        return self._set_disabled(name, None, connection)

    def _set_disabled(self, name: str, when: datetime | None, conn: Connection | None) -> bool:
        """True when the integration changed (it exists and was in the other state)."""
        self._forget(name)
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
        """The integration, if the request is signed by it, fresh, and not a replay (the
        request id is remembered in a transaction of its own)."""
        admission = self.admit(name, request_id, timestamp, signature, body, now=now)
        with self.engine.begin() as conn:
            self.remember(conn, admission)
        self.purge_now_and_then(admission.received_at)
        return admission.integration

    def admit(
        self,
        name: str,
        request_id: str,
        timestamp: str,
        signature: str,
        body: bytes,
        *,
        now: datetime | None = None,
        fresh: bool = False,
    ) -> Admission:
        """The request, if it is signed by an active secret of the integration and fresh;
        not yet remembered against replay (`remember` does that, and checks again that
        the integration and the secret are still active). The integration is read from
        the database when it is not known here, when the request does not pass with the
        secrets known (one may have been added since), or with ``fresh``."""
        now = now or now_utc()
        known = None if fresh else self._known.get(name)
        if known is not None:
            try:
                return self._admitted(known, request_id, timestamp, signature, body, now)
            except SignatureError:
                pass
        integration = self.get(name) if name else None
        if integration is None:
            self._forget(name)
            raise SignatureError(f"没有名为“{name}”的在用接入系统（gongjian-integration 请求头）")
        with self._lock:
            self._known[name] = integration
        return self._admitted(integration, request_id, timestamp, signature, body, now)

    @staticmethod
    def _admitted(
        integration: Integration,
        request_id: str,
        timestamp: str,
        signature: str,
        body: bytes,
        now: datetime,
    ) -> Admission:
        index = matching(
            integration.secrets, request_id, timestamp, signature, body, now=now.timestamp()
        )
        return Admission(integration, request_id, now, integration.secret_ids[index])

    def remember(self, conn: Connection, admission: Admission) -> None:
        """Keep the request id in ``conn``'s transaction (the one that stores the
        request's events), if the integration is still enabled and the secret that signed
        the request still active: one statement. A request id kept already is a replay
        (`ReplayedRequest`); an integration or secret changed since it was read here,
        `StaleAdmission` (admit the request again with ``fresh``)."""
        name = admission.integration.name
        params = {
            "name": name,
            "request_id": admission.request_id[:200],
            "received_at": admission.received_at,
            "secret_id": admission.secret_id,
        }
        try:
            inserted = _remembered(conn, params)
        except IntegrityError:
            raise ReplayedRequest(admission.request_id) from None
        if inserted != 1:
            self._forget(name)
            raise StaleAdmission(name)

    def remembered_ahead(self, admission: Admission, dialect: Dialect) -> Ahead:
        """`remember` as one statement of PostgreSQL's that an append sends in its own
        message, before the log's lock (`shared.eventstore.Ahead`): its arguments as
        literals, and the same errors raised when it inserts no row or the id is kept."""
        name = admission.integration.name
        request_id = admission.request_id[:200]
        instant = _INSTANT.process_bind_param(admission.received_at, dialect)
        assert instant is not None  # an admission's time is always set

        def stale() -> BaseException:
            self._forget(name)
            return StaleAdmission(name)

        def failed(error: Exception) -> BaseException:
            if isinstance(error, UniqueViolation):
                return ReplayedRequest(admission.request_id)
            return error

        return Ahead(
            _remember_text(dialect),
            {
                "name": name,
                "request_id": request_id,
                "received_at": instant.isoformat(),
                "secret_id": admission.secret_id,
            },
            rows=1,
            refused=stale,
            failed=failed,
        )

    def purge_now_and_then(self, now: datetime) -> None:
        """Now and then (`PURGE_CHANCE`), forget request ids too old to pass the
        timestamp check again (older than twice its tolerance)."""
        if random.random() >= PURGE_CHANCE:
            return
        horizon = now - timedelta(seconds=2 * TOLERANCE_SECONDS)
        with self.engine.begin() as conn:
            conn.execute(delete(ingest_requests).where(ingest_requests.c.received_at < horizon))

    def _forget(self, name: str) -> None:
        with self._lock:
            self._known.pop(name, None)


def _remember_statement() -> Any:
    """``INSERT … SELECT`` of a request id, if the secret that signed it is active and
    its integration enabled (built once; bound per request)."""
    i, s = integrations.c, integration_secrets.c
    active = exists().where(
        s.secret_id == bindparam("secret_id"),
        s.integration == i.name,
        s.retired_at.is_(None),
        i.name == bindparam("name"),
        i.disabled_at.is_(None),
    )
    kept = select(
        bindparam("name", type_=String),
        bindparam("request_id", type_=String),
        bindparam("received_at", type_=UTCDateTime),
    ).where(active)
    return (
        insert(ingest_requests)
        .from_select(["integration", "request_id", "received_at"], kept)
        .execution_options(preserve_rowcount=True)
    )


_REMEMBER = _remember_statement()


def _remembered(conn: Connection, params: dict[str, Any]) -> int:
    """Rows `_REMEMBER` inserted (1, or 0 when the admission is stale). On PostgreSQL its
    text, compiled once, goes to the driver's cursor: SQLAlchemy's execution of this one
    statement took half of `Integrations.remember`'s CPU, some 130 µs of every signed
    ingest request. The instant is bound by `UTCDateTime`, as SQLAlchemy binds it; the
    driver's errors are raised as SQLAlchemy raises them (a replay's `IntegrityError`)."""
    if not is_postgres(conn.engine):
        return conn.execute(_REMEMBER, params).rowcount
    statement = _remember_text(conn.dialect)
    instant = _INSTANT.process_bind_param(params["received_at"], conn.dialect)
    bound = {**params, "received_at": instant}
    with driver_errors(conn, statement), conn.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement, bound)
        return int(cursor.rowcount)


_INSTANT = UTCDateTime()


@lru_cache(maxsize=4)
def _remember_text(dialect: Dialect) -> str:
    """`_REMEMBER` as the PostgreSQL driver takes it (named parameters)."""
    return str(_REMEMBER.compile(dialect=dialect))


class StaleAdmission(SignatureError):
    """The integration was disabled, or the secret that signed the request retired,
    after the request was admitted."""

    def __init__(self, name: str) -> None:
        super().__init__(f"接入系统“{name}”已停用，或签名所用的密钥已废止")
        self.name = name


class ReplayedRequest(SignatureError):
    def __init__(self, request_id: str) -> None:
        super().__init__(f"请求编号“{request_id}”已收到过，请用新的编号重新签名")
        self.request_id = request_id
