"""Traditional script, Cantonese trading words and full-width forms are the same words."""

from __future__ import annotations

import opencc
import pytest

from nlp.rules import RuleParser
from nlp.script import to_simplified

RULES = RuleParser()
TO_TRADITIONAL = opencc.OpenCC("s2t")


def test_ascii_is_returned_untouched() -> None:
    assert to_simplified("buy gold 0.1") == "buy gold 0.1"


@pytest.mark.parametrize(
    "text",
    [
        "买入0.01手黄金",
        "黄金全部平仓",
        "把黄金止损改到2300",
        "欧美点差多少",
        "撤销所有挂单",
        "黄金到2700提醒我",
        "镑美日线MA20",
        "历史成交",
        "取消订阅",
    ],
)
def test_a_message_in_traditional_script_reads_like_the_simplified_one(text: str) -> None:
    assert RULES.parse(TO_TRADITIONAL.convert(text)) == RULES.parse(text)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("沽歐美一手", {"intent": "open", "symbol": "EURUSD", "side": "sell", "volume": 1.0}),
        ("平晒", {"intent": "close", "selector": "all"}),
        ("落單買黃金0.1手", {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 0.1}),
        ("蝕緊嘅單全部平晒", {"intent": "close", "selector": "losing"}),
        (
            "ＢＵＹ　ＧＯＬＤ　０．１",
            {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 0.1},
        ),
        ("1001号EA今天赚了多少", {"intent": "pnl", "magic": 1001, "period": "today"}),
        ("挂了哪些单", {"intent": "orders"}),
        ("今天亏了还是赚了", {"intent": "pnl", "period": "today"}),
        ("月盈亏", {"intent": "pnl", "period": "month"}),
        ("周盈亏", {"intent": "pnl", "period": "week"}),
        ("本月到目前为止赚了多少", {"intent": "pnl", "period": "month"}),
        ("黄金买卖价", {"intent": "quote", "symbol": "XAUUSD"}),
        ("eurusd bid ask", {"intent": "quote", "symbol": "EURUSD"}),
        (
            "買入黃金一手止蝕2300",
            {"intent": "open", "symbol": "XAUUSD", "side": "buy", "volume": 1.0, "sl": 2300.0},
        ),
        ("黃金移動止蝕30點", {"intent": "modify", "symbol": "XAUUSD", "trailing_pips": 30.0}),
        ("唔使再推送月報", {"intent": "unsubscribe", "kind": "monthly"}),
    ],
)
def test_cantonese_full_width_and_v2_query_phrasings(text: str, want: dict[str, object]) -> None:
    assert RULES.parse(text).to_json_dict() == want
