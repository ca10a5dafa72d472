"""The office's register of issued documents (发文登记): each document gets its number
(``攻坚办〔2026〕12号``) once, when it is issued, as a ``DocumentIssued`` event.

Numbers run 1, 2, 3 … per county and calendar year (campaign time zone) in the stream
``document-register-<year>`` (another county's ``<county>:document-register-<year>``,
`shared.tenancy.county_stream`: each county's office numbers its own documents): a
document's sequence number *is* its stream version, so
the store's optimistic concurrency makes them unique and gapless — of two offices'
clerks issuing at once exactly one wins each version and the other retries with the next.
The event id is derived from the document's key, so issuing the same document again (or
racing to) returns its first number; a number is never reused.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.eventstore import (
    ConcurrencyConflict,
    DuplicateEventConflict,
    EventStore,
    LockTimeout,
    NewEvent,
    RecordedEvent,
    format_instant,
)
from shared.i18n import label
from shared.tenancy import DEFAULT_COUNTY, county_stream, stream_county

EVENT_TYPE = "DocumentIssued"
STREAM_PREFIX = "document-register-"
_IDS = uuid.UUID("3f0b7c52-9d1e-4a8b-b6f4-2c7e5a1d9e30")
"""Namespace of the issue events' ids: one id per document key."""


class RegisterBusy(RuntimeError):
    """Too many concurrent issues in a row; the caller may retry (HTTP 409)."""


@dataclass(frozen=True)
class IssuedDocument:
    key: str
    kind: str
    title: str
    number: str
    year: int
    sequence: int
    issued_on: date
    event_id: str
    global_position: int
    issued_at: datetime | None = None
    issued_by: str = ""
    digest: str | None = None
    """What the document was made from (a plan version's or an assessment's digest)."""
    county: str = DEFAULT_COUNTY
    """The county whose office issued it (from its register's stream name)."""

    @classmethod
    def of(cls, event: RecordedEvent) -> IssuedDocument:
        p = event.payload
        return cls(
            p["document_key"],
            p["kind"],
            p["title"],
            p["number"],
            p["year"],
            p["sequence"],
            date.fromisoformat(p["issued_on"]),
            event.event_id,
            event.global_position,
            event.recorded_at,
            event.actor,
            p.get("digest"),
            stream_county(event.stream_id)[0],
        )


def issued_json(issued: IssuedDocument, issued_now: bool | None = None) -> dict[str, object]:
    """The API's answer to issuing (with ``issued_now``) and an entry of the register's
    list: the number, who issued it when, what it was made from, where it is recorded."""
    out: dict[str, object] = {
        "document_key": issued.key,
        "kind": issued.kind,
        "kind_label": label("document_kind", issued.kind),
        "title": issued.title,
        "number": issued.number,
        "year": issued.year,
        "sequence": issued.sequence,
        "issued_on": issued.issued_on.isoformat(),
        "issued_at": None if issued.issued_at is None else format_instant(issued.issued_at),
        "issued_by": issued.issued_by,
        "digest": issued.digest,
        "event_id": issued.event_id,
        "global_position": issued.global_position,
        "county": issued.county,
        "county_label": label("county", issued.county),
    }
    if issued_now is not None:
        out["issued_now"] = issued_now
    return out


def document_number(prefix: str, year: int, sequence: int) -> str:
    """``攻坚办〔2026〕12号``: the year in 六角括号, the sequence without leading zeros."""
    return f"{prefix}〔{year}〕{sequence}号"


