"""Work done while the client would wait: a batch's rows begun before the lock's answer.

A batch appended in its own transaction (`EventStore._append_streamed`) sends the lock,
its probe and the COPY in one message, then waits for the probe's answer before it makes
the rows: each event checked, in stored form, its hashed text's and COPY line's pieces.
None of that depends on the answer; only the chaining does (the head, the streams'
versions). So while the answer is out (the lock waited for behind other writers, the
probe run) the client makes rows ahead, a few at a time, looking at the socket between
them (`probed_copy`'s ``meanwhile``), and takes the rest as it chains them, as before:
a lone writer's 1,000-event batch waited about a millisecond for the answer, and more
behind other writers, with the client idle.

What making an item raises (an event beyond a limit, say) is not raised while the message
is out: it is kept and raised where that item would have been taken, in the chaining,
whose errors end the COPY refused (nothing is written), as they always did."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

STEP = 16
"""Items made between two looks at the socket (about 0.1 ms of a batch's work)."""
AT_MOST = 1024
"""Items made ahead at most (some 7 ms of work, about a megabyte): a batch of 10⁵ events
waiting long for the lock is not held in memory whole, as its rows are sent in chunks."""


class MadeAhead(Generic[T]):
    """The items of ``items`` in order, each made once: ahead of time by `step` (up to
    ``at_most`` of them), the rest when they are taken (iterate once)."""

    def __init__(self, items: Iterator[T], step: int = STEP, at_most: int = AT_MOST) -> None:
        self._items = items
        self._step = step
        self._at_most = at_most
        self._made: deque[T] = deque()
        self._failed: BaseException | None = None
        self._ended = False

    def step(self) -> bool:
        """Make up to ``step`` more items; False when there is nothing more to make ahead
        (all made, ``at_most`` waiting to be taken, or one raised: kept for `__iter__`)."""
        made, items = self._made, self._items
        if self._ended or len(made) >= self._at_most:
            return False
        try:
            for _ in range(min(self._step, self._at_most - len(made))):
                made.append(next(items))
        except StopIteration:
            self._ended = True
        except BaseException as exc:  # noqa: BLE001 - raised again where it is taken
            self._failed, self._ended = exc, True
        return not self._ended and len(made) < self._at_most

    @property
    def made(self) -> int:
        """Items made ahead and not yet taken."""
        return len(self._made)

    def __iter__(self) -> Iterator[T]:
        made = self._made
        while made:
            yield made.popleft()
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed
        if not self._ended:
            yield from self._items
