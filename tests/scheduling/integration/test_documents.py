"""Golden tests of the plan's documents: the weekly meeting notice with its agenda and
the 督查通报, rendered as .docx, HTML and XLSX and read back for structure and content."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import load_workbook

from services.scheduling.application import SchedulingService
from services.scheduling.config import SchedulingConfig
from services.scheduling.entrypoints import documents
from shared.db import create_db_engine
from shared.documents import DocumentRegister, Leader, OfficeConfig, render
from shared.documents.word import custom_properties
from shared.events import build_registry
from shared.eventstore import EventStore
from tests.documents.reading import (
    docx_body,
    docx_paragraphs,
    docx_tables,
    html_body,
    what_an_office_would_not_print,
    xlsx_body,
)

from ..county import build_county
from ..helpers import ZONE, Clock

OFFICE = OfficeConfig.from_mapping(
    {
        "issuing_office": "桐木县重点项目建设攻坚行动领导小组办公室",
        "number_prefix": "桐攻坚办",
        "meeting_place": "县政府三楼会议室",
        "chairs": {"weekly": "李红梅（常务副县长）", "monthly": "王建国（县长）"},
        "leaders": [{"name": "张志强（副县长）", "title": "副县长"}],
    }
)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """The county's week 10 of 2026, planned on Monday morning; the notice issued."""
    url = f"sqlite:///{tmp_path_factory.mktemp('documents') / 'g.db'}"
    from shared.migrations import upgrade
    from tests.conftest import migration_locations

    upgrade(url, migration_locations())
    engine = create_db_engine(url)
    clock = Clock()
    store = EventStore(engine, build_registry(), clock=clock)
    build_county(store, clock)
    clock.set("2026-03-02", hour=8)
    service = SchedulingService(store, ZONE, SchedulingConfig(), OFFICE, clock=clock)
    stored, _ = service.plan("weekly", "2026-W10")
    record, progress = stored.to_dict(), service.progress(stored)
    register = DocumentRegister(store, OFFICE.number_prefix, ZONE)
    issued, _ = register.issue(documents.document_key("agenda", record), "agenda", "议程")
    yield {"record": record, "progress": progress, "issued": issued}
    engine.dispose()


def rendered(week, kind: str, fmt: str, issued: bool = True) -> bytes | str:
    document = documents.build(
        kind, week["record"], OFFICE, ZONE, week["issued"] if issued else None, week["progress"]
    )
    return render(document, fmt, OFFICE, kind).body


def mm(length: int) -> float:
    """Millimetres to a tenth (a .docx keeps page sizes in twentieths of a point)."""
    return round(length / Mm(1), 1)


TITLE = "关于召开2026年第10周重点项目调度会议的通知"
LEADERS_BY_RANK = "陈明（县委书记）、王建国（县长）"


def test_the_weekly_notice_docx_has_the_gbt_9704_frame(week):
    data = rendered(week, "agenda", "docx")
    paragraphs = docx_paragraphs(data)
    assert paragraphs[0] == "桐木县重点项目建设攻坚行动领导小组办公室文件"
    assert "桐攻坚办〔2026〕1号" in paragraphs[:4]
    title = next(p for p in paragraphs if p.startswith("关于召开"))
    assert title.replace("\n", "") == TITLE
    assert "各镇人民政府，县直各有关单位，各重点项目业主单位：" in paragraphs
    doc = Document(io.BytesIO(data))
    section = doc.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37, 28)
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225
    normal = doc.styles["Normal"].font
    assert normal.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    title_run = next(p for p in doc.paragraphs if p.text.startswith("关于召开")).runs[0]
    assert title_run.font.size == Pt(22) and title_run.font.name == "方正小标宋简体"
    assert paragraphs[-1].endswith("印发") and paragraphs[-1].startswith("桐木县")


def test_the_weekly_notice_names_chair_place_leaders_by_rank_and_agenda(week):
    paragraphs = docx_paragraphs(rendered(week, "agenda", "docx"))
    after = {p: paragraphs[i + 1] for i, p in enumerate(paragraphs[:-1])}
    assert after["三、会议主持"] == "李红梅（常务副县长）"
    assert after["二、会议地点"] == "县政府三楼会议室"
    assert after["一、会议时间"] == "2026年3月2日（星期一）上午9:00"
    assert f"县领导：{LEADERS_BY_RANK}。" in paragraphs
    programme = [p[:6] for p in paragraphs if p[:3] in ("（一）", "（二）", "（三）", "（四）")]
    assert programme[:4] == ["（一）汇报。", "（二）协调。", "（三）点评。", "（四）部署。"]
    groups = [p for p in paragraphs if p.endswith("分包项目")]
    assert groups == ["（一）陈明（县委书记）分包项目", "（二）王建国（县长）分包项目"]
    assert "附件：1. 2026年第10周重点项目调度事项清单" in paragraphs


def test_the_weekly_notice_attaches_the_progress_table_in_wan_yuan(week):
    items, progress = docx_tables(rendered(week, "agenda", "docx"))
    assert items[0][:4] == ["序号", "分包领导", "承办单位", "项目名称"]
    assert [row[1] for row in items[1:]] == ["陈明（县委书记）", "王建国（县长）", "王建国（县长）"]
    assert progress[0][5] == "年度计划投资（万元）"
    leaders = [row[1] for row in progress[1:]]
    assert leaders == [
        "陈明（县委书记）",
        "王建国（县长）",
        "王建国（县长）",
        "李红梅（常务副县长）",
        "张志强（副县长）",
    ]
    factory = next(row for row in progress if row[3] == "智能装备产业园")
    assert factory[5:9] == ["12,000.00", "1,000.00", "100.00", "7.5"]


