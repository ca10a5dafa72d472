"""``POST /v1/ingest``: signed batches from approval systems.

The request is authenticated by its signature (docs/integration.md), never by a bearer
token; the integration's name is the ``source`` of every event it sends.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from shared.eventstore import text_problem
from shared.http import Problem, strict_json
from shared.tenancy import scoped_to

from ..application.integrations import Integration
from ..application.submissions import ACCEPTED, DUPLICATE, REJECTED, RETRY, Outcome, Submission
from ..wiring import RegistryParts
from .schemas import IngestBatch, IngestBody, IngestItem, event_id_text

blp = Blueprint(
    "ingest", __name__, url_prefix="/v1", description="Signed event batches from approval systems"
)

ITEM = IngestItem()
RETRY_AFTER_SECONDS = 1
"""When items are answered ``retry``: send them again after this many seconds."""
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "gongjian-integration")


@blp.post("/ingest")
@blp.doc(
    parameters=[
        {"in": "header", "name": h, "required": True, "schema": {"type": "string"}} for h in HEADERS
    ],
    requestBody={"content": {"application/json": {"schema": IngestBatch}}},
)
def ingest() -> Response:
    """A batch of events: each accepted, a duplicate (with its stored position) or
    rejected with the field and the reason."""
    parts = RegistryParts.of(current_app.extensions["gongjian.runtime"])
    body = request.get_data(cache=True)
    integration = parts.integrations.authenticate(
        request.headers.get("gongjian-integration", ""),
        request.headers.get("webhook-id", ""),
        request.headers.get("webhook-timestamp", ""),
        request.headers.get("webhook-signature", ""),
        body,
    )
    tenancy = current_app.extensions["gongjian.runtime"].settings.tenancy
    with scoped_to(tenancy.scope_of(integration.county)):  # it writes its county only
        return _ingest(parts, integration, body)


def _ingest(parts: RegistryParts, integration: Integration, body: bytes) -> Response:
    outcomes: list[Outcome | None] = []
    submissions: list[Submission] = []
    for raw in _items(body):
        try:
            submissions.append(_submission(ITEM.load(raw), raw, integration.name))
            outcomes.append(None)
        except ValidationError as exc:
            event_id = raw.get("event_id") if isinstance(raw.get("event_id"), str) else None
            event_id = event_id if event_id and text_problem(event_id) is None else None
            outcomes.append(_invalid(event_id, exc.messages))
    decided = iter(
        parts.registry.submit_batch(
            submissions, allowed_types=integration.types, own_source=integration.name
        )
    )
    results = [o if o is not None else next(decided) for o in outcomes]
    return _answer(integration.name, results)


def _answer(integration: str, results: list[Outcome]) -> Response:
    counts = Counter(r.status for r in results)
    response = jsonify(
        integration=integration,
        results=[{"index": i, **r.to_dict()} for i, r in enumerate(results)],
        accepted=counts[ACCEPTED],
        duplicates=counts[DUPLICATE],
        rejected=counts[REJECTED],
        retry=counts[RETRY],
    )
    if counts[RETRY]:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _submission(item: dict[str, Any], raw: dict[str, Any], source: str) -> Submission:
    return Submission(
        event_id=event_id_text(item["event_id"]) or "",
        type=item["type"],
        occurred_at=item["occurred_at"],
        payload=raw["payload"],
        project_id=item["project_id"],
        national_code=item["national_code"],
        actor=item["actor"] or source,
        source=source,
        correlation_id=item["correlation_id"],
        causation_id=item["causation_id"] or request.headers.get("webhook-id"),
    )


def _items(body: bytes) -> list[Any]:
    document = strict_json(body)
    try:
        return IngestBody().load(document if isinstance(document, dict) else {"_": document})[
            "events"
        ]
    except ValidationError as exc:
        raise Problem(
            422, "Unprocessable Content", "the batch is invalid", errors=exc.messages
        ) from None


def _invalid(event_id: str | None, messages: Any) -> Outcome:
    return Outcome(event_id or "", REJECTED, error=_ItemInvalid(messages))


class _ItemInvalid(ValueError):
    code = "invalid_item"

    def __init__(self, messages: Any) -> None:
        fields = ", ".join(sorted(map(str, messages))) if isinstance(messages, dict) else "event"
        super().__init__(f"条目无效：{fields}")
        self.messages = messages
