"""Golden tests of the assessment bulletin (考核通报) in .docx, HTML and XLSX: ranking by
category, 先进单位 and 通报批评, leaders in rank order, money in 万元, metadata kept out
of the body."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from services.composition import runtime_for
from services.scoring.application import assessments, publication
from services.scoring.entrypoints import bulletin, reports
from services.scoring.readmodel.records import Records
from shared.checkpointing import sign_head
from shared.config import Settings
from shared.documents import DocumentRegister, OfficeConfig
from shared.documents.word import custom_properties
from shared.eventstore.signed import SigningKey
from tests.documents.reading import (
    docx_appendix,
    docx_body,
    docx_paragraphs,
    docx_tables,
    html_body,
    markdown_body,
    what_an_office_would_not_print,
    xlsx_body,
)
from tests.scoring.builders import ZONE, History

OFFICE = OfficeConfig.from_mapping({"number_prefix": "攻坚办"})
TITLE = "关于2024年度重点项目建设攻坚行动年终考核结果的通报"


def chinese_county(history: History) -> None:
    history.record_on("2024-03-01")
    projects = [
        ("p1", "智能装备产业园", "县发改局", "王建国（县长）", "breakthrough", "1200000.00"),
        ("p2", "冷链物流园", "城关镇", "张志强（副县长）", "breakthrough", "600000.00"),
        ("p3", "商贸综合体", "县商务局", "陈明（县委书记）", "new_start", "900000.00"),
        ("p4", "康养中心", "县民政局", "李红梅（常务副县长）", "preliminary", "300000.00"),
    ]
    for pid, name, unit, leader, category, plan in projects:
        history.register(
            pid,
            name=name,
            lead_unit=unit,
            leader=leader,
            category=category,
            annual_plan=plan,
            town="城关镇",
            owner_unit=f"{name}业主公司",
        )
    for month in range(1, 12):
        history.record_on(f"2024-{month:02d}-28")
        history.add(
            "p1",
            "InvestmentReported",
            {"month": f"2024-{month:02d}", "amount": "100000.00"},
            f"2024-{month:02d}-25",
        )
        history.add(
            "p3",
            "InvestmentReported",
            {"month": f"2024-{month:02d}", "amount": "40000.00"},
            f"2024-{month:02d}-25",
        )
    history.record_on("2024-11-25")
    history.add("p1", "ProjectCommissioned", {"note": ""}, "2024-11-20")
    history.add("p3", "ConstructionStarted", {"note": ""}, "2024-06-21")
    history.add(
        "p4",
        "SafetyIncidentReported",
        {"incident_id": "s1", "kind": "major_safety_accident", "description": "施工事故"},
        "2024-07-18",
    )


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    from shared.migrations import upgrade
    from tests.conftest import migration_locations

    url = f"sqlite:///{tmp_path_factory.mktemp('bulletin') / 'g.db'}"
    upgrade(url, migration_locations())
    runtime = runtime_for(Settings.from_env(database_url=url, redis_url=""))
    history = History(runtime.store)
    chinese_county(history)
    records = Records(runtime.engine)
    request = assessments.AssessmentRequest.of(
        2024, as_of=None, known_at=date(2024, 12, 31), rulebook_version=None, zone=ZONE
    )
    job, _ = assessments.submit(records, request)
    job = assessments.run(runtime.store, records, job["job_id"], ZONE)
    standing, _ = publication.approve(
        runtime.store, records, job["assessment_id"], by="approver-user", reason=None
    )
    record = records.assessment(job["assessment_id"])
    record["publication"] = standing
    signed_at = datetime(2025, 1, 5, 10, 30, 15, tzinfo=UTC)  # as after each publication
    signed = sign_head(runtime.store, SigningKey.generate(), at=signed_at)
    history.record_on("2025-01-06")
    register = DocumentRegister(runtime.store, OFFICE.number_prefix, ZONE)
    issued, _ = register.issue(bulletin.document_key(record), "bulletin", TITLE)
    checkpoints = reports.checkpoints_for(runtime.store, record)
    assert checkpoints == [signed]
    yield record, issued, checkpoints
    runtime.close()


def rendered(assessed, fmt: str):
    record, issued, checkpoints = assessed
    return reports.render(record, fmt, OFFICE, ZONE, issued, checkpoints).body


def test_the_bulletin_docx_has_number_title_sections_and_attachments(assessed):
    paragraphs = docx_paragraphs(rendered(assessed, "docx"))
    assert "攻坚办〔2025〕1号" in paragraphs[:4]
    assert next(p for p in paragraphs if p.startswith("关于")).replace("\n", "") == TITLE
    headings = [p for p in paragraphs if p[1:2] == "、"]
    assert headings == [
        "一、总体情况",
        "二、分类考核情况",
        "三、先进单位",
        "四、通报批评",
        "五、有关要求",
    ]
    text = "\n".join(paragraphs)
    assert "康养中心等1个项目因一票否决事项，考核等次为不合格。" in text
    assert "（一）突破性进展或完工投产类" in text
    assert "年度计划投资0.03亿元，完成投资0.02亿元" in text
    assert "2025年1月6日" in paragraphs  # 成文日期: the day it was issued


def test_the_bulletin_ranks_by_category_and_lists_advanced_and_criticised_units(assessed):
    record, _, _ = assessed
    projects, units, leaders = docx_tables(rendered(assessed, "docx"))
    assert projects[0][:3] == ["考核类别", "排名", "项目名称"]
    assert projects[0][5] == "年度计划投资（万元）"
    categories = [row[0] for row in projects[1:]]
    assert categories == [
        "突破性进展或完工投产",
        "突破性进展或完工投产",
        "开工建设",
        "前期谋划项目取得实质性进展",
    ]
    assert [row[1] for row in projects[1:3]] == ["1", "2"]
    factory = next(row for row in projects if row[2] == "智能装备产业园")
    assert factory[5:7] == ["120.00", "110.00"]
    care = next(row for row in projects if row[2] == "康养中心")
    assert care[-2:] == ["不合格", "重特大安全事故"]
    result = record["result"]
    outcomes = {row[1]: row[-1] for row in units[1:]}
    assert {u for u, o in outcomes.items() if o == "先进单位"} == set(result["advanced_units"])
    assert {u for u, o in outcomes.items() if o == "通报批评"} == set(result["criticised_units"])
    assert "县民政局" in result["criticised_units"]
    text = "\n".join(docx_paragraphs(rendered(assessed, "docx")))
    assert f"{'、'.join(result['criticised_units'])}等" in text


def test_the_leaders_table_lists_leaders_by_rank_not_by_score(assessed):
    *_, leaders = docx_tables(rendered(assessed, "docx"))
    assert [row[0] for row in leaders[1:]] == [
        "陈明（县委书记）",
        "王建国（县长）",
        "李红梅（常务副县长）",
        "张志强（副县长）",
    ]
    assert leaders[0][:3] == ["分包领导", "总分", "得分排名"]


def test_the_bulletin_html_and_xlsx_carry_the_same_content(assessed):
    record, _, _ = assessed
    body = html_body(rendered(assessed, "html"))
    assert "攻坚办〔2025〕1号" in body and TITLE in body.replace("\n", "")
    assert "四、通报批评" in body and "120.00" in body
    book = load_workbook(io.BytesIO(rendered(assessed, "xlsx")))
    assert book.sheetnames == ["项目分类排名", "承办单位排名", "分包县领导", "文件信息"]
    sheet = book["项目分类排名"]
    assert sheet.freeze_panes == "A3" and sheet["C2"].value == "项目名称"
    factory = next(row for row in sheet.iter_rows(min_row=3) if row[2].value == "智能装备产业园")
    assert (
        Decimal(str(factory[5].value)) == Decimal("120") and factory[5].number_format == "#,##0.00"
    )
    info = {row[0]: row[1] for row in book["文件信息"].iter_rows(values_only=True) if row}
    assert info["考核摘要（SHA-256）"] == record["digest"]


def test_no_english_boolean_utc_instant_or_digest_in_the_bulletin_body(assessed):
    record, _, _ = assessed
    for fmt, body in {
        "docx": docx_body(rendered(assessed, "docx")),
        "html": html_body(rendered(assessed, "html")),
        "xlsx": xlsx_body(rendered(assessed, "xlsx")),
        "md": markdown_body(rendered(assessed, "md")),
    }.items():
        assert what_an_office_would_not_print(body) == [], fmt
        assert record["digest"] not in body
    assert custom_properties(rendered(assessed, "docx"))["考核摘要（SHA-256）"] == record["digest"]


def test_the_appendix_prints_the_signed_checkpoint_taken_for_the_published_assessment(assessed):
    """An auditor keeps the bulletin: its 审计附录 holds the checkpoint signed after the
    assessment was published, in every format, after the 版记."""
    record, _, (checkpoint,) = assessed
    assert checkpoint.position >= record["published_position"]
    expected = [
        ["项目", "内容"],
        ["全局位置（链头）", str(checkpoint.position)],
        ["事件数", str(checkpoint.count)],
        ["链头哈希（SHA-256）", checkpoint.head_hash],
        ["签名时间", "2025年1月5日（星期日）18:30:15"],
        ["签名密钥编号", checkpoint.key_id],
        ["签名（Ed25519）", checkpoint.signature],
    ]
    assert docx_appendix(rendered(assessed, "docx")) == [expected]
    assert docx_paragraphs(rendered(assessed, "docx"))[-2:] == ["审计附录", "事件日志签名检查点1"]
    page = rendered(assessed, "html")
    appendix = page[page.index("class='attachment appendix'") :]
    assert page.index("class='colophon'") < page.index("class='attachment appendix'")
    assert all(value in appendix for _, value in expected[1:])
    markdown = rendered(assessed, "md").split("## 审计附录")[1]
    assert f"| 签名（Ed25519） | {checkpoint.signature} |" in markdown
    book = load_workbook(io.BytesIO(rendered(assessed, "xlsx")))
    rows = [list(r) for r in book["文件信息"].iter_rows(values_only=True) if r and r[0]]
    at = rows.index(["审计附录：事件日志签名检查点1", None])
    assert rows[at + 1 : at + 8] == expected
