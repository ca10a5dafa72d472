"""National codes known in a process are shared by a web worker's threads: one request
may forget a code (its project no longer holds it) between another's look and read.
Before, that read was ``known[code]`` after ``code in known``: a ``KeyError``, a 500."""

from __future__ import annotations

from services.registry.application.handlers import _NationalCodes


class _ForgottenAfterALook(dict):
    """A code that another thread forgets right after this one looked for it."""

    def __contains__(self, code: object) -> bool:
        found = dict.__contains__(self, code)
        self.pop(code, None)
        return found


def test_a_code_is_read_once_so_forgetting_it_meanwhile_does_no_harm(engine):
    known = _ForgottenAfterALook({"2403-330000-04-01-000001": "p1"})
    with engine.connect() as conn:
        codes = _NationalCodes(conn, ["2403-330000-04-01-000001"], known)
    # Assumed as read (the project's state confirms an assumed address before use).
    assert codes.address("2403-330000-04-01-000001") == "p1"
    assert codes.is_assumed("2403-330000-04-01-000001", "p1")
