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
from shared.eventstore import GENESIS_HASH, Cutoff, format_instant

from .schemas import ExportQuery

blp = Blueprint("export", __name__, url_prefix="/v1", description="Export of the log")


@blp.get("/export")
@require_role("office", "auditor")
@blp.arguments(ExportQuery, location="query")
@blp.doc(security=[{"bearer": []}])
def export(query: dict[str, Any]) -> Response:
    """Every stored event recorded by ``known_at`` (default: now), one per line, as
    stored and hashed; the last line is ``{"chain_head": {"position", "hash"}}``."""
    runtime = current_app.extensions["gongjian.runtime"]
    store = runtime.store
    known_at = Cutoff.of(None, query["known_at"], runtime.settings.zone).known_at
    up_to = store.position_known_at(known_at) if known_at else store.head().position
    response = Response(ndjson_lines(store, up_to), mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = f'attachment; filename="gongjian-log-{up_to}.ndjson"'
    response.headers["X-Chain-Head-Position"] = str(up_to)
    return response


def ndjson_lines(store: Any, up_to: int) -> Iterator[str]:
    """The export's lines: one stored envelope each, then the chain head."""
    head_position, head_hash = 0, GENESIS_HASH
    for row in store.iter_stored(up_to=up_to):
        record = {k: format_instant(v) if isinstance(v, datetime) else v for k, v in row.items()}
        head_position, head_hash = record["global_position"], record["hash"]
        yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    yield json.dumps({"chain_head": {"position": head_position, "hash": head_hash}}) + "\n"
