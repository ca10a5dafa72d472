"""One entry point for the routes: a document in a format, with its content type and a
download name; the office configuration and the register, built once per runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from shared.runtime import Runtime
from shared.tenancy import DEFAULT_COUNTY

from .model import OfficialDocument
from .office import OfficeConfig
from .page import to_html
from .register import DocumentRegister
from .sheet import to_xlsx
from .text import to_csv, to_markdown
from .word import to_docx

_Renderer = Callable[[OfficialDocument, OfficeConfig], str | bytes]

_RENDERERS: dict[str, tuple[str, _Renderer]] = {
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda d, c: to_docx(d, c.fonts),
    ),
    "html": ("text/html; charset=utf-8", lambda d, c: to_html(d, c.fonts)),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda d, c: to_xlsx(d, c.fonts.body_fallback),
    ),
    "md": ("text/markdown; charset=utf-8", lambda d, c: to_markdown(d)),
    "csv": ("text/csv; charset=utf-8", lambda d, c: to_csv(d.main_table or d.tables[0])),
}
FORMATS = tuple(_RENDERERS)
CONTENT_TYPES = tuple(content_type for content_type, _ in _RENDERERS.values())


@dataclass(frozen=True)
class RenderedDocument:
    body: str | bytes
    content_type: str
    content_disposition: str


def render(
    document: OfficialDocument, fmt: str, config: OfficeConfig, file_stem: str
) -> RenderedDocument:
    """``file_stem`` is the ASCII download name; browsers that can show the Chinese title
    get that (RFC 6266 ``filename*``)."""
    content_type, renderer = _RENDERERS[fmt]
    chinese = f"{document.title}.{fmt}"
    disposition = f"attachment; filename=\"{file_stem}.{fmt}\"; filename*=UTF-8''{quote(chinese)}"
    return RenderedDocument(renderer(document, config), content_type, disposition)


@dataclass(frozen=True)
class DocumentParts:
    """The office's document configuration and its numbering register, wired once per
    runtime (a typed part, like each service's); another county's office and register
    made from them on first use."""

    office: OfficeConfig
    register: DocumentRegister
    counties: dict[str, tuple[OfficeConfig, DocumentRegister]] = field(default_factory=dict)

    def of(self, runtime: Runtime, county: str | None) -> tuple[OfficeConfig, DocumentRegister]:
        if county in (None, DEFAULT_COUNTY):
            return self.office, self.register
        found = self.counties.get(county)
        if found is None:
            office = self.office.of_county(runtime.settings.tenancy.name(county))
            register = replace(self.register, county=county)
            found = self.counties.setdefault(county, (office, register))
        return found


def _parts(runtime: Runtime) -> DocumentParts:
    try:
        return runtime.part(DocumentParts)
    except LookupError:
        office = OfficeConfig.load()
        register = DocumentRegister(runtime.store, office.number_prefix, runtime.settings.zone)
        parts = DocumentParts(office, register)
        runtime.attach(parts)
        return parts


def office_config_for(runtime: Runtime, county: str | None = None) -> OfficeConfig:
    """The office that signs the documents of ``county`` (default: the default county's,
    as configured; another county's is named for it, `OfficeConfig.of_county`)."""
    return _parts(runtime).of(runtime, county)[0]


def register_for(runtime: Runtime, county: str | None = None) -> DocumentRegister:
    """The register (发文登记) of ``county``'s office: its own numbers (default: the
    default county's)."""
    return _parts(runtime).of(runtime, county)[1]
