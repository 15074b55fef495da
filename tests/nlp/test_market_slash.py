"""The slash forms of the market-data commands read into the same intents as the words, and
/alerts is a command of its own."""

from __future__ import annotations

import pytest

from nlp.commands import AlertsCommand, alert_price_not_positive, read_command
from nlp.rules import SLASH_COMMANDS, RuleParser

rules = RuleParser(safe=False)


@pytest.mark.parametrize(
    ("slash", "words"),
    [
        ("/chart XAUUSD H1", "黄金1小时图"),
        ("/rsi EURUSD H4", "欧美4小时RSI"),
        ("/macd EURUSD", "欧美MACD"),
        ("/boll XAUUSD", "黄金布林带"),
        ("/kdj XAUUSD D1", "黄金日线KDJ"),
        ("/atr GBPUSD", "镑美ATR"),
        ("/ma EURUSD 20 H1", "欧美1小时MA20"),
        ("/ema XAUUSD H4 50", "黄金4小时EMA50"),
        ("/info XAUUSD", "黄金合约信息"),
        ("/history week", "本周平仓记录"),
        ("/history", "历史成交"),
        ("/alert XAUUSD 2700", "黄金到2700提醒我"),
        ("/alert EURUSD 1.08", "提醒我欧美跌破1.08"),
    ],
)
def test_a_slash_form_is_the_same_intent_as_its_words(slash: str, words: str) -> None:
    by_slash = rules.parse(slash)
    assert by_slash.intent != "unknown", rules.explain(slash).rule
    assert by_slash == rules.parse(words)


def test_an_indicator_command_reads_its_length_wherever_it_is_typed() -> None:
    for text in ("/ma EURUSD 20", "/ma 20 EURUSD", "/ma@tradechat_bot EURUSD 20"):
        got = rules.parse(text)
        assert (got.intent, got.indicator, got.length, got.symbol) == (
            "indicator",
            "MA",
            20,
            "EURUSD",
        )
    assert rules.parse("/ma EURUSD 20 50").intent == "unknown"  # two lengths: not guessed
    assert rules.parse("/rsi").intent == "unknown"  # no symbol


def test_levels_is_routed_only_when_the_intent_exists() -> None:
    from typing import get_args

    from nlp.intent import IntentName

    assert ("levels" in SLASH_COMMANDS) == ("levels" in get_args(IntentName))


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/alerts", AlertsCommand("list")),
        ("/alerts@tradechat_bot", AlertsCommand("list")),
        ("我的提醒", AlertsCommand("list")),
        ("/alerts del 2", AlertsCommand("delete", 2)),
        ("/alerts delete #3", AlertsCommand("delete", 3)),
        ("／ＡＬＥＲＴＳ　ｒｍ　１", AlertsCommand("delete", 1)),
        ("删除提醒 2", AlertsCommand("delete", 2)),
        ("/alerts everything", AlertsCommand("usage")),
    ],
)
def test_alerts_commands(text: str, command: AlertsCommand) -> None:
    assert read_command(text) == command


def test_alerts_words_are_not_mistaken_for_subscriptions_or_the_other_way() -> None:
    assert not isinstance(read_command("订阅提醒"), AlertsCommand)
    assert read_command("/alert XAUUSD 2700") is None  # the intent, for the parser


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("黄金到-5提醒我", True),
        ("黄金到负5提醒我", True),
        ("/alert XAUUSD -5", True),
        ("/alert XAUUSD 0", True),
        ("alert me when gold hits 0", True),
        ("黄金到2700提醒我", False),
        ("提醒我欧美跌破1.08", False),
        ("/alert US30 30000", False),
        ("/alert XAUUSD 0.5", False),
        ("卖出-5手黄金", False),  # no alert word: another refusal's business
    ],
)
def test_an_alert_price_at_or_below_zero_is_recognised(text: str, bad: bool) -> None:
    assert alert_price_not_positive(text) is bad
    if bad:
        assert rules.parse(text).intent == "unknown"  # never an alert with a guessed price
