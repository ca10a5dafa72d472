"""What an event's envelope may hold: the same limits on SQLite and PostgreSQL, checked
before the database (docs/integration.md, "Limits").

PostgreSQL refuses a NUL character in text and a string longer than its column, SQLite
keeps both; neither can store a lone surrogate as UTF-8, and a date before year 1 in
UTC cannot be written at all. Each limit refuses with the field, a machine code and a
Chinese message (`InvalidEnvelope`), so that one bad item of a batch is rejected alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from typing import Any

from .errors import EventStoreError

try:
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover - a dependency; the walk decides alone then
    _dumps = None  # type: ignore[assignment]

EARLIEST_OCCURRED_AT = datetime(2000, 1, 1, tzinfo=UTC)
"""No campaign event happened before this instant."""

LATEST_OCCURRED_AT = datetime(2100, 1, 1, tzinfo=UTC)
"""Nothing is stored as happening from this instant on (how far in the future a sender
may date an event is the registry's rule: ``services/registry/domain/rules.py``)."""

MAX_LENGTHS = {
    "event_id": 36,
    "stream_id": 200,
    "type": 100,
    "source": 200,
    "actor": 200,
    "correlation_id": 100,
    "causation_id": 100,
}
"""The envelope's text fields and their column sizes (``shared/eventstore/schema.py``)."""

MAX_VERSION = 2**31 - 1
"""The largest stream version (and any other number kept in a 32-bit column: plan
versions, checkpoint sequence numbers): PostgreSQL's ``integer``."""

MAX_PAYLOAD_DEPTH = 16
"""Objects and arrays nested in a payload, the payload itself counting as 1."""

MAX_PAYLOAD_BYTES = 64 * 1024
"""A payload's canonical JSON, in UTF-8 bytes, as an integration may send it (ingest)."""

MAX_STORED_PAYLOAD_BYTES = 64 * 1024 * 1024
"""What the store keeps at most: the services' own records are larger than any event an
integration sends. A county's monthly plan with its sections is some 2 KB a project:
at 16 MiB, a plan of the 10,000 projects the scheduling bench plans in one county (20 MB)
was refused; 64 MiB holds one of some 30,000."""


class InvalidEnvelope(EventStoreError):
    """An envelope field beyond the store's limits: ``field``, a machine ``code``, and the
    Chinese message people read."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.code = code
        self.message = message


def text_problem(text: str) -> tuple[str, str] | None:
    """``(code, message)`` when ``text`` holds what no backend stores as text, else None."""
    if "\x00" in text:
        return "nul_character", "不能含有 NUL 字符（U+0000）"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "lone_surrogate", "不能含有孤立的代理字符（U+D800–U+DFFF）：文本须是有效的 UTF-8"
    return None


def check_text(field: str, value: str | None, max_length: int | None = None) -> None:
    """Refuse NUL, lone surrogates, and more than ``max_length`` characters."""
    if value is None:
        return
    problem = text_problem(value)
    if problem is not None:
        raise InvalidEnvelope(field, *problem)
    if max_length is not None and len(value) > max_length:
        raise InvalidEnvelope(
            field, "too_long", f"至多 {max_length} 个字符（收到 {len(value)} 个）"
        )


def check_occurred_at(value: datetime) -> None:
    """From 2000-01-01 to the end of 2099 (UTC): any date of a campaign, none that
    overflows when turned into UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        return  # refused by `utc` as it always was: a naive datetime is a caller's bug
    if not EARLIEST_OCCURRED_AT <= value < LATEST_OCCURRED_AT:
        raise InvalidEnvelope(
            "occurred_at",
            "occurred_at_out_of_range",
            "须在 2000-01-01T00:00:00Z 与 2100-01-01T00:00:00Z 之间",
        )


def check_payload(payload: Any) -> None:
    """Nesting at most `MAX_PAYLOAD_DEPTH`; no NUL or lone surrogate in a key or a string.
    A payload plainly within them (`_nests_plainly`) is not walked string by string: the
    walk names the place of a problem, and building those names for every string took a
    county's monthly plan of 10,000 projects (730,000 strings) over half a second."""
    if not _nests_plainly(payload):
        _walk_payload(payload)


def _walk_payload(payload: Any) -> None:
    """`check_payload`'s rules, string by string, each problem named by its place."""
    stack: list[tuple[Any, int, str]] = [(payload, 1, "payload")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, str):
            _check_payload_text(path, value)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_PAYLOAD_DEPTH:
            raise InvalidEnvelope("payload", "too_deep", f"{path}：嵌套至多 {MAX_PAYLOAD_DEPTH} 层")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, inner in items:
            if isinstance(key, str):
                _check_payload_text(f"{path}.{key[:40]}", key)
            stack.append((inner, depth + 1, f"{path}.{key}"[:200]))


def _nests_plainly(payload: Any) -> bool:
    """Whether ``payload`` surely passes `check_payload`: orjson writes it (it refuses a
    lone surrogate in any string or key), its text holds no NUL (JSON writes one as
    ``\\u0000``, in a key as in a string) and its objects and arrays nest no deeper than
    `MAX_PAYLOAD_DEPTH`. False for anything else (a key that is not a string, an integer
    beyond 64 bits, …): the walk then decides, as it always did."""
    if _dumps is None or not isinstance(payload, dict | list):
        return False
    try:
        text = _dumps(payload)
    except (TypeError, ValueError):
        return False
    if b"\\u0000" in text:
        return False
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_PAYLOAD_DEPTH:
            return False
        inner = value.values() if isinstance(value, dict) else value
        stack.extend((v, depth + 1) for v in inner if isinstance(v, dict | list))
    return True


def check_payload_size(canonical_text: str, limit: int = MAX_PAYLOAD_BYTES) -> None:
    size = len(canonical_text.encode("utf-8"))
    if size > limit:
        raise InvalidEnvelope("payload", "too_large", f"至多 {limit} 字节（收到 {size} 字节）")


def _check_payload_text(path: str, text: str) -> None:
    problem = text_problem(text)
    if problem is not None:
        code, message = problem
        raise InvalidEnvelope("payload", code, f"{text_problem_path(path)}：{message}")


def text_problem_path(path: str) -> str:
    """A path as people read it, its own bad characters shown escaped."""
    return path.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def check_envelope(
    *,
    occurred_at: datetime,
    payload: Any,
    **texts: str | None,
) -> None:
    """Every limit of one envelope; ``texts`` by field name (`MAX_LENGTHS`)."""
    if _plainly_within(occurred_at, payload, texts):
        return
    for field, value in texts.items():
        check_text(field, value, MAX_LENGTHS.get(field))
    check_occurred_at(occurred_at)
    check_payload(payload)


_EARLIEST, _LATEST = EARLIEST_OCCURRED_AT, LATEST_OCCURRED_AT


def _plainly_within(occurred_at: datetime, payload: Any, texts: dict[str, str | None]) -> bool:
    """True when the envelope is plainly within every limit: a flat payload, every text
    (and payload key and string) without NUL and valid UTF-8, within its length. One pass
    over a joined text instead of a check per field (a sixth of a batched append's time
    went to `check_envelope`); anything else takes the checks above, which say what is
    wrong."""
    if type(payload) is not dict:
        return False
    strings = []
    for key, value in payload.items():
        if type(key) is not str:
            return False
        kind = type(value)
        if kind is str:
            strings.append(value)
        elif kind is dict or kind is list:
            return False
        strings.append(key)
    for field, value in texts.items():
        if value is not None:
            if type(value) is not str or len(value) > MAX_LENGTHS.get(field, len(value)):
                return False
            strings.append(value)
    if text_problem("".join(strings)) is not None:
        return False
    offset = occurred_at.utcoffset()
    if offset is None:
        return False
    return _EARLIEST <= occurred_at < _LATEST


_EVENT_ID, _TYPE = MAX_LENGTHS["event_id"], MAX_LENGTHS["type"]
_SOURCE, _ACTOR = MAX_LENGTHS["source"], MAX_LENGTHS["actor"]
_CORRELATION, _CAUSATION = MAX_LENGTHS["correlation_id"], MAX_LENGTHS["causation_id"]
_WORST_CHARACTER = 6
"""Most bytes one character of a text takes in canonical JSON (a control character's
``\\u001f``; UTF-8 takes at most 4, and a lone surrogate is not plain)."""
_LONG = 2**63 - 1
"""The largest number counted as written in at most 20 characters."""


def surely_within(  # noqa: PLR0913 - the envelope's fields, positional: called per event
    occurred_at: datetime,
    payload: Any,
    event_id: str,
    type_: str,
    source: str,
    actor: str,
    correlation_id: str | None,
    causation_id: str | None,
    *unbounded: str | None,
) -> bool:
    """True when `check_envelope` surely passes the envelope (``unbounded``: texts with
    no length limit, such as a project's id) and its payload's canonical JSON is surely
    within `MAX_PAYLOAD_BYTES`, told in one pass without writing it: a flat payload of
    texts, truths, nulls and 64-bit numbers, every character counted at its most. Its
    keyword arguments alone took a sixth of `check_envelope`'s time, done once per
    ingested event (issue 18). False: take the checks, which say what is wrong."""
    try:
        if (
            len(event_id) > _EVENT_ID
            or len(type_) > _TYPE
            or len(source) > _SOURCE
            or len(actor) > _ACTOR
            or (correlation_id is not None and len(correlation_id) > _CORRELATION)
            or (causation_id is not None and len(causation_id) > _CAUSATION)
            or type(payload) is not dict
            or not _plain_instant(occurred_at)
        ):
            return False
    except TypeError:  # a length of something else than a text
        return False
    strings = [event_id, type_, source, actor]
    strings += [text for text in (correlation_id, causation_id, *unbounded) if text is not None]
    for key, value in payload.items():
        kind = type(value)
        if kind is str:
            strings.append(value)
        elif not (value is None or kind is bool or (kind is int and -_LONG <= value <= _LONG)):
            return False
        strings.append(key)
    try:
        joined = "".join(strings)  # refuses anything but texts
    except TypeError:
        return False
    # Each entry's quotes, colon and comma, or its longest number, at 24 characters.
    if 2 + _WORST_CHARACTER * len(joined) + 24 * len(payload) > MAX_PAYLOAD_BYTES:
        return False
    return text_problem(joined) is None


def _plain_instant(instant: datetime) -> bool:
    """Whether a datetime's zone is UTC or a fixed offset, and it is within the range."""
    zone = instant.tzinfo
    if zone is not UTC and type(zone) is not timezone:
        return False
    return _EARLIEST <= instant < _LATEST
