"""A dispatch plan (调度计划) for one period: meeting, agenda by leader and unit, follow-up
actions, spot checks, and for the leading group the campaign's totals against targets.

`build_plan` is a pure function of its inputs, so a plan is deterministic for
(cadence, period, known_at): the caller supplies the states and open actions known then.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from shared.campaign import Targets
from shared.eventstore.canonical import canonical_json
from shared.i18n import short_date

from . import quarter_review
from .calendar import WorkingCalendar
from .dispatch_kinds import sections as kind_sections
from .periods import Period, period_of_label
from .project import ProjectState
from .reasons import ZH, reason, scope
from .rules import RED, Finding, Thresholds, findings, investment_lag, status
from .set_pieces import SetPiece, SetPieceRecord, plan_sections

DATE_RULES = ("first_working_day", "no_working_day")
"""How a meeting's date was chosen: the period's first working day, or none (no meeting)."""

LEGACY_CHAIR = "领导小组组长"
"""The chair every plan recorded before the chairs of the meeting levels were configured."""


@dataclass(frozen=True)
class MeetingSettings:
    time: str = "09:00"
    chair: str = LEGACY_CHAIR
    """The chair when the office configures none for the meeting level."""
    spot_check_size: int = 3


def meeting_instant(day: date, settings: MeetingSettings, zone: tzinfo) -> datetime:
    """When a meeting on ``day`` begins, in the campaign's zone."""
    hours, minutes = (int(part) for part in settings.time.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone)


def replan_cutoff(meeting_at: datetime, rule: str) -> datetime | None:
    """The cut-off before a meeting at which its plan is brought up to date: ``08:00``
    (that time on the meeting day, at the latest the meeting's start), ``2h`` (hours before
    the meeting), ``off`` (None)."""
    if rule == "off":
        return None
    if rule.endswith("h"):
        return meeting_at - timedelta(hours=float(rule[:-1]))
    hours, minutes = (int(part) for part in rule.split(":"))
    return min(meeting_at, meeting_at.replace(hour=hours, minute=minutes))


@dataclass(frozen=True)
class Roster:
    """Who chairs and who attends a meeting, as the office configures it: the chair of each
    level (weekly, monthly, quarterly) and the leaders' rank order (documents' ``LeaderRanks``)."""

    chairs: dict[str, str] = field(default_factory=dict)
    by_rank: Callable[[Iterable[str]], list[str]] = sorted

    def chair_for(self, cadence: str, default: str) -> str:
        return self.chairs.get(cadence) or default


@dataclass(frozen=True)
class OpenAction:
    """A follow-up action assigned by an earlier agenda and not closed (as known then)."""

    action_id: str
    project_id: str
    item: str
    assignee: str
    due: date
    period: str
    description: str = ""


@dataclass
class PlanInputs:
    cadence: str
    period: Period
    states: Iterable[ProjectState]
    open_actions: Iterable[OpenAction]
    calendar: WorkingCalendar
    campaign: int | None = None
    """The campaign year the plan belongs to (its projects are that campaign's)."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    targets: Targets = field(default_factory=Targets)
    meeting: MeetingSettings = field(default_factory=MeetingSettings)
    roster: Roster = field(default_factory=Roster)
    taken_action_ids: frozenset[str] = frozenset()
    """Every action id known then, open or closed: a new action never reuses one."""
    texts: str = ZH
    """The wording of the reasons (`reasons.TEXTS`)."""
    set_pieces: tuple[SetPiece, ...] = ()
    """The campaign year's set pieces (none: the plan states none)."""
    set_piece_records: Mapping[str, SetPieceRecord] = field(default_factory=dict)
    """What was recorded of them (held or not), as known then, by code."""
    escalations: tuple[dict[str, Any], ...] = ()
    """The problems put to the leading group and not closed by the meeting day (一事一议);
    a monthly or quarterly plan lists them (the key only when there are any)."""
    reviewed: tuple[ProjectState, ...] | None = None
    """Every project known at the meeting, for a quarterly plan's review of the quarter
    before (`quarter_review`: 挂点服务 and the pool); None: the plan states no review."""
    pooled: tuple[quarter_review.PooledProject, ...] = ()
    """The projects still only in the pool at the meeting (for the review's ``pool``)."""


def visible_to(action: OpenAction, period: Period) -> bool:
    """Whether a plan for ``period`` may see (carry, point at) ``action``: it was opened by
    a plan of an earlier period or of one that began within this one (the cadences
    overlap), never by a plan of a later period, whatever order the plans are built in."""
    return period_of_label(action.period).start <= period.end


