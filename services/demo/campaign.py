"""Generating a campaign year: the county's 29 projects (18 breakthrough, 5 new start, 6
preliminary) by default, 4.5 billion yuan planned, and the year's events, each with the
instant it reaches the office (``arrives``): monthly reports around the 5th of the next
month, some late, approvals reported days or weeks after the grant, a correction or two.
About two thirds of the projects keep to plan, a few fall a little behind, at most five
far behind (`county.py`). Same seed, same campaign."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from . import county

ZONE = ZoneInfo("Asia/Shanghai")
ANNUAL_TARGET = Decimal("4500000000")
CATEGORY_SHARES = (("breakthrough", 18), ("new_start", 5), ("preliminary", 6))
OFFICE = "县发改局（领导小组办公室）"
APPROVALS = "县行政审批局"
INSPECTORS = "县攻坚行动专项督查组"
LATE_AFTER = timedelta(days=7)
"""An event that reaches the office more than this after it happened is a late report."""
ISSUE_LABELS = {
    "land": "用地",
    "energy": "用能",
    "labour": "用工",
    "financing": "融资",
    "environment": "环保",
    "power": "供电",
    "water": "供水",
    "road": "道路",
}
PRELIMINARY_APPROVALS = ("filing", "planning", "eia", "land", "energy")
PACES = {"good": (1.0, 1.02, 1.05), "fair": (0.8,), "poor": (0.55,), "vetoed": (1.0,)}
"""How well a project of each fate performs: the share of its plan it achieves."""


def this_year() -> int:
    """The campaign year of today's date in the campaign's zone (the demo's default)."""
    return datetime.now(ZONE).year


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@dataclass(frozen=True)
class DemoEvent:
    """One event as an approval system, a unit or the office sends it."""

    project_id: str
    type: str
    occurred_at: datetime
    payload: dict[str, Any]
    event_id: str
    arrives: datetime
    """When it reaches the office: its record time on the demo's simulated clock."""
    actor: str = ""

    @property
    def late(self) -> bool:
        return self.arrives - self.occurred_at > LATE_AFTER


@dataclass
class DemoProject:
    registration: dict[str, Any]
    registered_on: date
    fate: str
    """good, fair, poor or vetoed (`county.py`)."""
    events: list[DemoEvent] = field(default_factory=list)

    @property
    def project_id(self) -> str:
        return str(self.registration["project_id"])


@dataclass
class Campaign:
    year: int
    seed: int
    projects: list[DemoProject]

    def definition(self) -> dict[str, Any]:
        """The demo county's campaign year as a ``CampaignDefined`` body (without the year)."""
        return {
            "name": f"{county.COUNTY}{self.year}年项目攻坚年",
            "county": county.COUNTY,
            "starts_on": f"{self.year}-03-01",
            "ends_on": f"{self.year}-12-31",
            "targets": {
                **{category: 0 for category, _ in CATEGORY_SHARES},
                **Counter(str(p.registration["category"]) for p in self.projects),
                "investment": f"{ANNUAL_TARGET * len(self.projects) / 29:.2f}",
            },
        }

    @property
    def defined_at(self) -> datetime:
        """When the county decides its campaign: before the mobilisation in March."""
        return at(date(self.year, 2, 26), 9)

    def events(self, *, late: bool) -> list[DemoEvent]:
        """All project events of one wave, in business-time order (the HTTP load sends
        the punctual ones first, the late reports after)."""
        everything = [e for p in self.projects for e in p.events]
        # Corrections go with the late wave: after the reports they correct, which the
        # registry must have stored before it takes a correction of them.
        chosen = [e for e in everything if (e.late or e.type == "EventCorrected") == late]
        return sorted(chosen, key=lambda e: (e.occurred_at, e.project_id, e.event_id))

    def in_arrival_order(self) -> list[DemoEvent]:
        """Registrations and events in the order they reach the office."""
        everything = [_registered(p, self.seed) for p in self.projects]
        everything += [e for p in self.projects for e in p.events]
        return sorted(everything, key=lambda e: (e.arrives, e.occurred_at, e.event_id))


def _registered(project: DemoProject, seed: int) -> DemoEvent:
    registered = at(project.registered_on, 9)
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"gongjian-demo/{seed}/{project.project_id}")
    return DemoEvent(
        project.project_id,
        "ProjectRegistered",
        registered,
        project.registration,
        str(event_id),
        registered,
        OFFICE,
    )


