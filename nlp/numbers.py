"""Numbers as traders type them: Arabic, full-width, Chinese numerals and a few English words.

Everything here is pure and linear-time. Full-width digits are folded by `normalize` (NFKC);
Chinese numerals are read by `parse_chinese` / `read_chinese_run`.
"""

from __future__ import annotations

import math
import re
import unicodedata

CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
CN_NUMERAL_CHARS = frozenset(CN_DIGITS) | frozenset(CN_UNITS) | {"点"}

EN_NUMBER_WORDS: dict[str, float] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "half": 0.5,
}

# An Arabic number: 1,234.5 (thousands groups) or 1234.5 or .5
ARABIC_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?|\.\d+", re.ASCII)


def normalize(text: str) -> str:
    """NFKC (full-width digits/letters/punctuation → ASCII), lower case, single spaces."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = t.replace("。", ".") if re.search(r"\d。\d", t) else t
    return " ".join(t.split())


def parse_arabic(s: str) -> float | None:
    """'1,234.50' → 1234.5; anything odd → None. Never NaN/inf."""
    try:
        v = float(s.replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def decimals_of(s: str) -> int:
    s = s.replace(",", "")
    return len(s.split(".", 1)[1]) if "." in s else 0


def _integer_part(s: str) -> int | None:
    """Chinese integer (no 点): 三十五, 两千三百, 一万二, 二三 (digit by digit)."""
    if not s:
        return None
    if all(c in CN_DIGITS for c in s):
        if len(s) == 1:
            return CN_DIGITS[s]
        # digit by digit (二三零零 = 2300); a leading 零 is fine
        return int("".join(str(CN_DIGITS[c]) for c in s))
    # colloquial: 两千三 = 2300, 一百二 = 120, 一万五 = 15000 (a last digit right after a unit)
    if len(s) >= 3 and s[-1] in CN_DIGITS and s[-2] in CN_UNITS and s[-2] != "十":
        head = _integer_part(s[:-1])
        if head is not None and s[-3] in CN_DIGITS and s[-3] not in "零〇":
            return head + CN_DIGITS[s[-1]] * CN_UNITS[s[-2]] // 10
    return _unit_number(s)


def _unit_number(s: str) -> int | None:
    """三千五百二十 = 3520, 一万二千 = 12000: digits each followed by a unit."""
    total = 0
    section = 0
    digit: int | None = None
    for c in s:
        if c in CN_DIGITS:
            if digit:
                return None  # two digits in a row inside a unit-number (三四十)
            digit = CN_DIGITS[c]
            continue
        if c not in CN_UNITS:
            return None
        unit = CN_UNITS[c]
        if unit == 10_000:
            if digit is None and not section:
                return None
            total += (section + (digit or 0)) * unit
            section = 0
        else:
            if digit is None and unit != 10:
                return None
            section += (1 if digit is None else digit) * unit
        digit = None
    section += digit or 0
    return total + section


def parse_chinese(s: str) -> float | None:
    """'零点零一' → 0.01, '两' → 2, '十' → 10, '二十五' → 25, '半' → 0.5, '一点五' → 1.5."""
    if not s:
        return None
    if s == "半":
        return 0.5
    if "点" in s:
        head, _, tail = s.partition("点")
        if not tail or any(c not in CN_DIGITS for c in tail):
            return None
        ip = _integer_part(head) if head else 0
        if ip is None:
            return None
        frac = "".join(str(CN_DIGITS[c]) for c in tail)
        return float(f"{ip}.{frac}")
    v = _integer_part(s)
    return None if v is None else float(v)


def read_chinese_run(text: str, i: int) -> tuple[int, float] | None:
    """Read the longest Chinese numeral starting at `i`; returns (end, value) or None.

    点 is only taken as a decimal point when a digit follows it (一点五 = 1.5, but 一点 = "a bit").
    A run may not start with a bare unit other than 十 (万一 = "in case", not 10001).
    """
    n = len(text)
    if i >= n or text[i] not in CN_NUMERAL_CHARS or text[i] == "点":
        return None
    if text[i] in CN_UNITS and text[i] != "十":
        return None
    j = i
    seen_point = False
    while j < n:
        c = text[j]
        if c in CN_DIGITS or (c in CN_UNITS and not seen_point):
            j += 1
        elif c == "点" and not seen_point and j + 1 < n and text[j + 1] in CN_DIGITS:
            seen_point = True
            j += 1
        else:
            break
    # back off until it parses (e.g. a trailing unit that makes no sense)
    while j > i:
        v = parse_chinese(text[i:j])
        if v is not None:
            return j, v
        j -= 1
    return None
