"""An `OfficialDocument`'s tables as XLSX (openpyxl): one sheet per table with a title
row, a frozen Chinese header, column widths, money in 万元 with a number format and
printing set up (A4, fit to width, header repeated); then 文件信息 with the document's
head and, as its appendix, the metadata."""

from __future__ import annotations

import io
from datetime import datetime, time

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from shared.i18n import short_date

from . import layout
from .cells import NUMBER_FORMATS, cell_text, cell_value, is_numeric
from .model import APPENDIX_TITLE, OfficialDocument, Table

INFO_SHEET = "文件信息"
HEADER_ROW = 2
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def to_xlsx(document: OfficialDocument, fonts_body: str = "仿宋") -> bytes:
    book = Workbook()
    tables = _ordered_tables(document)
    first = book.active
    for index, table in enumerate(tables):
        sheet = first if index == 0 else book.create_sheet()
        _fill(sheet, table, fonts_body)
    info = first if not tables else book.create_sheet()
    _info(info, document)
    _properties(book, document)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ordered_tables(document: OfficialDocument) -> list[Table]:
    tables = list(document.tables)
    if document.main_table is not None and document.main_table in tables:
        tables.remove(document.main_table)
        tables.insert(0, document.main_table)
    return tables


def sheet_name(table: Table) -> str:
    name = table.sheet or table.title
    for ch in "[]:*?/\\":
        name = name.replace(ch, "")
    return name[:31]


def _fill(sheet: Worksheet, table: Table, font: str) -> None:
    sheet.title = sheet_name(table)
    width = len(table.columns)
    sheet.append([table.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(1, 1).font = Font(name=font, size=16, bold=True)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.append([column.title for column in table.columns])
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(name=font, size=11, bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
    for row in table.rows:
        sheet.append([cell_value(v, c) for v, c in zip(row, table.columns, strict=True)])
    _format_columns(sheet, table, font)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
    _print_setup(sheet, table)


def _format_columns(sheet: Worksheet, table: Table, font: str) -> None:
    for index, column in enumerate(table.columns, 1):
        letter = get_column_letter(index)
        # A Chinese character is about two of the spreadsheet's width units.
        sheet.column_dimensions[letter].width = column.width * 2 + 2
        number_format = NUMBER_FORMATS.get(column.kind)
        for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=index, max_col=index):
            cell.font = Font(name=font, size=11)
            cell.border = _BOX
            cell.alignment = Alignment(
                horizontal="right" if is_numeric(column) else "left",
                vertical="center",
                wrap_text=not is_numeric(column),
            )
            if number_format and cell.value is not None:
                cell.number_format = number_format


def _print_setup(sheet: Worksheet, table: Table) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    wide = len(table.columns) > layout.WIDE_TABLE_COLUMNS
    sheet.page_setup.orientation = "landscape" if wide else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True


def _info(sheet: Worksheet, document: OfficialDocument) -> None:
    sheet.title = INFO_SHEET
    rows = [
        ("发文机关", document.issuing_office),
        ("发文字号", document.number_text),
        ("标题", document.title),
        ("主送", "，".join(document.addressees)),
        ("成文日期", short_date(document.signed_on)),
        ("附件", "；".join(a.title for a in document.attachments)),
    ]
    for row in rows:
        sheet.append(list(row))
    if document.metadata:
        sheet.append([])
        sheet.append(["附录：文件元数据（供核验，不属正文）"])
        for key, value in document.metadata.items():
            sheet.append([key, value])
    for table in document.appendix:
        sheet.append([])
        sheet.append([f"{APPENDIX_TITLE}：{table.title}"])
        sheet.append([column.title for column in table.columns])
        for cells in table.rows:
            sheet.append([cell_text(v, c) for v, c in zip(cells, table.columns, strict=True)])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 90
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        cell.font = Font(bold=True)


def _properties(book: Workbook, document: OfficialDocument) -> None:
    properties = book.properties
    properties.title = document.title
    properties.subject = document.number_text
    properties.creator = document.issuing_office
    properties.category = document.kind
    properties.identifier = document.number or ""
    properties.language = "zh-CN"
    properties.description = "\n".join(f"{k}：{v}" for k, v in document.metadata.items())
    properties.created = properties.modified = datetime.combine(document.signed_on, time())