def generate(*, projects: int = 29, year: int | None = None, seed: int = 2024) -> Campaign:
    if projects < 1:
        raise ValueError("演示活动至少要有一个项目")
    year = year or this_year()
    rng = random.Random(seed)
    counter = iter(range(10**9))

    def new_id() -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gongjian-demo/{seed}/{year}/{next(counter)}"))

    chosen = county.select(projects, _categories(projects))
    plans = _split(ANNUAL_TARGET * projects / 29, projects, rng)
    built = []
    for number, ((index, planned), annual) in enumerate(zip(chosen, plans, strict=True)):
        built.append(_project(number, index, planned, annual, year, rng, new_id))
    _add_corrections(built, new_id)
    _add_veto(built, new_id)
    _add_teams(built, new_id)
    return Campaign(year, seed, built)


def _add_teams(projects: list[DemoProject], new_id: Any) -> None:
    """Each project's 工作专班 and named contact, set up the week after it is registered
    (added last, so the events drawn before keep their ids)."""
    for number, project in enumerate(projects):
        r = project.registration
        team = county.team_of(number, r["lead_unit"], r["owner_unit"], r["town"])
        occurred = at(project.registered_on + timedelta(days=7), 15)
        payload = {
            "team": team,
            "contact": {"name": team[-1]["name"], "phone": county.contact_phone(number)},
            "reason": "成立项目工作专班，指定专人联络",
        }
        project.events.append(
            DemoEvent(
                project.project_id,
                "ResponsibilityAssigned",
                occurred,
                payload,
                new_id(),
                occurred + timedelta(hours=1),
                OFFICE,
            )
        )


def _categories(n: int) -> list[str]:
    total = sum(count for _, count in CATEGORY_SHARES)
    out: list[str] = []
    for category, count in CATEGORY_SHARES:
        out += [category] * round(n * count / total)
    while len(out) < n:
        out.append("breakthrough")
    return out[:n]


def _split(total: Decimal, n: int, rng: random.Random) -> list[Decimal]:
    weights = [rng.uniform(0.3, 3.0) for _ in range(n)]
    scale = sum(weights)
    amounts = [(total * Decimal(w / scale)).quantize(Decimal("10000")) for w in weights]
    amounts[-1] += total.quantize(Decimal("1")) - sum(amounts)
    return amounts


def fate_of(index: int) -> str:
    if index == county.VETOED:
        return "vetoed"
    if index in county.POOR:
        return "poor"
    return "fair" if index in county.FAIR else "good"


def _project(number, index, planned, annual, year, rng, new_id) -> DemoProject:  # type: ignore[no-untyped-def]
    """One project's registration and year; each step draws from ``rng`` in a fixed order,
    so the same seed gives the same campaign."""
    registered_on = date(year, 3, 1) + timedelta(days=rng.randrange(0, 20))
    fate = fate_of(index)
    project = DemoProject(
        _registration(number, index, planned, annual, year, rng), registered_on, fate
    )
    year_of = _ProjectYear(project, annual, year, rng, new_id, rng.choice(PACES[fate]))
    year_of.plan_milestones()
    year_of.seek_approvals()
    year_of.report_investment(year_of.start_construction())
    year_of.meet_or_slip_milestones()
    year_of.raise_and_resolve_issues()
    year_of.inspect_and_notify()
    year_of.visit_by_leader(number)
    return project


def _registration(number, index, planned, annual, year, rng) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    category = planned.category
    start = date(year, 4, 1) + timedelta(days=rng.randrange(0, 120))
    return {
        "project_id": f"XM{year}{number + 1:03d}",
        "national_code": f"{year % 100:02d}{number % 12 + 1:02d}-341122-04-01-"
        f"{rng.randrange(100, 999)}{number % 1000:03d}",
        "name": planned.name,
        "category": category,
        "sector": planned.sector,
        "town": planned.town,
        "year": year,
        "total_investment": f"{annual * rng.choice([2, 3, 4]):.2f}",
        "annual_plan": f"{annual:.2f}",
        "monthly_plan": _monthly_plan(annual, start.month if category == "new_start" else 3),
        "major": number % 3 == 0,
        "cadence": "weekly" if number % 3 == 0 else "monthly",
        "leader": county.leader_of(index, planned),
        "lead_unit": county.LEAD_UNITS[planned.sector],
        "owner_unit": planned.owner_unit,
        "planned_start": start.isoformat() if category == "new_start" else None,
        "planned_completion": date(year, 12, 28).isoformat()
        if category == "breakthrough"
        else None,
    }


