"""A suspended project leaves the active agendas; a resumed one returns where it was."""

from __future__ import annotations

from .facts import fact, registered, state_of


def test_a_suspended_project_is_suspended():
    state = state_of(registered(), fact("ProjectSuspended", "2024-03-01", reason="funding"))
    assert state.phase == "suspended"


def test_a_resumed_project_under_construction_is_started_again():
    state = state_of(
        registered(),
        fact("ConstructionStarted", "2024-02-01"),
        fact("ProjectSuspended", "2024-03-01", reason="funding"),
        fact("ProjectResumed", "2024-04-01", reason="funded"),
    )
    assert state.phase == "started"


def test_a_resumed_project_that_never_started_is_preliminary_again():
    state = state_of(
        registered(),
        fact("ProjectSuspended", "2024-03-01", reason="land"),
        fact("ProjectResumed", "2024-04-01", reason="land ready"),
    )
    assert state.phase == "preliminary"
