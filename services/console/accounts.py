"""Accounts for people who sign in to the console: the API's roles, argon2 hashes, and a
session epoch that a password change moves on (which ends every other session).

Machine tokens (``shared.auth``) stay as they are; these are for people with a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from shared.db import UTCDateTime
from shared.eventstore.clocks import now_utc
from shared.tenancy import DEFAULT_COUNTY

ROLES = ("office", "auditor", "admin", "viewer", "approver")
"""The API's roles for people (``integration`` is for machines only)."""

MIN_PASSWORD = 10

metadata = MetaData()
users = Table(
    "console_users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("session_epoch", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("password_changed_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    Column("tenant", String(64), nullable=False, server_default=DEFAULT_COUNTY),
)
failures = Table(
    "console_signin_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_console_signin_failures_key_at", "key", "at"),
)


class AccountError(ValueError):
    """A refused account change, said in a sentence for the person who asked."""


@dataclass(frozen=True, slots=True)
class User:
    username: str
    display_name: str
    role: str
    session_epoch: int
    created_at: datetime
    password_changed_at: datetime
    disabled_at: datetime | None
    tenant: str = DEFAULT_COUNTY
    """The county, city or province the person works for (`shared.tenancy`)."""

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def has(self, *roles: str) -> bool:
        """The API's rule: admin may do everything, others what their role names."""
        return self.role == "admin" or self.role in roles

    @property
    def source(self) -> str:
        """Recorded as the ``source`` of every event this person writes."""
        return f"console:{self.username}"


def _user(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        m["username"],
        m["display_name"],
        m["role"],
        m["session_epoch"],
        m["created_at"],
        m["password_changed_at"],
        m["disabled_at"],
        m["tenant"],
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少{MIN_PASSWORD}个字符")


_DUMMIES: dict[tuple[object, ...], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to check an unknown user's password against, so that the answer takes as long
    as for a known one. Made once per process for each set of parameters, not once per
    app: with argon2's defaults it costs a quarter of a second."""
    key = (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    key += (hasher.hash_len, hasher.salt_len)
    if key not in _DUMMIES:
        _DUMMIES[key] = hasher.hash("unknown user: spend the same time")
    return _DUMMIES[key]


class Accounts:
    """People's accounts in one table beside the event store."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self._dummy = _dummy_hash(self.hasher)

    def create(
        self,
        username: str,
        role: str,
        password: str,
        display_name: str = "",
        tenant: str | None = None,
    ) -> User:
        if role not in ROLES:
            raise AccountError(f"未知角色 {role!r}：应为 {', '.join(ROLES)} 之一")
        if not username or len(username) > 64 or not username.isprintable() or " " in username:
            raise AccountError("用户名为1至64个字符，不含空格")
        check_password(password)
        now = now_utc()
        with self.engine.begin() as conn:
            if conn.execute(select(users.c.username).where(users.c.username == username)).first():
                raise AccountError(f"用户 {username} 已存在")
            conn.execute(
                insert(users).values(
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    password_hash=self.hasher.hash(password),
                    session_epoch=1,
                    created_at=now,
                    password_changed_at=now,
                    tenant=tenant or DEFAULT_COUNTY,
                )
            )
        return self.get(username)  # type: ignore[return-value]

    def get(self, username: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return _user(row) if row is not None else None

    def list(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this password, or None (in about the same time either way)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        stored = row.password_hash if row is not None else self._dummy
        try:
            self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        if self.hasher.check_needs_rehash(stored):
            self._store_hash(username, self.hasher.hash(password), new_epoch=False)
        return _user(row)

    def change_password(self, username: str, old: str, new: str) -> User:
        """A new password after the old one is proved; every other session ends."""
        if self.authenticate(username, old) is None:
            raise AccountError("原密码不正确")
        return self.set_password(username, new)

    def set_password(self, username: str, new: str) -> User:
        check_password(new)
        self._store_hash(username, self.hasher.hash(new), new_epoch=True)
        return self.get(username)  # type: ignore[return-value]

    def _store_hash(self, username: str, digest: str, *, new_epoch: bool) -> None:
        values: dict[str, object] = {"password_hash": digest}
        if new_epoch:
            values["session_epoch"] = users.c.session_epoch + 1
            values["password_changed_at"] = now_utc()
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.username == username).values(**values))

    def disable(self, username: str) -> bool:
        """Sign a person out everywhere and refuse their password from now on."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(users)
                .where(users.c.username == username, users.c.disabled_at.is_(None))
                .values(disabled_at=now_utc(), session_epoch=users.c.session_epoch + 1)
            )
        return result.rowcount > 0


class SigninThrottle:
    """Failed sign-ins counted in the database (so every process sees them): a key with
    ``limit`` failures within ``window`` is refused until the oldest of them ages out."""

    def __init__(self, engine: Engine, limit: int = 5, window: timedelta | None = None) -> None:
        self.engine = engine
        self.limit = limit
        self.window = window or timedelta(minutes=15)

    def blocked(self, key: str) -> bool:
        since = now_utc() - self.window
        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(failures)
                .where(failures.c.key == key, failures.c.at > since)
            ).scalar_one()
        return count >= self.limit

    def failed(self, key: str) -> None:
        now = now_utc()
        with self.engine.begin() as conn:
            conn.execute(insert(failures).values(key=key, at=now))
            conn.execute(delete(failures).where(failures.c.at < now - self.window))

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(failures).where(failures.c.key == key))
