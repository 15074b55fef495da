"""Canonical symbol names (EURUSD, XAUUSD, US30 …) ↔ the broker's own names.

Brokers decorate names with suffixes (`XAUUSD.m`, `XAUUSDm`, `EURUSD.pro`, `EURUSD_i`), prefixes
(`#US30`) and use aliases (`GOLD`, `USTEC`). `SymbolMapper` matches a canonical name against the
terminal's symbol list (from `symbols_get`), with explicit overrides from settings winning.

Also here: `normalize_volume`, the one volume rule shared by the adapter and the preview:
a volume that is not a multiple of the symbol's step is **rounded down** to the step (never up:
the user never trades more than they asked), then refused if it is below the minimum or above
the maximum (never clamped up to the minimum).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from broker.models import Note

# Alias → canonical. Canonical names are the ones the rest of the project uses.
ALIASES: dict[str, str] = {
    "GOLD": "XAUUSD",
    "SILVER": "XAGUSD",
    "XAUUSD": "XAUUSD",
    "USTEC": "NAS100",
    "US100": "NAS100",
    "NDX100": "NAS100",
    "NAS100": "NAS100",
    "NASDAQ": "NAS100",
    "DJ30": "US30",
    "WS30": "US30",
    "DOW30": "US30",
    "US30": "US30",
    "US500": "SPX500",
    "SP500": "SPX500",
    "SPX500": "SPX500",
    "DE40": "GER40",
    "DAX40": "GER40",
    "GER30": "GER40",
    "DE30": "GER40",
    "GER40": "GER40",
    "FTSE100": "UK100",
    "UK100": "UK100",
    "WTI": "USOIL",
    "XTIUSD": "USOIL",
    "USOIL": "USOIL",
    "BRENT": "UKOIL",
    "XBRUSD": "UKOIL",
    "UKOIL": "UKOIL",
    "BITCOIN": "BTCUSD",
}

# Three-letter codes that make up six-letter pair names (currencies, metals, crypto).
_CODES = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
        "AUD",
        "NZD",
        "CAD",
        "CNH",
        "CNY",
        "HKD",
        "SGD",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "HUF",
        "CZK",
        "TRY",
        "ZAR",
        "MXN",
        "RUB",
        "ILS",
        "THB",
        "INR",
        "KRW",
        "TWD",
        "BRL",
        "XAU",
        "XAG",
        "XPT",
        "XPD",
        "BTC",
        "ETH",
        "LTC",
        "XRP",
        "BCH",
        "SOL",
        "ADA",
        "DOT",
    ]
)
_SEPARATORS = re.compile(r"[.\-_#!+$@/ ,]")
_TRAILING_LOWER = re.compile(r"[a-z]+$")


def canonical_name(broker_name: str) -> str:
    """Best-effort canonical name of a broker symbol: `XAUUSD.m` → XAUUSD, `XAUUSDm` → XAUUSD,
    `GOLD` → XAUUSD, `#US30.cash` → US30, `NAS100m` → NAS100. Unknown names come back
    upper-cased without their suffix."""
    name = broker_name.strip()
    if not name:
        return ""
    head = name[:6].upper()
    if len(name) >= 6 and head[:3] in _CODES and head[3:] in _CODES:
        rest = name[6:]
        # `XAUUSD`, `XAUUSD.m`, `XAUUSDm`, `EURUSD_i`, `EURUSDpro` — but not e.g. `EURUSDT`.
        if not rest or _SEPARATORS.match(rest) or rest.islower():
            return head
    parts = [p for p in _SEPARATORS.split(name) if p]
    base = parts[0] if parts else name
    base = _TRAILING_LOWER.sub("", base) or base
    base = base.upper()
    return ALIASES.get(base, base)


@dataclass(frozen=True, slots=True)
class BrokerSymbol:
    """What the mapper needs to know about one symbol of the terminal."""

    name: str
    visible: bool = True
    trade_mode: int = 4  # SYMBOL_TRADE_MODE_FULL; 0 = disabled


class SymbolMapper:
    """Resolves a user's symbol (canonical or broker spelling) to the terminal's name.

    `overrides` is `{canonical: broker_name}` from settings (`[broker] symbol_map`) and always
    wins. Otherwise a symbol whose canonical name matches is chosen, preferring a tradable one,
    then one already in Market Watch, then the exact canonical spelling, then the shortest name.
    """

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self._overrides = {k.strip().upper(): v.strip() for k, v in (overrides or {}).items()}
        self._reverse = {v.upper(): k for k, v in self._overrides.items()}
        self._symbols: dict[str, BrokerSymbol] = {}
        self._by_upper: dict[str, str] = {}
        self._by_canonical: dict[str, list[BrokerSymbol]] = {}

    @property
    def loaded(self) -> bool:
        return bool(self._symbols)

    def load(self, symbols: Iterable[BrokerSymbol]) -> None:
        self._symbols = {s.name: s for s in symbols}
        self._by_upper = {name.upper(): name for name in self._symbols}
        by_canonical: dict[str, list[BrokerSymbol]] = {}
        for s in self._symbols.values():
            by_canonical.setdefault(self.canonical(s.name), []).append(s)
        self._by_canonical = by_canonical

    def names(self) -> list[str]:
        return list(self._symbols)

    def canonical(self, broker_name: str) -> str:
        """The project's name for a broker symbol (overrides first, then the heuristics)."""
        if not broker_name:
            return ""
        override = self._reverse.get(broker_name.upper())
        return override if override is not None else canonical_name(broker_name)

    def resolve(self, symbol: str) -> str | None:
        """The terminal's name for `symbol`, or None when the terminal has nothing like it."""
        wanted = symbol.strip()
        if not wanted:
            return None
        key = wanted.upper()
        override = self._overrides.get(key) or self._overrides.get(canonical_name(wanted))
        if override is not None:
            if not self._symbols:
                return override
            return self._by_upper.get(override.upper())
        # The user (or a stored plan) named the broker's symbol exactly.
        exact = self._symbols.get(wanted) or self._symbols.get(self._by_upper.get(key, ""))
        if exact is not None and exact.trade_mode != 0:
            return exact.name
        canon = canonical_name(wanted)
        candidates = self._by_canonical.get(canon, [])
        if not candidates:
            return exact.name if exact is not None else None
        best = min(
            candidates,
            key=lambda s: (s.trade_mode == 0, not s.visible, s.name.upper() != canon, len(s.name)),
        )
        return best.name


