"""Normalised text → tokens: longest match at each position among the lexicon
(nlp/lexicon.py) and the symbol aliases; Arabic numbers, Chinese numerals and English number
words become NUM tokens. The slot grammar (nlp/grammar.py) reads only these tokens."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nlp.aliases import PhraseMatcher, SymbolAliases
from nlp.lexicon import ISO_CODES, QUOTE_SYMBOL_WORDS, Entry
from nlp.lexicon_v2 import LEXICON
from nlp.numbers import (
    ARABIC_NUMBER,
    CN_NUMERAL_CHARS,
    EN_NUMBER_WORDS,
    decimals_of,
    parse_arabic,
    read_chinese_run,
)

# "eur/usd", "eur / usd", "eur usd": the first code and the separator (the second code is only
# looked at, so "buy eur usd" still finds "eur usd" after "buy eur" did not join).
_PAIR = re.compile(r"(?<![a-z])([a-z]{3})(?:\s?/\s?|\s)(?=([a-z]{3})(?![a-z]))")
_BARE_QUESTION = re.compile(r"[?]+")
_ASCII_WORD = re.compile(r"[a-z]+", re.ASCII)
_DELAY_AFTER = frozenset("后後内")
_SPACE_TAGS = frozenset({"FILLER", "PUNCT", "SPACE"})
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")

_LEX: PhraseMatcher[Entry] = PhraseMatcher(LEXICON)


class Unknown(Exception):
    """Raised while reading a message that must be answered with `unknown`; `args[0]`, when
    given, names the rule (shown by `RuleParser.explain`)."""


@dataclass(slots=True)
class Tok:
    kind: str  # "W" (lexicon word), "SYM", "NUM", "X" (anything else)
    start: int
    end: int
    tags: frozenset[str] = frozenset()
    vals: Mapping[str, Any] = field(default_factory=dict)
    sym: str | None = None
    value: float = 0.0
    dec: int = 0
    spoken: bool = False  # a Chinese numeral or an English number word
    neg: bool = False
    role: str | None = None
    word: str = ""  # the token's own text (after normalising)

    def has(self, *tags: str) -> bool:
        return not self.tags.isdisjoint(tags)


def tokenize(t: str, aliases: SymbolAliases) -> list[Tok]:
    """Tokens of a normalised message; each keeps its own text in `word`."""
    t = _PAIR.sub(_join_pair, t)
    toks: list[Tok] = []
    n = len(t)
    i = 0
    while i < n:
        if t[i] == " ":
            # a space between two Chinese words ends a clause ("黄金不要平 欧美平掉")
            if toks and _cjk(t[i - 1]) and i + 1 < n and _cjk(t[i + 1]):
                toks.append(Tok("W", i, i + 1, tags=_SPACE_TAGS, word=" "))
            i += 1
            continue
        tk = _token_at(t, i, aliases)
        tk.word = t[tk.start : tk.end]
        toks.append(tk)
        i = tk.end
    return toks


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _starts_number(t: str, i: int) -> bool:
    c = t[i]
    if not (("0" <= c <= "9") or (c == "." and i + 1 < len(t) and "0" <= t[i + 1] <= "9")):
        return False
    return not (i > 0 and "0" <= t[i - 1] <= "9")


def _token_at(t: str, i: int, aliases: SymbolAliases) -> Tok:
    lm = _LEX.match_at(t, i)
    if _starts_number(t, i):
        num = number_at(t, i)
        # "1小时" / "15分钟" / "4h": a timeframe written with digits, unless it is a delay
        # ("5分钟后")
        timeframe = lm is not None and "TF" in lm[1].tags and (num is None or lm[0] > num.end)
        if lm is not None and timeframe and t[lm[0] : lm[0] + 1] not in _DELAY_AFTER:
            return Tok("W", i, lm[0], tags=frozenset(lm[1].tags), vals=lm[1].vals)
        if num is not None:
            return num
    sm = aliases.match_at(t, i)
    if sm and (lm is None or sm[0] >= lm[0]):
        word = t[i : sm[0]]
        tags = frozenset({"QUOTE"}) if word in QUOTE_SYMBOL_WORDS else frozenset()
        return Tok("SYM", i, sm[0], tags=tags, sym=sm[1])
    if lm:
        entry = lm[1]
        if "NUMWORD" in entry.tags:
            value = float(EN_NUMBER_WORDS[t[i : lm[0]]])
            return Tok("NUM", i, lm[0], value=value, spoken=True)
        return Tok("W", i, lm[0], tags=frozenset(entry.tags), vals=entry.vals)
    return _other_at(t, i)


def _other_at(t: str, i: int) -> Tok:
    c = t[i]
    if c in CN_NUMERAL_CHARS:
        r = read_chinese_run(t, i)
        if r:
            return Tok("NUM", i, r[0], value=r[1], spoken=True, neg=_neg_before(t, i))
    if "a" <= c <= "z":
        m2 = _ASCII_WORD.match(t, i)
        end = m2.end() if m2 else i + 1
        tags = frozenset({"FOREIGN"}) if _is_fx_pair(t[i:end]) else frozenset()
        return Tok("X", i, end, tags=tags)
    return Tok("X", i, i + 1)


def number_at(t: str, i: int) -> Tok | None:
    m = ARABIC_NUMBER.match(t, i)
    if not m:
        return None
    raw = m.group(0)
    v = parse_arabic(raw)
    if v is None:
        return None
    return Tok("NUM", i, m.end(), value=v, dec=decimals_of(raw), neg=_neg_before(t, i))


def _neg_before(t: str, i: int) -> bool:
    """A minus sign right before a number ("-0.5手", "负两手"), not a range ("2300-2310")."""
    if i == 0:
        return False
    if t[i - 1] == "负":
        return True
    return t[i - 1] in "-−" and (i < 2 or t[i - 2] not in _ASCII_ALNUM)


def _join_pair(m: re.Match[str]) -> str:
    a, b = m.group(1), m.group(2)
    return a if a in ISO_CODES and b in ISO_CODES else m.group(0)


def _is_fx_pair(word: str) -> bool:
    return (
        len(word) == 6 and word[:3] in ISO_CODES and word[3:] in ISO_CODES and word[:3] != word[3:]
    )
