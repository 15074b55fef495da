"""The `levels` intent (support/resistance, key levels): zh, Traditional and en words, the
slash form, a timeframe only when said, and the messages that are not this request."""

from __future__ import annotations

import pytest

from nlp.intent import Intent
from nlp.rules import RuleParser

RULES = RuleParser(safe=False)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("黄金支撑阻力", {"symbol": "XAUUSD"}),
        ("黃金支撐阻力", {"symbol": "XAUUSD"}),
        ("黃金4小時關鍵位", {"symbol": "XAUUSD", "timeframe": "H4"}),
        ("欧美压力位", {"symbol": "EURUSD"}),
        ("黄金1小时支撑位", {"symbol": "XAUUSD", "timeframe": "H1"}),
        ("黄金支撑阻力图", {"symbol": "XAUUSD"}),
        ("key levels for gold", {"symbol": "XAUUSD"}),
        ("gold support and resistance h4", {"symbol": "XAUUSD", "timeframe": "H4"}),
        ("eurusd resistance", {"symbol": "EURUSD"}),
        ("/levels XAUUSD H4", {"symbol": "XAUUSD", "timeframe": "H4"}),
        ("/levels gold", {"symbol": "XAUUSD"}),
    ],
)
def test_support_and_resistance_words_ask_for_levels(text: str, want: dict[str, str]) -> None:
    assert RULES.parse(text) == Intent(intent="levels", **want)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "支撑阻力",  # no symbol: nothing to compute
        "黄金会跌破支撑吗",  # a question about the market
        "跌破支撑就卖黄金",  # a conditional trade
        "黄金和欧美的支撑",  # two symbols
        "黄金支撑2300",  # a number that fits no slot
        "/levels",
    ],
)
def test_what_is_not_a_levels_request_stays_unknown(text: str) -> None:
    assert RULES.parse(text).intent == "unknown"


def test_levels_carries_no_other_keys() -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        Intent(intent="levels", symbol="XAUUSD", indicator="RSI")
