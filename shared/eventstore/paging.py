"""Reading the log a page ahead: the next page is fetched on a second thread while the
caller works through this one. The database and the driver wait on I/O, so the two
overlap even under the GIL; memory stays at two pages."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

Page = TypeVar("Page")

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
