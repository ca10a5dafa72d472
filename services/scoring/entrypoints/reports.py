"""Exports of an assessment: CSV (one row per project), XLSX (projects, units, leaders,
summary) and a printable HTML report (rankings by category, grade counts, advanced
units, the criticism list)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from html import escape
from typing import Any

from openpyxl import Workbook

from ..domain.rulebook import GRADES, LINES

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
GRADE_LABELS = {"excellent": "优秀", "good": "良好", "qualified": "合格", "unqualified": "不合格"}
CATEGORY_LABELS = {
    "breakthrough": "突破性进展或完工投产",
    "new_start": "开工建设",
    "preliminary": "前期谋划",
}
PROJECT_COLUMNS = [
    "category",
    "rank",
    "project_id",
    "name",
    "lead_unit",
    "leader",
    "annual_plan",
    "completed_investment",
    *LINES,
    "total",
    "grade",
    "veto",
]
NUMERIC_COLUMNS = {"annual_plan", "completed_investment", "total", *LINES}
HOLDER_COLUMNS = ["rank", "name", "total", "grade", "vetoed", "annual_plan", "projects"]


def project_rows(result: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for p in sorted(result["projects"], key=lambda p: (p["category"], p["rank"], p["project_id"])):
        points = {line["line"]: line["points"] for line in p["lines"]}
        rows.append(
            [
                p["category"],
                p["rank"],
                p["project_id"],
                p["name"],
                p["lead_unit"],
                p["leader"],
                p["annual_plan"],
                p["completed_investment"],
                *(points[line] for line in LINES),
                p["total"],
                p["grade"],
                ", ".join(v["kind"] for v in p["vetoes"]),
            ]
        )
    return rows


def holder_rows(holders: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            h["rank"],
            h["name"],
            h["total"],
            h["grade"],
            h["vetoed"],
            h["annual_plan"],
            ", ".join(h["projects"]),
        ]
        for h in holders
    ]


def to_csv(record: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PROJECT_COLUMNS)
    writer.writerows(project_rows(record["result"]))
    return out.getvalue()


def to_xlsx(record: dict[str, Any]) -> bytes:
    result = record["result"]
    book = Workbook()
    sheet = book.active
    sheet.title = "Summary"
    for row in _summary_rows(record):
        sheet.append(row)
    for title, header, rows in (
        ("Projects", PROJECT_COLUMNS, project_rows(result)),
        ("Units", HOLDER_COLUMNS, holder_rows(result["units"])),
        ("Leaders", HOLDER_COLUMNS, holder_rows(result["leaders"])),
    ):
        sheet = book.create_sheet(title)
        sheet.append(header)
        numeric = [name in NUMERIC_COLUMNS for name in header]
        for row in rows:
            # Points and yuan go in as numbers (Decimal), so the sheet can sum and sort them.
            sheet.append([Decimal(c) if n else c for c, n in zip(row, numeric, strict=True)])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_rows(record: dict[str, Any]) -> list[list[Any]]:
    result, campaign = record["result"], record["result"]["campaign"]
    rows: list[list[Any]] = [
        ["year", record["year"]],
        ["as_of", record["as_of"]],
        ["known_at", record["known_at"]],
        ["rulebook", f"{record['rulebook_version']} ({record['rulebook_hash']})"],
        ["chain head", f"{record['chain_head_position']} {record['chain_head_hash']}"],
        ["digest", record["digest"]],
        ["projects", campaign["projects"]],
        ["investment target", campaign["investment_target"]],
        ["investment completed", campaign["investment_completed"]],
        ["investment attainment %", campaign["investment_attainment_percent"]],
    ]
    rows += [[f"grade {g} {GRADE_LABELS[g]}", n] for g, n in campaign["grade_counts"].items()]
    rows.append(["advanced units 先进单位", ", ".join(result["advanced_units"])])
    rows.append(["criticised units 通报批评", ", ".join(result["criticised_units"])])
    return rows


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(record: dict[str, Any]) -> str:
    result = record["result"]
    campaign = result["campaign"]
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>{record['year']} 年终考核</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin-bottom:1.5em}td,th{border:1px solid #999;padding:2px 6px;font-size:11pt}"
        "@media print{h2{page-break-before:always}h2:first-of-type{page-break-before:avoid}}"
        "</style></head><body>",
        f"<h1>{record['year']} 项目攻坚年 年终考核 (year-end assessment)</h1>",
        _table(["", ""], _summary_rows(record)),
        "<h2>等次统计 Grade counts</h2>",
        _table(
            ["grade", "projects"],
            [[f"{GRADE_LABELS[g]} {g}", campaign["grade_counts"].get(g, 0)] for g in GRADES],
        ),
        "<h2>先进单位 Advanced units</h2>",
        _list(result["advanced_units"]),
        "<h2>通报批评 Units listed for criticism</h2>",
        _list(result["criticised_units"]),
    ]
    rows = project_rows(result)
    for category, label in CATEGORY_LABELS.items():
        members = [r for r in rows if r[0] == category]
        if members:
            parts.append(f"<h2>{escape(label)} ({category}): ranking</h2>")
            parts.append(_table(PROJECT_COLUMNS[1:], [r[1:] for r in members]))
    parts.append("<h2>承办单位 Units</h2>")
    parts.append(_table(HOLDER_COLUMNS, holder_rows(result["units"])))
    parts.append("<h2>分包领导 Leaders</h2>")
    parts.append(_table(HOLDER_COLUMNS, holder_rows(result["leaders"])))
    parts.append(f"<p>digest {escape(record['digest'])}</p></body></html>")
    return "".join(parts)


def _list(names: list[str]) -> str:
    if not names:
        return "<p>(none)</p>"
    return "<ol>" + "".join(f"<li>{escape(n)}</li>" for n in names) + "</ol>"


def render(record: dict[str, Any], fmt: str) -> tuple[str | bytes, str]:
    body: str | bytes
    if fmt == "csv":
        body = to_csv(record)
    elif fmt == "xlsx":
        body = to_xlsx(record)
    else:
        body = to_html(record)
    return body, FORMATS[fmt]