def test_the_weekly_notice_html_prints_on_a4_with_the_same_content(week):
    page = rendered(week, "agenda", "html")
    assert "@page{size:A4;margin:37mm 26mm 35mm 28mm}" in page
    assert "size:A4 landscape" in page and "font-size:22.0pt" in page
    body = html_body(page)
    assert "桐攻坚办〔2026〕1号" in body and TITLE in body.replace("\n", "")
    assert "李红梅（常务副县长）" in body and f"县领导：{LEADERS_BY_RANK}。" in body
    assert body.index("陈明（县委书记）分包项目") < body.index("王建国（县长）分包项目")
    assert "12,000.00" in body
    assert f"name='gongjian:计划摘要（SHA-256）' content='{week['record']['digest']}'" in page


def test_the_weekly_notice_xlsx_has_chinese_headers_frozen_and_wan_yuan_numbers(week):
    book = load_workbook(io.BytesIO(rendered(week, "agenda", "xlsx")))
    assert book.sheetnames == ["调度事项清单", "进展情况表", "文件信息"]
    sheet = book["进展情况表"]
    assert sheet["A1"].value == "2026年第10周重点项目进展情况表"
    assert [c.value for c in sheet[2]][:6] == [
        "序号",
        "分包领导",
        "承办单位",
        "项目名称",
        "挂图状态",
        "年度计划投资（万元）",
    ]
    assert sheet.freeze_panes == "A3"
    factory = next(row for row in sheet.iter_rows(min_row=3) if row[3].value == "智能装备产业园")
    assert (
        Decimal(str(factory[5].value)) == Decimal("12000")
        and factory[5].number_format == "#,##0.00"
    )
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    info = {row[0]: row[1] for row in book["文件信息"].iter_rows(values_only=True) if row}
    assert (
        info["发文字号"] == "桐攻坚办〔2026〕1号"
        and info["计划摘要（SHA-256）"] == week["record"]["digest"]
    )


def test_a_draft_says_it_has_no_number(week):
    assert "（未编号）" in docx_paragraphs(rendered(week, "agenda", "docx", issued=False))[:4]


def test_the_supervision_notice_commends_criticises_and_attaches_progress(week):
    data = rendered(week, "supervision", "docx")
    paragraphs = docx_paragraphs(data)
    title = next(p for p in paragraphs if p.startswith("关于")).replace("\n", "")
    assert title == "关于2026年第10周重点项目建设攻坚行动督查情况的通报"
    headings = [p for p in paragraphs if p[1:2] == "、"]
    assert headings == [
        "一、总体情况",
        "二、进展较好的项目",
        "三、存在的主要问题",
        "四、通报批评",
        "五、下步要求",
    ]
    text = "\n".join(paragraphs)
    assert "商贸综合体、冷链物流园等2个项目按计划推进" in text
    assert "县文旅局、县民政局承办的项目列为红牌" in text
    assert "年度计划投资合计24,300.00万元" in text
    (progress,) = docx_tables(data)
    assert progress[0][5] == "年度计划投资（万元）" and len(progress) == 6
    page = html_body(rendered(week, "supervision", "html"))
    assert "四、通报批评" in page and "24,300.00万元" in page
    book = load_workbook(io.BytesIO(rendered(week, "supervision", "xlsx")))
    assert book.sheetnames == ["进展情况表", "文件信息"]


def test_leaders_rank_comes_from_configuration_when_names_do_not_say_it():
    office = OfficeConfig.from_mapping(
        {"leaders": [{"name": "老周", "title": "县长"}, {"name": "小吴", "title": "县委书记"}]}
    )
    from shared.documents import LeaderRanks

    assert LeaderRanks(office).ordered(["老周", "赵六(副县长)", "小吴"]) == [
        "小吴",
        "老周",
        "赵六(副县长)",
    ]
    assert Leader("老周", "县长") in office.leaders


@pytest.mark.parametrize("kind", ["agenda", "supervision"])
def test_no_english_boolean_utc_instant_or_digest_in_the_body(week, kind):
    bodies = {
        "docx": docx_body(rendered(week, kind, "docx")),
        "html": html_body(rendered(week, kind, "html")),
        "xlsx": xlsx_body(rendered(week, kind, "xlsx")),
        "md": rendered(week, kind, "md"),
    }
    for fmt, body in bodies.items():
        assert what_an_office_would_not_print(body) == [], fmt
    properties = custom_properties(rendered(week, kind, "docx"))
    assert properties["计划摘要（SHA-256）"] == week["record"]["digest"]


def test_table_columns_keep_their_widths_in_the_grid_and_rows_never_split(week):
    """LibreOffice and WPS lay a table out by its grid (``w:gridCol``), not the cells'
    widths: without it every column was equally narrow and ``12,000.00`` broke in two
    (seen by rendering the notice to PDF with LibreOffice)."""
    doc = Document(io.BytesIO(rendered(week, "agenda", "docx")))
    progress = doc.tables[1]
    grid = [int(col.get(qn("w:w"))) for col in progress._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(grid) == 10 and grid[5] > 2 * grid[0] and grid[9] > grid[5]
    section = doc.sections[2]
    usable = section.page_width - section.left_margin - section.right_margin
    assert abs(sum(grid) * 635 - usable) < usable / 50  # twips → EMU: the 版心's width
    for row in progress.rows[1:]:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
