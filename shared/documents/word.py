"""An `OfficialDocument` as .docx (python-docx), laid out as GB/T 9704-2012 asks: A4,
版心 156×225 mm, 发文机关标志 and 红色分隔线 in red, title in 小标宋 二号, body in
仿宋_GB2312 三号 at a fixed 28.95 pt pitch, page numbers ``— 1 —``, attachments on their
own pages (wide tables landscape), 版记 last. Fonts a reader lacks fall back to the
configured installed ones (``altName`` in the font table)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from shared.i18n import short_date

from . import layout
from .cells import cell_text, is_numeric
from .model import APPENDIX_TITLE, Attachment, Heading, OfficialDocument, Paragraph, Table
from .office import Fonts

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def to_docx(document: OfficialDocument, fonts: Fonts) -> bytes:
    doc = Document()
    _page(doc.sections[0], landscape=False)
    _styles(doc, fonts)
    _font_fallbacks(doc, fonts)
    _footer(doc.sections[0], fonts)
    _head(doc, document, fonts)
    _body(doc, document, fonts)
    for index, attachment in enumerate(document.attachments, 1):
        _attachment(doc, attachment, index, len(document.attachments), fonts)
    _colophon(doc, document, fonts)
    if document.appendix:
        _appendix(doc, document.appendix, fonts)
    _properties(doc, document)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page(section, *, landscape: bool) -> None:  # type: ignore[no-untyped-def]
    width, height = layout.PAGE_MM
    margins = layout.LANDSCAPE_MARGINS_MM if landscape else layout.MARGINS_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (Mm(height), Mm(width)) if landscape else (Mm(width), Mm(height))
    )
    section.top_margin, section.bottom_margin = Mm(margins["top"]), Mm(margins["bottom"])
    section.left_margin, section.right_margin = Mm(margins["left"]), Mm(margins["right"])
    section.footer_distance = Mm(28 - 7 if not landscape else 14)


def _styles(doc: DocxDocument, fonts: Fonts) -> None:
    normal = doc.styles["Normal"]
    _set_font(normal.font, normal.element, fonts.body, layout.BODY_PT)
    normal.paragraph_format.line_spacing = Pt(layout.LINE_PT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = False


def _set_font(font, element, name: str, size: float, *, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    font.name, font.size, font.bold = name, Pt(size), bold
    r_pr = element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _font_fallbacks(doc: DocxDocument, fonts: Fonts) -> None:
    """Name each GB font's installed stand-in, so a machine without it still sets Chinese."""
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    root = etree.fromstring(part.blob)
    for name, fallback in (
        (fonts.title, fonts.title_fallback),
        (fonts.body, fonts.body_fallback),
        (fonts.subheading, fonts.subheading_fallback),
    ):
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): fallback})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})
        etree.SubElement(font, qn("w:family"), {qn("w:val"): "roman"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _paragraph(  # type: ignore[no-untyped-def]
    doc,
    text: str,
    font: str,
    size: float = layout.BODY_PT,
    *,
    align: str = "justify",
    indent: float = 0,
    bold: bool = False,
    color: str | None = None,
    line: float | None = None,
) -> DocxParagraph:
    paragraph = doc.add_paragraph()
    paragraph.alignment = _ALIGN[align]
    paragraph.paragraph_format.first_line_indent = Pt(indent * size) if indent else None
    if line is not None:
        paragraph.paragraph_format.line_spacing = Pt(line)
    if text:
        _run(paragraph, text, font, size, bold=bold, color=color)
    return paragraph


def _run(paragraph, text: str, font: str, size: float, *, bold=False, color=None) -> None:  # type: ignore[no-untyped-def]
    run = paragraph.add_run(text)
    _set_font(run.font, run._element, font, size, bold=bold)
    if color:
        run.font.color.rgb = RGBColor.from_string(color)


def _head(doc: DocxDocument, document: OfficialDocument, fonts: Fonts) -> None:
    """版头: 发文机关标志 (red), 发文字号, 红色分隔线; then the title and 主送机关."""
    mark = f"{document.issuing_office}文件"
    size = layout.mark_size_pt(mark)
    first = _paragraph(
        doc, mark, fonts.title, size, align="center", color=layout.RED, line=size * 1.5
    )
    first.paragraph_format.space_before = Mm(8)
    _paragraph(doc, "", fonts.body)
    number = _paragraph(doc, document.number_text, fonts.body, align="center")
    _red_rule(number)
    _paragraph(doc, "", fonts.body)
    _title(doc, document.title, fonts)
    _paragraph(doc, "", fonts.body)
    if document.addressee_line:
        _paragraph(doc, document.addressee_line, fonts.body)


def _title(doc: DocxDocument, title: str, fonts: Fonts) -> None:
    paragraph = _paragraph(doc, "", fonts.title, align="center", line=layout.TITLE_LINE_PT)
    for index, line in enumerate(layout.title_lines(title)):
        if index:
            paragraph.runs[-1].add_break()
        _run(paragraph, line, fonts.title, layout.TITLE_PT)


def _red_rule(paragraph: DocxParagraph) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "6"), ("color", layout.RED)):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    p_pr.append(borders)


