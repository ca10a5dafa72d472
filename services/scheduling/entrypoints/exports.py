"""A plan's agenda as a printable Markdown or HTML page, and as CSV or XLSX rows."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook

COLUMNS = (
    "leader",
    "unit",
    "project_id",
    "project",
    "rule",
    "colour",
    "escalate",
    "reason",
    "action_id",
    "assignee",
    "due",
    "action_status",
    "since",
    "evidence",
)

_CADENCE_TITLE = {"weekly": "周调度", "monthly": "月调度", "quarterly": "季度调度"}


def rows(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for group in record["plan"]["groups"]:
        for item in group["items"]:
            action = item["action"]
            yield {
                "leader": group["leader"],
                "unit": group["unit"],
                "project_id": item["project_id"],
                "project": item["project"],
                "rule": item["rule"],
                "colour": item["colour"] or "",
                "escalate": "yes" if item["escalate"] else "",
                "reason": item["reason"],
                "action_id": action["action_id"],
                "assignee": action["assignee"],
                "due": action["due"],
                "action_status": action["status"],
                "since": action["since"],
                "evidence": " ".join(item["evidence"]),
            }


def _title(record: dict[str, Any]) -> str:
    plan = record["plan"]
    kind = _CADENCE_TITLE.get(plan["cadence"], plan["cadence"])
    return f"{kind} {plan['period']} — dispatch plan v{record['version']}"


def _header_lines(record: dict[str, Any]) -> list[tuple[str, str]]:
    plan, meeting = record["plan"], record["plan"]["meeting"]
    lines = [
        ("Meeting", f"{meeting['date']} {meeting['time']}"),
        ("Chair", meeting["chair"]),
        ("Attendees", "、".join(meeting["attendees"]) or "—"),
        ("Board", ", ".join(f"{k} {v}" for k, v in plan["board"].items())),
        ("Known at", record["known_at"]),
        ("Digest", record["digest"]),
    ]
    if meeting.get("warnings"):
        lines.append(("Calendar", "; ".join(meeting["warnings"])))
    if "spot_check" in plan:
        lines.append(("Spot check (每周抽查)", ", ".join(plan["spot_check"]["project_ids"]) or "—"))
    return lines


def markdown(record: dict[str, Any]) -> str:
    out = [f"# {_title(record)}", ""]
    out += [f"- **{k}:** {v}" for k, v in _header_lines(record)]
    totals = record["plan"].get("totals")
    if totals:
        out += [
            "",
            "## Campaign totals",
            "",
            "| category | target | projects | achieved |",
            "|---|---|---|---|",
        ]
        for name, c in totals["categories"].items():
            out.append(f"| {name} | {c['target']} | {c['projects']} | {c['achieved']} |")
        inv = totals["investment"]
        out += [
            "",
            f"Investment: {inv['reported']} of {inv['target']} yuan ({inv['percent_of_target']}%)",
        ]
    for group in record["plan"]["groups"]:
        out += ["", f"## {group['leader']} — {group['unit']}", ""]
        for item in group["items"]:
            a = item["action"]
            flag = " **[escalate]**" if item["escalate"] else ""
            out.append(
                f"- [ ] **{item['project']}** ({item['project_id']}): {item['reason']}{flag}  \n"
                f"  责任人 {a['assignee']}, due {a['due']} ({a['status']}, {a['action_id']})"
            )
    if not record["plan"]["groups"]:
        out += ["", "Nothing on the agenda."]
    return "\n".join(out) + "\n"


def html_page(record: dict[str, Any]) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>{e(_title(record))}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #999;padding:4px;vertical-align:top}.red{color:#b00}"
        ".yellow{color:#a60}@media print{a{color:inherit}}</style></head><body>",
        f"<h1>{e(_title(record))}</h1><dl>",
    ]
    parts += [f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in _header_lines(record)]
    parts.append("</dl>")
    for group in record["plan"]["groups"]:
        parts.append(f"<h2>{e(group['leader'])} — {e(group['unit'])}</h2>")
        parts.append(
            "<table><tr><th>project</th><th>reason</th><th>责任人</th><th>due</th><th>action</th></tr>"
        )
        for item in group["items"]:
            a = item["action"]
            parts.append(
                f"<tr class='{e(item['colour'] or '')}'><td>{e(item['project'])}<br>"
                f"<small>{e(item['project_id'])}</small></td><td>{e(item['reason'])}"
                f"{' <b>[escalate]</b>' if item['escalate'] else ''}</td>"
                f"<td>{e(a['assignee'])}</td><td>{e(a['due'])}</td>"
                f"<td>{e(a['action_id'])} ({e(a['status'])})</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def _cell(value: Any) -> Any:
    # A spreadsheet would run a cell starting with = + - @ as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_text(record: dict[str, Any]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the Chinese as UTF-8
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows(record):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def xlsx_bytes(record: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "agenda"
    sheet.append(list(COLUMNS))
    for row in rows(record):
        sheet.append([_cell(row[c]) for c in COLUMNS])
    info = book.create_sheet("meeting")
    for key, value in _header_lines(record):
        info.append([key, _cell(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
