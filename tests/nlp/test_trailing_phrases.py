"""Trailing stops in words: setting one (移动止损30点, /trail), stopping one (取消黄金移动止损) —
never read as a cancel of pending orders — and distances that are no distance."""

from __future__ import annotations

import pytest

from nlp.commands import BadTrailingDistance, read_command
from nlp.intent import Intent
from nlp.rules import RuleParser

RULES = RuleParser()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("黄金移动止损30点", {"symbol": "XAUUSD", "trailing_pips": 30.0}),
        ("trailing stop 20 pips on eurusd", {"symbol": "EURUSD", "trailing_pips": 20.0}),
        ("/trail xauusd 30", {"symbol": "XAUUSD", "trailing_pips": 30.0}),
        ("/trail #123 25", {"ticket": 123, "trailing_pips": 25.0}),
        ("/trail eurusd 20 pips", {"symbol": "EURUSD", "trailing_pips": 20.0}),
        ("取消黄金移动止损", {"symbol": "XAUUSD", "trailing_off": True}),
        ("#123 取消移动止损", {"ticket": 123, "trailing_off": True}),
        ("cancel trailing stop on gold", {"symbol": "XAUUSD", "trailing_off": True}),
    ],
)
def test_trailing_stops_are_read_as_modify(text: str, want: dict[str, object]) -> None:
    assert RULES.parse(text) == Intent(intent="modify", **want)  # type: ignore[arg-type]


def test_cancelling_gold_orders_is_still_a_cancel() -> None:
    assert RULES.parse("取消黄金挂单") == Intent(intent="cancel", symbol="XAUUSD")


@pytest.mark.parametrize(
    "text", ["黄金移动止损-5点", "黄金移动止损0点", "/trail xauusd 0", "取消黄金移动止损30点"]
)
def test_a_distance_that_is_no_distance_is_not_understood(text: str) -> None:
    assert RULES.parse(text).intent == "unknown"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("移动止损-5点", "-5"),
        ("黄金移动止损0点", "0"),
        ("trailing stop 0 pips on gold", "0"),
        ("trail gold by -20 pips", "-20"),
    ],
)
def test_a_trailing_distance_of_no_distance_is_read_to_be_answered(text: str, said: str) -> None:
    assert read_command(text) == BadTrailingDistance(said)


@pytest.mark.parametrize(
    "text",
    ["黄金移动止损30点", "黄金移动止损0.5点", "止损上移-5点", "trailing stop 20 pips on eurusd"],
)
def test_real_distances_and_shifts_are_no_bad_trailing(text: str) -> None:
    assert not isinstance(read_command(text), BadTrailingDistance)
