"""The campaign calendar's set pieces (plan 2: 宣传动员 … 总结表彰大会): when each is due, who
owns it, what it must produce, and whether it was held, as of a day.

The windows are month-days applied to the campaign's year; the office configures them
(docs/scheduling.md), per year where a year differs. Plain Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any


@dataclass(frozen=True)
class SetPiece:
    """One set piece as configured: its window (``MM-DD`` to ``MM-DD``), owner, output."""

    code: str
    starts: str
    ends: str
    owner: str
    produces: str

    def on(self, year: int) -> tuple[date, date]:
        """Its window in ``year``."""
        return _day(year, self.starts), _day(year, self.ends)


def _day(year: int, month_day: str) -> date:
    month, day = (int(part) for part in month_day.split("-"))
    return date(year, month, day)


OFFICE = "领导小组办公室"
LEADING_GROUP = "领导小组"

DEFAULT_SET_PIECES = (
    SetPiece("publicity", "03-01", "04-30", OFFICE, "宣传报道，营造项目建设氛围"),
    SetPiece("mobilisation_meeting", "03-01", "04-30", LEADING_GROUP, "动员大会，安排部署全年工作"),
    SetPiece("progress_boards", "03-01", "04-30", OFFICE, "每个项目制作项目建设进展公示牌"),
    SetPiece("site_supervision", "05-01", "05-31", LEADING_GROUP, "现场办公、现场督办记录"),
    SetPiece("concentrated_dispatch", "06-01", "07-31", OFFICE, "全部重点项目集中调度"),
    SetPiece("concentrated_inspection", "06-01", "07-31", LEADING_GROUP, "集中督导一次"),
    SetPiece("site_dispatch", "08-01", "09-30", OFFICE, "现场调度，解难题、加压力、促进度"),
    SetPiece("deputies_inspection", "10-01", "10-31", OFFICE, "人大代表、政协委员视察意见和建议"),
    SetPiece("full_check", "11-01", "11-30", OFFICE, "全面调度与检查，任务完成情况摸底"),
    SetPiece("year_end_review", "12-01", "12-31", OFFICE, "年底评分考核"),
    SetPiece("commendation_meeting", "12-01", "12-31", LEADING_GROUP, "筹备召开总结表彰大会"),
)
"""Plan 2's calendar (the county's own choice of dates, owners and outputs)."""

SET_PIECE_CODES = tuple(p.code for p in DEFAULT_SET_PIECES)

STATES = ("upcoming", "open", "held", "not_held", "overdue")
"""Not yet due; in its window; held; recorded as not held; past its window without a
record that it was held (the last two are what the quarterly agenda reports missed)."""
MISSED = ("not_held", "overdue")


@dataclass(frozen=True)
class SetPieceRecord:
    """What the office recorded: held (on a day, with its outcome) or not held."""

    code: str
    year: int
    held: bool
    held_on: date | None = None
    outcome: str = ""
    note: str = ""


@dataclass(frozen=True)
class SetPieceCalendar:
    """The configured set pieces, and a year's changes to them (code → fields)."""

    pieces: tuple[SetPiece, ...] = DEFAULT_SET_PIECES
    by_year: Mapping[int, Mapping[str, Mapping[str, str]]] | None = None

    def of_year(self, year: int) -> list[SetPiece]:
        changes = (self.by_year or {}).get(year, {})
        return [replace(p, **dict(changes.get(p.code, {}))) for p in self.pieces]

    def find(self, year: int, code: str) -> SetPiece | None:
        return next((p for p in self.of_year(year) if p.code == code), None)


def state_of(piece: SetPiece, year: int, record: SetPieceRecord | None, today: date) -> str:
    """The piece's state on ``today`` (a record counts when the caller admits it)."""
    if record is not None:
        return "held" if record.held else "not_held"
    starts, ends = piece.on(year)
    if today < starts:
        return "upcoming"
    return "open" if today <= ends else "overdue"


def piece_entry(
    piece: SetPiece, year: int, record: SetPieceRecord | None, today: date
) -> dict[str, Any]:
    """A piece as plans and the API state it (codes; labels are added on the way out)."""
    starts, ends = piece.on(year)
    return {
        "code": piece.code,
        "starts_on": starts.isoformat(),
        "ends_on": ends.isoformat(),
        "owner": piece.owner,
        "produces": piece.produces,
        "state": state_of(piece, year, record, today),
        "held_on": record.held_on.isoformat() if record and record.held_on else None,
        "outcome": record.outcome if record else "",
    }


def in_period(pieces: Iterable[SetPiece], year: int, start: date, end: date) -> list[SetPiece]:
    """The pieces whose window meets the period ``start``–``end``."""
    return [p for p in pieces if p.on(year)[0] <= end and p.on(year)[1] >= start]


def plan_sections(
    pieces: list[SetPiece],
    year: int,
    records: Mapping[str, SetPieceRecord],
    period: tuple[date, date],
    meeting_on: date,
    *,
    quarterly: bool,
) -> dict[str, Any]:
    """A monthly or quarterly plan's ``set_pieces`` (those of its months), and for the
    leading group ``set_pieces_missed`` (past their window by the meeting day without
    being held)."""
    shown = in_period(pieces, year, *period)
    out: dict[str, Any] = {
        "set_pieces": [piece_entry(p, year, records.get(p.code), meeting_on) for p in shown]
    }
    if quarterly:
        entries = [piece_entry(p, year, records.get(p.code), meeting_on) for p in pieces]
        out["set_pieces_missed"] = [e for e in entries if e["state"] in MISSED]
    return out
