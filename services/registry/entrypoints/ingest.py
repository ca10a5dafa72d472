"""``POST /v1/ingest``: signed batches from approval systems.

The request is authenticated by its signature (docs/integration.md), never by a bearer
token; the integration's name is the ``source`` of every event it sends.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import partial
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

from flask import Response, current_app, has_request_context, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import Connection

from shared.db import is_postgres
from shared.eventstore import Ahead, text_problem
from shared.http import Problem, strict_json
from shared.http.inputs import StrictJSONProvider, is_json_body, json_body
from shared.tenancy import scoped_to

from ..application.integrations import Integration, StaleAdmission
from ..application.submissions import ACCEPTED, DUPLICATE, REJECTED, RETRY, Outcome, Submission
from ..wiring import RegistryParts
from .schemas import MAX_ITEMS, IngestBatch, IngestBody, IngestItem, event_id_text

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
    try:
        return _admitted(parts, body, fresh=False)
    except StaleAdmission:  # changed since this process read it: read it again
        return _admitted(parts, body, fresh=True)


def _admitted(parts: RegistryParts, body: bytes, *, fresh: bool) -> Response:
    """The request signed by an active secret of its integration, its id remembered
    against replay in the transaction that stores its events."""
    admission = parts.integrations.admit(
        request.headers.get("gongjian-integration", ""),
        request.headers.get("webhook-id", ""),
        request.headers.get("webhook-timestamp", ""),
        request.headers.get("webhook-signature", ""),
        body,
        fresh=fresh,
    )
    integration = admission.integration
    tenancy = current_app.extensions["gongjian.runtime"].settings.tenancy
    remember = partial(parts.integrations.remember, admission=admission)
    engine = parts.registry.store.engine
    ahead = (
        parts.integrations.remembered_ahead(admission, engine.dialect)
        if is_postgres(engine)
        else None
    )
    with scoped_to(tenancy.scope_of(integration.county)):  # it writes its county only
        answer = _ingest(parts, integration, body, (remember, ahead))
    parts.integrations.purge_now_and_then(admission.received_at)
    return answer


def _ingest(
    parts: RegistryParts,
    integration: Integration,
    body: bytes,
    remembering: tuple[Callable[[Connection], None], Ahead | None],
) -> Response:
    """The batch's items submitted; its request id remembered with its events (by
    ``remembering``: the write, and the same as a statement ahead of the append)."""
    remember, remember_ahead = remembering
    outcomes: list[Outcome | None] = []
    submissions: list[Submission] = []
    try:
        items = _items(body)
    except Problem:
        with parts.registry.store.engine.begin() as conn:  # refused, but its id is spent
            remember(conn)
        raise
    request_id = request.headers.get("webhook-id")
    for raw in items:
        try:
            submission = _plain_submission(raw, integration.name, request_id)
            if submission is None:  # anything not plainly valid: the schema decides and says why
                submission = _submission(ITEM.load(raw), raw, integration.name, request_id)
            submissions.append(submission)
            outcomes.append(None)
        except ValidationError as exc:
            event_id = raw.get("event_id") if isinstance(raw.get("event_id"), str) else None
            event_id = event_id if event_id and text_problem(event_id) is None else None
            outcomes.append(_invalid(event_id, exc.messages))
    decided = iter(
        parts.registry.submit_batch(
            submissions,
            allowed_types=integration.types,
            own_source=integration.name,
            on_write=remember,
            on_write_ahead=remember_ahead,
        )
    )
    results = [o if o is not None else next(decided) for o in outcomes]
    return _answer(integration.name, results)


def _answer(integration: str, results: list[Outcome]) -> Response:
    counts = Counter(r.status for r in results)
    text = _answer_text(integration, results, counts)
    if text is not None:
        response = current_app.response_class(text, mimetype="application/json")
    else:
        response = _jsonified(integration, results, counts)
    if counts[RETRY]:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _jsonified(integration: str, results: list[Outcome], counts: Counter[str]) -> Response:
    """The answer as the app's JSON writer writes it (what `_answer_text` writes faster)."""
    return jsonify(
        integration=integration,
        results=[{"index": i, **r.to_dict()} for i, r in enumerate(results)],
        accepted=counts[ACCEPTED],
        duplicates=counts[DUPLICATE],
        rejected=counts[REJECTED],
        retry=counts[RETRY],
    )


