"""GB/T 9704-2012 page geometry and type sizes, shared by the .docx and the print CSS."""

from __future__ import annotations

PAGE_MM = (210, 297)
"""A4 portrait."""
TEXT_BLOCK_MM = (156, 225)
"""版心: 156 mm wide, 225 mm high."""
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
"""天头 37 mm, 订口 28 mm; the rest is what A4 leaves around the 版心."""
LANDSCAPE_MARGINS_MM = {"top": 28, "bottom": 26, "left": 37, "right": 35}
"""A landscape attachment (横排表格) turns the same 版心 on its side."""

SIZE_PT = {"二号": 22.0, "三号": 16.0, "四号": 14.0, "小四": 12.0, "五号": 10.5}
TITLE_PT = SIZE_PT["二号"]
"""标题: 小标宋 二号."""
BODY_PT = SIZE_PT["三号"]
"""正文: 仿宋_GB2312 三号; 22 lines of 28 characters fill the 版心."""
TABLE_PT = SIZE_PT["五号"]
CELL_MARGIN_TWIPS = 57
"""1 mm: the space left and right inside a table cell."""
LINE_PT = 28.95
"""Fixed line pitch: 22 lines in 225 mm."""
TITLE_LINE_PT = 35.0
RED = "E60012"
"""发文机关标志 and the 红色分隔线."""
MARK_MAX_PT = 42.0
WIDE_TABLE_COLUMNS = 8
"""An attachment table with more columns than this is set landscape."""

PT_PER_MM = 72 / 25.4


def mark_size_pt(text: str) -> float:
    """The 发文机关标志 as large as fits one line of the 版心 (and no larger than 42 pt)."""
    fits = TEXT_BLOCK_MM[0] * PT_PER_MM / max(len(text), 1) * 0.96
    return round(min(MARK_MAX_PT, fits), 1)


def text_width(text: str) -> float:
    """Width in body characters: a digit or Latin letter is half a Chinese character."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


TITLE_CHARS_PER_LINE = 20
"""About how many 二号 characters one line of the 版心 holds."""


_GOOD_BREAKS = ("重点项目", "攻坚行动", "建设", "项目", "季度", "年", "周", "月", "关于", "召开")
"""A line of a title reads best ending on one of these words."""


def title_lines(title: str) -> list[str]:
    """A long title in balanced lines, the first a little longer (GB/T 9704 7.3.2: 梯形),
    breaking after a word where one is near, never inside a number."""
    width = text_width(title)
    if width <= TITLE_CHARS_PER_LINE:
        return [title]
    lines = int(-(-width // TITLE_CHARS_PER_LINE))
    cut = _best_cut(title, width / lines + 0.5)
    return [title[:cut], *title_lines(title[cut:])] if lines > 1 else [title]


def _best_cut(title: str, target: float) -> int:
    def score(cut: int) -> float:
        head, tail = title[:cut], title[cut:]
        if head[-1:].isdigit() and tail[:1].isdigit():
            return 1e9
        bonus = 2.5 if head.endswith(_GOOD_BREAKS) else 0.0
        return abs(text_width(head) - target) - bonus

    return min(range(2, len(title) - 1), key=score)
