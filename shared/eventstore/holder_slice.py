"""A short time slice for the thread that holds the event log's lock (issue 18).

Every append is serialised on the log's lock, and while its holder's thread waits to be
scheduled, every other append waits with it. On a busy machine it waits behind the other
workers, which are checking and deciding their next batches meanwhile: measured on 2 cores
(`make bench BENCH=registry`, December 2026), the holder's worker resumed 0.5–0.6 ms on
average (p90 1.4–1.8 ms) after the database had answered its probe, where alone it resumes
in 0.1 ms.

Linux's scheduler (EEVDF, from Linux 6.12) lets a thread ask for a shorter time slice
(``sched_setattr`` with ``sched_runtime``, for the ordinary policies; no privilege needed):
such a thread, woken, runs ahead of those on the default slice. `asked` does that for the
time of the append's message (the lock's wait, its probe, the rows' chaining, the
``COMMIT``) and gives the thread its slice back after it. Measured there, a worker alone
on its connection resumed in 0.18–0.25 ms on average (p90 0.2–0.6 ms) and held the lock
2.7–3.0 ms a batch against 3.1–3.5; signed ingest gained 2–8 % (docs/benchmarks.md).

Elsewhere — another system, another architecture, a kernel without custom slices (it
ignores the request), a sandbox that refuses the call (it is not asked again), a thread
under a real-time or idle policy (left alone) — appends run as before.
``GONGJIAN_HOLDER_SLICE_US``: the slice asked for, in microseconds (`DEFAULT_US`; the
kernel takes 100 to 100,000); 0 asks for nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import struct
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ..config import Settings

log = logging.getLogger(__name__)

DEFAULT_US = Settings.holder_slice_us
"""The slice the holder asks for: 100, the shortest the kernel grants."""

_SYSCALLS = {"x86_64": (314, 315), "aarch64": (274, 275)}
"""``sched_setattr`` and ``sched_getattr``, by machine (asm-generic for arm64)."""
_ATTR = struct.Struct("IIQiIQQQ")
"""``struct sched_attr`` as first published (``SCHED_ATTR_SIZE_VER0``, 48 bytes): size,
policy, flags, nice, priority, runtime, deadline, period."""
_ORDINARY = {0, 3}
"""SCHED_OTHER and SCHED_BATCH: the policies whose slice a thread may ask for."""
_KEEP_POLICY = 0x08
"""SCHED_FLAG_KEEP_POLICY: the thread's policy stays as it is."""


class _Kernel:
    """The two calls, on the calling thread; None where they cannot be made here."""

    def __init__(self) -> None:
        calls = _SYSCALLS.get(platform.machine()) if sys.platform == "linux" else None
        self.libc = ctypes.CDLL(None, use_errno=True) if calls else None
        self.set_number, self.get_number = calls or (0, 0)
        self.refused = self.libc is None

    def attributes(self) -> tuple[int, ...] | None:
        """The calling thread's scheduling attributes (as `_ATTR` unpacks them)."""
        buffer = ctypes.create_string_buffer(_ATTR.size)
        if self._call(self.get_number, buffer, _ATTR.size, 0) != 0:
            return None
        return _ATTR.unpack(buffer.raw)

    def set_slice(self, nice: int, runtime_ns: int) -> bool:
        """The calling thread's slice set to ``runtime_ns`` (0: the scheduler's own), its
        policy kept and its nice value ``nice`` (as it is: the call sets both)."""
        attr = _ATTR.pack(_ATTR.size, 0, _KEEP_POLICY, nice, 0, runtime_ns, 0, 0)
        return self._call(self.set_number, ctypes.create_string_buffer(attr, _ATTR.size), 0) == 0

    def _call(self, number: int, *args: object) -> int:
        if self.refused or self.libc is None:
            return -1
        if self.libc.syscall(number, 0, *args) == 0:
            return 0
        self.refused = True
        error = ctypes.get_errno()
        log.info("holder slice not available here", extra={"errno": os.strerror(error)})
        return -1


_kernel = _Kernel()


@contextmanager
def asked(microseconds: int) -> Iterator[bool]:
    """The calling thread runs on a slice of ``microseconds`` inside the block, on its
    own slice again after it. Yields whether the slice was set (nothing is asked for when
    ``microseconds`` is 0 or below, or where it cannot be: see the module)."""
    before = _kernel.attributes() if microseconds > 0 and not _kernel.refused else None
    if before is None or before[1] not in _ORDINARY:
        yield False
        return
    # The kernel shows a thread's slice as a number, its own or the scheduler's default
    # alike: that number is what the thread gets back.
    nice, runtime = before[3], before[5]
    if not _kernel.set_slice(nice, microseconds * 1000):
        yield False
        return
    try:
        yield True
    finally:
        _kernel.set_slice(nice, runtime)
