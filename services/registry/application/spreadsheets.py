"""Importing the office's own spreadsheets (XLSX): the 重点项目台账 registers projects, a
unit's monthly 填报表 reports them. One way for both: read every row, list every problem
by row and column in Chinese, try the events against the projects as they stand without
appending anything (the preview), and append only a clean file whose digest the office
confirms. Event ids come from the project code and what the row says (never random), so
a file imported twice is answered by the store's idempotency: duplicates, nothing new."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from shared.eventstore import DuplicateEventConflict, EventStoreError, RecordedEvent
from shared.history import Amendments
from shared.i18n import labels

from ..domain import AlreadyRegistered, ProjectNotFound, RegistryError, RuleViolation
from .handlers import Registry
from .submissions import DUPLICATE, Submission

WAN = Decimal("10000")
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
BATCH = 200
"""Events appended per transaction when a confirmed file is large."""
EVENT_IDS = uuid.UUID("6f1c0d52-3a7e-4f7b-9a55-1e0f6b2c7d11")
"""Namespace of the imports' deterministic event ids (uuid5)."""

Progress = Callable[[int, int], None]
"""Called with (rows done, rows in all) while a large file is read and appended."""


class CellProblem(ValueError):
    """A cell that cannot be read as its column requires; the message is Chinese."""


class SpreadsheetUnreadable(RegistryError):
    """The upload is not an XLSX workbook this import can read."""


class DigestMismatch(RegistryError):
    """The confirmed file is not the file that was previewed."""

    def __init__(self, given: str, actual: str) -> None:
        super().__init__(f"确认的文件摘要 {given} 与上传文件的摘要 {actual} 不一致：请重新预览")
        self.given, self.actual = given, actual


class ImportHasProblems(RegistryError):
    """A file with problems is never imported, not even its clean rows."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(f"文件有 {len(preview.problems)} 处问题，未导入任何内容")
        self.preview = preview


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header in the template and how a cell is read."""

    header: str
    key: str
    read: Callable[[Any], Any]
    required: bool = False
    note: str = ""
    choices: tuple[str, ...] = ()
    """Labels the template offers in a drop-down list."""

    @property
    def name(self) -> str:
        """The header without its unit: ``年度计划投资（万元）`` → ``年度计划投资``."""
        return re.sub(r"（[^）]*）$", "", self.header)


@dataclass(frozen=True)
class RowProblem:
    """What is wrong, where: ``第7行 F列（年度计划投资）：不是数字``."""

    row: int | None
    column: str | None
    header: str | None
    message: str

    @property
    def text(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        if self.column:
            where += f" {self.column}列（{self.header}）"
        return f"{where}：{self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
            "text": self.text,
        }


@dataclass(frozen=True)
class Row:
    """A data row: its number in the sheet, its cells by column key, their letters."""

    number: int
    values: dict[str, Any]
    letters: dict[str, str]


@dataclass(frozen=True)
class Layout:
    """A kind of sheet the office fills in, and the events a clean row becomes."""

    kind: str
    title: str
    columns: tuple[Column, ...]
    events: Callable[[Row, ImportContext], list[Submission]]
    key_of: Callable[[Row], str]
    """What must be unique across the file's rows (a project, a project's month)."""
    duplicate_message: str
    """Said at a row that repeats an earlier one; ``{}`` is the earlier row's number."""
    check: Callable[[Row], list[tuple[str, str]]] = lambda row: []
    """Problems between cells of one row: (column key, message)."""
    corrects: bool = False
    """A row imported before and sent again with other content corrects what was
    imported (``EventCorrected``); otherwise that is a problem."""
    example: tuple[Any, ...] = ()


@dataclass(frozen=True)
class ImportContext:
    """Who imports, for which campaign year, at what time (the store's clock)."""

    year: int
    source: str
    actor: str
    now: datetime
    zone: Any


@dataclass
class Preview:
    """What a file would do: every problem, or the events a confirmation appends."""

    kind: str
    digest: str
    rows: int
    problems: list[RowProblem] = field(default_factory=list)
    submissions: list[tuple[int, Submission]] = field(default_factory=list)
    duplicates: int = 0

    @property
    def clean(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "digest": self.digest,
            "rows": self.rows,
            "clean": self.clean,
            "problems": [p.to_dict() for p in self.problems],
            "events": {
                "new": len(self.submissions) - self.duplicates,
                "duplicate": self.duplicates,
                "correction": sum(s.type == "EventCorrected" for _, s in self.submissions),
            },
            "projects": sorted({s.project_id or "" for _, s in self.submissions}),
        }


@dataclass(frozen=True)
class Imported:
    """What a confirmed file appended."""

    kind: str
    digest: str
    rows: int
    accepted: int
    duplicates: int
    projects: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "digest": self.digest,
            "rows": self.rows,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "projects": self.projects,
        }


