"""What one pip is per symbol: the [trade.pip_size] table first, then the symbol's class —
FX 0.0001, JPY-quoted pairs 0.01, gold 0.1, silver 0.001, oil 0.01, indices and crypto 1 — and
for anything else ten points of a fractional-pip quote."""

from __future__ import annotations

import pytest

from broker.models import SymbolSpec
from handlers.config import DEFAULT_PIP_SIZES
from handlers.pips import pip_size, shifted


def spec(symbol: str, digits: int, base: str = "", quote: str = "USD") -> SymbolSpec:
    return SymbolSpec(
        symbol=symbol, broker_symbol=symbol, description="", digits=digits,
        point=10.0**-digits, contract_size=1.0, volume_min=0.01, volume_max=100.0,
        volume_step=0.01, stops_level=0, filling_mode=1, currency_base=base,
        currency_profit=quote, currency_margin=base, tick_size=10.0**-digits, tick_value=1.0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("s", "pip"),
    [
        (spec("EURUSD", 5, "EUR"), 0.0001),
        (spec("GBPUSD", 5, "GBP"), 0.0001),
        (spec("USDJPY", 3, "USD", "JPY"), 0.01),
        (spec("EURJPY", 3, "EUR", "JPY"), 0.01),
        (spec("XAUUSD", 2, "XAU"), 0.1),
        (spec("XAGUSD", 3, "XAG"), 0.001),
        (spec("USOIL", 2), 0.01),
        (spec("UKOIL", 2), 0.01),
        (spec("BTCUSD", 2, "BTC"), 1.0),
        (spec("NAS100", 2), 1.0),
        (spec("GER40", 1, "", "EUR"), 1.0),
        (spec("COPPER", 5), 0.0001),
        (spec("WHEAT", 4), 0.0001),
    ],
)
def test_pip_sizes_by_table_and_class(s: SymbolSpec, pip: float) -> None:
    assert pip_size(s, DEFAULT_PIP_SIZES) == pip
    assert pip_size(s, {}) == pip  # the class rules agree with the shipped table


def test_the_table_wins_over_the_class() -> None:
    assert pip_size(spec("XAUUSD", 2, "XAU"), {"XAUUSD": 0.01}) == 0.01
    assert pip_size(spec("EURUSD", 5, "EUR"), {"EURUSD": 0.001}) == 0.001


def test_a_shift_lands_on_the_symbols_digits() -> None:
    assert shifted(1.075, 20, 0.0001, 5) == 1.077
    assert shifted(151.0, -30, 0.01, 3) == 150.7
    assert shifted(2700.0, -30, 0.1, 2) == 2697.0