def repointed(
    plan: dict[str, Any], holders: dict[tuple[str, str], OpenAction | None], period: Period
) -> None:
    """Point each of the plan's items in ``holders`` (project, item) at the action that
    holds it (another plan opened it first), or at none when that action was opened by a
    plan of a later period (or is gone)."""
    if not holders:
        return
    for group in plan["groups"]:
        for entry in group["items"]:
            key = (entry["project_id"], entry["item"])
            if key not in holders:
                continue
            holder = holders[key]
            if holder is not None and visible_to(holder, period):
                status_ = "new" if holder.period == period.label else "carried"
                entry["action"] = _action_dict(holder, status_)
            else:
                entry["action"] = {**entry["action"], "action_id": None, "status": "none"}


def digest_of(plan: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(plan).encode()).hexdigest()


SET_PIECE_KEYS = ("set_pieces", "set_pieces_missed")
"""Keys a monthly or quarterly plan gained with the set pieces (issue 17)."""
BY_KIND = "by_kind"
"""The key a weekly or monthly plan gained with dispatch by kind (issue 17, after the set
pieces): its projects in sections by kind (`dispatch_kinds`)."""
REVIEW_KEYS = quarter_review.KEYS
"""Keys a quarterly plan gained with the review of the quarter before (issue 17, after
dispatch by kind): 挂点服务 and the pool's movement."""
LATER_KEYS = ("campaign", *SET_PIECE_KEYS, BY_KIND, *REVIEW_KEYS)
"""Keys a plan gained after the first release (issues 12 and 17)."""
LATER_MEETING_KEYS = ("date_rule", "date_source")
"""Keys a plan's meeting gained after the first release (issue 12)."""


