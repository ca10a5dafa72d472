"""The global feed and the chain's status: what consumers and auditors follow."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import fields, validate

from shared.auth import require_role
from shared.http import PageQuery, next_link

blp = Blueprint(
    "feed", __name__, url_prefix="/v1", description="The global event feed and chain verification"
)


class FeedQuery(PageQuery):
    after = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0),
        metadata={"description": "the global position the page before ended at"},
    )
    type = fields.List(fields.String(), load_default=None)


@blp.get("/events")
@require_role("office", "auditor", "viewer", "integration")
@blp.arguments(FeedQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def feed(query):  # type: ignore[no-untyped-def]
    """Events after a global position, in global order. The feed is a live log:
    ``next_after`` is always where to continue (poll it later when the page was not
    full); ``Link: rel="next"`` is sent when the page was full."""
    store = current_app.extensions["gongjian.runtime"].store
    after = query["after"] or 0
    page = store.read_all(after=after, limit=query["limit"], types=query["type"])
    head = store.head()
    next_after = page[-1].global_position if page else after
    body = {
        "events": [e.to_dict() for e in page],
        "next_after": next_after,
        "head_position": head.position,
    }
    return body, 200, next_link(next_after if len(page) == query["limit"] else None)


@blp.get("/chain")
@require_role("office", "auditor")
@blp.doc(security=[{"bearer": []}])
def chain():  # type: ignore[no-untyped-def]
    """Recompute the hash chain over the whole log."""
    store = current_app.extensions["gongjian.runtime"].store
    return store.verify().to_dict()
