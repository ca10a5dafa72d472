"""Work spread over worker processes: a province's replay, a county to a process at a time.

The replay is CPU-bound in Python (decoding, amending and applying each event); counties
are independent, so each county's replay runs in a forked process of its own, and the
results come back in the order asked. ``GONGJIAN_REPLAY_WORKERS`` sets how many processes
(default: the CPUs, at most 4; 1: every county from one pass over the log in this
process, as before).

Forked, not spawned: a worker inherits what the parent read before it started (the
amendments, the rulebooks, which streams are whose) without sending it, and shares its
pages until it writes to them. Forked processes must open their own database
connections (``start`` runs first in each, before any work).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import resource
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

WORKERS_VARIABLE = "GONGJIAN_REPLAY_WORKERS"
MOST_BY_DEFAULT = 4
POLL_SECONDS = 1.0

K = TypeVar("K")
V = TypeVar("V")


def replay_workers(environ: Mapping[str, str] | None = None) -> int:
    """How many processes a replay of several counties uses (``GONGJIAN_REPLAY_WORKERS``)."""
    raw = (os.environ if environ is None else environ).get(WORKERS_VARIABLE, "").strip()
    if not raw:
        return min(os.cpu_count() or 1, MOST_BY_DEFAULT)
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{WORKERS_VARIABLE} 应为正整数（回放所用的进程数），而不是 {raw!r}")
    return count


@dataclass
class WorkerStats:
    """What the workers of a run used: each one's peak RSS (MB) and CPU seconds."""

    peak_rss_mb: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)

    @property
    def workers(self) -> int:
        return len(self.peak_rss_mb)


class WorkerFailed(RuntimeError):
    """A worker process ended without giving its results (killed, or out of memory)."""


def in_workers(
    items: Sequence[K],
    work: Callable[[K], V],
    workers: int,
    *,
    start: Callable[[], None] | None = None,
    stats: WorkerStats | None = None,
) -> Iterator[tuple[K, V]]:
    """(item, ``work(item)``) for every item, in the items' order, the work done in
    ``workers`` forked processes, each taking the next item when it is done with one. A
    result waits in this process only until those before it have been given. An error in
    a worker is raised here; the workers are ended when the caller stops early."""
    context = multiprocessing.get_context("fork")
    taken = context.Value("l", 0)
    results: Any = context.Queue()

    def run() -> None:
        _work_through(items, work, taken, results, start)

    processes = [context.Process(target=run, daemon=True) for _ in range(min(workers, len(items)))]
    for process in processes:
        process.start()
    try:
        yield from _in_order(items, results, processes, stats)
        for process in processes:
            process.join()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        results.close()


def _work_through(
    items: Sequence[Any],
    work: Callable[[Any], Any],
    taken: Any,
    results: Any,
    start: Callable[[], None] | None,
) -> None:
    """A worker's loop: take the next item, put (index, result); at the end its usage."""
    try:
        if start is not None:
            start()
        while True:
            with taken.get_lock():
                index = taken.value
                taken.value += 1
            if index >= len(items):
                break
            results.put((index, work(items[index])))
    except BaseException as error:  # noqa: BLE001 - handed to the parent, raised there
        results.put((-1, _sendable(error)))
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        results.put((-2, (usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)))
        results.close()
        results.join_thread()


def _sendable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any error that does not survive the trip
        return RuntimeError(f"回放进程出错：{error!r}")
    return error


def _in_order(
    items: Sequence[K],
    results: Any,
    processes: list[Any],
    stats: WorkerStats | None,
) -> Iterator[tuple[K, Any]]:
    """The workers' results in the items' order, then their usage into ``stats``."""
    waiting: dict[int, Any] = {}
    given, ended = 0, 0
    while given < len(items) or ended < len(processes):
        try:
            index, value = results.get(timeout=POLL_SECONDS)
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise WorkerFailed("回放进程意外退出（可能内存不足），结果不完整") from None
            if all(p.exitcode == 0 for p in processes) and results.empty():
                raise WorkerFailed("回放进程已结束，但有县的结果没有送回") from None
            continue
        if index == -1:
            raise value
        if index == -2:
            ended += 1
            if stats is not None:
                stats.peak_rss_mb.append(value[0])
                stats.cpu_s.append(value[1])
            continue
        waiting[index] = value
        while given in waiting:
            yield items[given], waiting.pop(given)
            given += 1
