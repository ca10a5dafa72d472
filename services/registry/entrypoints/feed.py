"""The global feed and the chain's status: what consumers and auditors follow."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_smorest import Blueprint, abort
from marshmallow import fields, validate

from shared.auth import current_principal, readable_types, require_role
from shared.checkpointing import keyring
from shared.events import project_stream
from shared.events.fields import VERSION_RANGE, Whole
from shared.eventstore.audit import signed_after
from shared.eventstore.status import chain_status, request_verification, verification_job
from shared.http import PageQuery, Problem, next_link
from shared.leases import job_view
from shared.messaging import send_or_leave
from shared.tenancy import current_scope

from ..readmodel import projects as project_list
from .labelled import EventsResponse

blp = Blueprint(
    "feed", __name__, url_prefix="/v1", description="The global event feed and chain verification"
)


class FeedQuery(PageQuery):
    after = Whole(
        from_text=True,
        load_default=None,
        validate=validate.Range(min=0),
        metadata={"description": "the global position the page before ended at"},
    )
    type = fields.List(fields.String(), load_default=None)


@blp.get("/events")
@require_role("office", "auditor", "viewer", "integration", "approver")
@blp.arguments(FeedQuery, location="query")
@blp.response(200, EventsResponse)
@blp.doc(security=[{"bearer": []}])
def feed(query):  # type: ignore[no-untyped-def]
    """Events after a global position, in global order. The feed is a live log:
    ``next_after`` is always where to continue (poll it later when the page was not
    full); ``Link: rel="next"`` is sent when the page was full. Each role sees only the
    event types the role matrix lets it read (`shared.auth.reading`)."""
    store = current_app.extensions["gongjian.runtime"].store
    after = query["after"] or 0
    types = _types_for(current_principal().role, query["type"])
    page = store.read_all(after=after, limit=query["limit"], types=types)
    head = store.head()
    next_after = page[-1].global_position if page else after
    body = {
        "events": [e.to_dict() for e in _of_scope(store, page)],
        "next_after": next_after,
        "head_position": head.position,
    }
    return body, 200, next_link(next_after if len(page) == query["limit"] else None)


def _of_scope(store: Any, page: list[Any]) -> list[Any]:
    """The page's events the request's counties may read: all of them for a scope of
    every county; else only its own projects' events (the page may come out short;
    ``next_after`` still moves past what was read)."""
    if current_scope().everywhere:
        return page
    with store.reading() as conn:
        own = {project_stream(pid) for pid in project_list.in_scope(conn)}
    return [e for e in page if e.stream_id in own]


def _types_for(role: str, asked: list[str] | None) -> list[str] | None:
    """The asked types (all by default) that ``role`` may read; asking for one it may not
    read is refused, never answered with a silently empty page."""
    readable = readable_types(role)
    if readable is None:
        return asked
    refused = sorted(set(asked or ()) - set(readable))
    if refused:
        raise Problem(
            403,
            "Forbidden",
            f"角色“{role}”不可读取这些类型的事件：{'、'.join(refused)}",
            errors={"type": [f"不可读取的事件类型：{', '.join(refused)}"]},
        )
    return list(asked or readable)


@blp.get("/chain")
@require_role("office", "auditor")
@blp.doc(security=[{"bearer": []}])
def chain():  # type: ignore[no-untyped-def]
    """The chain's status: from the last verified position to the head, and the latest
    signed checkpoint (cheap; `POST /v1/chain/verifications` walks the whole log)."""
    runtime = _runtime()
    return chain_status(runtime.store, keyring(runtime.settings))


@blp.post("/chain/verifications")
@require_role("office", "auditor")
@blp.doc(security=[{"bearer": []}])
def start_verification():  # type: ignore[no-untyped-def]
    """Queue a full verification of the whole log; follow its progress at the Location."""
    runtime = _runtime()
    job_id = request_verification(runtime.store)
    send_or_leave(runtime.broker.get_actor("registry.verify_chain"), job_id)
    location = url_for("feed.verification", job_id=job_id)
    return _job(verification_job(runtime.store, job_id)), 202, {"Location": location}


@blp.get("/chain/verifications/<job_id>")
@require_role("office", "auditor")
@blp.doc(security=[{"bearer": []}])
def verification(job_id: str):  # type: ignore[no-untyped-def]
    """A verification job: status, events verified of the total, and the result."""
    job = verification_job(_runtime().store, job_id)
    if job is None:
        abort(404, message=f"没有编号为 {job_id} 的核验任务")
    return _job(job)


def _job(job: dict[str, Any] | None) -> dict[str, Any]:
    assert job is not None
    return job_view(job)


class CheckpointQuery(PageQuery):
    after = Whole(
        from_text=True,
        load_default=0,
        validate=VERSION_RANGE,
        metadata={"description": "the sequence number the page before ended at"},
    )


@blp.get("/checkpoints")
@require_role("office", "auditor", "viewer")
@blp.arguments(CheckpointQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def checkpoints(query):  # type: ignore[no-untyped-def]
    """Signed checkpoints, oldest first, a page after the sequence number ``after``."""
    page = signed_after(_runtime().store, after=query["after"], limit=query["limit"])
    next_after = page[-1][0] if len(page) == query["limit"] else None
    body = {
        "checkpoints": [{"sequence": sequence, **c.to_dict()} for sequence, c in page],
        "next_after": next_after,
    }
    return body, 200, next_link(next_after)


def _runtime():  # type: ignore[no-untyped-def]
    return current_app.extensions["gongjian.runtime"]
