"""The campaigns as the log states them: every ``CampaignDefined`` up to a cut-off on the
log, the latest per year standing (`shared.campaign`). Read through `EventStore`'s read
API, by type (an index), and remembered while the log does not grow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from shared.campaign import DEFINED, Campaign, Targets, campaign_for_year, current_campaign
from shared.eventstore import EventStore


def defined_campaigns(store: EventStore, *, up_to: int | None = None) -> list[Campaign]:
    """Each year's campaign as last defined by global position ``up_to``, by year."""
    latest: dict[int, Campaign] = {}
    for event in store.iter_all(types=[DEFINED], up_to=up_to):
        campaign = Campaign.of(event.payload)
        latest[campaign.year] = campaign
    return [latest[year] for year in sorted(latest)]


@dataclass
class CampaignBook:
    """The campaigns of one store, with the default targets for years nobody defined."""

    store: EventStore
    default_targets: Targets = field(default_factory=Targets)
    _memo: tuple[int, list[Campaign]] = field(default=(-1, []), repr=False)

    def all(self, *, known_at: datetime | None = None) -> list[Campaign]:
        """The defined campaigns (as known at ``known_at``; default: now)."""
        up_to = (
            self.store.position_known_at(known_at)
            if known_at is not None
            else self.store.head().position
        )
        if self._memo[0] != up_to:
            self._memo = (up_to, defined_campaigns(self.store, up_to=up_to))
        return list(self._memo[1])

    def year(self, year: int, *, known_at: datetime | None = None) -> Campaign:
        """Campaign ``year``, or its stand-in with the default targets."""
        return campaign_for_year(self.all(known_at=known_at), year, self.default_targets)

    def current(self, day: date, *, known_at: datetime | None = None) -> Campaign:
        """The campaign current on ``day`` (`shared.campaign.current_campaign`)."""
        return current_campaign(self.all(known_at=known_at), day, self.default_targets)