@dataclass(frozen=True, slots=True)
class VolumeCheck:
    ok: bool
    volume: float  # the volume to send (rounded down to the step) when ok
    # why it was refused (worded by handlers): "volume_not_positive" {volume},
    # "volume_below_min" {symbol, volume, min}, "volume_above_max" {symbol, volume, max}
    note: Note | None = None


def step_decimals(step: float) -> int:
    """Decimal places of a volume step (0.01 → 2, 0.1 → 1, 1 → 0)."""
    if step <= 0:
        return 2
    return max(0, min(8, -math.floor(math.log10(step) + 1e-9)))


def fmt_volume(volume: float) -> str:
    return f"{volume:.8f}".rstrip("0").rstrip(".") or "0"


def normalize_volume(
    symbol: str, volume: float, volume_min: float, volume_max: float, volume_step: float
) -> VolumeCheck:
    """Round `volume` down to `volume_step`; refuse it below `volume_min` or above `volume_max`."""
    if not math.isfinite(volume) or volume <= 0:
        return VolumeCheck(False, 0.0, Note("volume_not_positive", {"volume": volume}))
    step = volume_step if volume_step > 0 else 0.01
    # 1e-7 tolerance: 0.03 may arrive as 0.029999999999999999 and must stay 0.03.
    steps = math.floor(volume / step + 1e-7)
    rounded = round(steps * step, step_decimals(step))
    limits = {"symbol": symbol, "volume": volume}
    if rounded < volume_min - 1e-9 or rounded <= 0:
        return VolumeCheck(False, 0.0, Note("volume_below_min", {**limits, "min": volume_min}))
    if volume_max > 0 and rounded > volume_max + 1e-9:
        return VolumeCheck(False, 0.0, Note("volume_above_max", {**limits, "max": volume_max}))
    return VolumeCheck(True, float(rounded))