def before_set_pieces(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as a release after issue 12 and before issue 17 made it (with its
    ``campaign``, without the set pieces)."""
    return {k: v for k, v in plan.items() if k not in SET_PIECE_KEYS}


def before_by_kind(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as the release with the set pieces and before dispatch by kind made it."""
    return {k: v for k, v in plan.items() if k != BY_KIND}


def before_review(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as the release with dispatch by kind and before the quarterly review
    (`quarter_review`) made it."""
    return {k: v for k, v in plan.items() if k not in REVIEW_KEYS}


def records_in(plan: dict[str, Any]) -> bool:
    """Whether the plan's set pieces state a record (held or not held), not only the
    calendar."""
    pieces = [*plan.get("set_pieces", ()), *plan.get("set_pieces_missed", ())]
    return any(p["state"] in ("held", "not_held") for p in pieces)


def as_first_released(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan without what later releases added to every plan: a plan made before
    them says the same when this form of the new one has its digest."""
    out = {k: v for k, v in plan.items() if k not in LATER_KEYS}
    meeting = out.get("meeting")
    if isinstance(meeting, dict):
        out["meeting"] = {k: v for k, v in meeting.items() if k not in LATER_MEETING_KEYS}
    return out


def action_id_for(project_id: str, item: str, period: str) -> str:
    """Deterministic, so planning the same period twice assigns the same action."""
    return "A" + hashlib.sha256(f"{project_id}|{item}|{period}".encode()).hexdigest()[:15]


def _fresh_action_id(project_id: str, item: str, period: str, taken: frozenset[str]) -> str:
    candidate, n = action_id_for(project_id, item, period), 0
    while candidate in taken:  # the same item recurs after its action was closed
        n += 1
        candidate = action_id_for(project_id, item, f"{period}#{n}")
    return candidate


def spot_check_sample(period: Period, project_ids: Iterable[str], size: int) -> dict[str, Any]:
    """A reproducible random sample: the seed is derived from the period alone."""
    seed = hashlib.sha256(f"gongjian spot check {period.label}".encode()).hexdigest()
    population = sorted(set(project_ids))
    chosen = random.Random(int(seed, 16)).sample(population, min(size, len(population)))
    return {"period": period.label, "seed": seed, "project_ids": sorted(chosen)}


def build_plan(inputs: PlanInputs) -> dict[str, Any]:
    period = inputs.period
    calendar = inputs.calendar
    held_on = calendar.first_working_day(period.start, period.end)
    meeting_on = held_on or period.start  # no meeting: the period is judged as it opens
    due_on = calendar.last_working_day(meeting_on, period.end) or period.end
    active = sorted((s for s in inputs.states if s.active), key=lambda s: s.project_id)
    evaluated = [(s, findings(s, meeting_on, inputs.thresholds, period)) for s in active]
    colours = {s.project_id: status(f) for s, f in evaluated}
    in_scope = [(s, f) for s, f in evaluated if _in_scope(inputs.cadence, s, colours)]
    groups, agenda_projects = _agenda(inputs, in_scope, colours, due_on)
    plan: dict[str, Any] = {
        "campaign": inputs.campaign if inputs.campaign is not None else period.start.year,
        "cadence": inputs.cadence,
        "period": period.label,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "meeting": _meeting(inputs, held_on, agenda_projects.values()),
        "scope": {
            "rule": scope(inputs.cadence, inputs.texts),
            "projects": len(in_scope),
            "on_agenda": len(agenda_projects),
        },
        "board": {
            colour: sum(1 for c in colours.values() if c == colour)
            for colour in ("green", "yellow", "red")
        },
        "groups": [
            {"leader": leader, "unit": unit, "items": items}
            for (leader, unit), items in sorted(groups.items())
        ],
    }
    if held_on is None:
        _carry_to_next_meeting(plan, period)
    if inputs.cadence == "weekly":
        plan["spot_check"] = spot_check_sample(
            period, (s.project_id for s in active), inputs.meeting.spot_check_size
        )
    plan.update(_later_sections(inputs, plan["campaign"], meeting_on, in_scope, colours))
    if inputs.cadence == "quarterly":
        plan["totals"] = campaign_totals(
            active,
            period,
            meeting_on,
            inputs.targets,
            inputs.thresholds.report_grace_days,
            campaign=plan["campaign"],
        )
    return plan


def _later_sections(
    inputs: PlanInputs,
    year: int,
    meeting_on: date,
    in_scope: list[tuple[ProjectState, list[Finding]]],
    colours: dict[str, str],
) -> dict[str, Any]:
    """What later releases added: the set pieces (monthly, quarterly) and the sections by
    kind (weekly, monthly), the escalations open at the meeting (monthly,
    quarterly), the review of the quarter before (quarterly: 挂点服务, the pool); each key
    only when there is something to state."""
    out: dict[str, Any] = {}
    if inputs.cadence != "weekly" and inputs.set_pieces:
        out.update(_set_pieces(inputs, year, meeting_on))
    if inputs.cadence != "quarterly":
        states = (s for s, _ in in_scope)
        out[BY_KIND] = kind_sections(states, colours, inputs.period, meeting_on, inputs.thresholds)
    if inputs.cadence != "weekly" and inputs.escalations:
        out["escalations"] = [dict(e) for e in inputs.escalations]
    if inputs.cadence == "quarterly" and inputs.reviewed is not None:
        review = quarter_review.sections(
            inputs.reviewed, inputs.period, inputs.roster.by_rank, inputs.pooled
        )
        out.update(review)
    return out


def _set_pieces(inputs: PlanInputs, year: int, meeting_on: date) -> dict[str, Any]:
    """The set pieces of the plan's months (and, for the leading group, those missed)."""
    return plan_sections(
        list(inputs.set_pieces),
        year,
        inputs.set_piece_records,
        (inputs.period.start, inputs.period.end),
        meeting_on,
        quarterly=inputs.cadence == "quarterly",
    )


def _agenda(
    inputs: PlanInputs,
    in_scope: list[tuple[ProjectState, list[Finding]]],
    colours: dict[str, str],
    due_on: date,
) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[str, ProjectState]]:
    """The agenda items grouped by (leader, unit), and the projects that have any: each
    project's findings for this cadence, then its open actions no finding names again."""
    open_by_key = {(a.project_id, a.item): a for a in inputs.open_actions}
    by_project: dict[str, list[OpenAction]] = {}
    for action in inputs.open_actions:
        by_project.setdefault(action.project_id, []).append(action)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    agenda_projects: dict[str, ProjectState] = {}
    for state, found in in_scope:
        items = [
            _item(state, f, open_by_key, inputs.period, due_on, inputs)
            for f in found
            if f.agenda and _on_agenda(inputs.cadence, f, colours[state.project_id])
        ]
        current = {f.key for f in found}
        items += [
            _carried(state, a, inputs.texts)
            for a in sorted(by_project.get(state.project_id, []), key=lambda a: a.item)
            if a.item not in current
        ]
        if items:
            agenda_projects[state.project_id] = state
            groups.setdefault((state.leader, state.lead_unit), []).extend(items)
    return groups, agenda_projects


def _meeting(
    inputs: PlanInputs, held_on: date | None, agenda_projects: Iterable[ProjectState]
) -> dict[str, Any]:
    """The meeting: on the period's first working day (``date_rule``), by the calendar
    that said so (``date_source``); with no working day in the period, none is held."""
    calendar, period = inputs.calendar, inputs.period
    meeting: dict[str, Any] = {
        "date": held_on.isoformat() if held_on else None,
        "time": inputs.meeting.time,
        "chair": inputs.roster.chair_for(inputs.cadence, inputs.meeting.chair),
        "attendees": _attendees(agenda_projects, inputs.roster) if held_on else [],
        "calendar": sorted({calendar.source_of(day)[1] for day in period.days()}),
        "date_rule": DATE_RULES[0] if held_on else DATE_RULES[1],
        "date_source": calendar.source_of(held_on or period.start)[1],
    }
    if held_on is None:
        holidays = calendar.holidays_between(period.start, period.end)
        meeting["held"] = False
        meeting["holidays"] = holidays
        meeting["reason"] = no_meeting_reason(period, holidays)
    meeting["warnings"] = calendar.warnings(inputs.texts)
    return meeting


def no_meeting_reason(period: Period, holidays: list[str]) -> str:
    """``2026年2月16日至2月22日均为春节假期，本期不召开调度会议，议题顺延至下次会议``."""
    why = "、".join(holidays) or "休息日"
    return (
        f"{short_date(period.start)}至{short_date(period.end)}均为{why}，"
        "本期不召开调度会议，议题顺延至下次会议"
    )


def _carry_to_next_meeting(plan: dict[str, Any], period: Period) -> None:
    """No meeting: the agenda's items go to the next meeting (they are listed, without
    actions: the next plan finds them again, and open actions stay open)."""
    items = [i for group in plan["groups"] for i in group["items"]]
    plan["groups"] = []
    plan["carried_to"] = period.next().label
    plan["carried_items"] = [
        {k: item[k] for k in ("project_id", "project", "item", "rule", "reason", "colour")}
        for item in items
    ]


def _in_scope(cadence: str, state: ProjectState, colours: dict[str, str]) -> bool:
    if cadence == "weekly":
        return state.major or state.cadence == "weekly" or colours[state.project_id] == RED
    return True


def _on_agenda(cadence: str, finding: Finding, colour: str) -> bool:
    if cadence == "quarterly":
        return finding.escalate or finding.colour == RED
    return True


def _item(
    state: ProjectState,
    finding: Finding,
    open_by_key: dict[tuple[str, str], OpenAction],
    period: Period,
    due_on: date,
    inputs: PlanInputs,
) -> dict[str, Any]:
    existing = open_by_key.get((state.project_id, finding.key))
    if existing is not None:
        # Assigned by an earlier version of this same period: still this period's new action.
        action = _action_dict(existing, "new" if existing.period == period.label else "carried")
    else:
        action = {
            "action_id": _fresh_action_id(
                state.project_id, finding.key, period.label, inputs.taken_action_ids
            ),
            "assignee": finding.assignee or state.lead_unit,
            "due": due_on.isoformat(),
            "since": period.label,
            "status": "new",
        }
    return {
        "project_id": state.project_id,
        "project": state.name,
        "item": finding.key,
        "rule": finding.rule,
        "reason": finding.text(inputs.texts),
        "colour": finding.colour,
        "escalate": finding.escalate,
        "evidence": list(finding.evidence),
        "action": action,
    }


def _carried(state: ProjectState, action: OpenAction, texts: str) -> dict[str, Any]:
    return {
        "project_id": state.project_id,
        "project": state.name,
        "item": action.item,
        "rule": "follow_up",
        "reason": reason(
            "follow_up",
            {"period": action.period, "due": action.due, "description": action.description},
            texts,
        ),
        "colour": None,
        "escalate": False,
        "evidence": [],
        "action": _action_dict(action, "carried"),
    }


def _action_dict(action: OpenAction, status_: str) -> dict[str, Any]:
    return {
        "action_id": action.action_id,
        "assignee": action.assignee,
        "due": action.due.isoformat(),
        "since": action.period,
        "status": status_,
    }


def _attendees(states: Iterable[ProjectState], roster: Roster) -> list[str]:
    """The leaders by rank, then the units of their projects in that order (lead units
    before owners, each unit once), as the meeting notice lists them."""
    states = list(states)
    leaders = roster.by_rank(s.leader for s in states)
    rank = {leader: i for i, leader in enumerate(leaders)}
    ordered = sorted(states, key=lambda s: (rank[s.leader], s.lead_unit, s.project_id))
    units = [s.lead_unit for s in ordered] + [s.owner_unit for s in ordered]
    return list(dict.fromkeys(u for u in [*leaders, *units] if u))


def legacy_meeting(plan: dict[str, Any], chair: str) -> dict[str, Any]:
    """The plan as it was recorded before the configured chairs and rank order: one chair
    for every level, attendees in character order. Only for comparing digests."""
    meeting = {**plan["meeting"], "chair": chair, "attendees": sorted(plan["meeting"]["attendees"])}
    return {**plan, "meeting": meeting}


def progress_rows(
    cadence: str,
    states: Iterable[ProjectState],
    meeting_on: date,
    thresholds: Thresholds,
    *,
    campaign: int | None = None,
) -> list[dict[str, Any]]:
    """The progress table (进展情况表) of the projects a meeting takes up, as they stood
    on the meeting day: colour, and investment in the campaign's year (default: each
    project's own) against the annual plan and its time-proportional share (序时进度), in
    yuan. Not part of the stored plan (whose digest stays what it was); the documents
    compute it at the plan's ``known_at``."""
    active = sorted((s for s in states if s.active), key=lambda s: s.project_id)
    colours = {s.project_id: status(findings(s, meeting_on, thresholds)) for s in active}
    rows = []
    for s in (s for s in active if _in_scope(cadence, s, colours)):
        lag = investment_lag(s, meeting_on, thresholds.report_grace_days)
        completed = sum(
            (v.amount for m, v in s.investments.items() if m.startswith(f"{campaign or s.year}-")),
            Decimal(0),
        )
        rows.append(
            {
                "project_id": s.project_id,
                "project": s.name,
                "leader": s.leader,
                "lead_unit": s.lead_unit,
                "colour": colours[s.project_id],
                "annual_plan": f"{s.annual_plan:.2f}",
                "planned_to_date": f"{lag.planned:.2f}" if lag else None,
                "completed": f"{completed:.2f}",
                "behind_points": str(lag.behind_pp) if lag else None,
            }
        )
    return rows


def campaign_totals(
    states: list[ProjectState],
    period: Period,
    today: date,
    targets: Targets,
    grace_days: int = 5,
    *,
    campaign: int | None = None,
) -> dict[str, Any]:
    """The leading group's view of campaign ``campaign`` (default: the period's year):
    its projects by category against 18/5/6, investment against the annual target and
    its time-proportional share."""
    campaign = period.start.year if campaign is None else campaign
    year = [s for s in states if s.in_campaign(campaign)]
    categories = _by_category(year, targets)
    reported = sum(
        (
            inv.amount
            for s in year
            for month, inv in s.investments.items()
            if month.startswith(f"{campaign}-")
        ),
        Decimal(0),
    )
    lags = [lag for lag in (investment_lag(s, today, grace_days) for s in year) if lag is not None]
    months = max((lag.months for lag in lags), default=0)
    proportional = targets.investment * months / 12
    return {
        "year": campaign,
        "categories": categories,
        "investment": {
            "target": f"{targets.investment:.2f}",
            "reported": f"{reported:.2f}",
            "time_proportional": f"{proportional:.2f}",
            "percent_of_target": f"{(reported / targets.investment * 100):.1f}"
            if targets.investment
            else "0.0",
        },
    }


_ACHIEVED = {
    "breakthrough": lambda s: s.phase in ("completed", "commissioned"),
    "new_start": lambda s: s.started_on is not None,
    "preliminary": lambda s: (
        s.started_on is not None or any(a.outcome == "granted" for a in s.approvals.values())
    ),
}


def _by_category(states: list[ProjectState], targets: Targets) -> dict[str, dict[str, int]]:
    """Per target category: the target, the campaign's projects, those that achieved it."""
    categories = {}
    for name, achieved in _ACHIEVED.items():
        members = [s for s in states if s.category == name]
        categories[name] = {
            "target": getattr(targets, name),
            "projects": len(members),
            "achieved": sum(1 for s in members if achieved(s)),
        }
    return categories


def changes_between(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """What a new version of a plan changes: items added, removed or restated."""
    if old is None:
        return {}

    def items(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {
            f"{i['project_id']}/{i['item']}": i for g in plan.get("groups", []) for i in g["items"]
        }

    before, after = items(old), items(new)
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(
            k
            for k in set(before) & set(after)
            if canonical_json(before[k]) != canonical_json(after[k])
        ),
        "meeting_changed": old.get("meeting") != new.get("meeting"),
        "scope_changed": old.get("scope") != new.get("scope"),
    }


def new_actions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions this plan assigns for the first time."""
    out = []
    for group in plan["groups"]:
        for item in group["items"]:
            if item["action"]["status"] == "new":
                out.append(
                    {
                        **item["action"],
                        "project_id": item["project_id"],
                        "item": item["item"],
                        "reason": item["reason"],
                    }
                )
    return out
