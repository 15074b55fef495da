"""What "20点" / "20 pips" means on a symbol: the pip size, from `[trade.pip_size]` first, then
by the symbol's class — traders count gold in 0.1s, JPY pairs in 0.01s and other FX pairs in
0.0001s, whatever the broker's `point` (often a tenth of that) says."""

from __future__ import annotations

from collections.abc import Mapping

from broker.models import SymbolSpec

FX_PIP = 0.0001
JPY_PIP = 0.01
_METALS = {"XAU": 0.1, "XAG": 0.001}
_OIL_WORDS = ("OIL", "WTI", "BRENT")
_WHOLE_UNITS = ("BTC", "ETH")  # crypto moves in whole dollars


def _is_fx(spec: SymbolSpec) -> bool:
    base, quote = spec.currency_base, spec.currency_profit
    return len(base) == 3 and len(quote) == 3 and base != quote and spec.symbol == base + quote


def pip_size(spec: SymbolSpec, table: Mapping[str, float]) -> float:
    """The price distance of one pip on `spec`'s symbol."""
    listed = table.get(spec.symbol)
    if listed is not None and listed > 0:
        return float(listed)
    symbol = spec.symbol.upper()
    for prefix, size in _METALS.items():
        if symbol.startswith(prefix):
            return size
    if any(word in symbol for word in _OIL_WORDS):
        return 0.01
    if symbol.startswith(_WHOLE_UNITS):
        return 1.0
    if _is_fx(spec):
        return JPY_PIP if spec.currency_profit == "JPY" else FX_PIP
    if spec.digits <= 2:  # an index or a share CFD: points are whole units of price
        return 1.0
    # anything else: a fractional-pip quote (5 or 3 digits) counts a pip as ten points
    return spec.point * 10 if spec.digits in (3, 5) else spec.point


def shifted(price: float, pips: float, size: float, digits: int) -> float:
    """`price` moved by `pips` (signed) of `size`, at the symbol's digits."""
    return round(price + pips * size, digits)
