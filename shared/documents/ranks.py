"""Leaders in rank order (县委书记、县长、常务副县长、副县长 …), never by character order.

A leader's title comes from the configured list of leaders, else from the name as
registered (``王建国(县长)``, ``王建国（县长）``, ``张县长``): the longest configured title it
contains. Leaders of equal rank keep the configured order, then the order they came in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .office import OfficeConfig

_IN_BRACKETS = re.compile(r"[(（]([^()（）]+)[)）]\s*$")


class LeaderRanks:
    def __init__(self, config: OfficeConfig) -> None:
        self._ranks = {title: index for index, title in enumerate(config.ranks)}
        self._titles = sorted(config.ranks, key=len, reverse=True)
        self._configured = {
            leader.name: (i, leader.title) for i, leader in enumerate(config.leaders)
        }

    def title_of(self, leader: str) -> str | None:
        """The leader's title (职务), or None when neither configuration nor name says it."""
        if leader in self._configured:
            return self._configured[leader][1]
        bracketed = _IN_BRACKETS.search(leader)
        if bracketed:
            return bracketed.group(1).strip()
        return next((title for title in self._titles if title in leader), None)

    def key(self, leader: str) -> tuple[int, int]:
        title = self.title_of(leader)
        rank = self._ranks.get(title or "", len(self._ranks))
        if rank == len(self._ranks) and title:
            # A title outside the list ranks as the longest listed title it contains.
            rank = next((self._ranks[t] for t in self._titles if t in title), rank)
        return rank, self._configured.get(leader, (len(self._configured), ""))[0]

    def ordered(self, leaders: Iterable[str]) -> list[str]:
        """Distinct leaders, highest rank first; ties keep their first appearance."""
        seen = list(dict.fromkeys(leaders))
        return sorted(seen, key=lambda name: (self.key(name), seen.index(name)))


def person(name: str) -> str:
    """A name as a document prints it: ``王建国(县长)`` → ``王建国（县长）`` (full-width)."""
    return name.replace("(", "（").replace(")", "）")
