"""Request and response schemas of the registry's HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.catalogue import CATEGORIES
from shared.events.catalogue import ProjectRegistered as ProjectRegisteredPayload
from shared.eventstore import parse_instant

from ..domain import PHASES


class Clock(fields.Field):
    """A date (``YYYY-MM-DD``: the end of that day in the campaign's zone) or an
    ISO instant with its offset."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date | datetime:
        text = str(value).strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return parse_instant(text)
        except ValueError:
            raise ValidationError(
                "must be a date YYYY-MM-DD or an ISO instant with a time zone offset"
            ) from None


def _uuid_text(value: Any) -> str:
    return str(value).lower()


class Cutoffs(Schema):
    as_of = Clock(load_default=None)
    known_at = Clock(load_default=None)


class ProjectListQuery(Schema):
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    sector = fields.String()
    town = fields.String()
    leader = fields.String()
    unit = fields.String(metadata={"description": "lead unit or owner unit"})
    phase = fields.String(validate=validate.OneOf(PHASES))
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))


class DiffQuery(Schema):
    from_ = Clock(required=True, data_key="from")
    to = Clock(required=True)
    known_at = Clock(load_default=None)
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
    expected_version = fields.Integer(load_default=None, validate=validate.Range(min=0))
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
            raise ValidationError("give exactly one of project_id and national_code", "project_id")


class IngestBody(Schema):
    """The batch as loaded: items are checked one by one (IngestItem), so that one bad
    item is rejected alone."""

    events = fields.List(fields.Dict(), required=True, validate=validate.Length(1, 1000))


class IngestBatch(Schema):
    """The batch as documented in OpenAPI."""

    events = fields.List(
        fields.Nested(IngestItem), required=True, validate=validate.Length(1, 1000)
    )


class ExportQuery(Schema):
    known_at = Clock(load_default=None)


class HistoryQuery(Cutoffs):
    after_version = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=1000, validate=validate.Range(1, 5000))


def event_id_text(value: Any) -> str | None:
    return None if value is None else _uuid_text(value)
