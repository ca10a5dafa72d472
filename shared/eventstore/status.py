"""The chain's status for the API, cheaply, and full verification as a job with progress.

`chain_status` starts from the verifier's checkpoint (the last position and hash that
verified OK) and walks only the events after it, then checks the latest signed
checkpoint: at a million events it reads what was appended since, not the whole log.
A full walk (`run_verification`) records its progress in ``verification_jobs`` and runs
under a lease (`shared.leases`): never two workers at once, and a job whose worker died
is taken back by the workers' timer (``retrying``, ``takeovers``) and run again."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from ..leases import RowLeases, run_leased
from .audit import (
    check_signed,
    latest_signed,
    save_verified_head,
    verified_head,
    verify_log,
    verify_since,
)
from .clocks import now_utc
from .envelope import GENESIS_HASH
from .schema import verification_jobs
from .signed import Keyring
from .store import EventStore

JOB_STATUSES = ("queued", "running", "retrying", "done", "failed")
"""A verification job's states: ``retrying`` is a job whose worker died, to run again."""
WAITING = ("queued", "retrying")
"""States of a job that is to run and is not running."""

PROGRESS_EVERY = 10_000
"""Events between two progress writes of a verification job."""


def chain_status(store: EventStore, keyring: Keyring) -> dict[str, Any]:
    """The chain from the verifier's checkpoint to the head, and the latest signed
    checkpoint; moves the verifier's checkpoint forward when all holds."""
    position, hash_ = verified_head(store)
    start = (position, hash_) if hash_ is not None else (0, GENESIS_HASH)
    # Read before the log: one signed while the log is read (as requests append) would
    # be above the head read and look truncated (`serving_problem` says more).
    last = latest_signed(store)
    result = verify_since(store, start)
    if result.ok:
        head = (result.head_position, result.head_hash)
        problem = check_signed(store, last, keyring, head) if last is not None else None
        if problem is None and head[0] > start[0]:
            save_verified_head(store, *head)  # a write (and a commit) only when it moves
        result = problem or result
    return result.to_dict() | {
        "verified_from": start[0],
        "checkpoint": None if last is None else last.to_dict(),
    }


def request_verification(store: EventStore) -> str:
    """A queued full-verification job; returns its id."""
    job_id = str(uuid.uuid4())
    with store.engine.begin() as conn:
        conn.execute(
            insert(verification_jobs).values(
                job_id=job_id,
                status="queued",
                verified=0,
                total=store.head().position,
                requested_at=now_utc(),
            )
        )
    return job_id


class _TakenOver(Exception):
    """Another worker took the job over (this one stalled past its lease): stop."""


def verification_leases(engine: Engine) -> RowLeases:
    """Leases on the verification jobs: one worker walks each, a dead one's taken back."""
    return RowLeases(engine, verification_jobs, "job_id")


def run_verification(store: EventStore, keyring: Keyring, job_id: str) -> dict[str, Any] | None:
    """Walk the whole log for the job under its lease, writing progress. A job done, or
    run by another worker whose lease is alive, is left as it is; safe to run again."""
    run_leased(
        verification_leases(store.engine), job_id, lambda lost: _walk(store, keyring, job_id, lost)
    )
    return verification_job(store, job_id)


def _walk(store: EventStore, keyring: Keyring, job_id: str, lost: threading.Event) -> None:
    def progress(verified: int) -> None:
        if lost.is_set():
            raise _TakenOver
        _update(store, job_id, verified=verified)

    _update(store, job_id, verified=0, total=store.head().position)
    try:
        result = verify_log(store, keyring, progress=progress)
    except _TakenOver:
        return
    except Exception:
        if not lost.is_set():
            _update(store, job_id, status="failed")
        raise
    _update(
        store,
        job_id,
        status="done",
        verified=result.count,
        result=json.dumps(result.to_dict(), ensure_ascii=False),
        finished_at=now_utc(),
    )


def verification_job(store: EventStore, job_id: str) -> dict[str, Any] | None:
    with store.reading() as conn:
        row = conn.execute(
            select(verification_jobs).where(verification_jobs.c.job_id == job_id)
        ).first()
    if row is None:
        return None
    job = dict(row._mapping)
    job["result"] = None if job["result"] is None else json.loads(job["result"])
    return job


def latest_verification_job(store: EventStore) -> dict[str, Any] | None:
    """The job requested last (queued, running or done), for a page that shows it."""
    with store.reading() as conn:
        job_id = conn.execute(
            select(verification_jobs.c.job_id)
            .order_by(verification_jobs.c.requested_at.desc())
            .limit(1)
        ).scalar()
    return None if job_id is None else verification_job(store, job_id)


def queued_before(conn: Connection, before: datetime) -> list[str]:
    """Jobs waiting to run (queued, or taken back from a dead worker) that were requested
    before ``before``, oldest first: the ones a broker outage may have lost (the table is
    their outbox)."""
    jobs = verification_jobs.c
    query = (
        select(jobs.job_id)
        .where(jobs.status.in_(WAITING), jobs.requested_at < before)
        .order_by(jobs.requested_at)
    )
    return list(conn.execute(query).scalars())


def _update(store: EventStore, job_id: str, **values: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(verification_jobs).where(verification_jobs.c.job_id == job_id).values(**values)
        )
