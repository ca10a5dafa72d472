"""Scheduling's configuration in one place: defaults, then a YAML/JSON file
(``GONGJIAN_SCHEDULING_CONFIG``), then environment variables, each overriding the last.

Keys (file) and variables (environment) are listed in docs/scheduling.md.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .domain.alerts import AlertSettings
from .domain.calendar import WorkingCalendar, parse_holiday_file
from .domain.duban import ActionLimits
from .domain.plan import MeetingSettings, Targets
from .domain.rules import Thresholds
from .domain.set_pieces import SetPiece, SetPieceCalendar

log = logging.getLogger(__name__)

ENV_PREFIX = "GONGJIAN_SCHEDULING_"


@dataclass(frozen=True)
class SchedulingConfig:
    thresholds: Thresholds = field(default_factory=Thresholds)
    targets: Targets = field(default_factory=Targets)
    meeting: MeetingSettings = field(default_factory=MeetingSettings)
    calendar_overrides: Mapping[date, bool] = field(default_factory=dict)
    """The administrator's holiday file: working day or not, by date."""
    holiday_names: Mapping[date, str] = field(default_factory=dict)
    """The administrator's holiday file: the holidays' names, by date."""
    scheduler_interval_seconds: int = 60
    scheduler_since: date | None = None
    """First period the scheduler plans when it has never run (default: the current one)."""
    stale_claim_seconds: int = 600
    replan_cutoff: str = "08:00"
    """When a period is re-planned before its meeting: a time on the meeting day in the
    campaign zone (``08:00``), hours before the meeting (``2h``), or ``off``."""
    set_pieces: SetPieceCalendar = field(default_factory=SetPieceCalendar)
    """The campaign calendar's set pieces (``set_pieces``, ``set_pieces_by_year``)."""
    action_limits: ActionLimits = field(default_factory=ActionLimits)
    """The 督办 workflow's time limits (``action_limits``): the county's own choice."""
    alerts: AlertSettings = field(default_factory=AlertSettings)
    """Alerts to the people responsible (``alerts``; ``GONGJIAN_SCHEDULING_ALERTS_*``)."""

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(dict(self.calendar_overrides), holiday_names=self.holiday_names)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> SchedulingConfig:
        env = os.environ if env is None else env
        raw: dict[str, Any] = {}
        path = env.get(ENV_PREFIX + "CONFIG")
        if path:
            raw = _read_file(Path(path))
        for section, target in (
            ("thresholds", Thresholds),
            ("targets", Targets),
            ("meeting", MeetingSettings),
            ("action_limits", ActionLimits),
        ):
            for f in fields(target):
                value = env.get(f"{ENV_PREFIX}{f.name.upper()}")
                if value not in (None, ""):
                    raw.setdefault(section, {})[f.name] = value
        for name in (
            "scheduler_interval_seconds",
            "scheduler_since",
            "stale_claim_seconds",
            "replan_cutoff",
        ):
            value = env.get(f"{ENV_PREFIX}{name.upper()}")
            if value not in (None, ""):
                raw[name] = value
        for f in fields(AlertSettings):
            value = env.get(f"{ENV_PREFIX}ALERTS_{f.name.upper()}")
            if value not in (None, ""):
                raw.setdefault("alerts", {})[f.name] = value
        calendar_file = env.get(ENV_PREFIX + "CALENDAR_FILE") or raw.get("calendar_file")
        overrides = dict(raw.get("calendar_overrides") or {})
        if calendar_file:
            overrides.update(_read_file(Path(calendar_file)))
        return cls.from_mapping(raw, overrides)

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], overrides: Mapping[str, Any] = ()
    ) -> SchedulingConfig:  # type: ignore[assignment]
        try:
            days, names = parse_holiday_file(dict(overrides or {}))
            return cls(
                thresholds=_section(Thresholds, raw.get("thresholds") or {}),
                targets=_section(Targets, raw.get("targets") or {}),
                meeting=_section(MeetingSettings, raw.get("meeting") or {}),
                calendar_overrides=days,
                holiday_names=names,
                scheduler_interval_seconds=int(raw.get("scheduler_interval_seconds", 60)),
                scheduler_since=date.fromisoformat(str(raw["scheduler_since"]))
                if raw.get("scheduler_since")
                else None,
                stale_claim_seconds=int(raw.get("stale_claim_seconds", 600)),
                replan_cutoff=checked_cutoff(str(raw.get("replan_cutoff", "08:00"))),
                action_limits=_limits(raw.get("action_limits") or {}),
                set_pieces=set_piece_calendar(
                    raw.get("set_pieces") or {}, raw.get("set_pieces_by_year") or {}
                ),
                alerts=_section(AlertSettings, raw.get("alerts") or {}),
            )
        except (ValueError, TypeError, KeyError, InvalidOperation) as exc:
            raise ValueError(f"调度配置有误：{exc}") from exc


