"""Properties of the rule parser over generated input (hypothesis).

"A trade intent never appears without an explicit side and symbol in the text" is read as: the
parser never *invents* them. The contract keeps an `open` whose side or symbol is missing
("原油下单0.5手", "sell 0.5 lots") with that key left out, so the property checked is: a `side`
key only appears when the text holds a side word, and a `symbol` key only when the text names
that symbol (an alias from the table, the canonical name, or a user alias).
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.aliases import CONTRACT_ALIASES, EXTRA_ALIASES
from nlp.intent import Intent
from nlp.numbers import normalize
from nlp.rules import RuleParser

RULES = RuleParser(safe=False)  # internal errors surface instead of becoming "unknown"

# Side words are checked against this independent list: every word the parser reads as a side
# contains one of these.
SIDE_MARKS = ("买", "卖", "多", "空", "buy", "sell", "long", "short")

NON_SIDE_VOCAB = [
    "平仓",
    "平掉",
    "close",
    "下单",
    "开仓",
    "open",
    "止损",
    "止盈",
    "sl",
    "tp",
    "挂单",
    "限价",
    "limit",
    "突破",
    "手",
    "lot",
    "lots",
    "单",
    "全部",
    "所有",
    "all",
    "最早",
    "最新",
    "oldest",
    "latest",
    "盈利的",
    "亏损的",
    "魔术号",
    "magic",
    "#",
    "单号",
    "ticket",
    "@",
    "在",
    "改到",
    "modify",
    "撤销",
    "cancel",
    "持仓",
    "positions",
    "余额",
    "balance",
    "价格",
    "price",
    "日报",
    "report",
    "本月",
    "今天",
    "last week",
    "盈亏",
    "pnl",
    "help",
    "帮助",
    "?",
    "，",
    " ",
    "两",
    "零点零一",
    "半",
    "十",
    "一",
    "０.１",
    "1.0850",
    "2300",
    "12345678",
    "-0.5",
    "nan",
    "inf",
    "1e309",
    "0",
    "00000",
    "9" * 40,
    "再来一单",
    "它",
    "/close",
    "/pnl",
    "的",
    "把",
    "了",
]
SYMBOL_WORDS = [w for names in CONTRACT_ALIASES.values() for w in names] + [
    "XAUUSD",
    "eurusd",
    "XAUUSDm",
    "nas100.cash",
    "GER40",
    "德指",
    "usdcnh",
]
SIDE_WORDS = ["买入", "卖出", "做多", "做空", "多", "空", "buy", "sell", "long", "short", "空单"]

fragments = st.one_of(
    st.sampled_from(NON_SIDE_VOCAB),
    st.sampled_from(SYMBOL_WORDS),
    st.text(max_size=4),
    st.from_regex(r"-?[0-9０-９]{1,6}(\.[0-9]{1,5})?", fullmatch=True),
)
no_side_messages = st.lists(fragments, max_size=12).map("".join) | st.lists(
    fragments, max_size=12
).map(" ".join)
any_messages = st.lists(st.one_of(fragments, st.sampled_from(SIDE_WORDS)), max_size=12).map(
    " ".join
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _named(symbol: str, text: str) -> bool:
    t = normalize(text)
    names = {symbol.lower()} | {
        n.lower() for src in (CONTRACT_ALIASES, EXTRA_ALIASES) for n in src.get(symbol, ())
    }
    return any(n in t for n in names)


@FAST
@given(st.text())
def test_any_unicode_string_returns_an_intent_and_never_raises(text: str) -> None:
    assert isinstance(RULES.parse(text), Intent)


@FAST
@given(any_messages)
def test_trade_vocabulary_soup_returns_an_intent_and_never_raises(text: str) -> None:
    assert isinstance(RULES.parse(text), Intent)


def test_empty_and_blank_input_is_unknown() -> None:
    for text in ("", " ", "\n\t", "\u3000"):
        assert RULES.parse(text).intent == "unknown"


def test_100_kb_input_returns_an_intent() -> None:
    for unit in ("买入0.01手黄金 ", "a", "平", "9", "零点", "\u200b", "🙂"):
        text = (unit * (100_000 // len(unit) + 1))[:100_000]
        assert isinstance(RULES.parse(text), Intent)


def test_tokenizer_is_linear_on_long_input() -> None:
    # the 1000-character guard keeps parse() short; the tokenizer itself must also cope
    toks = RULES.tokenize(normalize("买入0.01手黄金止损2300 " * 5000))
    assert len(toks) == 6 * 5000


@FAST
@given(no_side_messages)
def test_no_side_is_ever_invented(text: str) -> None:
    intent = RULES.parse(text)
    if intent.side is not None:
        assert any(m in normalize(text) for m in SIDE_MARKS), (text, intent)


@FAST
@given(any_messages)
def test_side_only_appears_with_a_side_word(text: str) -> None:
    intent = RULES.parse(text)
    if intent.side is not None:
        assert any(m in normalize(text) for m in SIDE_MARKS), (text, intent)


@FAST
@given(any_messages)
def test_symbol_only_appears_when_the_text_names_it(text: str) -> None:
    intent = RULES.parse(text)
    if intent.symbol is not None:
        assert _named(intent.symbol, text), (text, intent)


@FAST
@given(st.lists(st.sampled_from(NON_SIDE_VOCAB + SIDE_WORDS), max_size=10).map(" ".join))
def test_no_symbol_without_a_symbol_word(text: str) -> None:
    assert RULES.parse(text).symbol is None


@FAST
@given(any_messages)
def test_numbers_are_never_negative_or_nan(text: str) -> None:
    d = RULES.parse(text).to_json_dict()
    for key in ("volume", "price", "sl", "tp"):
        if key in d:
            assert isinstance(d[key], float)
            assert math.isfinite(d[key])
            assert d[key] > 0
    for key in ("ticket", "magic", "count"):
        if key in d:
            assert isinstance(d[key], int)
            assert d[key] > 0


@FAST
@given(st.sampled_from(["-", "−", "负"]), st.sampled_from(["0.5", "1", "0.01", "两"]))
def test_negative_volume_is_never_read_as_a_volume(sign: str, num: str) -> None:
    intent = RULES.parse(f"买入黄金{sign}{num}手")
    assert intent.volume is None or intent.volume > 0
    assert intent.intent == "unknown"


@FAST
@given(any_messages)
def test_parse_is_deterministic(text: str) -> None:
    assert RULES.parse(text) == RULES.parse(text)
