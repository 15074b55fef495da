"""The intent contract, version 2 (docs/INTENTS.md): the new intents and keys, and the
validators that keep every Intent inside the contract."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from nlp.intent import ALLOWED_KEYS, Intent


@pytest.mark.parametrize(
    "data",
    [
        {"intent": "chart", "symbol": "XAUUSD", "timeframe": "H1"},
        {
            "intent": "indicator",
            "symbol": "GBPUSD",
            "indicator": "MA",
            "timeframe": "D1",
            "length": 20,
        },
        {"intent": "symbol_info", "symbol": "EURUSD"},
        {"intent": "history", "symbol": "BTCUSD", "magic": 888, "period": "last_week"},
        {"intent": "alert", "symbol": "XAUUSD", "price": 2750.0},
        {"intent": "subscribe", "kind": "daily"},
        {"intent": "subscribe"},
        {"intent": "unsubscribe", "kind": "hedge"},
        {"intent": "close", "symbol": "BTCUSD", "side": "buy", "fraction": 0.5},
        {"intent": "modify", "ticket": 55667700, "breakeven": True},
        {"intent": "modify", "symbol": "XAUUSD", "sl_shift_pips": 30.0, "tp_shift_pips": -50.0},
        {"intent": "modify", "symbol": "EURUSD", "trailing_pips": 30.0},
        {"intent": "open", "symbol": "EURUSD", "side": "sell", "sl": 1.095, "risk_percent": 2.0},
        {"intent": "positions", "symbol": "XAUUSD", "side": "buy"},
        {"intent": "cancel", "symbol": "EURUSD", "side": "sell", "selector": "all"},
    ],
)
def test_contract_v2_shapes_are_valid_and_round_trip(data: dict[str, Any]) -> None:
    assert Intent(**data).to_json_dict() == data


@pytest.mark.parametrize(
    "data",
    [
        {"intent": "close", "fraction": 1.0},
        {"intent": "close", "fraction": 0.0},
        {"intent": "close", "fraction": -0.5},
        {"intent": "close", "fraction": float("nan")},
        {"intent": "open", "risk_percent": 0.0},
        {"intent": "open", "risk_percent": 101.0},
        {"intent": "modify", "sl_shift_pips": 0.0},
        {"intent": "modify", "tp_shift_pips": float("inf")},
        {"intent": "modify", "trailing_pips": 0.0},
        {"intent": "modify", "trailing_pips": -5.0},
        {"intent": "modify", "breakeven": False},
        {"intent": "indicator", "indicator": "RSI", "length": 1},
        {"intent": "indicator", "indicator": "RSI", "length": 14.5},
        {"intent": "indicator", "indicator": "STOCH"},
        {"intent": "chart", "timeframe": "H2"},
        {"intent": "chart", "timeframe": "h1"},
    ],
)
def test_values_outside_the_contract_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Intent(**data)


@pytest.mark.parametrize(
    "data",
    [
        {"intent": "open", "fraction": 0.5},
        {"intent": "close", "risk_percent": 1.0},
        {"intent": "orders", "side": "buy"},
        {"intent": "chart", "indicator": "RSI"},
        {"intent": "alert", "volume": 0.1},
        {"intent": "subscribe", "period": "today"},
        {"intent": "symbol_info", "timeframe": "H1"},
        {"intent": "history", "kind": "daily"},
        {"intent": "levels", "indicator": "RSI"},
    ],
)
def test_a_key_outside_its_intents_row_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Intent(**data)


def test_every_intent_of_the_contract_has_a_row() -> None:
    assert set(ALLOWED_KEYS) == {
        "open", "close", "modify", "cancel", "positions", "orders", "pnl", "account", "quote",
        "report", "help", "chart", "indicator", "symbol_info", "history", "alert", "subscribe",
        "unsubscribe", "unknown", "levels",
    }  # fmt: skip


def test_an_integral_float_length_becomes_an_int() -> None:
    assert Intent(intent="indicator", indicator="MA", length=20.0).length == 20