def _body(doc: DocxDocument, document: OfficialDocument, fonts: Fonts) -> None:
    for block in document.body:
        if isinstance(block, Heading):
            font = {1: fonts.heading, 2: fonts.subheading}.get(block.level, fonts.body)
            _paragraph(doc, block.text, font, indent=2, bold=block.level == 3)
        elif isinstance(block, Paragraph):
            paragraph = _paragraph(doc, "", fonts.body, indent=2)
            if block.lead:
                _run(paragraph, block.lead, fonts.heading, layout.BODY_PT)
            _run(paragraph, block.text, fonts.body, layout.BODY_PT)
        else:
            _table(doc, block, fonts)
    # The signature never stands on a page without body text (GB/T 9704 7.3.5.1).
    if doc.paragraphs:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    _attachment_note(doc, document, fonts)
    _signature(doc, document, fonts)


def _attachment_note(doc: DocxDocument, document: OfficialDocument, fonts: Fonts) -> None:
    """附件说明: 正文下空一行左空二字 "附件：", several attachments numbered."""
    if not document.attachments:
        return
    _paragraph(doc, "", fonts.body).paragraph_format.keep_with_next = True
    titles = [a.title for a in document.attachments]
    if len(titles) == 1:
        _paragraph(
            doc, f"附件：{titles[0]}", fonts.body, indent=2
        ).paragraph_format.keep_with_next = True
        return
    for index, title in enumerate(titles, 1):
        prefix = "附件：" if index == 1 else "　　　"
        line = _paragraph(doc, f"{prefix}{index}. {title}", fonts.body, indent=2)
        line.paragraph_format.keep_with_next = True


def _signature(doc: DocxDocument, document: OfficialDocument, fonts: Fonts) -> None:
    """署名 centred over 成文日期; the date 右空四字 (GB/T 9704 7.3.5.2)."""
    date_text = short_date(document.signed_on)
    date_right = 4.0
    centre = date_right + layout.text_width(date_text) / 2
    signature_right = max(0.0, centre - layout.text_width(document.issuing_office) / 2)
    for _ in range(3):
        _paragraph(doc, "", fonts.body).paragraph_format.keep_with_next = True
    for text, right in ((document.issuing_office, signature_right), (date_text, date_right)):
        paragraph = _paragraph(doc, text, fonts.body, align="right")
        paragraph.paragraph_format.right_indent = Pt(right * layout.BODY_PT)


def _attachment(
    doc: DocxDocument, attachment: Attachment, index: int, count: int, fonts: Fonts
) -> None:
    wide = len(attachment.table.columns) > layout.WIDE_TABLE_COLUMNS
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(section, landscape=wide)
    label = "附件" if count == 1 else f"附件{index}"
    _paragraph(doc, label, fonts.heading, align="left")
    _title(doc, attachment.title, fonts)
    _paragraph(doc, "", fonts.body, line=layout.TABLE_PT * 1.5)
    _table(doc, attachment.table, fonts)


def _appendix(doc: DocxDocument, tables: tuple[Table, ...], fonts: Fonts) -> None:
    """The 审计附录 after the 版记, on a page of its own."""
    _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=False)
    _paragraph(doc, APPENDIX_TITLE, fonts.heading, align="left")
    for table in tables:
        _paragraph(doc, table.title, fonts.heading, layout.SIZE_PT["四号"], align="left")
        _table(doc, table, fonts)


def _table(doc: DocxDocument, table: Table, fonts: Fonts) -> None:
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False  # the widths below, not the contents, size the columns
    _narrow_cell_margins(grid)
    _repeat_header(grid.rows[0])
    for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
        _cell(cell, column.title, fonts.heading, "center")
    for row in table.rows:
        added = grid.add_row()
        _keep_together(added)
        cells = added.cells
        for cell, value, column in zip(cells, row, table.columns, strict=True):
            _cell(
                cell,
                cell_text(value, column),
                fonts.body,
                "right" if is_numeric(column) else "left",
            )
    total = sum(column.width for column in table.columns)
    usable = _usable_width(doc)
    for column, docx_column in zip(table.columns, grid.columns, strict=True):
        width = int(usable * column.width / total)
        docx_column.width = width  # the table grid: what LibreOffice and WPS lay out by
        for cell in docx_column.cells:
            cell.width = width


