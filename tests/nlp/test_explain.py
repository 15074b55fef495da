"""RuleParser.explain (for `tradechat parse --explain`) and suggest (the closest supported
phrasing for a message that was not understood)."""

from __future__ import annotations

from nlp.explain import EXAMPLES, suggest
from nlp.rules import RuleParser

RULES = RuleParser()


def test_explain_shows_the_normalised_text_and_the_slots_each_token_set() -> None:
    e = RULES.explain("黃金多單止損上移15點")
    assert e.engine == "rules"
    assert e.normalised == "黄金多单止损上移15点"
    assert e.intent.to_json_dict() == {
        "intent": "modify",
        "symbol": "XAUUSD",
        "side": "buy",
        "sl_shift_pips": 15.0,
    }
    assert e.rule is None
    slots = {t.text: t.slots for t in e.tokens}
    assert slots["黄金"] == {"symbol": "XAUUSD"}
    assert slots["多单"] == {"side": "buy"}
    assert slots["15"] == {"sl_shift_pips": 15.0}


def test_explain_names_the_rule_that_made_a_message_unknown() -> None:
    assert RULES.explain("我朋友说做空原油很赚钱").rule == "reported speech"
    assert RULES.explain("要是当初做空就好了").rule == "hypothetical or condition"
    assert RULES.explain("我上周做空了欧美一手").rule == "past narration"
    assert RULES.explain("卖出是什么意思").rule == "question about a word"
    assert RULES.explain("买").rule == "a bare side or verb"
    assert RULES.explain("平掉德指").rule == "an instrument or period outside the contract"
    assert RULES.explain("asdfghjkl").rule == "no request words"


def test_explain_agrees_with_parse() -> None:
    for text in (
        "买入0.01手黄金",
        "黄金到2400提醒我",
        "如果黄金跌到2300我就买一手",
        "",
        "x" * 2000,
    ):
        assert RULES.explain(text).intent == RULES.parse(text)


def test_suggest_picks_the_closest_supported_phrasing_in_the_users_language() -> None:
    assert suggest("我想看K线", "zh") == "黄金1小时K线图"
    assert suggest("歐美點差", "zh") == "欧美点差多少"
    assert suggest("gold trailing", "en") == "trailing stop 30 pips on eurusd"
    assert suggest("show me the chart", "en") == "show gold h1 chart"
    assert RULES.suggest("黃金提醒", "zh") == "黄金到2700提醒我"


def test_suggest_gives_nothing_when_nothing_is_shared() -> None:
    assert suggest("blah", "en") is None
    assert suggest("", "zh") is None


def test_every_suggested_phrasing_is_understood() -> None:
    for lang, phrases in EXAMPLES.items():
        for phrase in phrases:
            assert RULES.parse(phrase).intent != "unknown", (lang, phrase)
