"""Configuration, read once from the environment (``GONGJIAN_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .tenancy import Tenancy


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} 应为整数，而不是 {raw!r}") from exc


def _switch(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} 应为 1 或 0（开或关），而不是 {raw!r}")


@dataclass(frozen=True)
class Settings:
    """Everything the services read from the environment; see README's table."""

    database_url: str = "sqlite:///var/gongjian.db"
    migrate_database_url: str = ""  # the owner's URL for migrations; empty: database_url
    redis_url: str = ""  # empty: dramatiq's in-memory broker with an in-process worker
    replica_url: str = ""  # a PostgreSQL streaming replica for reads; empty: none
    replica_max_lag_seconds: int = 30
    redis_sentinels: str = ""  # host:port,host:port: the broker's master found by Sentinel
    redis_sentinel_master: str = "gongjian"
    redis_sentinel_password: str = ""  # the sentinels' own password, if they have one
    timezone: str = "Asia/Shanghai"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_format: str = "json"  # json | text
    lock_timeout_ms: int = 5000
    max_clock_skew_seconds: int = 300
    max_body_bytes: int = 5 * 1024 * 1024
    data_dir: Path = field(default_factory=lambda: Path("var"))
    redis_namespace: str = "gongjian"
    campaign: str = ""  # named in exports' headers, e.g. "某县2026年项目攻坚年"
    tenants: str = ""  # the tenant hierarchy (JSON or a file of it); empty: one county
    gc_young: int = 10_000  # objects made between young collections (shared.heap); 0: Python's
    holder_slice_us: int = 100  # the log lock's holder's time slice (eventstore.holder_slice)
    early_lock_release: bool = True  # the log's lock let go before a batch's flush (probed_copy)
    kept_states: int = 10_000  # parsed project states a process keeps (scheduling.readmodel)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        env = os.environ
        data_dir = Path(env.get("GONGJIAN_DATA_DIR", "var"))
        settings = cls(
            database_url=env.get("GONGJIAN_DATABASE_URL")
            or f"sqlite:///{data_dir / 'gongjian.db'}",
            migrate_database_url=env.get("GONGJIAN_MIGRATE_DATABASE_URL", ""),
            redis_url=env.get("GONGJIAN_REDIS_URL", ""),
            replica_url=env.get("GONGJIAN_REPLICA_URL", ""),
            replica_max_lag_seconds=_int("GONGJIAN_REPLICA_MAX_LAG_SECONDS", 30),
            redis_sentinels=env.get("GONGJIAN_REDIS_SENTINELS", ""),
            redis_sentinel_master=env.get("GONGJIAN_REDIS_SENTINEL_MASTER", "gongjian"),
            redis_sentinel_password=env.get("GONGJIAN_REDIS_SENTINEL_PASSWORD", ""),
            timezone=env.get("GONGJIAN_TIMEZONE", "Asia/Shanghai"),
            host=env.get("GONGJIAN_HOST", "127.0.0.1"),
            port=_int("GONGJIAN_PORT", 8000),
            log_level=env.get("GONGJIAN_LOG_LEVEL", "INFO").upper(),
            log_format=env.get("GONGJIAN_LOG_FORMAT", "json"),
            lock_timeout_ms=_int("GONGJIAN_LOCK_TIMEOUT_MS", 5000),
            max_clock_skew_seconds=_int("GONGJIAN_MAX_CLOCK_SKEW_SECONDS", 300),
            max_body_bytes=_int("GONGJIAN_MAX_BODY_BYTES", 5 * 1024 * 1024),
            data_dir=data_dir,
            redis_namespace=env.get("GONGJIAN_REDIS_NAMESPACE", "gongjian"),
            campaign=env.get("GONGJIAN_CAMPAIGN", ""),
            tenants=env.get("GONGJIAN_TENANTS", ""),
            gc_young=_int("GONGJIAN_GC_YOUNG", cls.gc_young),
            holder_slice_us=_int("GONGJIAN_HOLDER_SLICE_US", cls.holder_slice_us),
            early_lock_release=_switch("GONGJIAN_EARLY_LOCK_RELEASE", cls.early_lock_release),
            kept_states=_int("GONGJIAN_KEPT_STATES", cls.kept_states),
        )
        ZoneInfo(settings.timezone)  # fail fast on a bad zone name
        settings = replace(settings, **overrides) if overrides else settings
        settings.tenancy  # noqa: B018 -- fail fast on a bad hierarchy
        return settings

    @cached_property
    def tenancy(self) -> Tenancy:
        """The counties and the cities and province above them (`shared.tenancy`)."""
        return Tenancy.from_config(self.tenants)

    @property
    def uses_redis(self) -> bool:
        """A Redis broker shared by the processes (by URL, or its master found by Sentinel);
        otherwise dramatiq's in-memory broker with an in-process worker."""
        return bool(self.redis_url or self.redis_sentinels)

    @property
    def migration_url(self) -> str:
        """Migrations run as the tables' owner; the services connect as the application."""
        return self.migrate_database_url or self.database_url

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
