"""The office's spreadsheets: a 重点项目台账 registers projects, a 填报表 reports a month;
the preview stores nothing and lists every problem; only a clean file whose digest the
office confirms is imported, and the same file twice changes nothing."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook

from services.registry.application.ledger import LEDGER
from services.registry.application.monthly_report import MONTHLY_REPORT

LEDGER_HEADERS = [c.header for c in LEDGER.columns]
REPORT_HEADERS = [c.header for c in MONTHLY_REPORT.columns]


def ledger_row(code: str, **cells: Any) -> list[Any]:
    values = {
        "项目名称": f"{code}年产5万吨新型绿色建材项目",
        "项目代码": code,
        "建设单位": "安徽皖材新型建材有限公司",
        "分包领导": "周立平（副县长）",
        "牵头单位": "县工信局",
        "乡镇": "嘴东镇",
        "类别": "突破性进展或完工投产",
        "行业": "制造业",
        "总投资（万元）": 32000,
        "年度计划投资（万元）": 12000.5,
        **{f"{m}月计划（万元）": 1000 for m in range(1, 12)},
        "12月计划（万元）": "1000.5",
        "计划开工": "2025-09-01",
        "计划竣工": "2026-12-20",
        "节点": "2026-05-31 主体结构封顶\n2026-11-30 设备安装调试（完工）",
        "重大项目": "是",
        "全国项目代码": None,
    }
    values.update(cells)
    return [values[h] for h in LEDGER_HEADERS]


def xlsx(headers: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, headers, path: str, data: bytes, **form: Any):
    body = {"file": (io.BytesIO(data), "台账.xlsx"), "year": "2026", **form}
    return client.post(path, data=body, headers=headers, content_type="multipart/form-data")


def events_in(client, headers, project_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/projects/{project_id}/events", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["events"]


def test_the_template_has_the_chinese_headers_and_reads_back_clean(client, office):
    response = client.get("/v1/imports/ledger/template.xlsx", headers=office)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["项目名称", "项目代码", "建设单位"]
    assert "年度计划投资（万元）" in [c.value for c in sheet[1]]
    preview = upload(client, office, "/v1/imports/ledger/preview", response.data)
    assert preview.status_code == 200, preview.json
    assert preview.json["clean"] is True, preview.json["problems"]
    assert preview.json["events"]["new"] == 3


def test_a_clean_ledger_registers_its_projects_in_yuan_with_codes_once_confirmed(client, office):
    data = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001"), ledger_row("XM2026002", 行业="文化旅游")])
    preview = upload(client, office, "/v1/imports/ledger/preview", data)
    assert preview.json["clean"] is True, preview.json
    assert preview.json["events"] == {"new": 6, "duplicate": 0, "correction": 0}
    assert client.get("/v1/projects/XM2026001", headers=office).status_code == 404  # not yet

    confirmed = upload(client, office, "/v1/imports/ledger", data, digest=preview.json["digest"])
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["accepted"] == 6
    project = client.get("/v1/projects/XM2026002", headers=office).json["project"]
    assert project["annual_plan"] == "120005000.00"  # 12000.5 万元, exactly
    assert project["monthly_plan"][-1] == "10005000.00"
    assert (project["sector"], project["category"]) == ("culture_tourism", "breakthrough")
    assert (project["major"], project["cadence"], project["year"]) == (True, "weekly", 2026)
    milestones = project["milestones"]
    assert milestones["JD02"]["kind"] == "completion" and milestones["JD02"]["due"] == "2026-11-30"


def test_a_ledger_with_errors_in_several_rows_lists_every_problem_and_stores_nothing(
    client, office
):
    rows = [
        ledger_row("XM2026001"),
        ledger_row("XM2026002", **{"年度计划投资（万元）": "一万二"}),
        ledger_row("XM2026003", 类别="重点类", 行业="房地产", 计划开工="明年"),
        ledger_row("XM 004", 建设单位=None),
        ledger_row("XM2026001"),
        ledger_row("XM2026006", **{"1月计划（万元）": 2000}),
    ]
    data = xlsx(LEDGER_HEADERS, rows)
    preview = upload(client, office, "/v1/imports/ledger/preview", data)
    texts = [p["text"] for p in preview.json["problems"]]
    assert "第3行 J列（年度计划投资）：不是数字" in texts
    assert any(t.startswith("第4行 G列（类别）：“重点类”不是可选项") for t in texts)
    assert any(t.startswith("第4行 H列（行业）：“房地产”不是可选项") for t in texts)
    assert any(t.startswith("第4行 W列（计划开工）：不是日期") for t in texts)
    assert "第5行 B列（项目代码）：只能用字母、数字、-、_（至多64个字符）" in texts
    assert "第5行 C列（建设单位）：必填" in texts
    assert "第6行：项目代码与第2行重复" in texts
    assert any(
        t.startswith("第7行 J列（年度计划投资）：1—12月计划合计 13,000.50 万元") for t in texts
    )
    assert preview.json["clean"] is False

    refused = upload(client, office, "/v1/imports/ledger", data, digest=preview.json["digest"])
    assert refused.status_code == 422
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert len(refused.json["problems"]) == len(texts)
    assert client.get("/v1/projects/XM2026001", headers=office).status_code == 404


def test_the_same_ledger_twice_changes_nothing(client, office):
    data = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001")])
    digest = upload(client, office, "/v1/imports/ledger/preview", data).json["digest"]
    assert upload(client, office, "/v1/imports/ledger", data, digest=digest).status_code == 201
    before = events_in(client, office, "XM2026001")

    again = upload(client, office, "/v1/imports/ledger/preview", data)
    assert again.json["clean"] is True and again.json["events"] == {
        "new": 0,
        "duplicate": 3,
        "correction": 0,
    }
    second = upload(client, office, "/v1/imports/ledger", data, digest=digest)
    assert second.status_code == 200, second.json
    assert (second.json["accepted"], second.json["duplicates"]) == (0, 3)
    assert events_in(client, office, "XM2026001") == before


def test_a_changed_row_of_an_imported_ledger_is_a_problem_not_a_correction(client, office):
    first = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001")])
    digest = upload(client, office, "/v1/imports/ledger/preview", first).json["digest"]
    upload(client, office, "/v1/imports/ledger", first, digest=digest)
    changed = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001", 乡镇="城关镇")])
    texts = [
        p["text"]
        for p in upload(client, office, "/v1/imports/ledger/preview", changed).json["problems"]
    ]
    assert texts == [
        "第2行：该行已导入过，内容与本文件不同：已导入的内容请用更正（EventCorrected）修改"
    ]


def test_a_confirmation_must_name_the_previewed_file(client, office):
    data = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001")])
    refused = upload(client, office, "/v1/imports/ledger", data, digest="0" * 64)
    assert refused.status_code == 409
    assert refused.json["type"].endswith("/digest-mismatch")
    assert client.get("/v1/projects/XM2026001", headers=office).status_code == 404


def test_a_file_that_is_not_xlsx_is_a_problem_in_chinese(client, office):
    response = upload(client, office, "/v1/imports/ledger/preview", b"not a workbook")
    assert response.status_code == 422
    assert "XLSX" in response.json["detail"]
    missing = upload(client, office, "/v1/imports/ledger/preview", xlsx(["项目名称"], [["x"]]))
    assert "第1行：缺少“项目代码”列（见模板）" in [p["text"] for p in missing.json["problems"]]


def test_only_the_office_imports(client, tokens):
    data = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001")])
    for role in ("viewer", "auditor", "integration"):
        response = upload(client, tokens[role], "/v1/imports/ledger/preview", data)
        assert response.status_code == 403, role
    assert upload(client, tokens["admin"], "/v1/imports/ledger/preview", data).status_code == 200


def test_a_monthly_report_records_investment_progress_and_problems_from_the_office(client, office):
    ledger = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001"), ledger_row("XM2026002")])
    digest = upload(client, office, "/v1/imports/ledger/preview", ledger).json["digest"]
    upload(client, office, "/v1/imports/ledger", ledger, digest=digest)
    report = xlsx(
        REPORT_HEADERS,
        [
            ["2026-03", "XM2026001", "", 1085.5, "主体结构完成60%", "", ""],
            ["2026年4月", "XM2026001", "", "900", "主体封顶", "用地指标未落实", "用地"],
            ["2026-03", "XM2026002", "", 0.123456, "", "", ""],
        ],
    )
    path = "/v1/imports/monthly-report"
    preview = upload(client, office, f"{path}/preview", report)
    assert preview.json["clean"] is True, preview.json["problems"]
    confirmed = upload(client, office, path, report, digest=preview.json["digest"])
    assert confirmed.status_code == 201 and confirmed.json["accepted"] == 4

    project = client.get("/v1/projects/XM2026001", headers=office).json["project"]
    assert project["investment"] == {"2026-03": "10855000.00", "2026-04": "9000000.00"}
    assert project["issues"]["TB202604"]["kind"] == "land"
    events = events_in(client, office, "XM2026001")
    march = next(e for e in events if e["payload"].get("month") == "2026-03")
    assert march["payload"]["progress"] == "主体结构完成60%"
    assert march["source"] == "office:office-1"
    assert march["occurred_at"].startswith("2026-03-31T10:00:00")  # 18:00 in Shanghai
    small = client.get("/v1/projects/XM2026002", headers=office).json["project"]
    assert small["investment"] == {"2026-03": "1234.56"}

    again = upload(client, office, path, report, digest=preview.json["digest"])
    assert (again.json["accepted"], again.json["duplicates"]) == (0, 4)


def test_a_monthly_report_for_an_unknown_project_or_a_bad_amount_is_refused_whole(client, office):
    report = xlsx(
        REPORT_HEADERS,
        [
            ["2026-03", "XM9999", "", 10, "", "", ""],
            ["三月", "XM9999", "", -5, "", "", "天气"],
        ],
    )
    preview = upload(client, office, "/v1/imports/monthly-report/preview", report)
    texts = [p["text"] for p in preview.json["problems"]]
    assert texts == [
        "第2行 B列（项目代码）：项目 XM9999 未登记：请先导入台账",
        "第3行 A列（月份）：不是月份（例如 2026-03）",
        "第3行 D列（本月完成投资）：不能为负数",
        "第3行 G列（问题类型）：“天气”不是可选项（用地、用能、用工、融资、环保、供电、供水、道路、其他）",
    ]


def test_the_cli_prints_every_problem_and_imports_only_with_confirm(sqlite_url, tmp_path):
    from click.testing import CliRunner

    from services.cli import main

    def run(*args: str):
        return CliRunner().invoke(main, list(args), env={"GONGJIAN_DATABASE_URL": sqlite_url})

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(LEDGER_HEADERS, [ledger_row("XM1", 乡镇=None), ledger_row("XM1")]))
    refused = run("import", "ledger", str(bad), "--confirm", "--year", "2026")
    assert refused.exit_code == 1
    assert "第2行 F列（乡镇）：必填" in refused.output
    assert "未导入任何内容" in refused.output

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(LEDGER_HEADERS, [ledger_row(f"XM{n:03d}") for n in range(1, 4)]))
    previewed = run("import", "ledger", str(good), "--year", "2026")
    assert previewed.exit_code == 0 and "新事件 9 个" in previewed.output
    assert "加 --confirm" in previewed.output
    imported = run("import", "ledger", str(good), "--confirm", "--year", "2026")
    assert imported.exit_code == 0 and "已导入：新事件 9 个" in imported.output
    again = run("import", "ledger", str(good), "--confirm", "--year", "2026")
    assert "已导入：新事件 0 个，重复 9 个" in again.output


def test_an_upload_without_a_file_or_with_a_bad_digest_is_a_422_naming_the_field(client, office):
    no_file = client.post(
        "/v1/imports/ledger/preview",
        data={"file": "text, not a file"},
        headers=office,
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422 and "file" in str(no_file.json)
    data = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001")])
    bad = upload(client, office, "/v1/imports/ledger", data, digest="abc")
    assert bad.status_code == 422 and "digest" in str(bad.json)


def test_a_title_row_above_the_headers_is_read_past_and_rows_keep_their_numbers(client, office):
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年重点项目台账"])
    sheet.append(["单位：万元"])
    sheet.append(LEDGER_HEADERS)
    sheet.append(ledger_row("XM2026001"))
    sheet.append(ledger_row("XM2026002", **{"总投资（万元）": "三亿"}))
    out = io.BytesIO()
    book.save(out)
    preview = upload(client, office, "/v1/imports/ledger/preview", out.getvalue())
    assert preview.json["rows"] == 2
    assert [p["text"] for p in preview.json["problems"]] == ["第5行 I列（总投资）：不是数字"]


def test_a_revised_monthly_report_corrects_what_was_imported_once(client, office):
    ledger = xlsx(LEDGER_HEADERS, [ledger_row("XM2026001")])
    digest = upload(client, office, "/v1/imports/ledger/preview", ledger).json["digest"]
    upload(client, office, "/v1/imports/ledger", ledger, digest=digest)
    path = "/v1/imports/monthly-report"

    def report(amount: Any) -> None:
        data = xlsx(REPORT_HEADERS, [["2026-03", "XM2026001", "", amount, "", "", ""]])
        digest = upload(client, office, f"{path}/preview", data).json["digest"]
        done = upload(client, office, path, data, digest=digest)
        assert done.status_code in (200, 201), done.json
        return client.get("/v1/projects/XM2026001", headers=office).json["project"]

    assert report(100)["investment"] == {"2026-03": "1000000.00"}
    revised = xlsx(REPORT_HEADERS, [["2026-03", "XM2026001", "", 90, "", "", ""]])
    preview = upload(client, office, f"{path}/preview", revised).json
    assert preview["events"] == {"new": 1, "duplicate": 0, "correction": 1}
    assert report(90)["investment"] == {"2026-03": "900000.00"}
    versions = len(events_in(client, office, "XM2026001"))
    assert report(90)["investment"] == {"2026-03": "900000.00"}
    assert len(events_in(client, office, "XM2026001")) == versions  # the same file: nothing
    assert report(100)["investment"] == {"2026-03": "1000000.00"}  # back again: corrected
    corrections = [
        e for e in events_in(client, office, "XM2026001") if e["type"] == "EventCorrected"
    ]
    assert [c["payload"]["payload"]["amount"] for c in corrections] == ["900000.00", "1000000.00"]
    assert corrections[0]["payload"]["reason"] == "重新导入的月度填报表第2行与已导入的不同"
