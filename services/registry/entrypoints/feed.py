"""The global feed and the chain's status: what consumers and auditors follow."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from shared.auth import require_role

from .labelled import EventsResponse

blp = Blueprint(
    "feed", __name__, url_prefix="/v1", description="The global event feed and chain verification"
)


class FeedQuery(Schema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    type = fields.List(fields.String(), load_default=None)


@blp.get("/events")
@require_role("office", "auditor", "viewer", "integration")
@blp.arguments(FeedQuery, location="query")
@blp.response(200, EventsResponse)
@blp.doc(security=[{"bearer": []}])
def feed(query):  # type: ignore[no-untyped-def]
    """Events after a global position, in global order."""
    store = current_app.extensions["gongjian.runtime"].store
    page = store.read_all(after=query["after"], limit=query["limit"], types=query["type"])
    head = store.head()
    return {
        "events": [e.to_dict() for e in page],
        "next_after": page[-1].global_position if page else query["after"],
        "head_position": head.position,
    }


@blp.get("/chain")
@require_role("office", "auditor")
@blp.doc(security=[{"bearer": []}])
def chain():  # type: ignore[no-untyped-def]
    """Recompute the hash chain over the whole log."""
    store = current_app.extensions["gongjian.runtime"].store
    return store.verify().to_dict()
