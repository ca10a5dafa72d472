"""Official documents (公文) as a county office sends them, shared by scheduling and
scoring: the GB/T 9704-2012 frame as data (`OfficialDocument`), its renderers (.docx,
printable HTML, XLSX, Markdown, CSV), the office's configuration (issuing office,
leaders by rank, meeting chairs, number prefix) and the register that numbers each
issued document once (``攻坚办〔2026〕12号``)."""

from .audit import checkpoint_tables
from .compose import numbered_sections, office_document, signing_date
from .model import (
    APPENDIX_TITLE,
    Attachment,
    Block,
    Column,
    Heading,
    OfficialDocument,
    Paragraph,
    Table,
)
from .numerals import chinese_number, level1, level2, level3, level4
from .office import CADENCES, Fonts, Leader, OfficeConfig
from .page import print_css, to_html
from .ranks import LeaderRanks, person
from .register import (
    DocumentRegister,
    IssuedDocument,
    RegisterBusy,
    document_number,
    issued_json,
)
from .render import (
    CONTENT_TYPES,
    FORMATS,
    RenderedDocument,
    office_config_for,
    register_for,
    render,
)
from .sheet import to_xlsx
from .text import to_csv, to_markdown
from .word import to_docx

__all__ = [
    # the frame
    "OfficialDocument",
    "APPENDIX_TITLE",
    "Attachment",
    "Block",
    "Column",
    "Heading",
    "Paragraph",
    "Table",
    "numbered_sections",
    "office_document",
    "signing_date",
    "checkpoint_tables",
    # configuration
    "OfficeConfig",
    "Leader",
    "Fonts",
    "CADENCES",
    "LeaderRanks",
    "person",
    "chinese_number",
    "level1",
    "level2",
    "level3",
    "level4",
    "office_config_for",
    # numbering
    "DocumentRegister",
    "IssuedDocument",
    "RegisterBusy",
    "document_number",
    "issued_json",
    "register_for",
    # formats
    "FORMATS",
    "CONTENT_TYPES",
    "RenderedDocument",
    "render",
    "to_docx",
    "to_html",
    "print_css",
    "to_xlsx",
    "to_markdown",
    "to_csv",
]
