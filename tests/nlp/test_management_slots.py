"""The management slots at their edges: a risk to size by makes a new order even without a buy
or sell word ("risk 1% on eurusd sl 1.0750"), "EA 1001" names the magic, and a fraction, a
risk or a move read exactly but out of range is unknown — never guessed — with what was read
(`RuleParser.trouble`, answered by handlers/plan_text.out_of_range_text)."""

from __future__ import annotations

from typing import Any

import pytest

from nlp.commands import read_stop_price
from nlp.intent import Intent
from nlp.rules import RuleParser

RULES = RuleParser()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "risk 1% on eurusd sl 1.0750",
            {"intent": "open", "symbol": "EURUSD", "sl": 1.075, "risk_percent": 1.0},
        ),
        ("EA 1001 positions", {"intent": "positions", "magic": 1001}),
        ("close EA 1001 gold", {"intent": "close", "symbol": "XAUUSD", "magic": 1001}),
        ("1001号EA持仓", {"intent": "positions", "magic": 1001}),
        ("平掉1001号EA的黄金单", {"intent": "close", "symbol": "XAUUSD", "magic": 1001}),
        ("show 3 positions", {"intent": "positions"}),
    ],
)
def test_management_requests_read_as_the_contract_says(text: str, want: dict[str, Any]) -> None:
    assert RULES.parse(text) == Intent.model_validate(want)


@pytest.mark.parametrize(
    ("text", "what", "facts"),
    [
        ("平掉150%", "fraction", {"pct": 150.0}),
        ("平掉0%", "fraction", {"pct": 0.0}),
        ("平掉100%", "fraction", {"pct": 100.0}),
        ("按0%风险买黄金 止损2630", "risk", {"pct": 0.0}),
        ("止损上移-5点", "shift", {"level": "sl", "pips": 5.0}),
        ("止盈下移-30点", "shift", {"level": "tp", "pips": 30.0}),
        ("移动止损-5点", "trailing", {"level": "trailing", "pips": 5.0}),
    ],
)
def test_out_of_range_management_slots_are_unknown_with_what_was_read(
    text: str, what: str, facts: dict[str, Any]
) -> None:
    assert RULES.parse(text).intent == "unknown"
    trouble = RULES.trouble(text)
    assert trouble is not None
    assert (trouble.what, trouble.facts) == (what, facts)


@pytest.mark.parametrize("text", ["平一半", "平掉一部分", "今天天气不错", "止损上移20点"])
def test_no_trouble_for_what_is_in_range_or_not_a_management_slot(text: str) -> None:
    assert RULES.trouble(text) is None


@pytest.mark.parametrize(
    ("text", "price"),
    [("2630", 2630.0), ("止损2630", 2630.0), ("sl 1.0750", 1.075), ("止损 在 2630.5", 2630.5),
     ("0", None), ("两千", None), ("买", None), ("止盈2700", None)],
)  # fmt: skip
def test_the_answer_to_where_the_stop_goes_is_a_price(text: str, price: float | None) -> None:
    assert read_stop_price(text) == price
