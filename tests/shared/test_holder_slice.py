"""The event log's lock's holder asks Linux's scheduler for a short time slice while it
holds the lock (issue 18, `shared/eventstore/holder_slice.py`), and gets its own back
after; where it cannot ask, nothing changes and nothing fails."""

from __future__ import annotations

import os
import platform
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

import shared.eventstore.store as store_module
from shared.config import Settings
from shared.db import create_db_engine
from shared.events import build_registry
from shared.eventstore import EventStore, holder_slice

from .helpers import note


def _kernel_takes_slices() -> bool:
    if sys.platform != "linux" or platform.machine() not in holder_slice._SYSCALLS:
        return False
    major, minor = (int(part) for part in platform.release().split(".")[:2])
    return (major, minor) >= (6, 12)


needs_slices = pytest.mark.skipif(
    not _kernel_takes_slices(), reason="custom time slices need Linux 6.12 or later"
)


def _slice_ns() -> int:
    """The calling thread's slice, as the kernel shows it in /proc (not through the module)."""
    with open("/proc/thread-self/sched") as shown:
        for line in shown:
            if line.startswith("se.slice"):
                return int(line.split(":")[1])
    raise AssertionError("no se.slice in /proc/thread-self/sched")


def _in_thread(body: Callable[[], Any]) -> Any:
    """``body``'s result, run in a thread of its own (whose nice value and policy a test
    may change for good without touching the rest of the run)."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(body())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


@needs_slices
def test_the_slice_is_asked_for_inside_the_block_and_given_back_after():
    def body():
        before = _slice_ns()
        with holder_slice.asked(250) as set_:
            inside = _slice_ns()
        return set_, before, inside, _slice_ns()

    set_, before, inside, after = _in_thread(body)
    assert set_ is True
    assert inside == 250_000
    assert before != 250_000 and after == before


@needs_slices
def test_the_slice_is_given_back_when_the_block_raises():
    """A refused append (a conflict, a lock timeout) leaves the block by an exception."""

    def body():
        before = _slice_ns()
        with pytest.raises(LookupError), holder_slice.asked(100):
            assert _slice_ns() == 100_000
            raise LookupError("refused")
        return before, _slice_ns()

    before, after = _in_thread(body)
    assert after == before != 100_000


@needs_slices
def test_zero_asks_for_nothing():
    def body():
        before = _slice_ns()
        with holder_slice.asked(0) as set_:
            return set_, before, _slice_ns()

    set_, before, inside = _in_thread(body)
    assert set_ is False and inside == before


@needs_slices
def test_the_threads_nice_value_and_a_slice_of_its_own_are_kept():
    def body():
        os.nice(4)  # this thread only: Linux keeps a nice value per thread
        holder_slice._kernel.set_slice(4, 3_000_000)  # a slice set by the operator, say
        with holder_slice.asked(100):
            inside = (os.getpriority(os.PRIO_PROCESS, 0), _slice_ns())
        return inside, (os.getpriority(os.PRIO_PROCESS, 0), _slice_ns())

    inside, after = _in_thread(body)
    assert inside == (4, 100_000)
    assert after == (4, 3_000_000)


@needs_slices
def test_a_thread_under_the_idle_policy_is_left_alone():
    def body():
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        before = holder_slice._kernel.attributes()  # /proc shows no slice under this policy
        with holder_slice.asked(100) as set_:
            return set_, before, holder_slice._kernel.attributes(), os.sched_getscheduler(0)

    set_, before, inside, policy = _in_thread(body)
    assert set_ is False and inside == before and policy == os.SCHED_IDLE


class _Refusing:
    """A libc whose every ``syscall`` is refused, as a sandbox's filter would."""

    def __init__(self) -> None:
        self.calls = 0

    def syscall(self, *args: Any) -> int:
        self.calls += 1
        return -1


def test_a_refused_call_fails_nothing_and_is_not_made_again(monkeypatch):
    kernel = holder_slice._Kernel()
    refusing = _Refusing()
    kernel.libc, kernel.refused = refusing, False
    monkeypatch.setattr(holder_slice, "_kernel", kernel)
    with holder_slice.asked(100) as set_:
        assert set_ is False
    with holder_slice.asked(100) as again:
        assert again is False
    assert refusing.calls == 1


def test_another_machine_or_system_asks_for_nothing(monkeypatch):
    monkeypatch.setattr(holder_slice.platform, "machine", lambda: "s390x")
    kernel = holder_slice._Kernel()
    assert kernel.refused and kernel.libc is None
    monkeypatch.setattr(holder_slice, "_kernel", kernel)
    with holder_slice.asked(100) as set_:
        assert set_ is False


def test_the_setting_comes_from_the_environment(monkeypatch):
    assert Settings.from_env().holder_slice_us == holder_slice.DEFAULT_US == 100
    monkeypatch.setenv("GONGJIAN_HOLDER_SLICE_US", "0")
    assert Settings.from_env().holder_slice_us == 0
    monkeypatch.setenv("GONGJIAN_HOLDER_SLICE_US", "short")
    with pytest.raises(ValueError, match="GONGJIAN_HOLDER_SLICE_US"):
        Settings.from_env()


@needs_slices
@pytest.mark.parametrize("events", [1, 100])
def test_a_postgresql_append_holds_the_lock_on_the_slice_asked_for(
    postgres_url, monkeypatch, events
):
    """The slice is the thread's while the lock's message is out (what the thread shows
    then), and its own again once the append is answered; a single event goes by the
    server-side function (no wait for the client under the lock: nothing asked)."""
    seen: list[int] = []
    real = store_module.probed_copy

    def watched(*args: Any, **kwargs: Any) -> None:
        seen.append(_slice_ns())
        real(*args, **kwargs)

    monkeypatch.setattr(store_module, "probed_copy", watched)
    engine = create_db_engine(postgres_url, pool_size=1)
    try:
        store = EventStore(engine, build_registry(), holder_slice_us=300)
        before = _slice_ns()
        store.append([note("s-1", f"e-{i}") for i in range(events)])
        twin = store.with_clock(store.clock)
        twin.append([note("s-2", f"f-{i}") for i in range(events)])
        assert _slice_ns() == before
        assert twin.holder_slice_us == 300
    finally:
        engine.dispose()
    assert seen == ([] if events == 1 else [300_000, 300_000])


def test_the_registry_bench_says_which_slice_the_servers_holder_asked_for(monkeypatch):
    from benchmarks.bench_registry import _holder_slice

    monkeypatch.delenv("GONGJIAN_HOLDER_SLICE_US", raising=False)
    assert _holder_slice() == "its holder asking for a 100 µs slice"
    monkeypatch.setenv("GONGJIAN_HOLDER_SLICE_US", "0")
    assert _holder_slice() == "no slice asked for"
