"""``GET /v1/export``: the log up to a record date as NDJSON with a header, one stored
event per line and a trailer with the head and a signed checkpoint, for
`gongjian verify --file` to check offline (shared/eventstore/export.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from shared.auth import require_role
from shared.checkpointing import export_signer
from shared.eventstore.export import export_lines
from shared.http import download

from .schemas import ExportQuery

blp = Blueprint("export", __name__, url_prefix="/v1", description="Export of the log")


@blp.get("/export")
@require_role("office", "auditor")
@blp.arguments(ExportQuery, location="query")
@blp.doc(
    security=[{"bearer": []}],
    responses=download("application/x-ndjson", description="the log, one event a line"),
)
def export(query: dict[str, Any]) -> Response:
    """Every stored event recorded by ``known_at`` (default: now), one per line as stored
    and hashed, between a header line and a trailer (count, head, signed checkpoint)."""
    runtime = current_app.extensions["gongjian.runtime"]
    store, settings = runtime.store, runtime.settings
    known_at = query["known_at"]
    head_position = store.position_known_at(known_at) if known_at else store.head().position
    response = Response(
        ndjson_lines(store, settings, head_position), mimetype="application/x-ndjson"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="gongjian-log-{head_position}.ndjson"'
    )
    response.headers["X-Chain-Head-Position"] = str(head_position)
    return response


def ndjson_lines(store: Any, settings: Any, up_to: int) -> Iterator[str]:
    """The export's lines up to a position: header, one stored event each, signed trailer."""
    return export_lines(
        store.iter_stored(up_to=up_to), settings.campaign, export_signer(store, settings)
    )
