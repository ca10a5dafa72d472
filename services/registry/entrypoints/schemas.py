"""Request and response schemas of the registry's HTTP API."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.catalogue import CATEGORIES
from shared.events.catalogue import ProjectRegistered as ProjectRegisteredPayload
from shared.events.fields import VERSION_RANGE, Whole
from shared.http import (
    ClockQuery,
    DateOrInstant,
    KnownAt,
    PageQuery,
    Query,
    limit_field,
    renamed,
)

from ..domain import PHASES


def _uuid_text(value: Any) -> str:
    return str(value).lower()


class ProjectListQuery(PageQuery):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    sector = fields.String()
    town = fields.String()
    leader = fields.String()
    unit = fields.String(metadata={"description": "lead unit or owner unit"})
    phase = fields.String(validate=validate.OneOf(PHASES))
    after = fields.String(
        load_default=None, metadata={"description": "the last project id of the page before"}
    )
    cursor = renamed(fields.String(), "after")
    limit = limit_field(50, 500)


class DiffQuery(Query):
    from_ = DateOrInstant(required=True, data_key="from")
    to = DateOrInstant(required=True)
    known_at = KnownAt(load_default=None)
    clock = fields.String(
        load_default="business",
        validate=validate.OneOf(("business", "record")),
        metadata={
            "description": "business: from/to bound as_of (known_at shared); "
            "record: from/to bound known_at (as_of unbounded)"
        },
    )


class RegistrationBody(ProjectRegisteredPayload):
    """The ``ProjectRegistered`` payload, optionally with when and under which id."""

    occurred_at = fields.AwareDateTime(load_default=None)
    event_id = fields.UUID(load_default=None)


class EventBody(Schema):
    type = fields.String(required=True, validate=validate.Length(1, 100))
    occurred_at = fields.AwareDateTime(required=True)
    payload = fields.Dict(required=True)
    event_id = fields.UUID(load_default=None)
    expected_version = Whole(load_default=None, validate=VERSION_RANGE)
    correlation_id = fields.String(load_default=None, validate=validate.Length(1, 100))
    causation_id = fields.String(load_default=None, validate=validate.Length(1, 100))


class IngestItem(Schema):
    """One event of an ingest batch, addressed by project id or national project code."""

    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(1, 100))
    occurred_at = fields.AwareDateTime(required=True)
    payload = fields.Dict(required=True)
    project_id = fields.String(load_default=None, validate=validate.Length(1, 64))
    national_code = fields.String(load_default=None, validate=validate.Length(equal=24))
    actor = fields.String(load_default=None, validate=validate.Length(1, 200))
    correlation_id = fields.String(load_default=None, validate=validate.Length(1, 100))
    causation_id = fields.String(load_default=None, validate=validate.Length(1, 100))

    @validates_schema
    def _addressed(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("type") == "ProjectRegistered":
            return
        if (data.get("project_id") is None) == (data.get("national_code") is None):
            raise ValidationError(
                "project_id 与 national_code 须给出且只给出其中一个", "project_id"
            )


MAX_ITEMS = 1000
"""Events in one ingest batch."""


class IngestBody(Schema):
    """The batch as loaded: items are checked one by one (IngestItem), so that one bad
    item is rejected alone."""

    events = fields.List(fields.Dict(), required=True, validate=validate.Length(1, MAX_ITEMS))


class IngestBatch(Schema):
    """The batch as documented in OpenAPI."""

    events = fields.List(
        fields.Nested(IngestItem), required=True, validate=validate.Length(1, MAX_ITEMS)
    )


class ExportQuery(Query):
    known_at = KnownAt(load_default=None)


class HistoryQuery(ClockQuery, PageQuery):
    after = Whole(
        from_text=True,
        load_default=None,
        validate=VERSION_RANGE,
        metadata={"description": "the stream version the page before ended at"},
    )
    after_version = renamed(Whole(from_text=True, validate=VERSION_RANGE), "after")
    limit = limit_field(1000, 5000)


def event_id_text(value: Any) -> str | None:
    return None if value is None else _uuid_text(value)
