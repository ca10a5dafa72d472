"""Chain verifications (``POST /v1/chain/verifications``) whose worker died, or asked for
while the broker was away: the job is in ``verification_jobs`` (the database is the
outbox), and the workers' timer (`take_up_unsent`) takes back every one whose worker's
lease ran out (`shared.leases`) and sends it again, with every one still waiting after
`UNSENT_AFTER`, as scoring's timer does for its verifications. A waiting one is sent again
at most once a period (``registry_verification_sends``); running one twice is harmless
(it walks the log again and records the same result), and its lease keeps two workers
from walking it at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from shared.db import is_postgres
from shared.eventstore import now_utc
from shared.eventstore.status import queued_before, verification_leases

from ..readmodel.tables import verification_sends

UNSENT_AFTER = timedelta(seconds=60)
"""A verification queued this long (and not sent again for as long) is sent again."""


def unsent(engine: Engine, now: datetime, older_than: timedelta) -> list[str]:
    """Jobs still queued after ``older_than`` and not sent again within it; marked sent
    at ``now`` so that each is returned once a period."""
    limit = now - older_than
    sends = verification_sends.c
    with engine.begin() as conn:
        queued = queued_before(conn, limit)
        recent = set(
            conn.execute(
                select(sends.job_id).where(sends.job_id.in_(queued), sends.sent_at >= limit)
            ).scalars()
        )
        stale = [job_id for job_id in queued if job_id not in recent]
        if stale:
            insert = postgresql.insert if is_postgres(engine) else sqlite.insert
            upsert = insert(verification_sends).values(
                [{"job_id": job_id, "sent_at": now} for job_id in stale]
            )
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=["job_id"], set_={"sent_at": upsert.excluded.sent_at}
                )
            )
    return stale


def take_up_unsent(engine: Engine, send: Callable[[str], object]) -> list[str]:
    """Send again every chain verification whose worker died, and every one still waiting
    after `UNSENT_AFTER`."""
    now = now_utc()
    lost = verification_leases(engine).take_back_expired(now)
    again = list(dict.fromkeys([*lost, *unsent(engine, now, UNSENT_AFTER)]))
    for job_id in again:
        send(job_id)
    return again