def _answer_text(integration: str, results: list[Outcome], counts: Counter[str]) -> str | None:
    """The text `jsonify` writes of the answer, written here where the app writes compact
    JSON with sorted keys: a stored item's result (most of them) from its few fields, any
    other by the standard library as the app calls it. Its writer took a twentieth of a
    request (issue 18): it sorts, escapes and checks every key of every result. None: let
    `jsonify` write it (another writer, indented, or a text it would write again)."""
    provider = current_app.json
    if (
        type(provider) is not StrictJSONProvider
        or provider.mimetype != "application/json"
        or provider.sort_keys is not True
        or provider.compact is False
        or (provider.compact is None and current_app.debug)
    ):
        return None
    quoted = encode_basestring_ascii if provider.ensure_ascii else encode_basestring
    # The standard library's writer alone: a text it would write again is caught below.
    dumps = partial(DefaultJSONProvider.dumps, provider, separators=(",", ":"))
    written = ",".join(
        _STORED
        % (
            quoted(r.event_id),
            r.global_position,
            i,
            quoted(r.project_id),
            quoted(r.status),
            r.stream_version,
        )
        if _plainly_stored(r)
        else dumps({"index": i, **r.to_dict()})
        for i, r in enumerate(results)
    )
    answer = _ANSWER % (
        counts[ACCEPTED],
        counts[DUPLICATE],
        quoted(integration),
        counts[REJECTED],
        written,
        counts[RETRY],
    )
    return answer if text_problem(answer) is None else None


def _plainly_stored(r: Outcome) -> bool:
    """A result with no error, of texts and whole numbers (`_STORED` writes it)."""
    return (
        r.error is None
        and type(r.event_id) is str
        and type(r.project_id) is str
        and type(r.status) is str
        and type(r.stream_version) is int
        and type(r.global_position) is int
    )


_STORED = (
    '{"event_id":%s,"global_position":%d,"index":%d,"project_id":%s,"status":%s,'
    '"stream_version":%d}'
)
"""A stored item's result as the standard library writes it, keys sorted."""
_ANSWER = (
    '{"accepted":%d,"duplicates":%d,"integration":%s,"rejected":%d,"results":[%s],"retry":%d}\n'
)
"""The answer as `jsonify` writes it, keys sorted (and the newline it ends with)."""


def _submission(
    item: dict[str, Any], raw: dict[str, Any], source: str, request_id: str | None
) -> Submission:
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
        causation_id=item["causation_id"] or request_id,
    )


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_OPTIONAL = tuple(
    (field.validators[0].min, field.validators[0].max, field.validators[0].equal)  # type: ignore[attr-defined]
    for field in (
        ITEM.fields[name]
        for name in ("project_id", "national_code", "actor", "correlation_id", "causation_id")
    )
)
"""The optional texts' length limits, in the order `_plain_submission` takes them."""
_KNOWN = frozenset(ITEM.fields)


