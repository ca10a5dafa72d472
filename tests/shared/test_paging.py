"""Paging a list held in memory (`page_after`): the same ``after`` + ``limit`` as lists
read from a table."""

from __future__ import annotations

import pytest
from flask import Flask

from shared.http import Problem, page_after

ITEMS = [{"id": f"p{n}"} for n in range(1, 6)]


def _id(item):  # type: ignore[no-untyped-def]
    return item["id"]


def test_pages_follow_each_other_until_the_last_says_there_is_no_next():
    seen, after = [], None
    while True:
        page, after = page_after(ITEMS, after, 2, key=_id)
        seen += [item["id"] for item in page]
        if after is None:
            break
    assert seen == ["p1", "p2", "p3", "p4", "p5"]


def test_an_ordered_list_continues_after_a_cursor_whose_item_is_gone():
    remaining = [item for item in ITEMS if item["id"] != "p2"]
    page, after = page_after(remaining, "p2", 2, key=_id, ordered=True)
    assert [item["id"] for item in page] == ["p3", "p4"] and after == "p4"


def test_an_unknown_cursor_of_a_growing_list_is_a_422_naming_after():
    with Flask("t").test_request_context(), pytest.raises(Problem) as raised:
        page_after(ITEMS, "nope", 2, key=_id)
    assert raised.value.status == 422 and "after" in raised.value.extra["errors"]
