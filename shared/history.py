"""History under the two clocks: which events count, and with which payload.

The one statement of the audit rule; registry, scheduling and scoring all call it, so an
auditor gets one answer about one date. Pure Python (no framework): domain code imports it.

The rule, for a question asked ``as_of`` a business instant and ``known_at`` a record
instant (``None``: no bound):

1. *Known.* Only events recorded by ``known_at`` exist for the question (`known_by`),
   amendments included: a correction recorded after ``known_at`` does not count.
2. *Amendments are not facts.* ``EventCorrected`` and ``EventRetracted`` never count on
   their own; their own ``occurred_at`` is never compared with ``as_of``. They act on the
   event they point at, within their own stream; one that points at no earlier known
   event of its stream has no effect.
3. *Chains resolve to the original.* A correction of a correction (or of a retraction)
   is a correction of the original event: its ``payload`` is the original's new payload.
   A retraction of an amendment withdraws that amendment (and only it): it is as if that
   amendment had not been made. Withdrawal is itself withdrawn by a later retraction of
   the retraction.
4. *The latest word stands.* Of the amendments in force on an event — its corrections
   at any depth and the retractions aimed at it directly — the last recorded decides:
   a retraction means the event does not count; a correction means it counts with the
   correction's ``payload`` (and, if the correction states an ``occurred_at``, at that
   business time). So a correction made after a retraction restores the event, and
   retracting the last correction restores the one before it (or the event as recorded).
5. *As of.* An event counts if its business time — as corrected — is by ``as_of``: a
   correction can move an event across ``as_of`` either way.

Events must be given in record order (stream version within a stream, global position
across streams): that order is what "earlier" and "latest" mean above.

Before this module the three services disagreed on rules 3 and 4: registry and scoring
kept applying a retracted correction and ignored corrections of corrections; scheduling
kept an event retracted after a later correction. None of them moved business time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

CORRECTED = "EventCorrected"
RETRACTED = "EventRetracted"
AMENDMENTS = (CORRECTED, RETRACTED)
"""Events that amend an earlier event instead of stating a new fact."""


class Event(Protocol):
    """What the rule reads of an event (a `RecordedEvent` fits)."""

    @property
    def event_id(self) -> str: ...
    @property
    def stream_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


class Recorded(Event, Protocol):
    @property
    def recorded_at(self) -> datetime | None: ...


E = TypeVar("E", bound=Event)
R = TypeVar("R", bound=Recorded)


def target_of(amendment: Event) -> str:
    """The id of the event an amendment points at."""
    key = "corrected_event_id" if amendment.type == CORRECTED else "retracted_event_id"
    return str(amendment.payload[key]).lower()


def corrected_time(correction: Event) -> datetime | None:
    """The business time a correction states for its event, if it states one."""
    text = correction.payload.get("occurred_at")
    if not text:
        return None
    instant = text if isinstance(text, datetime) else datetime.fromisoformat(str(text))
    if instant.tzinfo is None:
        raise ValueError(f"correction {correction.event_id}: occurred_at has no UTC offset")
    return instant.astimezone(UTC)


def known_by(events: Iterable[R], known_at: datetime | None) -> list[R]:
    """Rule 1: the events recorded by ``known_at``."""
    if known_at is None:
        return list(events)
    return [e for e in events if _recorded(e) <= known_at]


def _recorded(event: Recorded) -> datetime:
    if event.recorded_at is None:
        raise ValueError(f"event {event.event_id} is not recorded yet")
    return event.recorded_at


@dataclass(frozen=True, slots=True)
class Amended(Generic[E]):
    """What the known amendments make of one original event."""

    stream_id: str
    retracted: bool
    decided_by: E | None
    """The amendment whose word stands; None when every one was withdrawn."""
    amendments: tuple[E, ...]
    """Every known amendment of the event, at any depth, in record order."""
    occurred_at: datetime | None
    """The corrected business time, if the deciding correction states one."""

    @property
    def payload(self) -> Mapping[str, Any] | None:
        """The corrected payload; None when no correction decides."""
        if self.decided_by is None or self.retracted:
            return None
        payload: Mapping[str, Any] = self.decided_by.payload["payload"]
        return payload


@dataclass(frozen=True, slots=True)
class Standing(Generic[E]):
    """One original event as it counts: with its payload and business time after
    amendment, or ``retracted`` (it has no effect; kept so a reader can say why)."""

    event: E
    payload: Mapping[str, Any]
    occurred_at: datetime
    retracted: bool = False
    decided_by: E | None = None
    amendments: tuple[E, ...] = ()


class Amendments(Generic[E]):
    """The known corrections and retractions, resolved to the original events they amend.

    Built from events in record order (facts among them are skipped), so it can be
    gathered in a first pass over a log and consulted while a second pass streams it."""

    def __init__(self, events: Iterable[E] = ()) -> None:
        chain = [e for e in events if e.type in AMENDMENTS]
        roots, of_amendments = _roots(chain)
        withdrawn = _withdrawn(chain, roots, of_amendments)
        # Original event id → its stream → what became of it; the inner map tells apart
        # the rare amendments aimed, wrongly, at an event of another stream.
        self._amended: dict[str, dict[str, Amended[E]]] = {}
        for (stream_id, root), amendments in _by_root(chain, roots).items():
            amended = _decide(root, amendments, withdrawn)
            self._amended.setdefault(root, {})[stream_id] = amended
        self.targets = self._amended.keys()
        """Ids of the events some amendment aims at: ``in`` is the cheapest test of all
        for a replay that streams millions of events (most of them in no amendment)."""

    def __len__(self) -> int:
        return len(self._amended)

    def of(self, event: E) -> Amended[E] | None:
        """What the amendments make of ``event``; None if they leave it as recorded.
        Cheap for the many events no amendment touches."""
        by_stream = self._amended.get(event.event_id)
        return None if by_stream is None else by_stream.get(event.stream_id)

    def standing(self, event: E) -> Standing[E]:
        """``event`` (an original, not an amendment) as the amendments leave it."""
        amended = self.of(event)
        if amended is None:
            return Standing(event, event.payload, event.occurred_at)
        return Standing(
            event,
            event.payload if amended.payload is None else amended.payload,
            amended.occurred_at or event.occurred_at,
            amended.retracted,
            amended.decided_by,
            amended.amendments,
        )


def within(occurred_at: datetime, as_of: datetime | None) -> bool:
    """Rule 5, on the business time as corrected."""
    return as_of is None or occurred_at <= as_of


def counted(events: Iterable[E], as_of: datetime | None = None) -> Iterator[Standing[E]]:
    """The original events (already bounded by ``known_at``, in record order) by ``as_of``
    after their amendments, retracted ones included and flagged."""
    events = list(events)
    amendments = Amendments(events)
    for event in events:
        if event.type in AMENDMENTS:
            continue
        standing = amendments.standing(event)
        if within(standing.occurred_at, as_of):
            yield standing


def effective(events: Iterable[E], as_of: datetime | None = None) -> Iterator[Standing[E]]:
    """Those of `counted` that have effect (not retracted)."""
    return (s for s in counted(events, as_of) if not s.retracted)


# -- resolving amendments ----------------------------------------------------------------


def _roots(chain: list[E]) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """Amendment id → (stream, original event id) it finally amends, and the ids of the
    amendments aimed at an earlier amendment. One aimed at an amendment of another
    stream is left out (rule 2)."""
    roots: dict[str, tuple[str, str]] = {}
    of_amendments: set[str] = set()
    for amendment in chain:
        target = target_of(amendment)
        root = roots.get(target)
        if root is None:
            roots[amendment.event_id] = (amendment.stream_id, target)
        elif root[0] == amendment.stream_id:
            roots[amendment.event_id] = root
            of_amendments.add(amendment.event_id)
    return roots, of_amendments


def _withdrawn(
    chain: list[E], roots: dict[str, tuple[str, str]], of_amendments: set[str]
) -> set[str]:
    """Ids of amendments withdrawn by a retraction in force (rule 3). Latest first: a
    retraction's own standing is settled before it acts on the earlier one it aims at."""
    withdrawn: set[str] = set()
    for amendment in reversed(chain):
        if amendment.type != RETRACTED or amendment.event_id not in of_amendments:
            continue
        if amendment.event_id not in withdrawn:
            withdrawn.add(target_of(amendment))
    return withdrawn


def _by_root(chain: list[E], roots: dict[str, tuple[str, str]]) -> dict[tuple[str, str], list[E]]:
    by_root: dict[tuple[str, str], list[E]] = {}
    for amendment in chain:
        root = roots.get(amendment.event_id)
        if root is not None:
            by_root.setdefault(root, []).append(amendment)
    return by_root


def _decide(root: str, amendments: list[E], withdrawn: set[str]) -> Amended[E]:
    """Rule 4: the last amendment in force that speaks of the event itself decides —
    a correction at any depth, or a retraction aimed at the event directly."""
    deciding = [
        a
        for a in amendments
        if a.event_id not in withdrawn and (a.type == CORRECTED or target_of(a) == root)
    ]
    last = deciding[-1] if deciding else None
    retracted = last is not None and last.type == RETRACTED
    occurred_at = corrected_time(last) if last is not None and not retracted else None
    return Amended(amendments[0].stream_id, retracted, last, tuple(amendments), occurred_at)
