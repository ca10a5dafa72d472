"""Server-side SVG charts: the geometry is computed here, the templates only draw it
(no JavaScript, no CDN: county networks often reach none)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .text import wan, yi_number


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class MonthChart:
    """Investment completed (bars) against the time-proportional plan (line), cumulative."""

    width: int
    height: int
    bars: list[Bar]
    plan_points: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    baseline: float


def cumulative(values: list[Decimal]) -> list[Decimal]:
    out, total = [], Decimal(0)
    for value in values:
        total += value
        out.append(total)
    return out


def month_chart(
    plan: list[Decimal], actual: list[Decimal | None], *, in_yi: bool = True
) -> MonthChart:
    """``plan`` and ``actual`` hold one amount per month (yuan); ``None`` is a month not
    reached yet. Both are drawn cumulative."""
    width, height, left, bottom, top = 640, 240, 56, 28, 12
    plan_c = cumulative(plan)
    actual_c = cumulative([a or Decimal(0) for a in actual])
    peak = max([*plan_c, *actual_c, Decimal(1)])
    step = (width - left - 8) / 12
    scale = float(height - bottom - top) / float(peak)
    base = float(height - bottom)
    fmt = yi_number if in_yi else wan
    bars = [
        Bar(
            left + i * step + step * 0.18,
            base - float(actual_c[i]) * scale,
            step * 0.64,
            float(actual_c[i]) * scale,
            f"{i + 1}月累计完成 {fmt(actual_c[i])}",
        )
        for i in range(12)
        if actual[i] is not None
    ]
    points = " ".join(
        f"{left + (i + 0.5) * step:.1f},{base - float(plan_c[i]) * scale:.1f}" for i in range(12)
    )
    x_ticks = [Tick(left + (i + 0.5) * step, height - 8, f"{i + 1}月") for i in range(12)]
    y_ticks = [
        Tick(left - 6, base - float(peak) * scale * k / 4 + 4, fmt(peak * k / 4)) for k in range(5)
    ]
    return MonthChart(width, height, bars, points, x_ticks, y_ticks, base)


@dataclass(frozen=True)
class Span:
    """One milestone on the 倒排工期 chart: the planned due day, the day it is due now
    (after slips) and the day it was done."""

    name: str
    due_x: float
    now_x: float
    done_x: float | None
    late: bool
    slips: int
    due: date
    now: date
    done: date | None


def timeline_x(day: date, year: int, width: float) -> float:
    start = date(year, 1, 1).toordinal()
    days = date(year, 12, 31).toordinal() - start + 1
    clamped = min(max(day.toordinal() - start, 0), days)
    return round(width * clamped / days, 1)


def milestone_spans(milestones: list[dict], year: int, width: float = 600) -> list[Span]:
    """``milestones``: dicts with name, due (planned), now (due after slips), completed_on
    (or None) and slips."""
    spans = []
    for m in sorted(milestones, key=lambda m: m["due"]):
        done, now = m.get("completed_on"), m.get("now") or m["due"]
        spans.append(
            Span(
                m["name"],
                timeline_x(m["due"], year, width),
                timeline_x(now, year, width),
                timeline_x(done, year, width) if done else None,
                bool(done and done > m["due"]),
                m.get("slips", 0),
                m["due"],
                now,
                done,
            )
        )
    return spans
