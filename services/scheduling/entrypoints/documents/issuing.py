"""A plan version's document, built and issued: the one path the API's document routes
and the console's downloads and 发文 button both take."""

from __future__ import annotations

from typing import Any

from shared.documents import (
    IssuedDocument,
    OfficeConfig,
    OfficialDocument,
    office_config_for,
    register_for,
)
from shared.runtime import Runtime

from ...application.service import SchedulingService
from ...domain.periods import Period
from . import KINDS, build, document_key


def plan_document(
    runtime: Runtime,
    service: SchedulingService,
    kind: str,
    cadence: str,
    period: str,
    version: int | None = None,
) -> tuple[OfficialDocument, dict[str, Any], OfficeConfig]:
    """The document of a stored plan version (the latest without ``version``), with its
    number once issued. Raises KeyError for an unknown kind, InvalidPeriod, PlanNotFound."""
    if kind not in KINDS:
        raise KeyError(kind)
    Period.parse(cadence, period)
    stored = service.get_plan(cadence, period, version)
    record = stored.to_dict()
    issued = register_for(runtime).find(document_key(kind, record))
    office = office_config_for(runtime)
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
) -> tuple[IssuedDocument, bool]:
    """Number the document once (``DocumentIssued``, with the plan version's digest);
    issuing again returns the number."""
    document, record, _ = plan_document(runtime, service, kind, cadence, period, version)
    return register_for(runtime).issue(
        document_key(kind, record),
        kind,
        document.title,
        actor=actor,
        source=source,
        digest=record["digest"],
    )
