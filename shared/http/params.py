"""The query parameters all three services share: the two clocks and paging.

One field per word of the vocabulary (docs/architecture.md):
- ``as_of`` (`AsOf`): a calendar date in the campaign's time zone;
- ``known_at`` (`KnownAt`): an instant, RFC 3339 with its offset; a bare date means the
  end of that day in the campaign's time zone;
- ``after`` + ``limit`` (`PageQuery`): a page starts after the cursor ``after`` (the
  ``next_after`` of the page before) and holds at most ``limit`` items; the answer gives
  the next cursor in the body (``next_after``) and in a ``Link: <…>; rel="next"`` header.

An old parameter name keeps working for one release: declare it with `renamed` and the
answer carries a ``Deprecation`` header (see `deprecation`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context, request
from marshmallow import Schema, ValidationError, fields, post_load, validate

from ..events.fields import LOOK_ALIKE_DIGITS, Whole, look_alike_digits
from ..eventstore import FutureKnownAt, format_instant, known_at_bound, parse_instant
from .deprecation import deprecated_parameters, note_deprecated
from .problems import Problem

T = TypeVar("T")

DEFAULT_ZONE = "Asia/Shanghai"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST_CLOCK, LATEST_CLOCK = date(1900, 1, 1), date(2199, 12, 31)
"""The dates a clock may name: any question about the campaign, none that overflows."""
CLOCK_OUT_OF_RANGE = f"须在 {EARLIEST_CLOCK} 与 {LATEST_CLOCK} 之间"


def campaign_zone() -> ZoneInfo:
    """The campaign's time zone: the serving app's, or else ``GONGJIAN_TIMEZONE`` (the
    command line), Asia/Shanghai by default."""
    runtime = current_app.extensions.get("gongjian.runtime") if has_app_context() else None
    if runtime is not None:
        return runtime.settings.zone
    return ZoneInfo(os.environ.get("GONGJIAN_TIMEZONE") or DEFAULT_ZONE)


def _instant(text: str) -> datetime:
    try:
        instant = parse_instant(text)
    except ValueError:
        raise ValidationError(
            "须是带时区偏移的 RFC 3339 时刻，如 2026-03-02T09:30:00+08:00"
        ) from None
    except OverflowError:
        raise ValidationError(CLOCK_OUT_OF_RANGE) from None
    return _in_range(instant)


def _in_range(value: T) -> T:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_CLOCK <= day <= LATEST_CLOCK:  # type: ignore[operator]
        raise ValidationError(CLOCK_OUT_OF_RANGE)
    return value


_YEAR = "(19|20|21)[0-9]{2}"
DATE_PATTERN = f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
DATE_OR_INSTANT_PATTERN = (
    f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}"
    "([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$"
)


class DateOrInstant(fields.Field):
    """``YYYY-MM-DD`` (a `date`) or an RFC 3339 instant with its offset (a UTC `datetime`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metadata = {"type": "string", "pattern": DATE_OR_INSTANT_PATTERN, **self.metadata}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date | datetime:
        if not isinstance(value, str):
            raise ValidationError("须是日期 YYYY-MM-DD 或带时区偏移的 RFC 3339 时刻")
        text = value.strip()
        if look_alike_digits(text):
            raise ValidationError(LOOK_ALIKE_DIGITS)
        if _DATE.fullmatch(text):
            try:
                return _in_range(date.fromisoformat(text))
            except ValueError:
                raise ValidationError("不是有效的日历日期（YYYY-MM-DD）") from None
        if "T" not in text.upper() and " " not in text:
            raise ValidationError("须是日期 YYYY-MM-DD 或带时区偏移的 RFC 3339 时刻")
        return _instant(text)


class AsOf(DateOrInstant):
    """Business-time bound: a calendar date in the campaign's time zone. An instant is
    still accepted for one release, deprecated."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> date | datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        if isinstance(loaded, datetime):
            note_deprecated("as_of as an instant", "as_of as a date (YYYY-MM-DD)")
        return loaded


class KnownAt(DateOrInstant):
    """Record-time bound: an instant (UTC); a bare date is the end of that day in the
    campaign's time zone (today: now). Now or the past; the future is refused
    (`known_at_bound`, the one rule for every endpoint and command)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            return known_at_bound(loaded, campaign_zone())
        except FutureKnownAt as exc:
            raise ValidationError(str(exc)) from None


def renamed(field: fields.Field, to: str) -> fields.Field:
    """An old name of the parameter ``to``: loaded into ``to``, answered with a
    ``Deprecation`` header, documented as deprecated."""
    field.load_default = None
    field.metadata = {
        **field.metadata,
        "deprecated": True,
        "description": f"deprecated: use `{to}` (see CHANGELOG.md)",
        "renamed_to": to,
    }
    return field


class Query(Schema):
    """Base of every query-string schema: old names (`renamed`) are loaded into the new."""

    @post_load
    def _rename(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for name, field in self.fields.items():
            to = field.metadata.get("renamed_to")
            value = data.pop(name, None) if to is not None else None
            if to is None or value is None:
                continue
            note_deprecated(f"parameter {name}", f"parameter {to}", parameter=name)
            if data.get(to) is None:
                data[to] = value
        return data


def limit_field(default: int = 100, maximum: int = 1000) -> fields.Integer:
    return Whole(
        from_text=True,
        load_default=default,
        validate=validate.Range(1, maximum),
        metadata={"description": f"at most this many items (1–{maximum}, default {default})"},
    )


class PageQuery(Query):
    """``after`` (the cursor: the ``next_after`` of the page before) and ``limit``."""

    after = fields.String(
        load_default=None,
        metadata={"description": "start after this cursor (the previous page's next_after)"},
    )
    limit = limit_field()


class PageBody(Schema):
    """Base of a list endpoint's response schema: the next cursor beside the items."""

    next_after = fields.Raw(
        allow_none=True,
        metadata={"description": "the `after` of the next page; null on the last page"},
    )


class ClockQuery(Query):
    """The two clocks of a question about the past."""

    as_of = AsOf(load_default=None)
    known_at = KnownAt(load_default=None)


def page_after(
    items: Sequence[T],
    after: Any,
    limit: int,
    key: Callable[[T], Any],
    *,
    ordered: bool = False,
) -> tuple[list[T], Any]:
    """A page of a list held in memory: at most ``limit`` items after the cursor, and the
    next cursor (``None`` on the last page). With ``ordered`` (the items sorted by ``key``)
    the page starts at the first key above ``after``, whether or not that item is still
    there; otherwise after the item whose key is ``after`` (lists that only grow)."""
    start = 0 if after is None else _start_after(items, after, key, ordered)
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    return page, key(page[-1]) if more and page else None


def _start_after(items: Sequence[T], after: Any, key: Callable[[T], Any], ordered: bool) -> int:
    if ordered:
        return next((i for i, item in enumerate(items) if key(item) > after), len(items))
    keys = [str(key(item)) for item in items]
    if str(after) not in keys:
        raise Problem(
            422,
            "Unprocessable Content",
            f"本列表中没有可接续的条目“{after}”",
            errors={"after": ["不是本列表的游标（请用答复中的 next_after）"]},
        )
    return keys.index(str(after)) + 1


def clock_text(value: date | datetime | None) -> str | None:
    """A clock in an answer: a date as ``YYYY-MM-DD``, an instant as RFC 3339 (UTC, ``Z``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_instant(value)
    return value.isoformat()


def next_link(next_after: Any) -> dict[str, str]:
    """The ``Link: <…>; rel="next"`` header of a page (none on the last page): this
    request's URL with ``after`` set to the next cursor, old parameter names dropped."""
    if next_after is None:
        return {}
    dropped = {"after", *deprecated_parameters()}
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in dropped]
    args.append(("after", str(next_after)))
    return {"Link": f'<{request.path}?{urlencode(args)}>; rel="next"'}
