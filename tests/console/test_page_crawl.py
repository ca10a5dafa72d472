"""Crawled as each role, the console holds together. Every link a page shows answers
(no 403, 404 or 500 behind a link the role was shown). Every table is a rectangle: each
row spans as many columns as its header, counting ``colspan`` and the cells that a
``rowspan`` above carries down; a row one cell short or over is drawn ragged (an empty
list's 「暂无」 line ending before the header does, say), and the columns a role or a
city sees differ from a county office's. Checked on the demo campaign, on an empty
deployment (every list's empty line) and on a city's deployment (the county column)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from services.composition import migrate
from shared.config import Settings

from .conftest import empty_site, many_counties_app, signed_in_client

CRAWLED = 160
"""Pages a crawl visits at most (the demo campaign's links, breadth first)."""
NOT_PAGES = ("/v1/", "/static/", "/public/", "/metrics", "/openapi", "/livez", "/readyz")


class _Tables(HTMLParser):
    """Each table's rows as (colspan, rowspan) of their cells, and the page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[tuple[int, int]]]]] = []
        self.links: list[str] = []
        self._open: list[tuple[str, list[list[tuple[int, int]]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")
        elif tag == "table":
            self._open.append((found.get("id") or found.get("class") or "table", []))
        elif tag == "tr" and self._open:
            self._open[-1][1].append([])
        elif tag in ("td", "th") and self._open and self._open[-1][1]:
            span = (int(found.get("colspan") or 1), int(found.get("rowspan") or 1))
            self._open[-1][1][-1].append(span)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open:
            self.tables.append(self._open.pop())


def _widths(rows: list[list[tuple[int, int]]]) -> list[int]:
    """Each row's width in columns, with the cells carried down by a rowspan above."""
    widths, carried = [], []  # carried: (columns, rows still to cover)
    for row in rows:
        widths.append(sum(c for c, _ in row) + sum(c for c, _ in carried))
        carried = [(c, left - 1) for c, left in carried if left > 1]
        carried += [(c, r - 1) for c, r in row if r > 1]
    return widths


def _parsed(html: str) -> _Tables:
    page = _Tables()
    page.feed(html)
    return page


def ragged(html: str) -> list[str]:
    """The tables of ``html`` whose rows are not all as wide as the first."""
    return _ragged(_parsed(html))


def _ragged(page: _Tables) -> list[str]:
    return [
        f"{name}: {widths}" for name, rows in page.tables if len(set(widths := _widths(rows))) > 1
    ]


def _links(page: _Tables, here: str) -> list[str]:
    """The page's links to the console's own pages, as paths (with their queries)."""
    found = []
    for href in page.links:
        url = urlsplit(urljoin(here, href))
        if url.netloc not in ("", "localhost") or url.path.startswith(NOT_PAGES):
            continue
        found.append(url.path + (f"?{url.query}" if url.query else ""))
    return found


@dataclass
class Crawl:
    tables: dict[str, list[str]] = field(default_factory=dict)
    """Each page reached (HTML, 200) → its ragged tables."""
    broken: list[str] = field(default_factory=list)
    """Each link that answered an error: its status, where it led, the page showing it."""

    def ragged(self) -> dict[str, list[str]]:
        return {path: tables for path, tables in self.tables.items() if tables}


def _crawl(client, start: list[str], limit: int = CRAWLED) -> Crawl:  # type: ignore[no-untyped-def]
    """The pages reached from ``start`` by following links, breadth first; the pages in
    ``start`` may refuse the role (they are not links it was shown)."""
    crawl = Crawl()
    queue: deque[tuple[str, str | None]] = deque((path, None) for path in start)
    seen = set(start)
    while queue and len(crawl.tables) < limit:
        path, shown_on = queue.popleft()
        answer = client.get(path)
        if answer.status_code >= 400 and shown_on is not None:
            crawl.broken.append(f"{answer.status_code} {path} (on {shown_on})")
        if answer.status_code != 200 or not answer.content_type.startswith("text/html"):
            continue
        page = _parsed(answer.text)
        crawl.tables[path] = _ragged(page)
        for link in _links(page, path):
            if link not in seen and "/signout" not in link:
                seen.add(link)
                queue.append((link, path))
    return crawl


def _pages(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The console's pages that take no part of their path."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and "<" not in rule.rule and not rule.rule.startswith(NOT_PAGES)
    )


def test_the_check_sees_a_short_row_and_follows_rowspans():
    assert ragged("<table><tr><th>a</th><th>b</th></tr><tr><td>x</td></tr></table>")
    assert not ragged(
        "<table><tr><th>a</th><th>b</th><th>c</th></tr>"
        '<tr><td rowspan="2">x</td><td>y</td><td>z</td></tr><tr><td>y</td><td>z</td></tr>'
        '<tr><td colspan="3">—</td></tr></table>'
    )


@pytest.mark.parametrize("role", ["office", "auditor", "viewer", "admin"])
def test_the_demo_campaign_crawled_has_no_broken_link_nor_ragged_table(signed_in, site, role):
    crawl = _crawl(signed_in(role), [*_pages(site.app), "/visits?quarter=2025-Q4"])
    assert len(crawl.tables) > 40, f"the crawl reached only {sorted(crawl.tables)}"
    assert crawl.broken == []
    assert crawl.ragged() == {}


def test_every_empty_list_spans_its_table(tmp_path):
    roles = {"admin1": "admin", "office1": "office", "auditor1": "auditor"}
    app, runtime = empty_site(tmp_path, roles)
    try:
        for username in roles:
            client = signed_in_client(app, username)
            found = {p: ragged(client.get(p).text) for p in _pages(app)}
            assert {p: tables for p, tables in found.items() if tables} == {}, username
    finally:
        runtime.close()


def test_every_table_of_a_city_deployment_is_a_rectangle(tmp_path):
    settings = Settings.from_env(
        database_url=f"sqlite:///{tmp_path / 'g.db'}", redis_url="", data_dir=tmp_path
    )
    migrate(settings)
    accounts = {
        "city1": ("office", "c1"),
        "cityadmin": ("admin", "c1"),
        "province": ("auditor", "zj"),
        "county": ("office", "b"),
    }
    runtime, app = many_counties_app(settings, accounts)
    try:
        for username in accounts:
            crawl = _crawl(signed_in_client(app, username), _pages(app), limit=60)
            assert crawl.broken == [], username
            assert crawl.ragged() == {}, username
    finally:
        runtime.close()
