"""The feed's pages on PostgreSQL, fetched a page ahead: the fetching thread only waits for
a page, and the page's values are made by the thread that reads it (made on the fetching
thread, they held the GIL against the reader's decoding: a whole-log read cost half as
much CPU again). A page is held by its cursor, not by a connection."""

from __future__ import annotations

import threading

import pytest

from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore
from shared.eventstore import store as store_module
from shared.eventstore.paging import DriverRows

from .helpers import note


@pytest.fixture
def pg_store(postgres_url):
    engine = create_db_engine(postgres_url)
    yield EventStore(engine, build_registry())
    engine.dispose()


def _recording(monkeypatch, method: str) -> list[str]:
    """The names of the threads that call `DriverRows.<method>`."""
    threads: list[str] = []
    original = getattr(DriverRows, method)

    def recorded(self):
        threads.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(DriverRows, method, recorded)
    return threads


def test_a_page_is_fetched_on_the_thread_ahead_and_made_values_on_the_readers(
    pg_store, monkeypatch
):
    pg_store.append([note("project-a", str(i)) for i in range(3)])
    pg_store.append([note("project-b", str(i)) for i in range(7)])
    made, lasts = _recording(monkeypatch, "rows"), _recording(monkeypatch, "last")
    fetched: list[str] = []
    original = pg_store._page_in_index_order

    def fetching(query):
        fetched.append(threading.current_thread().name)
        return original(query)

    monkeypatch.setattr(pg_store, "_page_in_index_order", fetching)
    reader = threading.current_thread().name

    pages = list(pg_store.pages(page_size=3))
    assert [[e.global_position for e in page] for page in pages] == [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
        [10],
    ]
    assert set(fetched) == {"log-prefetch"} and len(fetched) == 4
    assert made == [reader] * 4  # every page's values, on the reader's thread
    assert set(lasts) == {"log-prefetch"} and len(lasts) == 3  # the full pages' last rows

    made.clear()
    by_stream = [e.stream_id for page in pg_store.stream_pages(page_size=4) for e in page]
    assert by_stream == ["project-a"] * 3 + ["project-b"] * 7
    assert made == [reader] * 3


def test_a_page_reads_right_after_its_connection_has_served_other_queries(pg_store):
    pg_store.append([note("project-a", str(i)) for i in range(5)])
    query = store_module._after_query(1, 3, None, None, None)
    page = pg_store._page_in_index_order(query)
    assert len(page) == 3 and page.last()[store_module._GLOBAL_POSITION] == 4
    # The connection went back to the pool; others use it before the page is read.
    pg_store.append([note("project-b", "later")])
    assert [e.global_position for e in pg_store.read_all(after=4)] == [5, 6]
    events = pg_store._decode_all(page)
    assert [(e.global_position, e.payload["note"]) for e in events] == [
        (2, "1"),
        (3, "2"),
        (4, "3"),
    ]
    assert pg_store.engine.pool.checkedout() == 0


def test_a_read_left_after_its_first_page_leaves_no_connection_out(pg_store):
    pg_store.append([note("project-a", str(i)) for i in range(9)])
    pages = pg_store.pages(page_size=2)
    assert [e.global_position for e in next(pages)] == [1, 2]
    pages.close()
    assert pg_store.engine.pool.checkedout() == 0
    assert sum(len(page) for page in pg_store.pages(page_size=2)) == 9