def _limits(values: Mapping[str, Any]) -> ActionLimits:
    limits = _section(ActionLimits, values)
    if min(limits.acknowledge_working_days, limits.review_working_days, limits.warning_days) < 0:
        raise ValueError("action_limits：时限为天数，不小于 0")
    return limits


_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_PIECE_KEYS = ("window", "owner", "produces")


def set_piece_calendar(
    pieces: Mapping[str, Any], by_year: Mapping[Any, Mapping[str, Any]]
) -> SetPieceCalendar:
    """The defaults changed by ``set_pieces`` (code → window, owner, produces), and each
    year's changes (``set_pieces_by_year``: year → code → the same keys)."""
    base = SetPieceCalendar()
    known = {p.code: p for p in base.pieces}
    changed = tuple(
        SetPiece(p.code, **{**_piece_fields(p), **_piece_changes(p.code, pieces.get(p.code))})
        for p in base.pieces
    )
    unknown = (set(pieces) | {c for year in by_year.values() for c in year}) - set(known)
    if unknown:
        raise ValueError(f"set_pieces：未知的规定动作 {'、'.join(sorted(unknown))}")
    years = {
        int(year): {code: _piece_changes(code, values) for code, values in codes.items()}
        for year, codes in by_year.items()
    }
    return SetPieceCalendar(changed, years)


def _piece_fields(piece: SetPiece) -> dict[str, str]:
    return {
        "starts": piece.starts,
        "ends": piece.ends,
        "owner": piece.owner,
        "produces": piece.produces,
    }


def _piece_changes(code: str, values: Mapping[str, Any] | None) -> dict[str, str]:
    values = dict(values or {})
    unknown = set(values) - set(_PIECE_KEYS)
    if unknown:
        raise ValueError(f"set_pieces.{code}：未知的键 {'、'.join(sorted(unknown))}")
    out = {k: str(values[k]) for k in ("owner", "produces") if k in values}
    if "window" in values:
        window = [str(day) for day in values["window"]]
        if len(window) != 2 or not all(_MONTH_DAY.match(day) for day in window):
            raise ValueError(f"set_pieces.{code}.window：应写作 [MM-DD, MM-DD]，而不是 {window!r}")
        if window[0] > window[1]:
            raise ValueError(f"set_pieces.{code}.window：结束早于开始")
        out["starts"], out["ends"] = window
    return out


_CUTOFF = re.compile(r"^(off|([01]\d|2[0-3]):[0-5]\d|\d{1,2}(\.\d+)?h)$")


def checked_cutoff(text: str) -> str:
    """``08:00``, ``2h`` (or ``1.5h``) or ``off``; anything else names the key."""
    if not _CUTOFF.match(text.strip()):
        raise ValueError(
            f"replan_cutoff：应写时刻（08:00）、提前小时数（2h）或 off，而不是 {text!r}"
        )
    return text.strip()


def _read_file(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}：顶层应为映射（键: 值）")
    return data


def _section(kind: type, values: Mapping[str, Any]) -> Any:
    default = kind()
    known = {f.name: f for f in fields(kind)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"{kind.__name__} 中有未知的键：{'、'.join(sorted(unknown))}")
    converted: dict[str, Any] = {}
    for name, value in values.items():
        current = getattr(default, name)
        if isinstance(current, bool):
            converted[name] = (
                value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            )
        elif isinstance(current, Decimal):
            converted[name] = Decimal(str(value))
        elif isinstance(current, int):
            converted[name] = int(value)
        elif isinstance(current, float):
            converted[name] = float(value)
        elif isinstance(current, date):
            converted[name] = date.fromisoformat(str(value))
        else:
            converted[name] = str(value)
    return replace(default, **converted)
