"""Generating a campaign year: 29 projects (18 breakthrough, 5 new start, 6 preliminary)
by default, 4.5 billion yuan planned, and the year's events. Same seed, same campaign."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")
ANNUAL_TARGET = Decimal("4500000000")
CATEGORY_SHARES = (("breakthrough", 18), ("new_start", 5), ("preliminary", 6))
SECTORS = ("制造业", "现代物流", "商贸", "文化旅游", "健康养老", "金融", "科技信息服务")
TOWNS = ("城关镇", "桐木镇", "嘴东镇", "南港镇", "北湖乡", "西山镇", "临河镇")
LEADERS = (
    "王建国(县长)",
    "李红梅(常务副县长)",
    "张志强(副县长)",
    "刘德华(副县长)",
    "陈立新(县委常委)",
    "杨秀英(县人大副主任)",
    "赵国庆(县政协副主席)",
)
UNITS = (
    "县发改局",
    "县工信局",
    "县商务局",
    "县文旅局",
    "县卫健局",
    "县自然资源局",
    "城关镇政府",
    "桐木镇政府",
    "嘴东镇政府",
    "南港镇政府",
)
NAMES = (
    "新能源电池材料产业园",
    "冷链物流中心",
    "商贸综合体",
    "滨海文旅小镇",
    "康养中心",
    "智能装备制造基地",
    "农产品加工园",
    "数据中心",
    "港口物流园",
    "精细化工升级改造",
    "绿色建材产业园",
    "医药产业园",
    "电商产业园",
    "新型纺织产业园",
    "光伏发电项目",
)
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


@dataclass(frozen=True)
class DemoEvent:
    """One event as an approval system or the office sends it."""

    project_id: str
    type: str
    occurred_at: datetime
    payload: dict[str, Any]
    event_id: str
    late: bool = False  # reported in the second wave, after the office's first look


@dataclass
class DemoProject:
    registration: dict[str, Any]
    registered_on: date
    events: list[DemoEvent] = field(default_factory=list)

    @property
    def project_id(self) -> str:
        return str(self.registration["project_id"])


@dataclass
class Campaign:
    year: int
    seed: int
    projects: list[DemoProject]

    def events(self, *, late: bool) -> list[DemoEvent]:
        """All project events of one wave, in business-time order."""
        chosen = [e for p in self.projects for e in p.events if e.late == late]
        return sorted(chosen, key=lambda e: (e.occurred_at, e.project_id, e.event_id))


def generate(*, projects: int = 29, year: int = 2025, seed: int = 2024) -> Campaign:
    if projects < 1:
        raise ValueError("a campaign needs at least one project")
    rng = random.Random(seed)
    counter = iter(range(10**9))

    def new_id() -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gongjian-demo/{seed}/{year}/{next(counter)}"))

    categories = _categories(projects)
    plans = _split(ANNUAL_TARGET * projects / 29, projects, rng)
    built = []
    for index, (category, annual) in enumerate(zip(categories, plans, strict=True)):
        built.append(_project(index, category, annual, year, rng, new_id))
    _add_one_correction_and_one_veto(built, rng, new_id)
    return Campaign(year, seed, built)


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


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE)


def _project(index, category, annual, year, rng, new_id) -> DemoProject:  # type: ignore[no-untyped-def]
    """One project's registration and year; each step draws from ``rng`` in a fixed order, so
    the same seed gives the same campaign."""
    registered_on = date(year, 3, 1) + timedelta(days=rng.randrange(0, 20))
    year_of = _ProjectYear(
        DemoProject(_registration(index, category, annual, year, rng), registered_on),
        category=category,
        annual=annual,
        year=year,
        rng=rng,
        new_id=new_id,
        pace=rng.choice([1.05, 1.0, 0.95, 0.85, 0.7, 0.5]),  # how well this project performs
    )
    year_of.plan_milestones()
    year_of.seek_approvals()
    year_of.report_investment(year_of.start_construction())
    year_of.meet_or_slip_milestones()
    year_of.raise_and_resolve_issues()
    year_of.inspect_and_notify()
    return year_of.project


def _registration(index, category, annual, year, rng) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "project_id": f"XM{year}{index + 1:03d}",
        "national_code": f"{year}-{331000 + index:06d}-{rng.randrange(10, 99)}-01-{rng.randrange(100000, 999999)}",
        "name": f"{TOWNS[index % len(TOWNS)][:2]}{NAMES[index % len(NAMES)]}",
        "category": category,
        "sector": SECTORS[index % len(SECTORS)],
        "town": TOWNS[index % len(TOWNS)],
        "year": year,
        "total_investment": f"{annual * rng.choice([2, 3, 4]):.2f}",
        "annual_plan": f"{annual:.2f}",
        "major": index % 3 == 0,
        "cadence": "weekly" if index % 3 == 0 else "monthly",
        "leader": LEADERS[index % len(LEADERS)],
        "lead_unit": UNITS[index % len(UNITS)],
        "owner_unit": f"{NAMES[index % len(NAMES)][:4]}有限公司",
        "planned_start": (date(year, 4, 1) + timedelta(days=rng.randrange(0, 120))).isoformat()
        if category == "new_start"
        else None,
        "planned_completion": date(year, 12, 20).isoformat()
        if category == "breakthrough"
        else None,
    }


@dataclass
class _ProjectYear:
    """A project's events through the year, step by step; ``pace`` is how well it performs."""

    project: DemoProject
    category: str
    annual: Decimal
    year: int
    rng: random.Random
    new_id: Any
    pace: float

    @property
    def start(self) -> date:
        return self.project.registered_on + timedelta(days=3)

    def event(self, type_: str, day: date, payload: dict[str, Any], late: bool = False) -> None:
        self.project.events.append(
            DemoEvent(self.project.project_id, type_, at(day), payload, self.new_id(), late)
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
                self.start,
                {"milestone_id": milestone_id, "name": name, "due": due.isoformat(), "kind": kind},
            )

    def seek_approvals(self) -> None:
        if self.category not in ("preliminary", "new_start"):
            return
        permit = ("construction_permit",) if self.category == "new_start" else ()
        for n, kind in enumerate(PRELIMINARY_APPROVALS + permit):
            requested = self.start + timedelta(days=7 + 12 * n)
            approval_id = f"{self.project.project_id}-{kind}"
            self.event(
                "ApprovalRequested",
                requested,
                {
                    "approval_id": approval_id,
                    "kind": kind,
                    "authority": "县行政审批局",
                    "allowed_days": 20,
                },
            )
            delay = int(self.rng.choice([8, 12, 15, 25, 40]) / max(self.pace, 0.5))
            granted = requested + timedelta(days=delay)
            if granted < date(self.year, 12, 20) and self.rng.random() < 0.9:
                # Approval systems report some grants weeks late.
                self.event(
                    "ApprovalGranted",
                    granted,
                    {
                        "approval_id": approval_id,
                        "kind": kind,
                        "document_no": f"审批〔{self.year}〕{self.rng.randrange(1, 999)}号",
                    },
                    late=self.rng.random() < 0.15,
                )

    def start_construction(self) -> date | None:
        """The day a new start broke ground this year (None otherwise)."""
        if self.category == "breakthrough":
            # Continuing projects (续建) broke ground in earlier years; the year opens with work resuming.
            self.event("ConstructionStarted", self.start, {"note": "续建项目,年度复工"})
        if self.category != "new_start":
            return None
        planned = date.fromisoformat(self.project.registration["planned_start"])
        slip = int(self.rng.choice([0, 10, 20, 45, 100]) * (1.2 - self.pace))
        started = planned + timedelta(days=max(slip, 0))
        if started >= date(self.year, 12, 25):
            return None
        self.event("ConstructionStarted", started, {"note": "举行开工仪式"})
        return started

    def report_investment(self, started: date | None) -> None:
        year = self.year
        first_month = (
            3 if self.category == "breakthrough" else (started.month + 1 if started else 13)
        )
        for month in range(first_month, 13):
            if self.rng.random() < 0.08:
                continue  # a month with no report
            share = Decimal(str(round(self.pace * self.rng.uniform(0.8, 1.2), 3)))
            amount = (self.annual / 10 * share).quantize(Decimal("0.01"))
            self.event(
                "InvestmentReported",
                date(year, month, 1) + timedelta(days=self.rng.randrange(27, 31))
                if month < 12
                else date(year, 12, 18),
                {"month": f"{year}-{month:02d}", "amount": f"{amount:.2f}"},
                late=month == 11 and self.rng.random() < 0.2,
            )

    def meet_or_slip_milestones(self) -> None:
        for milestone_id, _name, due, _kind in self.milestones():
            if self.pace >= 0.95:
                done = due - timedelta(days=self.rng.randrange(0, 10))
                self.event("MilestoneCompleted", done, {"milestone_id": milestone_id})
            elif self.pace >= 0.7:
                self.slip(milestone_id, due, due + timedelta(days=30), "施工进度滞后")
                if due + timedelta(days=25) < date(self.year, 12, 28):
                    done = due + timedelta(days=25)
                    self.event("MilestoneCompleted", done, {"milestone_id": milestone_id})
            else:
                for n in range(2 if due.month < 10 else 1):
                    slipped_on = due + timedelta(days=30 * n)
                    new_due = due + timedelta(days=30 * (n + 1))
                    self.slip(milestone_id, slipped_on, new_due, "要素保障不到位")

    def slip(self, milestone_id: str, day: date, new_due: date, reason: str) -> None:
        self.event(
            "MilestoneSlipped",
            day,
            {"milestone_id": milestone_id, "new_due": new_due.isoformat(), "reason": reason},
        )

    def raise_and_resolve_issues(self) -> None:
        for n in range(self.rng.randrange(0, 3)):
            raised = self.start + timedelta(days=self.rng.randrange(20, 200))
            issue_id = f"{self.project.project_id}-issue{n + 1}"
            kind, label = self.rng.choice(list(ISSUE_LABELS.items()))
            self.event(
                "IssueRaised",
                raised,
                {
                    "issue_id": issue_id,
                    "kind": kind,
                    "description": f"项目{label}要素保障存在问题,需协调解决",
                    "allowed_days": 15,
                    "owner": self.project.registration["lead_unit"],
                },
            )
            took = int(self.rng.choice([5, 10, 20, 40]) / max(self.pace, 0.5))
            resolved = raised + timedelta(days=took)
            if resolved < date(self.year, 12, 28):
                self.event(
                    "IssueResolved",
                    resolved,
                    {"issue_id": issue_id, "resolution": "经调度会协调已解决"},
                )

    def inspect_and_notify(self) -> None:
        year, pace, project_id = self.year, self.pace, self.project.project_id
        inspected = date(year, 10, 10) + timedelta(days=self.rng.randrange(0, 15))
        result = "passed" if pace >= 0.9 else ("passed_with_issues" if pace >= 0.7 else "failed")
        self.event(
            "InspectionCompleted",
            inspected,
            {
                "inspection_id": f"{project_id}-insp",
                "result": result,
                "inspector": "县人大代表视察组",
                "findings": "" if result == "passed" else "进度滞后于序时",
            },
        )
        if pace >= 1.05:
            self.notice("praise", "commendation", "重点项目建设进度快,予以通报表扬")
        elif pace <= 0.5:
            self.notice("critic", "criticism", "重点项目推进缓慢,予以通报批评")
        if self.category == "breakthrough" and pace >= 1.0:
            self.event("ProjectCompleted", date(year, 12, 10), {"note": "主体工程完工"})
            self.event("ProjectCommissioned", date(year, 12, 20), {"note": "竣工投产"})

    def notice(self, suffix: str, kind: str, title: str) -> None:
        self.event(
            "SupervisionNoticeIssued",
            date(self.year, 9, 15),
            {
                "notice_id": f"{self.project.project_id}-{suffix}",
                "kind": kind,
                "title": title,
                "unit": self.project.registration["lead_unit"],
            },
        )


