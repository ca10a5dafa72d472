"""The validation library's messages reach people in Chinese."""

from __future__ import annotations

from shared.i18n.validation import in_chinese


def test_known_messages_are_translated_and_others_pass_unchanged():
    errors = {
        "name": ["Missing data for required field."],
        "payload": {"amount": ["Length must be between 1 and 100."], "x": ["Unknown field."]},
        "year": ["Must be greater than or equal to 2000 and less than or equal to 2100."],
        "kind": ["Must be one of: eia, land."],
        "month": ["月份须写作 YYYY-MM，如 2026-03"],
        "other": ["Something new."],
    }
    assert in_chinese(errors) == {
        "name": ["缺少必填字段"],
        "payload": {"amount": ["长度须在 1 与 100 之间"], "x": ["未知字段（不接受未列出的字段）"]},
        "year": ["须在 2000 与 2100 之间"],
        "kind": ["须是以下之一：eia, land"],
        "month": ["月份须写作 YYYY-MM，如 2026-03"],
        "other": ["Something new."],
    }
