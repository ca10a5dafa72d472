"""The demo county, invented but ordinary: 29 key projects true to the plans (18 to make a
breakthrough or be commissioned, 5 to start, 6 preliminary) across the plans' sectors,
each with its owner company's full name; the lead unit that matches each sector; county
leaders with ordinary names and the ranks the office's documents order them by
(`shared/documents/office.py`, ``DEFAULT_RANKS``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlannedProject:
    """A key project as the county's 台账 lists it."""

    name: str
    category: str
    sector: str
    """A sector code of the catalogue (labels in shared/i18n/labels.zh.yaml)."""
    town: str
    owner_unit: str


LEAD_UNITS = {
    "manufacturing": "县工信局",
    "logistics": "县交通运输局",
    "commerce": "县商务局",
    "culture_tourism": "县文旅局",
    "health_elderly_care": "县卫健局",
    "finance": "县金融服务中心",
    "technology_information": "县科技局",
}
"""The department that leads a project of each sector (牵头单位)."""

SECRETARY = "周建华（县委书记）"
MAGISTRATE = "陈立平（县长）"
LEADERS_BY_SECTOR = {
    "manufacturing": ("王海涛（常务副县长）", "李春燕（副县长）"),
    "logistics": ("张国栋（副县长）",),
    "commerce": ("张国栋（副县长）",),
    "culture_tourism": ("刘晓明（副县长）",),
    "health_elderly_care": ("刘晓明（副县长）",),
    "finance": ("孙卫东（县委常委）",),
    "technology_information": ("孙卫东（县委常委）",),
}
"""分包领导 by the portfolio each county leader holds; the largest projects are the
secretary's and the magistrate's, the preliminary ones the deputies' of the people's
congress and the political consultative conference."""
PRELIMINARY_LEADERS = ("赵玉梅（县人大常委会副主任）", "吴志刚（县政协副主席）")

