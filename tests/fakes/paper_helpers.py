"""Shared fixtures for the paper-terminal tests: a settable clock and a fresh terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from broker.paper import PaperTerminal

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp()  # Tuesday 12:00 UTC, 14:00 server


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def make_terminal(clock: Clock, path: Path | None = None, **kwargs: object) -> PaperTerminal:
    term = PaperTerminal(path, clock=clock, **kwargs)  # type: ignore[arg-type]
    assert term.initialize()
    return term


def market(
    term: PaperTerminal,
    symbol: str,
    otype: int,
    volume: float,
    *,
    filling: int | None = None,
    **extra: object,
) -> object:
    """order_send of a TRADE_ACTION_DEAL with the filling mode the symbol allows."""
    if filling is None:
        info = term.symbol_info(symbol)
        assert info is not None
        filling = term.ORDER_FILLING_FOK if info.filling_mode & 1 else term.ORDER_FILLING_IOC
    request = {
        "action": term.TRADE_ACTION_DEAL,
        "symbol": symbol,
        "volume": volume,
        "type": otype,
        "type_filling": filling,
        **extra,
    }
    return term.order_send(request)
