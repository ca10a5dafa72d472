"""The numbering of a document's structure (GB/T 9704 7.3.3): 一、 （一） 1. （1）."""

from __future__ import annotations

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99)."""
    if not 0 < n < 100:
        raise ValueError(f"no Chinese numeral here for {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def level1(n: int) -> str:
    return f"{chinese_number(n)}、"


def level2(n: int) -> str:
    return f"（{chinese_number(n)}）"


def level3(n: int) -> str:
    return f"{n}."


def level4(n: int) -> str:
    return f"（{n}）"
