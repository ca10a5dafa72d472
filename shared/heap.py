"""The cyclic garbage collector in a long-running process (web and task workers).

A web worker holds some 160,000 objects once its app is built (modules, functions,
classes, the ORM's tables and the schemas), none of which ever becomes garbage. Python's
collector scans every one of them again at each full collection: 75 ms on this project's
2-core machine with the machine idle, up to 200 ms under load, taken in the middle of
whatever request runs, with the event log's lock held by it as likely as not. Signed
ingest spent a tenth of its workers' CPU collecting (`make bench`, December 2026).

`settle`, once the process is built, frees what booting left behind, moves the rest out
of the collector's sight for good (`gc.freeze`), and lets more objects be made between
young collections: most of a request's objects are freed by their reference counts before
any collection looks at them.

``GONGJIAN_GC_YOUNG``: how many objects are made between young collections
(`YOUNG_DEFAULT`); 0 leaves the collector as Python sets it, nothing frozen.

`collector_paused` holds the collector off while a process makes many objects it keeps
and that hold no cycles (the read model's parsed states: some 250,000 objects a county's
board at 10⁷ events), which the collector would otherwise go through again and again as
they are made; `freeze_held` then puts them out of its sight.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dramatiq

from .config import Settings

YOUNG_DEFAULT = Settings.gc_young
"""Objects made between young collections (Python's own: 700, two or three collections
in each signed 100-event request)."""


def settle(young: int | None = None) -> bool:
    """Collect once, freeze what survives, and collect the young every ``young`` objects
    made (by default ``GONGJIAN_GC_YOUNG``, else `YOUNG_DEFAULT`). Call once the process
    is built, before it serves. False, nothing done, when ``young`` is 0 or below."""
    if young is None:
        young = Settings.from_env().gc_young
    if young <= 0:
        return False
    global _settled
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
    _settled = True
    return True


_settled = False


def freeze_held() -> bool:
    """In a settled process (`settle`), move what it holds now out of the collector's
    sight, as `settle` did once it was built: for a cache that has just taken many objects
    it will keep (a county's parsed states), which every full collection would otherwise
    go through again (400–700 ms with 10,000 states kept). Frozen objects are still freed
    when nothing refers to them; what is kept for good is only cyclic garbage present at
    this moment (a worker is replaced after ``GONGJIAN_WEB_MAX_REQUESTS`` requests).
    False, nothing done, in a process that did not settle."""
    if not _settled:
        return False
    gc.freeze()
    return True


class SettledHeap(dramatiq.Middleware):
    """`settle` in each task worker process once it has booted."""

    def __init__(self, young: int | None = None) -> None:
        self.young = young

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        settle(self.young)


_pause = threading.Lock()
_pausing = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Inside, no collection starts. Pauses nest and overlap across threads: the collector
    runs again when the last one ends, if it ran before the first began. Only for code
    whose objects reference counting frees (a pause lets cycles pile up until it ends)."""
    global _pausing, _was_enabled
    with _pause:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _pause:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()
