"""Leases on jobs kept in a table: which worker runs a job, and until when.

A worker *claims* a job before it runs it: one UPDATE makes the job ``running`` with a
lease (owner, expiry) unless it is done or another worker's lease on it is alive, so two
workers never run one job at once. While the work runs, a heartbeat thread renews the
lease every third of its length (`heartbeat`). A worker killed mid-job stops renewing;
once its lease has run out the workers' timer takes the job back (`RowLeases.take_back_
expired`: ``retrying``, the takeover counted) and sends it again, and the next claim runs
it. A job's table has the columns ``status``, ``lease_owner``, ``lease_expires_at``,
``heartbeat_at`` and ``takeovers`` (and ``updated_at``, stamped when it has one)."""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Column, Engine, Table, case, func, select, update

from .eventstore import format_instant, now_utc

log = logging.getLogger(__name__)

LEASE_VARIABLE = "GONGJIAN_JOB_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 30
"""A running job's lease; its heartbeat renews it every third of that. With the
workers' timer every 15 s, a dead worker's job is taken up within 45 s."""


def lease_length() -> timedelta:
    return timedelta(seconds=float(os.environ.get(LEASE_VARIABLE) or DEFAULT_LEASE_SECONDS))


LEASE_COLUMNS = ("lease_owner", "lease_expires_at", "heartbeat_at")


FINISHED = ("done", "failed")
"""A job's final statuses: written by its worker before it lets the lease go."""


def lease_view(job: dict[str, Any]) -> dict[str, Any] | None:
    """The running worker's lease, for the API: until when, and its last heartbeat (None
    when no worker holds the job, or when the job is finished: its worker writes the
    final status, then lets its lease go in a write of its own)."""
    if not job.get("lease_expires_at") or job.get("status") in FINISHED:
        return None
    beat = job.get("heartbeat_at")
    return {
        "expires_at": format_instant(job["lease_expires_at"]),
        "heartbeat_at": format_instant(beat) if beat else None,
    }


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """A leased job's row for the API: its lease as `lease_view`, instants as text."""
    kept = {k: v for k, v in job.items() if k not in LEASE_COLUMNS}
    view = {k: format_instant(v) if isinstance(v, datetime) else v for k, v in kept.items()}
    return view | {"takeovers": job.get("takeovers") or 0, "lease": lease_view(job)}