def digest_of(data: bytes) -> str:
    """The file's SHA-256: what the preview returns and the confirmation must repeat."""
    return hashlib.sha256(data).hexdigest()


def event_id(kind: str, project_id: str, what: str) -> str:
    """The same row of the same project gives the same event id, in every file."""
    return str(uuid.uuid5(EVENT_IDS, f"{kind}/{project_id}/{what}"))


class SpreadsheetImports:
    """Preview and confirm a spreadsheet through the registry's use cases."""

    def __init__(self, registry: Registry, layouts: Sequence[Layout]) -> None:
        self.registry = registry
        self.layouts = {layout.kind: layout for layout in layouts}
        """The sheets the office imports, by kind (``ledger``, ``monthly-report``)."""

    def preview(
        self,
        layout: Layout,
        data: bytes,
        context: ImportContext,
        progress: Progress | None = None,
    ) -> Preview:
        rows, problems = read_rows(layout, data, progress)
        preview = Preview(layout.kind, digest_of(data), len(rows), problems)
        planned = _plan(layout, rows, context, preview.problems)
        planned = self._keep_first_business_time(layout, planned)
        self._try(layout, rows, planned, preview)
        preview.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        return preview

    def confirm(
        self,
        layout: Layout,
        data: bytes,
        digest: str,
        context: ImportContext,
        progress: Progress | None = None,
    ) -> Imported:
        actual = digest_of(data)
        if digest.strip().lower() != actual:
            raise DigestMismatch(digest, actual)
        preview = self.preview(layout, data, context)
        if not preview.clean:
            raise ImportHasProblems(preview)
        accepted, duplicates = self._append([s for _, s in preview.submissions], progress)
        projects = sorted({s.project_id or "" for _, s in preview.submissions})
        return Imported(layout.kind, actual, preview.rows, accepted, duplicates, projects)

    def _keep_first_business_time(
        self, layout: Layout, planned: list[tuple[int, Submission]]
    ) -> list[tuple[int, Submission]]:
        """An event already imported keeps the business time it was first stored with, so
        that importing the file again is the same event to the store (a duplicate); with
        other content, in a sheet that `Layout.corrects`, it becomes a correction."""
        stored = self.registry.store.get_many([s.event_id for _, s in planned])
        out = []
        for row, submission in planned:
            original = stored.get(submission.event_id)
            if original is not None:
                submission = replace(submission, occurred_at=original.occurred_at)
                if layout.corrects:
                    submission = self._correction_if_changed(layout, submission, original, row)
            out.append((row, submission))
        return out

    def _correction_if_changed(
        self, layout: Layout, submission: Submission, original: RecordedEvent, row: int
    ) -> Submission:
        """The correction that makes ``original`` say what the row says now, numbered after
        the corrections it already has; if it already says that (as first imported or as
        corrected since), ``original`` again, which the store answers as a duplicate."""
        try:
            wanted = self.registry.types.validate(submission.type, submission.payload)
        except EventStoreError:
            return submission  # the trial names what is wrong with it
        events = self.registry.history(submission.project_id or "")
        standing = Amendments(events).standing(original)
        if dict(standing.payload) == wanted:  # as corrected before: the stored original
            return replace(submission, payload=original.payload)  # is answered a duplicate
        return replace(
            submission,
            event_id=str(uuid.uuid5(EVENT_IDS, f"{original.event_id}/{len(standing.amendments)}")),
            type="EventCorrected",
            occurred_at=self.registry.store.clock(),
            payload={
                "corrected_event_id": original.event_id,
                "payload": wanted,
                "reason": f"重新导入的{layout.title}第{row}行与已导入的不同",
            },
        )

    def _try(
        self, layout: Layout, rows: list[Row], planned: list[tuple[int, Submission]], out: Preview
    ) -> None:
        outcomes = self.registry.trial([s for _, s in planned]) if planned else []
        failed: set[int] = set()
        by_number = {row.number: row for row in rows}
        for (row, _), outcome in zip(planned, outcomes, strict=True):
            if outcome.error is not None and row not in failed:
                failed.add(row)  # a row's later events fail with its first: say it once
                out.problems.append(_problem(layout, by_number[row], outcome.error))
        out.submissions = [(row, s) for row, s in planned if row not in failed]
        out.duplicates = sum(
            1
            for (row, _), o in zip(planned, outcomes, strict=True)
            if row not in failed and o.status == DUPLICATE
        )

    def _append(self, submissions: list[Submission], progress: Progress | None) -> tuple[int, int]:
        accepted = duplicates = 0
        for start in range(0, len(submissions), BATCH):
            outcomes = self.registry.submit_batch(submissions[start : start + BATCH])
            refused = next((o for o in outcomes if o.error is not None), None)
            if refused is not None:
                raise refused.error  # type: ignore[misc]  # a race since the preview
            duplicates += sum(o.status == DUPLICATE for o in outcomes)
            accepted += sum(o.status != DUPLICATE for o in outcomes)
            if progress is not None:
                progress(min(start + BATCH, len(submissions)), len(submissions))
        return accepted, duplicates


