"""Traditional Chinese (and Hong Kong / Taiwan variants) → Simplified, before the lexicon.

The lexicon holds Simplified words only; 黃金 = 黄金, 平倉 = 平仓, 止損 = 止损 (contract v2).
OpenCC's `t2s` converter is built once, on first use, and only messages with a character
outside ASCII are converted (most English messages never touch it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@lru_cache(maxsize=1)
def _converter() -> _Converter:
    import opencc  # a compiled extension: loaded only when a CJK message first needs it

    conv: _Converter = opencc.OpenCC("t2s")
    return conv


@lru_cache(maxsize=4096)
def _convert_cjk(text: str) -> str:
    return _converter().convert(text)


def to_simplified(text: str) -> str:
    """The same text in Simplified script; ASCII text is returned as it is."""
    if text.isascii():
        return text
    # NFKC has already folded full-width forms; only CJK needs the converter
    if not any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text):
        return text
    return _convert_cjk(text)
