"""审计: the chain's status, verification now (in the background), the log's export, and
an event search by project, type and date. Verification is the registry's job (the
same as ``POST /v1/chain/verifications``), run by a worker and shown with its progress."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, redirect, request, url_for

from shared.eventstore import Cutoff, RecordedEvent
from shared.eventstore.consumer import checkpoint_of
from shared.eventstore.status import WAITING
from shared.metrics import VERIFIED_CHECKPOINT

from ...registry.domain import ProjectNotFound
from ...registry.entrypoints.export import ndjson_lines
from .base import bp, day_argument, gateway, page, signed_in

AUDITORS = ("office", "auditor")
SEARCH_LIMIT = 500
UNFINISHED = (*WAITING, "running")
"""A verification job's states while it is to run or running (the page follows it)."""


@bp.get("/audit")
@signed_in(*AUDITORS)
def audit():  # type: ignore[no-untyped-def]
    services = gateway()
    found, searched = search_events()
    return page(
        "audit",
        "审计",
        head=services.store.head(),
        verified=checkpoint_of(services.store, VERIFIED_CHECKPOINT),
        job=services.last_verification(),
        unfinished=UNFINISHED,
        found=found,
        searched=searched,
        types=sorted(services.integrations.known_types),
        query=request.args,
    )


@bp.post("/audit/verify")
@signed_in(*AUDITORS)
def verify():  # type: ignore[no-untyped-def]
    """Queue the registry's full verification unless one is already queued or running
    (a failed one is over: nothing runs it again, so another is queued)."""
    services = gateway()
    job = services.last_verification()
    if job is None or job["status"] not in UNFINISHED:
        services.start_verification()
    return redirect(url_for("console.audit"))


@bp.get("/audit/export")
@signed_in(*AUDITORS)
def export():  # type: ignore[no-untyped-def]
    runtime = gateway().runtime
    store = runtime.store
    up_to = store.head().position
    return Response(
        ndjson_lines(store, runtime.settings, up_to),
        mimetype="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="gongjian-log-{up_to}.ndjson"',
            "X-Chain-Head-Position": str(up_to),
        },
    )


def search_events() -> tuple[list[RecordedEvent], bool]:
    """Events of one project and/or type, whose business date falls in the range."""
    project = (request.args.get("project") or "").strip()
    kind = (request.args.get("type") or "").strip()
    since, until = day_argument("from"), day_argument("to")
    if not (project or kind or since or until):
        return [], False
    services = gateway()
    cutoff = services.cutoff(until, None) if until else Cutoff()
    if project:
        try:
            events = services.history(project, cutoff)
        except ProjectNotFound:
            return [], True
        events = [e for e in events if not kind or e.type == kind]
    else:
        events = services.store.read_all(limit=5000, types=[kind] if kind else None, cutoff=cutoff)
    if since:
        start = services.cutoff(since - timedelta(days=1), None).as_of
        events = [e for e in events if start is None or e.occurred_at > start]
    return events[:SEARCH_LIMIT], True