@dataclass
class DocumentRegister:
    store: EventStore
    prefix: str
    zone: ZoneInfo
    clock: Callable[[], datetime] | None = None
    """Default: the store's record clock (the issuing date is when the event is recorded)."""
    attempts: int = 200
    county: str = DEFAULT_COUNTY
    """The county whose office keeps this register (numbers, streams and document keys
    of the default county as before tenancy)."""

    def _stream(self, year: int) -> str:
        return county_stream(f"{STREAM_PREFIX}{year}", self.county)

    def _key(self, key: str) -> str:
        """The document's key in the whole deployment (another county's plan of the same
        period is another document)."""
        return county_stream(key, self.county)

    def _now(self) -> datetime:
        return (self.clock or self.store.clock)()

    def find(self, key: str) -> IssuedDocument | None:
        """The document's number if it was issued."""
        event = self.store.get(_event_id(self._key(key)))
        return IssuedDocument.of(event) if event is not None else None

    def issue(
        self,
        key: str,
        kind: str,
        title: str,
        *,
        actor: str = "",
        source: str = "",
        digest: str | None = None,
    ) -> tuple[IssuedDocument, bool]:
        """The document's number, assigned now if it has none; True when assigned now.
        ``kind`` is a code of ``DOCUMENT_KINDS`` (agenda, supervision, bulletin);
        ``digest`` is that of the record the document is made from."""
        for attempt in range(self.attempts):
            issued = self.find(key)
            if issued is not None:
                return issued, False
            now = self._now()
            year = now.astimezone(self.zone).year
            stream = self._stream(year)
            version = self.store.stream_version(stream)
            event = self._event(key, kind, title, now, (year, version + 1), digest)
            event = replace(event, actor=actor, source=source)
            try:
                self.store.append([event], {stream: version})
            except (ConcurrencyConflict, DuplicateEventConflict, LockTimeout):
                # Someone took this number (or issued this very document): look again.
                time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 25)))
                continue
            return self._issued_now(key), True
        raise RegisterBusy(
            f"试了 {self.attempts} 次仍未能为 {key} 编号：同时发文的太多，请稍后重试"
        )

    def _issued_now(self, key: str) -> IssuedDocument:
        found = self.find(key)
        if found is None:  # the append committed, so only a broken store gets here
            raise RuntimeError(f"document {key} was issued but cannot be read back")
        return found

    def issued(self, year: int) -> list[IssuedDocument]:
        """Every document the county issued in ``year``, by number."""
        return [IssuedDocument.of(e) for e in self.store.read_stream(self._stream(year))]

    def listing(
        self,
        *,
        year: int | None = None,
        kind: str | None = None,
        after: int = 0,
        limit: int = 100,
        counties: Collection[str] | None = None,
    ) -> list[IssuedDocument]:
        """Issued documents in the order they were issued (by global position, after
        ``after``), of ``year`` and ``kind`` when given, of ``counties`` (default: this
        register's county); at most ``limit``."""
        wanted = set(counties) if counties is not None else {self.county}
        found: list[IssuedDocument] = []
        for issued in self._all_issued(after):
            if issued.county not in wanted:
                continue
            if (year is None or issued.year == year) and (kind is None or issued.kind == kind):
                found.append(issued)
                if len(found) == limit:
                    break
        return found

    def _all_issued(self, after: int) -> Iterator[IssuedDocument]:
        while True:
            page = self.store.read_all(after=after, limit=500, types=[EVENT_TYPE])
            yield from (IssuedDocument.of(e) for e in page)
            if len(page) < 500:
                return
            after = page[-1].global_position

    def _event(
        self,
        key: str,
        kind: str,
        title: str,
        now: datetime,
        number: tuple[int, int],
        digest: str | None,
    ) -> NewEvent:
        year, sequence = number
        return NewEvent(
            stream_id=self._stream(year),
            type=EVENT_TYPE,
            occurred_at=now,
            event_id=_event_id(self._key(key)),
            payload={
                "document_key": key,
                "kind": kind,
                "title": title,
                "year": year,
                "sequence": sequence,
                "number": document_number(self.prefix, year, sequence),
                "issued_on": now.astimezone(self.zone).date().isoformat(),
                "digest": digest,
            },
        )


def _event_id(key: str) -> str:
    return str(uuid.uuid5(_IDS, f"document|{key}"))