def _add_one_correction_and_one_veto(
    projects: list[DemoProject], rng: random.Random, new_id
) -> None:  # type: ignore[no-untyped-def]
    reports = [
        e for p in projects for e in p.events if e.type == "InvestmentReported" and not e.late
    ]
    if reports:
        wrong = rng.choice(reports)
        fixed = dict(
            wrong.payload, amount=f"{Decimal(wrong.payload['amount']) * Decimal('0.8'):.2f}"
        )
        owner = next(p for p in projects if p.project_id == wrong.project_id)
        owner.events.append(
            DemoEvent(
                wrong.project_id,
                "EventCorrected",
                wrong.occurred_at + timedelta(days=5),
                {
                    "corrected_event_id": wrong.event_id,
                    "payload": fixed,
                    "reason": "统计口径更正,核减重复计算部分",
                },
                new_id(),
                late=True,
            )
        )
    vetoed = projects[min(len(projects) - 1, 7)]
    vetoed.events.append(
        DemoEvent(
            vetoed.project_id,
            "SafetyIncidentReported",
            at(date(vetoed.registered_on.year, 7, 18)),
            {
                "incident_id": f"{vetoed.project_id}-incident",
                "kind": "major_safety_accident",
                "description": "施工现场发生较大安全生产事故",
            },
            new_id(),
        )
    )