def _usable_width(doc: DocxDocument) -> int:
    section = doc.sections[-1]
    return (
        int(section.page_width or 0)
        - int(section.left_margin or 0)
        - int(section.right_margin or 0)
    )


def _cell(cell, text: str, font: str, align: str) -> None:  # type: ignore[no-untyped-def]
    paragraph = cell.paragraphs[0]
    paragraph.alignment = _ALIGN[align]
    paragraph.paragraph_format.line_spacing = Pt(layout.TABLE_PT * 1.4)
    paragraph.paragraph_format.first_line_indent = None
    _run(paragraph, text, font, layout.TABLE_PT)


def _narrow_cell_margins(grid) -> None:  # type: ignore[no-untyped-def]
    """1 mm left and right inside each cell (Word's default is 1.9 mm): a wide table's
    figures (``97.92``, ``12,000.00``) stay on one line."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(layout.CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.append(margins)


def _keep_together(row) -> None:  # type: ignore[no-untyped-def]
    """A row is never split across two pages (a leader's name cut in half)."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _repeat_header(row) -> None:  # type: ignore[no-untyped-def]
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _colophon(doc: DocxDocument, document: OfficialDocument, fonts: Fonts) -> None:
    """版记: 抄送 and 印发机关/印发日期 between rules, at the end of the document."""
    size = layout.SIZE_PT["四号"]
    # The 版记 stays in one piece on the last page (keep each line with the next).
    _paragraph(doc, "", fonts.body).paragraph_format.keep_with_next = True
    if document.copy_to:
        copied = _paragraph(doc, "抄送：" + "，".join(document.copy_to) + "。", fonts.body, size)
        copied.paragraph_format.keep_with_next = True
        _rule(copied, top=True)
    printed = _paragraph(doc, "", fonts.body, size)
    _run(printed, document.printed_by or document.issuing_office, fonts.body, size)
    _run(printed, "\t" + short_date(document.signed_on) + "印发", fonts.body, size)
    usable = _usable_width(doc)
    printed.paragraph_format.tab_stops.add_tab_stop(usable, alignment=2)  # right
    _rule(printed, top=not document.copy_to)
    _rule(printed, top=False)


def _rule(paragraph: DocxParagraph, *, top: bool) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    edge = OxmlElement("w:top" if top else "w:bottom")
    for key, value in (("val", "single"), ("sz", "8"), ("space", "1"), ("color", "000000")):
        edge.set(qn(f"w:{key}"), value)
    borders.append(edge)


def _footer(section, fonts: Fonts) -> None:  # type: ignore[no-untyped-def]
    """Page numbers ``— 1 —`` in 宋体 四号."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = layout.SIZE_PT["四号"]
    _run(paragraph, "— ", fonts.title_fallback, size)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        run = paragraph.add_run()
        _set_font(run.font, run._element, fonts.title_fallback, size)
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _run(paragraph, " —", fonts.title_fallback, size)


def _properties(doc: DocxDocument, document: OfficialDocument) -> None:
    """Digests and event ids live here (and in no paragraph)."""
    properties = doc.core_properties
    properties.title = document.title
    properties.subject = document.number_text
    properties.category = document.kind
    properties.author = document.issuing_office
    properties.last_modified_by = document.issuing_office
    properties.identifier = document.number or ""
    properties.language = "zh-CN"
    properties.keywords = document.kind
    _custom_properties(doc, document.metadata)
    properties.created = properties.modified = datetime.combine(document.signed_on, time())
    properties.revision = 1


_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def _custom_properties(doc: DocxDocument, metadata: dict[str, str]) -> None:
    """The metadata as the document's custom properties (文件 → 属性 → 自定义)."""
    root = etree.Element(f"{{{_CUSTOM}}}Properties", nsmap={None: _CUSTOM, "vt": _VT})
    for pid, (name, value) in enumerate(metadata.items(), 2):
        prop = etree.SubElement(
            root,
            f"{{{_CUSTOM}}}property",
            fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}",
            pid=str(pid),
            name=name,
        )
        etree.SubElement(prop, f"{{{_VT}}}lpwstr").text = value
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = doc.part.package
    part = Part(PackURI("/docProps/custom.xml"), f"{_CUSTOM_TYPE}", blob, package)
    package.relate_to(part, f"{_RELATIONSHIPS}/custom-properties")


def custom_properties(data: bytes) -> dict[str, str]:
    """Read back what `_custom_properties` wrote (for tests and verifiers)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "docProps/custom.xml" not in archive.namelist():
            return {}
        root = etree.fromstring(archive.read("docProps/custom.xml"))
    return {p.get("name"): p[0].text or "" for p in root}


_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
