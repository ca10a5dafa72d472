"""The browser tests' wait across a page load: an element read from the page being
replaced means "not yet", anything else Chromium reports is an error. No browser is
needed: the condition raises what chromedriver raised in CI."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import (
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)

from .conftest import PageWait

LEFT_DOCUMENT = (
    "unknown error: unhandled inspector error: "
    '{"code":-32000,"message":"Node with given id does not belong to the document"}'
)


def _answers(*outcomes):  # type: ignore[no-untyped-def]
    """A condition that raises or returns each outcome in turn, counting its calls."""
    calls = []

    def condition(driver):  # type: ignore[no-untyped-def]
        outcome = outcomes[len(calls)]
        calls.append(driver)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return condition, calls


def test_a_node_of_the_page_being_left_is_asked_again():
    condition, calls = _answers(
        WebDriverException(LEFT_DOCUMENT), StaleElementReferenceException("stale"), "已检查"
    )
    assert PageWait("driver", 5, poll_frequency=0.01).until(condition) == "已检查"
    assert calls == ["driver"] * 3


def test_another_browser_error_is_raised_at_once():
    condition, calls = _answers(WebDriverException("chrome not reachable"), True)
    with pytest.raises(WebDriverException, match="chrome not reachable"):
        PageWait("driver", 5, poll_frequency=0.01).until(condition)
    assert len(calls) == 1


def test_a_page_that_never_settles_times_out():
    condition, _ = _answers(*[WebDriverException(LEFT_DOCUMENT)] * 1000)
    with pytest.raises(TimeoutException):
        PageWait("driver", 0.05, poll_frequency=0.01).until(condition)
