"""Leases on assessment jobs: which worker runs a job, until when, and who waits.

A worker *claims* a job before running it: the claim sets ``status = running`` with a
lease (owner, expiry) unless another worker's lease on the job is alive, or another job
of the same county, year and rulebook runs (at most one per group: the others stay queued and
are sent when it ends). The running worker renews the lease (its heartbeat); a worker
killed mid-job stops renewing, and `JobLeases.take_back_expired` finds its job for the
reaper (through `shared.leases.RowLeases`, as verifications are)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from shared.db import is_postgres
from shared.eventstore import format_instant
from shared.leases import Claim, RowLeases

from .tables import jobs

__all__ = ["WAITING", "Claim", "JobLeases", "JobSummary"]

WAITING = ("queued", "retrying")
"""States of a job that is to run and is not running."""


def _worker_lost(expiry: datetime) -> dict[str, Any]:
    return {"error": f"执行进程失联：租约已于 {format_instant(expiry)} 到期，已重新接手"}


def _same_group(job: Row[Any]) -> Any:
    version = jobs.c.rulebook_version
    same_version = (
        version.is_(None) if job.rulebook_version is None else version == job.rulebook_version
    )
    return (jobs.c.year == job.year) & same_version & (jobs.c.county == job.county)


def _alive(job: Row[Any], now: datetime) -> bool:
    return (
        job.status == "running" and job.lease_expires_at is not None and job.lease_expires_at > now
    )


@dataclass(frozen=True)
class JobSummary:
    by_status: dict[str, int]
    oldest_seconds: dict[str, float]
    live_leases: int
    expired_leases: int


class JobLeases:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows = RowLeases(engine, jobs, "job_id", said=_worker_lost)

    def claim(self, job_id: str, owner: str, now: datetime, lease: timedelta) -> Claim:
        """Take the job for ``owner`` until ``now + lease``, or say why not."""
        with self.engine.begin() as conn:
            job = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()
            if job is None:
                return Claim.MISSING
            group = self._lock_group(conn, job)
            job = next(row for row in group if row.job_id == job_id)
            if job.status == "done":
                return Claim.DONE
            if _alive(job, now):
                return Claim.HELD
            if any(_alive(other, now) for other in group if other.job_id != job_id):
                return Claim.WAITING
            conn.execute(
                update(jobs)
                .where(jobs.c.job_id == job_id)
                .values(
                    status="running",
                    lease_owner=owner,
                    lease_expires_at=now + lease,
                    heartbeat_at=now,
                    # Running with a dead lease and not reaped yet: a takeover all the same.
                    takeovers=jobs.c.takeovers + (1 if job.status == "running" else 0),
                    updated_at=now,
                )
            )
        return Claim.CLAIMED

    def renew(self, job_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """The heartbeat: extend the lease; False when ``owner`` no longer holds it."""
        return self.rows.renew(job_id, owner, now, lease)

    def release(self, job_id: str, owner: str) -> None:
        self.rows.release(job_id, owner)

    def waiting_beside(self, job_id: str) -> list[str]:
        """Jobs of the same county, year and rulebook still to run, oldest first."""
        with self.engine.connect() as conn:
            job = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()
            if job is None:
                return []
            query = (
                select(jobs.c.job_id)
                .where(_same_group(job), jobs.c.status.in_(WAITING), jobs.c.job_id != job_id)
                .order_by(jobs.c.created_at)
            )
            return list(conn.execute(query).scalars())

    def take_back_expired(self, now: datetime) -> list[str]:
        """Jobs whose worker stopped renewing its lease: marked ``retrying`` with the reason
        and counted as a takeover; each is returned once, to be sent again."""
        return self.rows.take_back_expired(now)

    def unsent(self, now: datetime, older_than: timedelta) -> list[str]:
        """Jobs waiting longer than ``older_than`` (a message lost, or never sent while
        the broker was away); touched so that each is returned once per period."""
        limit = now - older_than
        with self.engine.begin() as conn:
            stale = list(
                conn.execute(
                    select(jobs.c.job_id).where(
                        jobs.c.status.in_(WAITING), jobs.c.updated_at < limit
                    )
                ).scalars()
            )
            if stale:
                conn.execute(update(jobs).where(jobs.c.job_id.in_(stale)).values(updated_at=now))
        return stale

    def summary(self, now: datetime) -> JobSummary:
        """Jobs by status, the oldest unfinished one's age by status, and leases alive and
        run out (for the metrics)."""
        unfinished = jobs.c.status.in_(("queued", "retrying", "running"))
        alive = (jobs.c.status == "running") & (jobs.c.lease_expires_at > now)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(jobs.c.status, func.count(), func.min(jobs.c.created_at)).group_by(
                    jobs.c.status
                )
            ).all()
            leases = conn.execute(
                select(
                    func.count().filter(alive),
                    func.count().filter((jobs.c.status == "running") & ~alive),
                ).where(unfinished)
            ).one()
        oldest = {
            status: (now - first).total_seconds()
            for status, _, first in rows
            if status in ("queued", "retrying", "running") and first is not None
        }
        return JobSummary(
            by_status={status: int(count) for status, count, _ in rows},
            oldest_seconds=oldest,
            live_leases=int(leases[0]),
            expired_leases=int(leases[1]),
        )

    def _lock_group(self, conn: Connection, job: Row[Any]) -> list[Row[Any]]:
        """Every job of the group, locked in one order (two claimers serialise here)."""
        query = select(jobs).where(_same_group(job)).order_by(jobs.c.job_id)
        if is_postgres(conn.engine):
            query = query.with_for_update()
        return list(conn.execute(query).all())