def _plain_submission(raw: Any, source: str, request_id: str | None) -> Submission | None:
    """``_submission(ITEM.load(raw), raw, source, request_id)`` for an item that is
    plainly valid — a lower-case UUID, a time with its offset, texts within their
    lengths, addressed once — without marshmallow, which took a fifth of an ingest
    request's time (issue 18), and without the loaded item in between; None for anything
    else, which `IngestItem` then loads or refuses with its messages."""
    if type(raw) is not dict or not _KNOWN.issuperset(raw):
        return None
    event_id, type_, when = raw.get("event_id"), raw.get("type"), raw.get("occurred_at")
    if type(event_id) is not str or _UUID.fullmatch(event_id) is None:
        return None
    if type(type_) is not str or not 1 <= len(type_) <= 100 or type(raw.get("payload")) is not dict:
        return None
    if type(when) is not str:
        return None
    try:
        occurred_at = datetime.fromisoformat(when)
    except ValueError:
        return None
    if occurred_at.tzinfo is None or occurred_at.tzinfo.utcoffset(occurred_at) is None:
        return None
    texts = _optional_texts(raw)
    if texts is None:
        return None
    project_id, national_code, actor, correlation_id, causation_id = texts
    if type_ != "ProjectRegistered" and (project_id is None) == (national_code is None):
        return None
    return Submission(
        event_id,  # lower case already: what `event_id_text` gives
        type_,
        occurred_at,
        raw["payload"],
        project_id,
        national_code,
        None,
        actor or source,
        source,
        correlation_id,
        causation_id or request_id,
    )


def _optional_texts(raw: dict[str, Any]) -> tuple[str | None, ...] | None:
    """The item's optional texts in `_OPTIONAL`'s order, when each is absent or a text
    within its length; None otherwise. Written out, each absent one a comparison: a loop
    over the five took a third of `_plain_submission`'s instructions (issue 18)."""
    texts = (
        raw.get("project_id"),
        raw.get("national_code"),
        raw.get("actor"),
        raw.get("correlation_id"),
        raw.get("causation_id"),
    )
    project_id, national_code, actor, correlation_id, causation_id = texts
    if (
        (project_id is not None and not _fits(project_id, _OPTIONAL[0]))
        or (national_code is not None and not _fits(national_code, _OPTIONAL[1]))
        or (actor is not None and not _fits(actor, _OPTIONAL[2]))
        or (correlation_id is not None and not _fits(correlation_id, _OPTIONAL[3]))
        or (causation_id is not None and not _fits(causation_id, _OPTIONAL[4]))
    ):
        return None
    return texts


def _fits(value: Any, bounds: tuple[int | None, int | None, int | None]) -> bool:
    """A text of the length the field's validator takes: exactly ``equal``, or from
    ``low`` to ``high``."""
    if type(value) is not str:
        return False
    low, high, equal = bounds
    if equal is not None:
        return len(value) == equal
    return low <= len(value) <= high  # type: ignore[operator]


def _document(body: bytes) -> Any:
    """The body's JSON value: as the hook before the route read it (`json_body`), for the
    request's own JSON body."""
    if has_request_context() and is_json_body() and request.get_data(cache=True) is body:
        return json_body()
    return strict_json(body)


def _items(body: bytes) -> list[Any]:
    """The batch's items: a list of 1 to `MAX_ITEMS` objects, each checked on its own
    later. A plain batch is taken as it is; anything else goes through `IngestBody`,
    which refuses it with its messages (or loads the same list)."""
    document = _document(body)
    events = document.get("events") if type(document) is dict and len(document) == 1 else None
    if (
        type(events) is list
        and 1 <= len(events) <= MAX_ITEMS
        and all(type(e) is dict for e in events)
    ):
        return events
    try:
        return IngestBody().load(document if isinstance(document, dict) else {"_": document})[
            "events"
        ]
    except ValidationError as exc:
        raise Problem(
            422,
            "Unprocessable Content",
            f"批次无效：须是含 1 至 {MAX_ITEMS} 个事件（对象）的 events 列表",
            errors=exc.messages,
        ) from None


def _invalid(event_id: str | None, messages: Any) -> Outcome:
    return Outcome(event_id or "", REJECTED, error=_ItemInvalid(messages))


class _ItemInvalid(ValueError):
    code = "invalid_item"

    def __init__(self, messages: Any) -> None:
        fields = ", ".join(sorted(map(str, messages))) if isinstance(messages, dict) else "event"
        super().__init__(f"条目无效：{fields}")
        self.messages = messages
