"""The validation library's English messages, as people read them: in Chinese.

Schemas keep marshmallow's defaults (set when each field is built, at import); answers
translate them here, in one place, on the way out (`in_chinese`). Messages already in
Chinese, and any this table does not know, pass unchanged. Plain Python."""

from __future__ import annotations

import re
from typing import Any

_EXACT = {
    "Missing data for required field.": "缺少必填字段",
    "Field may not be null.": "不能为空（null）",
    "Invalid value.": "取值无效",
    "Unknown field.": "未知字段（不接受未列出的字段）",
    "Invalid input type.": "须是 JSON 对象",
    "Invalid type.": "须是 JSON 对象",
    "Not a valid string.": "须是字符串",
    "Not a valid utf-8 string.": "须是有效的 UTF-8 文本",
    "Not a valid boolean.": "须是布尔值 true 或 false",
    "Not a valid mapping type.": "须是 JSON 对象",
    "Not a valid list.": "须是数组",
    "Not a valid UUID.": "须是 UUID，如 6f1c2b9e-3d4a-4c5b-9e8f-0a1b2c3d4e5f",
    "Not a valid datetime.": "须是 RFC 3339 时刻，如 2026-03-02T09:30:00+08:00",
    "Not a valid aware datetime.": "须带时区偏移，如 2026-03-02T09:30:00+08:00",
    "Not a valid date.": "须是日期 YYYY-MM-DD",
    "Not a valid integer.": "须是整数",
    "Not a valid number.": "须是数",
    "Number too large.": "数值过大",
    "String does not match expected pattern.": "格式不符",
}

_PATTERNS = [
    (re.compile(r"Length must be between (\S+) and (\S+)\."), "长度须在 {0} 与 {1} 之间"),
    (re.compile(r"Shorter than minimum length (\S+)\."), "长度至少为 {0}"),
    (re.compile(r"Longer than maximum length (\S+)\."), "长度至多为 {0}"),
    (re.compile(r"Length must be (\S+)\."), "长度须为 {0}"),
    (
        re.compile(r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\."),
        "须在 {0} 与 {1} 之间",
    ),
    (re.compile(r"Must be greater than or equal to (\S+)\."), "须大于等于 {0}"),
    (re.compile(r"Must be greater than (\S+)\."), "须大于 {0}"),
    (re.compile(r"Must be less than or equal to (\S+)\."), "须小于等于 {0}"),
    (re.compile(r"Must be less than (\S+)\."), "须小于 {0}"),
    (re.compile(r"Must be one of: (.*)\.", re.S), "须是以下之一：{0}"),
    (re.compile(r"Must be equal to (.*)\.", re.S), "须等于 {0}"),
]


def message_in_chinese(message: str) -> str:
    exact = _EXACT.get(message)
    if exact is not None:
        return exact
    for pattern, chinese in _PATTERNS:
        found = pattern.fullmatch(message)
        if found is not None:
            return chinese.format(*found.groups())
    return message


def in_chinese(messages: Any) -> Any:
    """``messages`` (a field's list, or fields → lists, nested) with each known English
    message in Chinese."""
    if isinstance(messages, str):
        return message_in_chinese(messages)
    if isinstance(messages, dict):
        return {key: in_chinese(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [in_chinese(value) for value in messages]
    return messages
