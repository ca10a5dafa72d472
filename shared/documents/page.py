"""An `OfficialDocument` as a printable HTML page: A4 print CSS with the GB/T 9704
margins and type sizes, attachments on their own (landscape when wide) pages. The
metadata goes into ``<meta>`` elements of the head, never the page."""

from __future__ import annotations

from html import escape

from shared.i18n import short_date

from . import layout
from .cells import cell_text, is_numeric
from .model import APPENDIX_TITLE, Heading, OfficialDocument, Paragraph, Table
from .office import Fonts


def to_html(document: OfficialDocument, fonts: Fonts) -> str:
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{escape(document.title)}</title>",
        *(
            f"<meta name='gongjian:{escape(key)}' content='{escape(value)}'>"
            for key, value in document.metadata.items()
        ),
        f"<style>{print_css(fonts)}</style></head><body>",
        "<article class='page'>",
        _head(document),
        *(_block(block) for block in document.body[:-1]),
        # The signature never stands on a page without body text (GB/T 9704 7.3.5.1).
        "<div class='closing'>",
        *(_block(block) for block in document.body[-1:]),
        _attachment_note(document),
        _signature(document),
        "</div>",
        "</article>" if document.attachments else "",
        *(
            _attachment(attachment.title, attachment.table, index, len(document.attachments))
            for index, attachment in enumerate(document.attachments, 1)
        ),
        _colophon(document),
        "</section>" if document.attachments else "</article>",
        _appendix(document.appendix),
        "</body></html>",
    ]
    return "".join(parts)


def _family(*names: str) -> str:
    return ", ".join(f"'{name}'" for name in dict.fromkeys(names)) + ", serif"


def print_css(fonts: Fonts) -> str:
    """A4 with the 版心 of GB/T 9704; the GB fonts first, then what is installed."""
    m, lm = layout.MARGINS_MM, layout.LANDSCAPE_MARGINS_MM
    serif = ("Noto Serif CJK SC", "Source Han Serif SC", "SimSun")
    title = _family(fonts.title, "FZXiaoBiaoSong-B05S", fonts.title_fallback, *serif)
    body = _family(fonts.body, "FangSong_GB2312", fonts.body_fallback, "FangSong", *serif)
    heading = _family(fonts.heading, "SimHei", "Noto Sans CJK SC", "Source Han Sans SC")
    sub = _family(fonts.subheading, "KaiTi_GB2312", fonts.subheading_fallback, "KaiTi", *serif)
    return (
        f"@page{{size:A4;margin:{m['top']}mm {m['right']}mm {m['bottom']}mm {m['left']}mm}}"
        f"@page wide{{size:A4 landscape;margin:{lm['top']}mm {lm['right']}mm {lm['bottom']}mm {lm['left']}mm}}"
        f"body{{font-family:{body};font-size:{layout.BODY_PT}pt;line-height:{layout.LINE_PT}pt;"
        "color:#000;margin:0}"
        "p{margin:0;text-align:justify}.indent{text-indent:2em}"
        f".mark{{font-family:{title};color:#{layout.RED};text-align:center;margin-top:8mm;"
        "letter-spacing:0.05em;white-space:nowrap}"
        f".number{{text-align:center;margin-top:{layout.LINE_PT}pt;padding-bottom:4mm;"
        f"border-bottom:1.5pt solid #{layout.RED}}}"
        f"h1{{font-family:{title};font-weight:normal;font-size:{layout.TITLE_PT}pt;"
        f"line-height:{layout.TITLE_LINE_PT}pt;text-align:center;margin:{layout.LINE_PT}pt 0}}"
        f"h2,h3,h4{{font-size:{layout.BODY_PT}pt;margin:0;text-indent:2em}}"
        f"h2{{font-family:{heading};font-weight:normal}}h3{{font-family:{sub};font-weight:normal}}"
        f"b.lead{{font-family:{heading};font-weight:normal}}"
        ".note{margin-top:1.5em}.signature{text-align:right;margin-top:3em}"
        ".signature p{text-align:right}"
        ".closing{break-inside:avoid;page-break-inside:avoid}"
        f"table{{table-layout:fixed;border-collapse:collapse;width:100%;font-size:{layout.TABLE_PT}pt;"
        f"line-height:{layout.TABLE_PT * 1.4}pt;margin:0.5em 0}}"
        "th,td{border:0.5pt solid #000;padding:1mm 1.5mm;vertical-align:middle}"
        f"th{{font-family:{heading};font-weight:normal}}td.num{{text-align:right;white-space:nowrap}}"
        "thead{display:table-header-group}tr{page-break-inside:avoid}"
        f".attachment{{page-break-before:always}}.attachment h1{{margin-top:0.5em}}"
        f".attachment.wide{{page:wide}}.label{{font-family:{heading}}}"
        f".colophon{{break-inside:avoid;page-break-inside:avoid;margin-top:2em;font-size:{layout.SIZE_PT['四号']}pt;border-top:1pt solid #000;"
        "border-bottom:1pt solid #000}.colophon p{padding:0 1em}"
        ".colophon .printed{display:flex;justify-content:space-between;border-top:0.5pt solid #000}"
        "@media screen{body{padding:2em}.page,.attachment{max-width:156mm;margin:0 auto 3em}"
        ".attachment.wide{max-width:225mm}.colophon{max-width:156mm}}"
    )


