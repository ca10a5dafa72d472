"""Which county a replayed event belongs to: an assessment per county from one pass.

A project's county is the one on its registration (``ProjectRegistered.county``; the
default county when absent, as for everything registered before tenancy). The log is
read once in global order; each project event goes to the replay of its project's county
(an event of a project not registered, or of a county not asked for, to none), and every
other event (the campaign's colour record, …) to each replay. Nothing of the replay's
inner loop changes: each county's `Replay` is fed exactly the events a deployment of that
county alone would have held.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from shared.events.codes import PROJECT_STREAM_PREFIX as PROJECT_PREFIX


class Fed(Protocol):
    """What the splitter reads of an event (a `RecordedEvent` fits)."""

    @property
    def stream_id(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


def county_of_registration(payload: Mapping[str, Any], default: str) -> str:
    return str(payload.get("county") or default)


class CountySplit:
    """Feed it every event in global order; it feeds each county's replay its events."""

    def __init__(
        self,
        feeds: Mapping[str, Callable[[Any], None]],
        default: str,
        stream_feeds: Mapping[str, Callable[[Sequence[Any]], None]] | None = None,
    ) -> None:
        self.feeds = dict(feeds)
        self.default = default
        self._all = list(self.feeds.values())
        self._project: dict[str, Callable[[Any], None] | None] = {}
        """Project stream → the feed of its county (None: a county not asked for)."""
        self._rest = {self.feeds[c]: f for c, f in (stream_feeds or {}).items()}
        """A county's feed → what takes the rest of a stream at once (`feed_stream`)."""

    def feed(self, event: Fed) -> None:
        # Hot path: a project already seen goes straight to its county's replay.
        target = self._project.get(event.stream_id)
        if target is not None:
            target(event)
            return
        stream_id = event.stream_id
        if not stream_id.startswith(PROJECT_PREFIX):
            for feed in self._all:
                feed(event)
            return
        if event.type != "ProjectRegistered" or stream_id in self._project:
            return  # of a county not asked for, or not registered
        county = county_of_registration(event.payload, self.default)
        target = self._project[stream_id] = self.feeds.get(county)
        if target is not None:
            target(event)

    def feed_stream(self, events: Sequence[Fed], *, skip: str = "") -> None:
        """One stream's events, in version order, but those of type ``skip``: as `feed`
        would route each, the route found once (at the stream's registration), the rest
        of the stream handed over at once where the county has a stream feed."""
        for n, event in enumerate(events):
            if event.type == skip:
                continue
            self.feed(event)
            target = self._project.get(event.stream_id)
            if target is None:
                continue
            rest = [later for later in events[n + 1 :] if later.type != skip]
            whole = self._rest.get(target)
            if whole is not None:
                whole(rest)
            else:
                for later in rest:
                    target(later)
            return
