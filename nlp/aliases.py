"""Symbol names users type → canonical symbols (INTENTS.md's table, plus user aliases).

Matching is case-insensitive and longest-first; an ASCII alias only matches as a whole word
("gold" not in "golden", "eu" not in "europe"), Chinese aliases match anywhere. A canonical
name also matches with a broker's suffix ("XAUUSDm", "EURUSD.pro", "NAS100.cash").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

from nlp.intent import CANONICAL_SYMBOLS

# The contract's table (INTENTS.md), verbatim.
CONTRACT_ALIASES: dict[str, tuple[str, ...]] = {
    "EURUSD": ("欧美", "欧元", "eu"),
    "GBPUSD": ("镑美", "英镑", "gu", "cable"),
    "USDJPY": ("美日", "日元", "uj"),
    "AUDUSD": ("澳美", "澳元"),
    "NZDUSD": ("纽美", "纽元"),
    "USDCAD": ("美加", "加元"),
    "USDCHF": ("美瑞", "瑞郎"),
    "EURJPY": ("欧日",),
    "GBPJPY": ("镑日",),
    "EURGBP": ("欧镑",),
    "XAUUSD": ("黄金", "金子", "gold", "xau"),
    "XAGUSD": ("白银", "silver"),
    "USOIL": ("原油", "美油", "wti", "oil"),
    "BTCUSD": ("比特币", "大饼", "btc", "bitcoin"),
    "ETHUSD": ("以太坊", "以太", "eth"),
    "US30": ("道指", "道琼斯", "dow"),
    "NAS100": ("纳指", "纳斯达克", "nasdaq"),
    "SPX500": ("标普", "标普500", "s&p"),
}

# Unambiguous spellings of the same instruments (full names, common typos, broker names).
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "EURUSD": ("欧元美元", "欧元兑美元", "欧美货币对"),
    "GBPUSD": ("英镑美元", "英镑兑美元", "磅美", "英磅", "pound"),
    "USDJPY": ("美元日元", "美元兑日元", "美日元"),
    "AUDUSD": ("澳元美元", "澳元兑美元", "澳币"),
    "NZDUSD": ("纽元美元", "纽元兑美元", "纽币", "新西兰元"),
    "USDCAD": ("美元加元", "美元兑加元", "加拿大元", "加币"),
    "USDCHF": ("美元瑞郎", "美元兑瑞郎", "瑞士法郎", "swissy"),
    "EURJPY": ("欧元日元", "欧元兑日元"),
    "GBPJPY": ("英镑日元", "英镑兑日元", "磅日", "guppy"),
    "EURGBP": ("欧元英镑", "欧元兑英镑", "欧磅"),
    "XAUUSD": ("现货黄金", "伦敦金", "国际金价", "金价", "gold spot"),
    "XAGUSD": ("现货白银", "伦敦银", "银价", "xag"),
    "USOIL": ("美原油", "wti原油", "油价", "crude", "crude oil", "xtiusd", "wtiusd", "cl-oil"),
    "BTCUSD": ("比特", "btcusdt", "xbtusd", "xbt"),
    "ETHUSD": ("以太币", "ethusdt", "ether", "ethereum"),
    "US30": ("道琼斯指数", "道指30", "dj30", "dji", "djia", "wallst30", "dow jones"),
    "NAS100": (
        "纳斯达克指数",
        "纳指100",
        "纳斯达克100",
        "ustec",
        "us100",
        "nas",
        "ndx",
        "nasdaq100",
    ),
    "SPX500": (
        "标普指数",
        "标准普尔",
        "标准普尔500",
        "标普500指数",
        "us500",
        "spx",
        "sp500",
        "s&p500",
        "s&p 500",
    ),
}

_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ASCII_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyz")
_SUFFIX = re.compile(r"(?:[._\-#]?[a-z]{1,5})?(?![a-z])")

V = TypeVar("V")


class PhraseMatcher(Generic[V]):
    """Longest match of known phrases at a position; ASCII phrases only as whole words."""

    def __init__(self, phrases: Mapping[str, V] | None = None) -> None:
        self._table: dict[str, V] = {}
        self._by_first: dict[str, list[int]] = {}
        if phrases:
            for k, v in phrases.items():
                self.add(k, v)

    def add(self, phrase: str, value: V) -> None:
        p = " ".join(phrase.lower().split())
        if not p:
            return
        self._table[p] = value
        lengths = self._by_first.setdefault(p[0], [])
        if len(p) not in lengths:
            lengths.append(len(p))
            lengths.sort(reverse=True)

    def __contains__(self, phrase: str) -> bool:
        return phrase in self._table

    def match_at(self, text: str, i: int) -> tuple[int, V] | None:
        lengths = self._by_first.get(text[i]) if i < len(text) else None
        if not lengths:
            return None
        if text[i] in _ASCII_ALNUM and i > 0 and text[i - 1] in _ASCII_ALPHA:
            return None
        for length in lengths:
            end = i + length
            if end > len(text):
                continue
            value = self._table.get(text[i:end])
            if value is None:
                continue
            last = text[end - 1]
            if end < len(text):
                nxt = text[end]
                if last in _ASCII_ALPHA and nxt in _ASCII_ALPHA:
                    continue
                if last.isdigit() and last in _ASCII_ALNUM and nxt in _ASCII_ALNUM:
                    continue
            return end, value
        return None


def match_canonical(text: str, i: int) -> tuple[int, str] | None:
    """A canonical symbol at `i` (lower case), with an optional broker suffix."""
    if i > 0 and text[i - 1] in _ASCII_ALPHA:
        return None
    for sym in _CANONICAL_BY_LEN:
        low = sym.lower()
        if text.startswith(low, i):
            m = _SUFFIX.match(text, i + len(low))
            if m is None:
                continue
            end = m.end()
            if (
                end < len(text)
                and low[-1].isdigit()
                and text[end].isdigit()
                and end == i + len(low)
            ):
                continue  # us300 is not us30
            return end, sym
    return None


_CANONICAL_BY_LEN = sorted(CANONICAL_SYMBOLS, key=len, reverse=True)


def build_alias_table(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """alias (lower case) → canonical: the contract's table, our extras, then the user's."""
    table: dict[str, str] = {}
    for source in (EXTRA_ALIASES, CONTRACT_ALIASES):
        for sym, names in source.items():
            for name in names:
                table[name.lower()] = sym
    for sym in CANONICAL_SYMBOLS:
        table[sym.lower()] = sym
    for name, sym in (extra or {}).items():
        canon = str(sym).strip().upper()
        key = " ".join(str(name).lower().split())
        if canon in CANONICAL_SYMBOLS and key:
            table[key] = canon
    return table


class SymbolAliases:
    """Finds symbol mentions. `extra` = user aliases from settings ([symbols.aliases]);
    entries whose target is not a canonical symbol are ignored."""

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        self.table = build_alias_table(extra)
        self._matcher: PhraseMatcher[str] = PhraseMatcher(self.table)

    def match_at(self, text: str, i: int) -> tuple[int, str] | None:
        """Longest symbol mention at position i of lower-case text."""
        a = self._matcher.match_at(text, i)
        c = match_canonical(text, i) if text[i : i + 1] in _ASCII_ALPHA else None
        if a and c:
            return a if a[0] >= c[0] else c
        return a or c

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, canonical) mentions, left to right, longest first."""
        low = text.lower()
        if len(low) != len(text):  # a few characters change length when lowered
            low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(low):
            m = self.match_at(low, i)
            if m:
                out.append((i, m[0], m[1]))
                i = m[0]
            else:
                i += 1
        return out

    def symbols_in(self, text: str) -> set[str]:
        return {sym for _, _, sym in self.find(text)}

    def names(self) -> Iterable[tuple[str, str]]:
        return self.table.items()