def _monthly_plan(annual: Decimal, first_month: int) -> list[str]:
    """The annual plan spread evenly over the months from ``first_month``; exact in fen."""
    months = 13 - first_month
    share = (annual / months).quantize(Decimal("0.01"))
    plan = [Decimal(0)] * (first_month - 1) + [share] * months
    plan[-1] += annual - sum(plan)
    return [f"{amount:.2f}" for amount in plan]


@dataclass
class _ProjectYear:
    """A project's events through the year, step by step; ``pace`` is how well it performs
    and its fate (`county.py`) how punctually it reports."""

    project: DemoProject
    annual: Decimal
    year: int
    rng: random.Random
    new_id: Any
    pace: float

    @property
    def start(self) -> date:
        return self.project.registered_on + timedelta(days=3)

    @property
    def fate(self) -> str:
        return self.project.fate

    @property
    def category(self) -> str:
        return str(self.project.registration["category"])

    def event(
        self,
        type_: str,
        occurred: datetime,
        payload: dict[str, Any],
        *,
        arrives: datetime | None = None,
        actor: str = OFFICE,
    ) -> None:
        """An event; unless said otherwise it reaches the office an hour or two later."""
        arrives = arrives or occurred + timedelta(minutes=self.rng.randrange(30, 150))
        self.project.events.append(
            DemoEvent(
                self.project.project_id, type_, occurred, payload, self.new_id(), arrives, actor
            )
        )

    def milestones(self) -> list[tuple[str, str, date, str]]:
        year, breakthrough = self.year, self.category == "breakthrough"
        return [
            ("m1", "完成前期手续", date(year, 5, 31), "preliminary"),
            (
                "m2",
                "主体结构封顶" if breakthrough else "主体工程开工",
                date(year, 8, 31),
                "progress" if breakthrough else "start",
            ),
            (
                "m3",
                "设备安装调试" if breakthrough else "完成年度形象进度",
                date(year, 11, 30),
                "completion" if breakthrough else "progress",
            ),
        ]

    def plan_milestones(self) -> None:
        for milestone_id, name, due, kind in self.milestones():
            self.event(
                "MilestonePlanned",
                at(self.start, 9),
                {"milestone_id": milestone_id, "name": name, "due": due.isoformat(), "kind": kind},
            )

    def seek_approvals(self) -> None:
        if self.category not in ("preliminary", "new_start"):
            return
        permit = ("construction_permit",) if self.category == "new_start" else ()
        kinds = PRELIMINARY_APPROVALS + permit
        for n, kind in enumerate(kinds):
            requested = self.start + timedelta(days=7 + 12 * n)
            approval_id = f"{self.project.project_id}-{kind}"
            self.event(
                "ApprovalRequested",
                at(requested, 10),
                {
                    "approval_id": approval_id,
                    "kind": kind,
                    "authority": APPROVALS,
                    "allowed_days": 20,
                },
                actor=APPROVALS,
            )
            if self.fate == "poor" and n == len(kinds) - 1:
                continue  # still waiting at year end
            self.grant(approval_id, kind, requested)

    def grant(self, approval_id: str, kind: str, requested: date) -> None:
        delays = {"good": (6, 9, 12, 15, 18), "fair": (12, 18, 25, 30), "poor": (25, 40, 60)}
        granted = requested + timedelta(days=self.rng.choice(delays.get(self.fate, delays["good"])))
        if granted >= date(self.year, 12, 20):
            return
        # The approval system sends most grants the same day, some weeks late.
        delay = timedelta(days=self.rng.choice((0, 0, 0, 1, 1, 12, 21)), hours=3)
        self.event(
            "ApprovalGranted",
            at(granted, 15),
            {
                "approval_id": approval_id,
                "kind": kind,
                "document_no": f"审批〔{self.year}〕{self.rng.randrange(1, 999)}号",
            },
            arrives=at(granted, 15) + delay,
            actor=APPROVALS,
        )

    def start_construction(self) -> date | None:
        """The day a new start broke ground this year (None otherwise)."""
        if self.category == "breakthrough":
            # Continuing projects (续建) broke ground in earlier years; work resumes.
            self.event("ConstructionStarted", at(self.start, 9), {"note": "续建项目，年度复工"})
            self.enter_statistics(self.start + timedelta(days=1), "续建项目，以前年度已入统")
        if self.category != "new_start":
            return None
        signed = at(self.project.registered_on + timedelta(days=2), 10)  # 项目库: 签约 → 开工
        self.event(
            "ProjectStageChanged",
            signed,
            {"stage": "signed", "note": "签订投资协议"},
            arrives=signed,
        )
        planned = date.fromisoformat(self.project.registration["planned_start"])
        slip = {"good": 0, "vetoed": 0, "fair": 20, "poor": 100}[self.fate]
        started = planned + timedelta(days=slip + self.rng.randrange(0, 5))
        if started >= date(self.year, 12, 25):
            return None
        self.event("ConstructionStarted", at(started, 9), {"note": "举行开工仪式"})
        if self.fate != "poor":  # a poor project is never 入统 (the 入库 rule turns it red)
            self.enter_statistics(started + timedelta(days=20), "开工后按月入统")
        return started

    def visit_by_leader(self, number: int) -> None:
        """挂点服务: the leader visits once a quarter from the second; a poor project's
        leader misses the fourth, a vetoed one's the third. Draws nothing from ``rng``."""
        missed = {"poor": 4, "vetoed": 3}.get(self.fate)
        leader = self.project.registration["leader"]
        for quarter, month in ((2, 5), (3, 8), (4, 11)):
            if quarter == missed:
                continue
            occurred = at(date(self.year, month, 5 + number % 20), 10)
            payload = {
                "visit_id": f"{self.project.project_id}-Q{quarter}",
                "leader": leader,
                "services": "到项目现场调研，听取进展汇报，协调推进",
                "problems_solved": ["施工用电接入"] if quarter == 2 else [],
            }
            self.event("LeaderVisited", occurred, payload, arrives=occurred)

    def enter_statistics(self, on: date, note: str) -> None:
        """入统 (``ProjectStatisticsEntered``), recorded the same day; none after year end."""
        if on >= date(self.year, 12, 25):
            return
        occurred = at(on, 11)
        self.event("ProjectStatisticsEntered", occurred, {"note": note}, arrives=occurred)

    def report_investment(self, started: date | None) -> None:
        """The unit's monthly report, sent around the 5th of the next month."""
        plan = [Decimal(m) for m in self.project.registration["monthly_plan"]]
        first = started.month if self.category == "new_start" and started else 3
        if self.category == "new_start" and started is None:
            return
        skipped = self.rng.randrange(5, 10) if self.fate == "poor" else None
        for month in range(first, 13):
            noise = Decimal(str(round(self.pace * self.rng.uniform(0.94, 1.06), 3)))
            amount = (plan[month - 1] * noise).quantize(Decimal("0.01"))
            if month == skipped or (amount == 0 and month < 12):
                continue
            self.report(month, amount)

    def report(self, month: int, amount: Decimal) -> None:
        year = self.year
        end = date(year, 12, 25) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)
        first_of_next = date(year + month // 12, month % 12 + 1, 1)
        days = {"good": (0, 4), "vetoed": (0, 4), "fair": (1, 9), "poor": (5, 20)}[self.fate]
        arrives = first_of_next + timedelta(days=self.rng.randint(*days))
        if self.rng.random() < 0.06:
            arrives += timedelta(days=self.rng.randrange(12, 25))  # forgotten, sent late
        self.event(
            "InvestmentReported",
            at(end, 18),
            {"month": f"{year}-{month:02d}", "amount": f"{amount:.2f}"},
            arrives=at(arrives, 9, self.rng.randrange(0, 59)),
            actor=str(self.project.registration["owner_unit"]),
        )

    def meet_or_slip_milestones(self) -> None:
        for milestone_id, _name, due, _kind in self.milestones():
            if self.pace >= 0.95:
                done = due - timedelta(days=self.rng.randrange(1, 10))
                self.event("MilestoneCompleted", at(done, 16), {"milestone_id": milestone_id})
            elif self.pace >= 0.7:
                self.slip(milestone_id, due, due + timedelta(days=30), "施工进度滞后")
                if due + timedelta(days=25) < date(self.year, 12, 28):
                    done = due + timedelta(days=25)
                    self.event("MilestoneCompleted", at(done, 16), {"milestone_id": milestone_id})
            else:
                for n in range(2 if due.month < 10 else 1):
                    slipped_on = due + timedelta(days=30 * n)
                    new_due = due + timedelta(days=30 * (n + 1))
                    self.slip(milestone_id, slipped_on, new_due, "要素保障不到位")

    def slip(self, milestone_id: str, day: date, new_due: date, reason: str) -> None:
        self.event(
            "MilestoneSlipped",
            at(day, 11),
            {"milestone_id": milestone_id, "new_due": new_due.isoformat(), "reason": reason},
        )

    def raise_and_resolve_issues(self) -> None:
        count = {"good": (0, 1), "vetoed": (0, 1), "fair": (1, 2), "poor": (2, 2)}[self.fate]
        took = {"good": (4, 12), "vetoed": (4, 12), "fair": (10, 25), "poor": (20, 40)}[self.fate]
        for n in range(self.rng.randint(*count)):
            raised = self.start + timedelta(days=self.rng.randrange(20, 200))
            issue_id = f"{self.project.project_id}-issue{n + 1}"
            kind, label = self.rng.choice(list(ISSUE_LABELS.items()))
            self.event(
                "IssueRaised",
                at(raised, 10),
                {
                    "issue_id": issue_id,
                    "kind": kind,
                    "description": f"项目{label}要素保障存在问题，需协调解决",
                    "allowed_days": 15,
                    "owner": self.project.registration["lead_unit"],
                },
            )
            resolved = raised + timedelta(days=self.rng.randint(*took))
            if self.fate == "poor" and n == 1:
                continue  # still open at year end
            if resolved < date(self.year, 12, 28):
                self.event(
                    "IssueResolved",
                    at(resolved, 17),
                    {"issue_id": issue_id, "resolution": "经调度会协调已解决"},
                )

    def inspect_and_notify(self) -> None:
        year, project_id = self.year, self.project.project_id
        inspected = date(year, 10, 10) + timedelta(days=self.rng.randrange(0, 15))
        result = {"fair": "passed_with_issues", "poor": "failed"}.get(self.fate, "passed")
        self.event(
            "InspectionCompleted",
            at(inspected, 15),
            {
                "inspection_id": f"{project_id}-insp",
                "result": result,
                "inspector": INSPECTORS,
                "findings": "" if result == "passed" else "进度滞后于序时",
            },
            actor=INSPECTORS,
        )
        if self.pace >= 1.05:
            self.notice("praise", "commendation", "重点项目建设进度快，予以通报表扬")
        elif self.fate == "poor":
            self.notice("critic", "criticism", "重点项目推进缓慢，予以通报批评")
        if self.category == "breakthrough" and self.pace >= 1.02:
            self.event("ProjectCompleted", at(date(year, 12, 22), 10), {"note": "主体工程完工"})
            self.event("ProjectCommissioned", at(date(year, 12, 28), 10), {"note": "竣工投产"})

    def notice(self, suffix: str, kind: str, title: str) -> None:
        self.event(
            "SupervisionNoticeIssued",
            at(date(self.year, 9, 15), 10),
            {
                "notice_id": f"{self.project.project_id}-{suffix}",
                "kind": kind,
                "title": title,
                "unit": self.project.registration["lead_unit"],
            },
        )


CORRECTIONS = (
    # (the project's place in the list, month, factor, days after the report, reason)
    (0, 4, Decimal("0.8"), 15, "统计口径更正，核减重复计算部分"),
    (9, 7, Decimal("1.15"), 12, "补录漏统的设备购置款"),
)
"""The corrections the office makes to monthly reports (the auditor's walk-through reads
the first: XM<year>001's April, as known on 10 May and as known now)."""


def _add_corrections(projects: list[DemoProject], new_id: Any) -> None:
    for number, month, factor, days, reason in CORRECTIONS:
        if number >= len(projects):
            continue
        project = projects[number]
        wanted = f"{project.registration['year']}-{month:02d}"
        report = next(
            (
                e
                for e in project.events
                if e.type == "InvestmentReported" and e.payload["month"] == wanted
            ),
            None,
        )
        if report is None:
            continue
        fixed = dict(report.payload, amount=f"{Decimal(report.payload['amount']) * factor:.2f}")
        corrected = report.arrives + timedelta(days=days)
        project.events.append(
            DemoEvent(
                project.project_id,
                "EventCorrected",
                corrected,
                {"corrected_event_id": report.event_id, "payload": fixed, "reason": reason},
                new_id(),
                corrected + timedelta(minutes=20),
                OFFICE,
            )
        )


def _add_veto(projects: list[DemoProject], new_id: Any) -> None:
    vetoed = next((p for p in projects if p.fate == "vetoed"), None)
    if vetoed is None:
        return
    occurred = at(date(vetoed.registered_on.year, 7, 18), 14)
    vetoed.events.append(
        DemoEvent(
            vetoed.project_id,
            "SafetyIncidentReported",
            occurred,
            {
                "incident_id": f"{vetoed.project_id}-incident",
                "kind": "major_safety_accident",
                "description": "施工现场发生较大安全生产事故",
            },
            new_id(),
            occurred + timedelta(hours=3),
            "县应急管理局",
        )
    )
