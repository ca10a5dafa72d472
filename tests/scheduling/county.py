"""A small county for the document tests: five projects under four leaders of different
ranks (registered in an order that is neither rank nor character order), in 2026."""

from __future__ import annotations

from .helpers import Clock, Project

YEAR = 2026
LEADERS = ("张志强(副县长)", "王建国(县长)", "李红梅(常务副县长)", "陈明(县委书记)")


def build_county(store, clock: Clock) -> dict[str, Project]:
    clock.set(f"{YEAR}-01-05")
    specs = [
        ("p-logistics", "冷链物流园", LEADERS[0], "城关镇", True, "45000000.00"),
        ("p-factory", "智能装备产业园", LEADERS[1], "县发改局", True, "120000000.00"),
        ("p-mall", "商贸综合体", LEADERS[2], "县商务局", True, "36000000.00"),
        ("p-tourism", "古镇文旅综合开发", LEADERS[3], "县文旅局", True, "24000000.00"),
        ("p-care", "康养中心", LEADERS[1], "县民政局", True, "18000000.00"),
    ]
    projects = {}
    for project_id, name, leader, unit, major, plan in specs:
        project = Project(store, project_id)
        project.register(
            on=f"{YEAR}-01-05",
            name=name,
            leader=leader,
            lead_unit=unit,
            owner_unit=f"{name}业主公司",
            major=major,
            cadence="weekly",
            year=YEAR,
            annual_plan=plan,
        )
        projects[project_id] = project
    projects["p-factory"].milestone(
        "m-steel", f"{YEAR}-02-10", on=f"{YEAR}-01-06", name="主体钢结构封顶"
    )
    projects["p-factory"].invest(f"{YEAR}-01", "1000000.00")
    projects["p-logistics"].invest(f"{YEAR}-01", "3750000.00")
    projects["p-mall"].invest(f"{YEAR}-01", "3000000.00")
    projects["p-care"].invest(f"{YEAR}-01", "1500000.00")
    projects["p-care"].issue("w1", f"{YEAR}-01-10", allowed_days=15, owner="县自然资源局")
    projects["p-tourism"].request_approval("h1", f"{YEAR}-01-08", allowed_days=20)
    projects["p-tourism"].invest(f"{YEAR}-01", "2000000.00")
    return projects