class Claim(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"
    HELD = "held"  # another worker's lease on this job is alive
    WAITING = "waiting"  # another job of its group runs (jobs that run one per group)
    MISSING = "missing"


class Leases(Protocol):
    def claim(self, job_id: str, owner: str, now: datetime, lease: timedelta) -> Claim: ...

    def renew(self, job_id: str, owner: str, now: datetime, lease: timedelta) -> bool: ...

    def release(self, job_id: str, owner: str) -> None: ...


@contextmanager
def heartbeat(
    leases: Leases, job_id: str, owner: str, lease: timedelta
) -> Iterator[threading.Event]:
    """Renew the lease every third of its length; the yielded event is set when the lease
    was lost (another worker took the job over)."""
    lost, stop = threading.Event(), threading.Event()

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                if not leases.renew(job_id, owner, now_utc(), lease):
                    lost.set()
                    return
            except Exception as exc:  # noqa: BLE001 - the next beat tries again
                log.warning("lease not renewed", extra={"job_id": job_id, "reason": str(exc)[:200]})

    thread = threading.Thread(target=beat, name=f"lease-{job_id[:8]}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(timeout=5)


def run_leased(leases: Leases, job_id: str, work: Callable[[threading.Event], None]) -> Claim:
    """Claim the job and run ``work(lost)`` under its lease; what the claim said."""
    owner, lease = uuid.uuid4().hex, lease_length()
    claim = leases.claim(job_id, owner, now_utc(), lease)
    if claim is not Claim.CLAIMED:
        log.info("job not run here", extra={"job_id": job_id, "claim": str(claim)})
        return claim
    try:
        with heartbeat(leases, job_id, owner, lease) as lost:
            work(lost)
    finally:
        leases.release(job_id, owner)
    return claim


Said = Callable[[datetime], dict[str, Any]]
"""What a job taken back says besides its status (e.g. its ``error``), from the instant
its lease ran out."""


class RowLeases:
    """Leases on the jobs of one table, each job on its own (no groups)."""

    def __init__(self, engine: Engine, table: Table, key: str, said: Said | None = None) -> None:
        self.engine, self.table, self.key = engine, table, table.c[key]
        self.c = table.c
        self.said = said or (lambda _expiry: {})

    def claim(self, job_id: str, owner: str, now: datetime, lease: timedelta) -> Claim:
        """Take the job for ``owner`` until ``now + lease``, or say why not. A job left
        ``running`` with its lease run out is taken over, and counted."""
        c = self.c
        free = (c.status != "done") & ~(
            (c.status == "running") & (c.lease_expires_at.is_not(None)) & (c.lease_expires_at > now)
        )
        taken = self._update(
            now,
            (self.key == job_id) & free,
            status="running",
            lease_owner=owner,
            lease_expires_at=now + lease,
            heartbeat_at=now,
            takeovers=c.takeovers + case((c.status == "running", 1), else_=0),
        )
        if taken:
            return Claim.CLAIMED
        with self.engine.connect() as conn:
            status = conn.execute(select(c.status).where(self.key == job_id)).scalar()
        return Claim.MISSING if status is None else Claim.DONE if status == "done" else Claim.HELD

    def renew(self, job_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """The heartbeat: extend the lease; False when ``owner`` no longer holds it."""
        held = (self.key == job_id) & (self.c.lease_owner == owner) & (self.c.status == "running")
        return self._update(None, held, lease_expires_at=now + lease, heartbeat_at=now) == 1

    def release(self, job_id: str, owner: str) -> None:
        held = (self.key == job_id) & (self.c.lease_owner == owner)
        self._update(None, held, lease_owner=None, lease_expires_at=None)

    def take_back_expired(self, now: datetime) -> list[str]:
        """Jobs whose worker stopped renewing its lease: made ``retrying`` and counted as a
        takeover; each is returned once, to be sent again."""
        c = self.c
        lapsed = (c.status == "running") & (c.lease_expires_at < now)
        with self.engine.connect() as conn:
            expired = conn.execute(select(self.key, c.lease_expires_at).where(lapsed)).all()
        taken = []
        for job_id, expiry in expired:
            back = self._update(  # unless its worker renewed it meanwhile
                now,
                (self.key == job_id) & (c.status == "running") & (c.lease_expires_at == expiry),
                status="retrying",
                lease_owner=None,
                lease_expires_at=None,
                takeovers=c.takeovers + 1,
                **self.said(expiry),
            )
            if back:
                log.warning("job's worker was lost; taken up again", extra={"job_id": job_id})
                taken.append(job_id)
        return taken

    def takeovers(self) -> int:
        """Jobs of this table taken up again because their worker's lease ran out, ever
        (the sum of their ``takeovers``: by the timer, or by a claim on a lapsed lease)."""
        counted = select(func.coalesce(func.sum(self.c.takeovers), 0)).where(self.c.takeovers > 0)
        with self.engine.connect() as conn:
            return int(conn.execute(counted).scalar_one())

    def _update(self, now: datetime | None, where: Any, **values: Any) -> int:
        """One UPDATE in its own transaction; its row count. ``now``: stamp ``updated_at``
        (tables that have it)."""
        stamp: dict[str, Any] = {}
        updated_at: Column[Any] | None = self.c.get("updated_at")
        if now is not None and updated_at is not None:
            stamp["updated_at"] = now
        with self.engine.begin() as conn:
            return conn.execute(update(self.table).where(where).values(**values, **stamp)).rowcount
