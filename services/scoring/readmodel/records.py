"""Reading and writing jobs and assessment results; each call is its own short transaction.

Reads go where the request's reads go (`shared.db.reader`): a routed ``GET`` of the API
reads the replica when one answers (docs/replicas.md); everything else, the primary. A
job, assessment or verification the replica has not got yet (just created, the replica a
little behind) is read again on the primary, so it is never a 404 for lag; a list is the
replica's as of its position, like every other routed answer."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.db import reader
from shared.eventstore import now_utc
from shared.leases import RowLeases
from shared.tenancy import admits, where_scoped

from .tables import assessments, jobs, verifications

JOB_STATUSES = ("queued", "running", "retrying", "done", "failed")
"""The states of an assessment job."""


class Records:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- jobs ------------------------------------------------------------------------

    def job(self, job_id: str) -> dict[str, Any] | None:
        """The job, if it is of a county the request sees (another county's does not
        exist for it)."""
        row = self._one(select(jobs).where(jobs.c.job_id == job_id))
        return row._asdict() if row is not None and admits(row.county) else None

    def create_job(self, job: dict[str, Any]) -> bool:
        """Insert the job unless one with its key exists; True when it was new."""
        now = now_utc()
        try:
            with self.engine.begin() as conn:
                exists = conn.execute(
                    select(jobs.c.job_id).where(jobs.c.job_id == job["job_id"])
                ).first()
                if exists:
                    return False
                conn.execute(
                    insert(jobs).values(
                        status="queued",
                        events_total=0,
                        events_replayed=0,
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                        **job,
                    )
                )
        except IntegrityError:  # the same request at the same moment: still one job
            return False
        return True

    def update_job(self, job_id: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs).where(jobs.c.job_id == job_id).values(updated_at=now_utc(), **values)
            )

    def start_attempt(self, job_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.job_id == job_id)
                .values(status="running", attempts=jobs.c.attempts + 1, updated_at=now_utc())
            )

    def jobs(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest jobs of the request's counties."""
        query = where_scoped(select(jobs), jobs.c.county)
        with reader(self.engine).connect() as conn:
            rows = conn.execute(query.order_by(jobs.c.created_at.desc()).limit(limit))
            return [r._asdict() for r in rows]

    # -- assessments -----------------------------------------------------------------

    def save_assessment(self, record: dict[str, Any]) -> None:
        """Idempotent: a retried job that computed the same assessment saves nothing new."""
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(assessments.c.digest).where(
                    assessments.c.assessment_id == record["assessment_id"]
                )
            ).scalar()
            if exists is None:
                conn.execute(insert(assessments).values(created_at=now_utc(), **record))
            elif exists != record["digest"]:
                raise RuntimeError(
                    f"assessment {record['assessment_id']} re-ran to a different digest"
                )

    def mark_published(self, assessment_id: str, position: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(assessments)
                .where(assessments.c.assessment_id == assessment_id)
                .values(published_position=position)
            )

    def assessment(
        self, assessment_id: str, *, with_result: bool = True, parsed: bool = True
    ) -> dict[str, Any] | None:
        """The stored assessment; its ``result`` parsed, or as the stored text
        (``parsed=False``: what its ``result_hash`` covers)."""
        columns = [c for c in assessments.c if with_result or c.name != "result"]
        row = self._one(select(*columns).where(assessments.c.assessment_id == assessment_id))
        if row is None or not admits(row.county):
            return None
        record = row._asdict()
        if with_result and parsed:
            record["result"] = json.loads(record["result"])
        return record

    def assessments(
        self, year: int | None = None, county: str | None = None
    ) -> list[dict[str, Any]]:
        """The assessments of the request's counties (of one, if named)."""
        columns = [c for c in assessments.c if c.name != "result"]
        query = where_scoped(select(*columns), assessments.c.county)
        query = query.order_by(assessments.c.created_at)
        if year is not None:
            query = query.where(assessments.c.year == year)
        if county is not None:
            query = query.where(assessments.c.county == county)
        with reader(self.engine).connect() as conn:
            return [r._asdict() for r in conn.execute(query)]

    # -- verifications ---------------------------------------------------------------

    def create_verification(self, verification_id: str, assessment_id: str, by: str) -> None:
        now = now_utc()
        with self.engine.begin() as conn:
            conn.execute(
                insert(verifications).values(
                    verification_id=verification_id,
                    assessment_id=assessment_id,
                    status="queued",
                    requested_by=by,
                    created_at=now,
                    updated_at=now,
                )
            )

    def update_verification(self, verification_id: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(verifications)
                .where(verifications.c.verification_id == verification_id)
                .values(updated_at=now_utc(), **values)
            )

    def verification_leases(self) -> RowLeases:
        """Leases on the verifications: one worker runs each, a dead one's taken back."""
        return RowLeases(self.engine, verifications, "verification_id")

    def verification(self, verification_id: str) -> dict[str, Any] | None:
        query = select(verifications).where(verifications.c.verification_id == verification_id)
        row = self._one(query)
        return row._asdict() if row is not None else None

    def _one(self, query: Any) -> Any:
        """The first row, from where the request reads; not there on a replica: the
        primary's (a row the replica has not got yet)."""
        source = reader(self.engine)
        with source.connect() as conn:
            row = conn.execute(query).first()
        if row is None and source is not self.engine:
            with self.engine.connect() as conn:
                row = conn.execute(query).first()
        return row

    def unsent_verifications(self, now: datetime, older_than: timedelta) -> list[str]:
        """Verifications still waiting (queued, or taken back from a dead worker) after
        ``older_than`` (their message lost, or never sent while the broker was away);
        touched so that each is returned once a period."""
        limit = now - older_than
        with self.engine.begin() as conn:
            stale = list(
                conn.execute(
                    select(verifications.c.verification_id).where(
                        verifications.c.status.in_(("queued", "retrying")),
                        verifications.c.updated_at < limit,
                    )
                ).scalars()
            )
            if stale:
                conn.execute(
                    update(verifications)
                    .where(verifications.c.verification_id.in_(stale))
                    .values(updated_at=now)
                )
        return stale