def _head(document: OfficialDocument) -> str:
    mark = f"{document.issuing_office}文件"
    size = layout.mark_size_pt(mark)
    addressees = document.addressee_line
    return (
        f"<header><p class='mark' style='font-size:{size}pt;line-height:{size * 1.5}pt'>"
        f"{escape(mark)}</p><p class='number'>{escape(document.number_text)}</p></header>"
        f"<h1>{_title(document.title)}</h1>"
        + (f"<p class='addressees'>{escape(addressees)}</p>" if addressees else "")
    )


def _block(block: Heading | Paragraph | Table) -> str:
    if isinstance(block, Heading):
        tag = {1: "h2", 2: "h3"}.get(block.level, "h4")
        return f"<{tag}>{escape(block.text)}</{tag}>"
    if isinstance(block, Paragraph):
        lead = f"<b class='lead'>{escape(block.lead)}</b>" if block.lead else ""
        return f"<p class='indent'>{lead}{escape(block.text)}</p>"
    return _table(block)


def _table(table: Table) -> str:
    total = sum(column.width for column in table.columns)
    widths = "".join(
        f"<col style='width:{100 * column.width / total:.1f}%'>" for column in table.columns
    )
    head = "".join(f"<th>{escape(column.title)}</th>" for column in table.columns)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if is_numeric(column) else ''}>{escape(cell_text(value, column))}</td>"
            for value, column in zip(row, table.columns, strict=True)
        )
        + "</tr>"
        for row in table.rows
    )
    return (
        f"<table><colgroup>{widths}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _attachment_note(document: OfficialDocument) -> str:
    titles = [a.title for a in document.attachments]
    if not titles:
        return ""
    if len(titles) == 1:
        return f"<p class='indent note'>附件：{escape(titles[0])}</p>"
    lines = [
        f"<p class='indent{' note' if i == 1 else ''}'>{'附件：' if i == 1 else '　　　'}"
        f"{i}. {escape(title)}</p>"
        for i, title in enumerate(titles, 1)
    ]
    return "".join(lines)


def _signature(document: OfficialDocument) -> str:
    return (
        f"<div class='signature'><p>{escape(document.issuing_office)}</p>"
        f"<p style='padding-right:4em'>{escape(short_date(document.signed_on))}</p></div>"
    )


def _attachment(title: str, table: Table, index: int, count: int) -> str:
    wide = " wide" if len(table.columns) > layout.WIDE_TABLE_COLUMNS else ""
    label = "附件" if count == 1 else f"附件{index}"
    close = "</section>" if index > 1 else ""
    return (
        f"{close}<section class='attachment{wide}'><p class='label'>{label}</p>"
        f"<h1>{_title(title)}</h1>{_table(table)}"
    )


def _appendix(tables: tuple[Table, ...]) -> str:
    """The 审计附录 after the 版记, on a page of its own."""
    if not tables:
        return ""
    parts = "".join(f"<h3>{escape(table.title)}</h3>{_table(table)}" for table in tables)
    return f"<section class='attachment appendix'><p class='label'>{APPENDIX_TITLE}</p>{parts}</section>"


def _title(title: str) -> str:
    return "<br>".join(escape(line) for line in layout.title_lines(title))


def _colophon(document: OfficialDocument) -> str:
    copied = f"<p>抄送：{escape('，'.join(document.copy_to))}。</p>" if document.copy_to else ""
    printed_by = escape(document.printed_by or document.issuing_office)
    return (
        f"<footer class='colophon'>{copied}<p class='printed'><span>{printed_by}</span>"
        f"<span>{escape(short_date(document.signed_on))}印发</span></p></footer>"
    )
