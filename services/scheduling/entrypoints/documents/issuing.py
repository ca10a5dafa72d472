"""A plan version's document, built and issued: the one path the API's document routes
and the console's downloads and 发文 button both take."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.documents import (
    IssuedDocument,
    OfficeConfig,
    OfficialDocument,
    office_config_for,
    register_for,
)
from shared.eventstore.canonical import canonical_json
from shared.runtime import Runtime
from shared.tenancy import stream_county

from ...application.service import SchedulingService
from ...domain.periods import Period
from . import KINDS, build, document_key, inspection, letter


def plan_document(
    runtime: Runtime,
    service: SchedulingService,
    kind: str,
    cadence: str,
    period: str,
    version: int | None = None,
    county: str | None = None,
) -> tuple[OfficialDocument, dict[str, Any], OfficeConfig]:
    """The document of a county's stored plan version (the latest without ``version``),
    signed by that county's office, with its number in that county's register once
    issued. Raises KeyError for an unknown kind, InvalidPeriod, PlanNotFound."""
    if kind not in KINDS:
        raise KeyError(kind)
    Period.parse(cadence, period)
    stored = service.get_plan(cadence, period, version, county=county)
    record = stored.to_dict()
    issued = register_for(runtime, stored.county).find(document_key(kind, record))
    office = office_config_for(runtime, stored.county)
    progress = service.progress(stored)
    return build(kind, record, office, runtime.settings.zone, issued, progress), record, office


def issue_plan_document(
    runtime: Runtime,
    service: SchedulingService,
    kind: str,
    cadence: str,
    period: str,
    version: int | None,
    *,
    actor: str,
    source: str,
    county: str | None = None,
) -> tuple[IssuedDocument, bool]:
    """Number the document once in its county's register (``DocumentIssued``, with the
    plan version's digest); issuing again returns the number."""
    document, record, _ = plan_document(runtime, service, kind, cadence, period, version, county)
    return register_for(runtime, record["county"]).issue(
        document_key(kind, record),
        kind,
        document.title,
        actor=actor,
        source=source,
        digest=record["digest"],
    )


def round_document(
    runtime: Runtime, service: SchedulingService, round_id: str, county: str | None = None
) -> tuple[OfficialDocument, OfficeConfig]:
    """The 督查通报 of an inspection round (of ``county``, else the first county the
    request sees that holds it), signed by the round's county's office, with its number
    once issued in that county's register. Raises InspectionNotFound."""
    event = service.inspection_event(round_id, county)
    office = office_config_for(runtime, _round_county(event))
    issued = register_for(runtime, _round_county(event)).find(_round_key(event))
    doc = inspection.RoundDocument(
        event.payload, event.recorded_at, event.event_id, office, runtime.settings.zone, issued
    )
    return inspection.build(doc), office


def issue_round_document(
    runtime: Runtime,
    service: SchedulingService,
    round_id: str,
    county: str | None = None,
    *,
    actor: str,
    source: str,
) -> tuple[IssuedDocument, bool]:
    """Number a round's 督查通报 once in its county's register (``DocumentIssued``, with
    the digest of the round's record); issuing again returns the number."""
    document, _ = round_document(runtime, service, round_id, county)
    event = service.inspection_event(round_id, county)
    payload = event.payload
    return register_for(runtime, _round_county(event)).issue(
        _round_key(event),
        inspection.KIND,
        document.title,
        actor=actor,
        source=source,
        digest=hashlib.sha256(canonical_json(payload).encode()).hexdigest(),
    )


def _round_county(event: Any) -> str:
    """The county whose round it is (its stream's)."""
    return stream_county(event.stream_id)[0]


def _round_key(event: Any) -> str:
    """The key of a round's notice in its county's register: ``inspection_notice:<round>``
    (the register keeps another county's apart: `DocumentRegister._key`)."""
    return inspection.document_key(event.payload["round_id"])


def action_letter(
    runtime: Runtime, service: SchedulingService, action_ids: list[str]
) -> tuple[OfficialDocument, letter.Letter, OfficeConfig]:
    """The 督办函 of these actions (one unit's), with its number once issued; a draft
    is dated today."""
    rows, names = service.letter_rows(action_ids)
    county = service.county_of_projects([row["project_id"] for row in rows])
    zone = runtime.settings.zone
    found = letter.letter_of(rows, names, service.config.action_limits, zone)
    issued = register_for(runtime, county).find(found.key)
    office = office_config_for(runtime, county)
    signed_on = issued.issued_on if issued else runtime.store.clock().astimezone(zone).date()
    return letter.build(found, office, signed_on, issued), found, office


def issue_action_letter(
    runtime: Runtime, service: SchedulingService, action_ids: list[str], *, actor: str, source: str
) -> tuple[IssuedDocument, bool]:
    """Number the 督办函 once (``DocumentIssued``, kind ``duban_letter``, with the digest of
    the actions' facts); issuing again returns the number."""
    document, found, _ = action_letter(runtime, service, action_ids)
    rows, _ = service.letter_rows(action_ids)
    county = service.county_of_projects([row["project_id"] for row in rows])
    return register_for(runtime, county).issue(
        found.key, letter.KIND, document.title, actor=actor, source=source, digest=found.digest
    )
