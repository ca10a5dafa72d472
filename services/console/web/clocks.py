"""The two clocks as a page takes them: 业务日期 (``as_of``) and 知悉日期 (``known_at``),
each a date picker, and the banner that says what is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.eventstore import Cutoff

from .. import text
from ..gateway import Services
from .base import day_argument


@dataclass(frozen=True)
class Clocks:
    year: int
    as_of: date
    known_at: date | None
    """None: everything recorded up to now."""
    cutoff: Cutoff

    @property
    def banner(self) -> str:
        known = text.day(self.known_at) if self.known_at else "目前"
        return f"按{known}掌握的情况，截至{text.day(self.as_of)}"

    def query(self) -> dict[str, str]:
        """The clocks as query arguments, for links that keep them."""
        args = {"as_of": self.as_of.isoformat()}
        if self.known_at:
            args["known_at"] = self.known_at.isoformat()
        return args


def clocks_from_request(services: Services, year: int, default_as_of: date) -> Clocks:
    as_of = day_argument("as_of", default_as_of) or default_as_of
    known_at = day_argument("known_at")
    return Clocks(year, as_of, known_at, services.cutoff(as_of, known_at))
