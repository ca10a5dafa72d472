"""``GET /v1/export``: the log up to a record date as NDJSON, ending with its chain
head, for `gongjian verify --file` to check offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from shared.auth import require_role
from shared.eventstore import GENESIS_HASH, format_instant

from .schemas import ExportQuery

blp = Blueprint("export", __name__, url_prefix="/v1", description="Export of the log")


@blp.get("/export")
@require_role("office", "auditor")
@blp.arguments(ExportQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def export(query: dict[str, Any]) -> Response:
    """Every stored event recorded by ``known_at`` (default: now), one per line, as
    stored and hashed; the last line is ``{"chain_head": {"position", "hash"}}``."""
    store = current_app.extensions["gongjian.runtime"].store
    known_at = query["known_at"]
    head_position = store.position_known_at(known_at) if known_at else store.head().position
    response = Response(_lines(store, head_position), mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="gongjian-log-{head_position}.ndjson"'
    )
    response.headers["X-Chain-Head-Position"] = str(head_position)
    return response


def _lines(store: Any, last_position: int) -> Iterator[str]:
    head_position, head_hash = 0, GENESIS_HASH
    for row in store.iter_stored(up_to=last_position):
        record = {k: format_instant(v) if isinstance(v, datetime) else v for k, v in row.items()}
        head_position, head_hash = record["global_position"], record["hash"]
        yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    yield json.dumps({"chain_head": {"position": head_position, "hash": head_hash}}) + "\n"
