"""Scope never widens (contract v2): any part of a trade request that cannot be read makes the
answer `unknown`, never the request without that part."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nlp.lexicon_v2 import LEXICON
from nlp.rules import RuleParser

RULES = RuleParser()


def test_traditional_close_all_of_a_symbol_stays_on_that_symbol() -> None:
    assert RULES.parse("黃金全部平倉").to_json_dict() == {
        "intent": "close",
        "symbol": "XAUUSD",
        "selector": "all",
    }


def test_unread_parts_make_a_trade_unknown() -> None:
    for text in (
        "平掉德指",  # an instrument outside the table
        "平倉德指",
        "买入恒指一手",
        "平掉黄金xyz单",  # an unread word
        "sell eurousd 0.1",  # a misspelt symbol
        "平掉黄金和白银",  # two symbols
        "close gold and silver",
        "平掉123456和654321",  # two tickets
        "黄金平掉一部分",  # not a clean fraction
        "close some of my gold",
        "平掉100%黄金",
        "平掉过去3天的单",  # a rolling window
        "buy gold 0.0.1 lots",  # an unreadable number
        "幫我買一手金",  # an unread character where the symbol should be
        "买入沪金一手",  # an instrument the table does not have
        "sell my gold",  # open or close? never guessed
        "close all except gold",  # a leftover word that changes the meaning
    ):
        assert RULES.parse(text).intent == "unknown", text


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(("close all {} gold", "buy {} gold 0.1", "cancel {} orders on eurusd")),
    st.text(alphabet="bcdfghjkqvwxz", min_size=3, max_size=7),
)
def test_an_unknown_word_inside_a_trade_never_drops_out(template: str, word: str) -> None:
    assume(word not in LEXICON)
    assert RULES.parse(template.format(word)).intent == "unknown"


def test_query_intents_need_their_symbol() -> None:
    for text in ("德指1小时图", "恒指RSI", "天然气点差", "铜价提醒我到5", "1小时图"):
        assert RULES.parse(text).intent == "unknown", text