# -- reading the workbook -------------------------------------------------------------


def read_rows(
    layout: Layout, data: bytes, progress: Progress | None = None
) -> tuple[list[Row], list[RowProblem]]:
    """The sheet's non-empty data rows, or the file-level problems that stop reading."""
    if len(data) > MAX_BYTES:
        raise SpreadsheetUnreadable(f"文件超过 {MAX_BYTES // 1024 // 1024} MB")
    sheet = _first_sheet(data)
    lines = enumerate(sheet.iter_rows(values_only=True), start=1)
    heading, letters, problems = _header(layout, lines)
    if problems:
        return [], problems
    total = max((sheet.max_row or 1) - heading, 0)
    rows = []
    for number, values in lines:
        if progress is not None and number % 100 == 0:
            progress(number - heading, total)
        if all(_blank(v) for v in values):
            continue
        cells = {key: values[i] if i < len(values) else None for key, i in letters.items()}
        rows.append(Row(number, cells, {k: get_column_letter(i + 1) for k, i in letters.items()}))
        if len(rows) > MAX_ROWS:
            raise SpreadsheetUnreadable(f"一次最多导入 {MAX_ROWS} 行")
    return rows, problems


HEADER_SEARCH = 10
"""The office's sheets often open with a title row or two (``2026年重点项目台账``, 单位：万元):
the header is the first of these rows that names any of the layout's columns."""


def _header(
    layout: Layout, lines: Iterator[tuple[int, tuple[Any, ...]]]
) -> tuple[int, dict[str, int], list[RowProblem]]:
    """The header row's number, the column of each key, or what is missing."""
    known = {_header_text(c.header) for c in layout.columns} | {c.name for c in layout.columns}
    for number, values in lines:
        if any(_header_text(v) in known for v in values if not _blank(v)):
            letters, problems = _find_columns(layout, values, number)
            return number, letters, problems
        if number >= HEADER_SEARCH:
            break
    _, problems = _find_columns(layout, (), 1)
    return 1, {}, problems


def _first_sheet(data: bytes) -> Any:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpreadsheetUnreadable(f"不是可读取的 XLSX 文件（{type(exc).__name__}）") from None
    return book.worksheets[0]


def _find_columns(
    layout: Layout, header: Sequence[Any], number: int
) -> tuple[dict[str, int], list[RowProblem]]:
    """Columns are found by their headers, wherever the office put them."""
    found = {_header_text(v): i for i, v in enumerate(header) if not _blank(v)}
    letters: dict[str, int] = {}
    problems = []
    for column in layout.columns:
        index = found.get(_header_text(column.header), found.get(column.name))
        if index is not None:
            letters[column.key] = index
        elif column.required:
            problems.append(RowProblem(number, None, None, f"缺少“{column.header}”列（见模板）"))
    return letters, problems


def _header_text(value: Any) -> str:
    text = str(value).strip().replace("(", "（").replace(")", "）")
    return re.sub(r"\s+", "", text)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plan(
    layout: Layout, rows: list[Row], context: ImportContext, problems: list[RowProblem]
) -> list[tuple[int, Submission]]:
    """The events of every row whose cells are all readable; the others' problems."""
    planned: list[tuple[int, Submission]] = []
    first_row: dict[str, int] = {}
    for row in rows:
        read, row_problems = _read_row(layout, row)
        if not row_problems:
            row_problems = [_at(layout, row, key, message) for key, message in layout.check(read)]
        problems.extend(row_problems)
        if row_problems:
            continue
        key = layout.key_of(read)
        if key in first_row:
            problems.append(
                RowProblem(row.number, None, None, layout.duplicate_message.format(first_row[key]))
            )
            continue
        first_row[key] = row.number
        planned.extend((row.number, s) for s in layout.events(read, context))
    return planned


def _read_row(layout: Layout, row: Row) -> tuple[Row, list[RowProblem]]:
    values: dict[str, Any] = {}
    problems = []
    for column in layout.columns:
        raw = row.values.get(column.key)
        try:
            if _blank(raw):
                if column.required:
                    raise CellProblem("必填")
                values[column.key] = None
            else:
                values[column.key] = column.read(raw)
        except CellProblem as exc:
            problems.append(
                RowProblem(row.number, row.letters.get(column.key), column.name, str(exc))
            )
    return replace(row, values=values), problems


