"""The one place where the console reaches the three services: their application-layer
queries and commands, over the process's runtime. Nothing here reads a table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

from shared.campaign import Campaign
from shared.eventstore import Cutoff, EventStore, RecordedEvent, known_at_bound
from shared.eventstore.clocks import as_instant
from shared.eventstore.status import latest_verification_job, request_verification
from shared.messaging import send_or_leave
from shared.runtime import Runtime
from shared.tenancy import DEFAULT_COUNTY

from ..registry.application.submissions import Submission
from ..registry.wiring import RegistryParts
from ..scheduling.domain.project import ProjectState
from ..scheduling.wiring import SchedulingParts
from ..scoring.application import assessments, jobs
from ..scoring.domain.diff import diff_results
from ..scoring.readmodel.records import Records
from ..scoring.wiring import ScoringParts


class Services:
    """What the console may call, built once per runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.zone = runtime.settings.zone
        self.registry = RegistryParts.of(runtime).registry
        self.integrations = RegistryParts.of(runtime).integrations
        self.spreadsheets = RegistryParts.of(runtime).spreadsheets
        self.scheduling = SchedulingParts.of(runtime).service
        self.records = Records(runtime.engine)
        self.tokens = runtime.tokens

    @property
    def store(self) -> EventStore:
        return self.runtime.store

    def cutoff(self, as_of: date | datetime | None, known_at: date | datetime | None) -> Cutoff:
        """The two clocks as the API reads them: dates end at midnight in the campaign zone;
        ``known_at`` now or the past (`known_at_bound`: today is now, the future refused)."""
        bound = known_at_bound(known_at, self.zone) if known_at is not None else None
        return Cutoff(as_instant(as_of, self.zone), bound)

    # -- registry ---------------------------------------------------------------------

    def board(
        self, cutoff: Cutoff, filters: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[ProjectState]]:
        return self.scheduling.board_and_states(cutoff.as_of, cutoff.known_at, filters)

    def history(self, project_id: str, cutoff: Cutoff | None = None) -> list[RecordedEvent]:
        return self.registry.history(project_id, cutoff)

    def submit(self, submission: Submission) -> Any:
        return self.registry.submit(submission)

    def campaign(self, today: date) -> Campaign:
        """The campaign current on ``today`` (`shared.campaign.current_campaign`): the one
        whose dates contain it, else the latest that started before it, else the calendar
        year's with the configured default targets."""
        return self.scheduling.campaign(on=today)

    def campaign_year(self, today: date) -> int:
        """The current campaign's year."""
        return self.campaign(today).year

    def start_verification(self) -> str:
        """A full verification of the log as the registry's job (the API's
        ``POST /v1/chain/verifications``): queued, then run by a worker with progress."""
        job_id = request_verification(self.store)
        send_or_leave(self.runtime.broker.get_actor("registry.verify_chain"), job_id)
        return job_id

    def last_verification(self) -> dict[str, Any] | None:
        return latest_verification_job(self.store)

    # -- scheduling -------------------------------------------------------------------

    def close_action(self, action_id: str, note: str, actor: str, source: str) -> Any:
        return self.scheduling.close_action(action_id, note, actor=actor, source=source)

    # -- scoring ----------------------------------------------------------------------

    def start_assessment(
        self,
        year: int,
        as_of: date | None,
        known_at: date | None,
        requested_by: str,
        county: str = DEFAULT_COUNTY,
    ) -> dict[str, Any]:
        """The API's POST /v1/assessments: find or create ``county``'s job and send it to a
        worker."""
        request = assessments.request_for(
            self.store,
            year,
            as_of=as_of,
            known_at=known_at,
            rulebook_version=None,
            zone=self.zone,
            county=county,
        )
        job, created = assessments.submit(self.records, request, requested_by=requested_by)
        if jobs.needs_sending(job, created):
            send_or_leave(ScoringParts.of(self.runtime).assess, job["job_id"])
        return job

    def assessment_diff(self, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
        recorded = assessments.recorded_between(self.store, before, after)
        return diff_results(before["result"], after["result"], recorded)

    # -- the log ------------------------------------------------------------------------

    def export_lines(self, up_to: int) -> Iterator[dict[str, Any]]:
        yield from self.store.iter_stored(up_to=up_to)


def services(runtime: Runtime) -> Services:
    """The console's gateway, attached by the composition root (``services.composition``)."""
    return runtime.part(Services)