PROJECTS = (
    # 18 突破性进展或完工投产
    PlannedProject(
        "年产20万吨锂电池正极材料项目",
        "breakthrough",
        "manufacturing",
        "嘴东镇",
        "安徽嘉锂新能源材料有限公司",
    ),
    PlannedProject(
        "智能装备制造产业园项目",
        "breakthrough",
        "manufacturing",
        "城关镇",
        "江淮智能装备制造有限公司",
    ),
    PlannedProject(
        "年产5万吨新型绿色建材项目",
        "breakthrough",
        "manufacturing",
        "西山镇",
        "皖材新型建材科技有限公司",
    ),
    PlannedProject(
        "农产品精深加工产业园项目",
        "breakthrough",
        "manufacturing",
        "北湖乡",
        "北湖农产品加工有限公司",
    ),
    PlannedProject(
        "生物医药产业园一期项目",
        "breakthrough",
        "manufacturing",
        "嘴东镇",
        "华康生物医药股份有限公司",
    ),
    PlannedProject(
        "年产3000万米高档面料项目",
        "breakthrough",
        "manufacturing",
        "南港镇",
        "锦程纺织科技有限公司",
    ),
    PlannedProject(
        "精细化工绿色化升级改造项目",
        "breakthrough",
        "manufacturing",
        "嘴东镇",
        "恒源精细化工有限公司",
    ),
    PlannedProject(
        "年产100万套汽车零部件项目",
        "breakthrough",
        "manufacturing",
        "城关镇",
        "众合汽车零部件有限公司",
    ),
    PlannedProject(
        "冷链物流中心项目", "breakthrough", "logistics", "临河镇", "临河供销冷链物流有限公司"
    ),
    PlannedProject(
        "港口物流园二期项目", "breakthrough", "logistics", "南港镇", "南港港务物流有限公司"
    ),
    PlannedProject(
        "城南商贸综合体项目", "breakthrough", "commerce", "城关镇", "鑫源商业管理有限公司"
    ),
    PlannedProject(
        "电子商务产业园项目", "breakthrough", "commerce", "城关镇", "县电子商务发展有限公司"
    ),
    PlannedProject(
        "滨河文旅小镇项目", "breakthrough", "culture_tourism", "临河镇", "滨河文化旅游开发有限公司"
    ),
    PlannedProject(
        "西山景区提升改造项目", "breakthrough", "culture_tourism", "西山镇", "西山旅游发展有限公司"
    ),
    PlannedProject(
        "医养结合康养中心项目",
        "breakthrough",
        "health_elderly_care",
        "城关镇",
        "康宁健康养老服务有限公司",
    ),
    PlannedProject(
        "县人民医院门诊综合楼项目", "breakthrough", "health_elderly_care", "城关镇", "县人民医院"
    ),
    PlannedProject(
        "大数据中心项目",
        "breakthrough",
        "technology_information",
        "城关镇",
        "县数字科技发展有限公司",
    ),
    PlannedProject(
        "金融服务中心项目", "breakthrough", "finance", "城关镇", "县城市建设投资集团有限公司"
    ),
    # 5 开工建设
    PlannedProject(
        "年产10万吨饲料项目", "new_start", "manufacturing", "北湖乡", "禾丰饲料科技有限公司"
    ),
    PlannedProject(
        "高端纸制品包装项目", "new_start", "manufacturing", "南港镇", "永信包装材料有限公司"
    ),
    PlannedProject(
        "公路港物流枢纽项目", "new_start", "logistics", "嘴东镇", "县交通投资集团有限公司"
    ),
    PlannedProject(
        "湖畔乡村旅游综合体项目",
        "new_start",
        "culture_tourism",
        "北湖乡",
        "北湖生态旅游开发有限公司",
    ),
    PlannedProject(
        "智慧养老服务中心项目", "new_start", "health_elderly_care", "桐木镇", "桐木颐养服务有限公司"
    ),
    # 6 前期谋划项目取得实质性进展
    PlannedProject(
        "新能源汽车配套产业园项目",
        "preliminary",
        "manufacturing",
        "嘴东镇",
        "皖江新能源汽车配件有限公司",
    ),
    PlannedProject(
        "农村物流配送中心项目", "preliminary", "logistics", "桐木镇", "县邮政快递物流有限公司"
    ),
    PlannedProject(
        "临河商贸物流城项目", "preliminary", "commerce", "临河镇", "临河商贸城开发有限公司"
    ),
    PlannedProject(
        "红色文化教育基地项目",
        "preliminary",
        "culture_tourism",
        "桐木镇",
        "桐木文化旅游发展有限公司",
    ),
    PlannedProject(
        "科技企业孵化器项目",
        "preliminary",
        "technology_information",
        "城关镇",
        "县科创投资有限公司",
    ),
    PlannedProject(
        "软件和信息服务外包产业园项目",
        "preliminary",
        "technology_information",
        "城关镇",
        "数智信息服务有限公司",
    ),
)

FAIR = frozenset({2, 9, 15, 21, 24})
"""Projects a little behind (slips once, investment 10–30 points behind): yellow."""
POOR = frozenset({5, 12, 20, 26})
"""Projects far behind (slips twice, investment more than 30 points behind): red."""
VETOED = 7
"""The project with a major safety accident (一票否决): red whatever its pace."""


def leader_of(index: int, project: PlannedProject) -> str:
    """The 分包领导 of the ``index``-th project."""
    if index in (0, 1):
        return SECRETARY
    if index in (4, 8):
        return MAGISTRATE
    if project.category == "preliminary":
        return PRELIMINARY_LEADERS[index % 2]
    portfolio = LEADERS_BY_SECTOR[project.sector]
    return portfolio[index % len(portfolio)]


def select(count: int, categories: list[str]) -> list[tuple[int, PlannedProject]]:
    """``count`` projects in the given categories, each with its place in `PROJECTS` (its
    fate and leader); past the list's end, second phases (二期) of the same projects."""
    taken: dict[str, int] = {}
    chosen = []
    for category in categories[:count]:
        pool = [i for i, p in enumerate(PROJECTS) if p.category == category]
        n = taken.get(category, 0)
        taken[category] = n + 1
        index, phase = pool[n % len(pool)], n // len(pool)
        chosen.append((index, _phase(PROJECTS[index], phase)))
    return chosen


def _phase(project: PlannedProject, phase: int) -> PlannedProject:
    if phase == 0:
        return project
    name = project.name.removesuffix("项目") + f"{phase + 1}期项目"
    return PlannedProject(name, project.category, project.sector, project.town, project.owner_unit)