def _at(layout: Layout, row: Row, key: str, message: str) -> RowProblem:
    """A problem at a column of ``row`` (the row as a whole if no column has ``key``)."""
    column = next((c for c in layout.columns if c.key == key), None)
    if column is None:
        return RowProblem(row.number, None, None, message)
    return RowProblem(row.number, row.letters.get(key), column.name, message)


def _problem(layout: Layout, row: Row, error: Exception) -> RowProblem:
    """A refusal by the registry, said in Chinese at the column it concerns."""
    field_name, message = _said(error)
    return _at(layout, row, field_name, message)


def _said(error: Exception) -> tuple[str, str]:
    if isinstance(error, AlreadyRegistered):
        if error.field == "national_code":
            return "national_code", f"已被项目 {error.project_id} 使用"
        return "project_id", f"项目 {error.project_id} 已登记（不是由本导入登记的）"
    if isinstance(error, ProjectNotFound):
        return "project_id", f"项目 {error.project_id} 未登记：请先导入台账"
    if isinstance(error, DuplicateEventConflict):
        return "", "该行已导入过，内容与本文件不同：已导入的内容请用更正（EventCorrected）修改"
    if isinstance(error, RuleViolation):
        return error.field, f"不符合规则：{error.message}"
    if isinstance(error, EventStoreError):
        return "", f"不能记录：{error}"
    return "", f"不能导入：{error}"


# -- reading cells --------------------------------------------------------------------


def text(limit: int) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        result = str(value).strip()
        if len(result) > limit:
            raise CellProblem(f"超过 {limit} 个字")
        return result

    return read


def code(value: Any) -> str:
    result = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", result):
        raise CellProblem("只能用字母、数字、-、_（至多64个字符）")
    return result


def national_code(value: Any) -> str:
    result = str(value).strip().upper()
    if not re.fullmatch(r"[0-9A-Z-]{24}", result):
        raise CellProblem("全国投资项目代码应为24位")
    return result


def wan_yuan(value: Any) -> Decimal:
    """万元 in a cell → yuan, exactly (a float cell is read by its shortest decimal form)."""
    if isinstance(value, bool):
        raise CellProblem("不是数字")
    written = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
    try:
        amount = Decimal(written)
    except InvalidOperation:
        raise CellProblem("不是数字") from None
    if not amount.is_finite():
        raise CellProblem("不是数字")
    if amount < 0:
        raise CellProblem("不能为负数")
    yuan = amount * WAN
    if yuan != yuan.quantize(Decimal("0.01")):
        raise CellProblem("万元最多保留六位小数（精确到分）")
    return yuan.quantize(Decimal("0.01"))


def day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    written = str(value).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", written)
    try:
        if match is None:
            raise ValueError(written)
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellProblem("不是日期（例如 2026-04-15）") from None


def month(value: Any) -> str:
    """``2026-03``, ``2026年3月``, ``2026/3`` or a date cell → ``2026-03``."""
    if isinstance(value, date | datetime):
        return f"{value.year:04d}-{value.month:02d}"
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", str(value).strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise CellProblem("不是月份（例如 2026-03）")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def choice(kind: str) -> Callable[[Any], str]:
    """A Chinese label of ``kind`` from the catalogue (or its code) → the code."""
    by_label = {label: code for code, label in labels(kind).items()}

    def read(value: Any) -> str:
        written = str(value).strip()
        if written in by_label:
            return by_label[written]
        if written in by_label.values():
            return written
        raise CellProblem(f"“{written}”不是可选项（{'、'.join(by_label)}）")

    return read


def yes_no(value: Any) -> bool:
    written = str(value).strip()
    if written in ("是", "1", "True", "true", "Y", "y"):
        return True
    if written in ("否", "0", "False", "false", "N", "n"):
        return False
    raise CellProblem("填“是”或“否”")


# -- the template ---------------------------------------------------------------------


def template(layout: Layout) -> bytes:
    """An empty sheet with the layout's headers, an example row and drop-down lists."""
    book = Workbook()
    sheet = book.active
    sheet.title = layout.title
    sheet.append([c.header for c in layout.columns])
    if layout.example:
        sheet.append(list(layout.example))
    for index, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 2)
        if column.choices:
            listed = DataValidation(type="list", formula1=f'"{",".join(column.choices)}"')
            listed.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(listed)
    sheet.freeze_panes = "A2"
    _explain(book.create_sheet("填写说明"), layout)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _explain(sheet: Any, layout: Layout) -> None:
    sheet.append(["列", "是否必填", "说明"])
    for column in layout.columns:
        sheet.append([column.header, "必填" if column.required else "选填", column.note])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["C"].width = 80
