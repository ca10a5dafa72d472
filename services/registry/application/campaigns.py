"""Campaigns (项目攻坚年) and carrying a project over into a later one.

The registry owns the ``campaign-<year>`` streams: defining a campaign appends a
``CampaignDefined`` there (a later one amends it); carrying a project over appends a
``ProjectCarriedOver`` to the project's own stream, through the project's rules."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.campaign import CARRIED_OVER, DEFINED, Campaign, campaign_stream
from shared.campaign_log import CampaignBook
from shared.eventstore import EventStore, NewEvent

from ..domain.errors import CampaignNotFound, RuleViolation
from .handlers import Registry
from .submissions import Outcome, Submission


@dataclass
class Campaigns:
    store: EventStore
    registry: Registry
    book: CampaignBook

    def list(self, *, known_at: datetime | None = None) -> list[Campaign]:
        return self.book.all(known_at=known_at)

    def get(self, year: int, *, known_at: datetime | None = None) -> Campaign:
        found = {c.year: c for c in self.book.all(known_at=known_at)}
        if year not in found:
            raise CampaignNotFound(year)
        return found[year]

    def define(
        self, year: int, body: dict[str, Any], *, actor: str = "", source: str = ""
    ) -> tuple[Campaign, bool]:
        """Define or amend campaign ``year``; the same definition again writes nothing.
        True when a ``CampaignDefined`` was written."""
        payload = self.store.registry.validate(DEFINED, {**body, "year": year})  # type: ignore[union-attr]
        campaign = Campaign.of(payload)
        stream = campaign_stream(year)
        version = self.store.stream_version(stream)
        if version and self._latest(stream, version) == campaign:
            return campaign, False
        event = NewEvent(
            stream_id=stream,
            type=DEFINED,
            payload=payload,
            occurred_at=self.store.clock(),
            event_id=str(uuid.uuid4()),
            actor=actor,
            source=source,
        )
        result = self.store.append([event], {stream: version})
        self.store.notify(result.last_position)
        return campaign, True

    def _latest(self, stream: str, version: int) -> Campaign:
        (event,) = self.store.read_stream(stream, from_version=version, to_version=version)
        return Campaign.of(event.payload)

    def _from_year(self, project_id: str, to_year: int) -> int:
        """The latest campaign year of the project before ``to_year``."""
        project = self.registry.state(project_id)
        if not project.registered:
            raise RuleViolation(
                "project_id",
                "not_registered",
                f"项目 {project_id} 仍在项目库中，尚未进入攻坚年（先从项目库进入攻坚年）",
            )
        earlier = [y for y in project.campaign_years if y < to_year]
        if not earlier:
            raise RuleViolation(
                "to_year", "carry_backwards", f"项目登记于{project.year}年，不能结转到{to_year}年"
            )
        return max(earlier)

    def carry_over(
        self,
        project_id: str,
        to_year: int,
        reason: str,
        *,
        from_year: int | None = None,
        occurred_at: datetime | None = None,
        event_id: str | None = None,
        actor: str = "",
        source: str = "",
        plan: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Carry a project into campaign ``to_year`` (from its latest campaign year), with
        its investment plan for that year (``annual_plan``, ``monthly_plan``) if stated."""
        start = from_year if from_year is not None else self._from_year(project_id, to_year)
        stated = {k: _yuan(v) for k, v in (plan or {}).items() if v is not None}
        return self.registry.submit(
            Submission(
                event_id=event_id or str(uuid.uuid4()),
                type=CARRIED_OVER,
                occurred_at=occurred_at or self.store.clock(),
                payload={"from_year": start, "to_year": to_year, "reason": reason, **stated},
                project_id=project_id,
                actor=actor,
                source=source,
            )
        )


def _yuan(amounts: Any) -> Any:
    """A plan's amounts as the payload writes money: decimal strings with two places
    (text that is no amount is left for the payload's validation to name)."""
    if isinstance(amounts, list | tuple):
        return [_yuan(a) for a in amounts]
    try:
        return f"{Decimal(str(amounts)):.2f}"
    except InvalidOperation:
        return amounts
