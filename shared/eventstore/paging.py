"""Reading the log a page ahead: the next page is fetched on a second thread while the
caller works through this one. The database and the driver wait on I/O, so the two
overlap even under the GIL; memory stays at two pages.

The fetching thread only waits for a page: on PostgreSQL it hands over the driver's
result (`DriverRows`), and the thread that reads the page makes its Python values. Made
on the fetching thread, they took the GIL from the reader's decoding, one thread's
objects were freed on the other, and a whole-log read cost half as much CPU again
(docs/benchmarks.md, 4 December)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

Page = TypeVar("Page")


class ListedRows(list[Any]):
    """Rows the driver has made Python values already (SQLite's); like `DriverRows`: how
    many, the last (to page on from), and all of them."""

    def last(self) -> Any:
        return self[-1]

    def rows(self) -> Sequence[Any]:
        return self


class DriverRows:
    """A page as psycopg received it, held by the cursor that ran its query: its values
    are made by `rows` (all of them, once) or `last` (the last row only). The cursor
    needs no connection for that; the connection may serve others meanwhile."""

    __slots__ = ("_count", "_cursor")

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._count = max(cursor.rowcount, 0)

    def __len__(self) -> int:
        return self._count

    def last(self) -> Any:
        cursor = self._cursor
        cursor.scroll(self._count - 1, "absolute")
        row = cursor.fetchone()
        cursor.scroll(0, "absolute")
        return row

    def rows(self) -> Sequence[Any]:
        try:
            return self._cursor.fetchall()
        finally:
            self._cursor.close()


Rows = ListedRows | DriverRows
"""A page fetched ahead."""

_DONE = object()


def prefetched(pages: Iterator[Page], *, name: str = "log-prefetch") -> Iterator[Page]:
    """The pages of ``pages``, each fetched while the previous one is consumed."""
    ahead: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for page in pages:
                if stop.is_set():
                    return
                ahead.put(page)
            ahead.put(_DONE)
        except BaseException as exc:  # handed over to the consuming thread
            ahead.put(exc)

    thread = threading.Thread(target=fetch, name=name, daemon=True)
    thread.start()
    try:
        while True:
            page = ahead.get()
            if page is _DONE:
                return
            if isinstance(page, BaseException):
                raise page
            yield page  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a fetcher waiting to hand over a page
            with contextlib.suppress(queue.Empty):
                ahead.get(timeout=0.1)
