"""The broker gives codes and facts; the words for people live in handlers/ (issue 10 step 6).

Pinned here: no string literal in broker/ holds Chinese (comments may; the paper terminal's
simulated server comments are English, as MT5's own are)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

BROKER = Path(__file__).resolve().parents[2] / "broker"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" for ch in text)


def test_no_string_in_the_broker_is_chinese() -> None:
    found = []
    for path in sorted(BROKER.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING and _has_cjk(tok.string):
                found.append(f"{path.relative_to(BROKER.parent)}:{tok.start[0]}")
    assert found == []
