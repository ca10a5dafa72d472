"""Issuing and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)

from ..db import UTCDateTime
from ..eventstore.clocks import now_utc
from ..tenancy import DEFAULT_COUNTY

ROLES = ("admin", "office", "integration", "auditor", "viewer", "approver", "unit")

UNIT_SOURCE = "unit:"
"""A ``unit`` token's source is ``unit:<单位>``: the one responsible unit it acts for."""

api_tokens = Table(
    "api_tokens",
    MetaData(),
    Column("token_hash", String(64), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("source", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("tenant", String(64), nullable=False, server_default=DEFAULT_COUNTY),
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: recorded as ``actor`` (name) and ``source`` on every write."""

    name: str
    role: str
    source: str
    tenant: str = DEFAULT_COUNTY
    """The county, city or province it acts for (`shared.tenancy`)."""

    def has(self, *roles: str) -> bool:
        return self.role == "admin" or self.role in roles

    @property
    def unit(self) -> str | None:
        """The responsible unit a ``unit`` token acts for (None for every other role)."""
        if self.role != "unit":
            return None
        return self.source.removeprefix(UNIT_SOURCE) or self.name


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self, name: str, role: str, source: str | None = None, tenant: str | None = None
    ) -> str:
        """A new token (returned once, never stored in clear), of ``tenant`` (a code of
        the hierarchy, checked by the caller; default: the default county)."""
        if role not in ROLES:
            raise ValueError(f"未知角色“{role}”：应为 {', '.join(ROLES)} 之一")
        if not name or len(name) > 100:
            raise ValueError("令牌持有者的名称为 1 至 100 个字符")
        token = "gj_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(api_tokens.c.name).where(api_tokens.c.name == name)
            ).first()
            if exists:
                raise ValueError(f"已有名为“{name}”的令牌")
            conn.execute(
                insert(api_tokens).values(
                    token_hash=_digest(token),
                    name=name,
                    role=role,
                    source=source or f"{role}:{name}",
                    created_at=now_utc(),
                    tenant=tenant or DEFAULT_COUNTY,
                )
            )
        return token

    def revoke(self, name: str, *, connection: Connection | None = None) -> str | None:
        """Revoke the named token at once (every request checks it); its role, or None
        when there is no such live token."""
        if connection is None:
            with self.engine.begin() as own:
                return self.revoke(name, connection=own)
        role = connection.execute(
            select(api_tokens.c.role).where(
                api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None)
            )
        ).scalar()
        if role is None:
            return None
        connection.execute(
            update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now_utc())
        )
        return str(role)

    def list(self) -> list[dict[str, object]]:
        """Every token's name, role, source and dates (never the token)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    api_tokens.c.name,
                    api_tokens.c.role,
                    api_tokens.c.source,
                    api_tokens.c.tenant,
                    api_tokens.c.created_at,
                    api_tokens.c.revoked_at,
                ).order_by(api_tokens.c.name)
            )
            return [dict(row._mapping) for row in rows]

    def authenticate(self, token: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_tokens).where(
                    api_tokens.c.token_hash == _digest(token), api_tokens.c.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            return None
        return Principal(
            name=row.name, role=row.role, source=row.source or row.name, tenant=row.tenant
        )
