"""Seed a paper account with the history of a few hedging/grid EAs, so reports have content.

The EAs trade through the terminal's own `order_send` while the terminal's clock is moved
through the past `days`: every deal, commission, swap, SL/TP close and margin figure is made
by the same code that serves live requests, so the seeded history is self-consistent (the
balance is exactly the sum of the deals).

- magic 1001 "Grid" (XAUUSD, EURUSD): a buy grid and a sell grid, adding levels as price
  moves against each side and closing a side's basket at its profit target (partial closes
  when a basket is half-way there).
- magic 2002 "Hedge" (XAUUSD, GBPUSD, USDJPY): a buy and a sell with take-profits; the side
  that hits TP is re-opened, the losing side is trimmed with partial closes.
- magic 3003 "Trend" (BTCUSD): one position at a time in the direction of the 20-hour
  average, with SL and TP.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from broker.paper.constants import MT5Constants as c
from broker.paper.terminal import PaperTerminal

STEP_S = 900  # EAs look at the market every 15 minutes

GRID_MAGIC = 1001
HEDGE_MAGIC = 2002
TREND_MAGIC = 3003


@dataclass(frozen=True, slots=True)
class DemoSummary:
    deals: int
    open_positions: int
    balance: float
    equity: float


@dataclass(frozen=True, slots=True)
class _GridCfg:
    symbol: str
    step: float  # price distance between levels
    lots: tuple[float, ...]
    target: float  # basket profit target, USD
    max_loss: float  # basket stop, USD


@dataclass(frozen=True, slots=True)
class _HedgeCfg:
    symbol: str
    lot: float
    tp: float  # price distance
    trim_loss: float  # USD loss of the losing leg that triggers a partial close


GRIDS = (
    _GridCfg("XAUUSD", 8.0, (0.01, 0.01, 0.02, 0.03, 0.05, 0.08), 12.0, 450.0),
    _GridCfg("EURUSD", 0.0030, (0.03, 0.03, 0.06, 0.09, 0.15, 0.24), 15.0, 450.0),
)
HEDGES = (
    _HedgeCfg("XAUUSD", 0.02, 14.0, 40.0),
    _HedgeCfg("GBPUSD", 0.10, 0.0035, 45.0),
    _HedgeCfg("USDJPY", 0.10, 0.45, 45.0),
)
TREND_SYMBOL = "BTCUSD"


class DemoHistoryExists(Exception):
    """The account has traded already; demo history is only for a fresh account."""


class _Sim:
    def __init__(self, term: PaperTerminal, rng: random.Random) -> None:
        self.t = term
        self.rng = rng
        self.sx = term.suffix
        self.fillings: dict[str, int] = {}
        self.digit_cache: dict[str, int] = {}

    def name(self, symbol: str) -> str:
        return symbol + self.sx

    def digits(self, name: str) -> int:
        if name not in self.digit_cache:
            info = self.t.symbol_info(name)
            self.digit_cache[name] = int(info.digits) if info is not None else 2
        return self.digit_cache[name]

    def filling(self, name: str) -> int:
        if name not in self.fillings:
            info = self.t.symbol_info(name)
            mask = int(info.filling_mode) if info is not None else 1
            self.fillings[name] = (
                c.ORDER_FILLING_FOK
                if mask & 1
                else c.ORDER_FILLING_IOC
                if mask & 2
                else c.ORDER_FILLING_RETURN
            )
        return self.fillings[name]

    def send(
        self,
        name: str,
        otype: int,
        volume: float,
        magic: int,
        comment: str,
        *,
        position: int = 0,
        sl: float = 0.0,
        tp: float = 0.0,
    ) -> Any:
        request = {
            "action": c.TRADE_ACTION_DEAL,
            "symbol": name,
            "volume": float(round(volume, 2)),
            "type": otype,
            "type_filling": self.filling(name),
            "magic": magic,
            "comment": comment,
            "position": position,
            "sl": sl,
            "tp": tp,
            "deviation": 50,
        }
        result = self.t.order_send(request)
        if result is None or result.retcode != c.TRADE_RETCODE_DONE:
            return None
        return result

    # --- the EAs -------------------------------------------------------------------------
    def grid(self, cfg: _GridCfg, positions: list[Any]) -> None:
        name = self.name(cfg.symbol)
        tick = self.t.symbol_info_tick(name)
        if tick is None:
            return
        for side in (c.POSITION_TYPE_BUY, c.POSITION_TYPE_SELL):
            mine = [
                p
                for p in positions
                if p.magic == GRID_MAGIC and p.symbol == name and p.type == side
            ]
            tag = "B" if side == c.POSITION_TYPE_BUY else "S"
            close_type = 1 - side
            if not mine:
                self.send(name, side, cfg.lots[0], GRID_MAGIC, f"grid {tag}1")
                continue
            basket = sum(p.profit + p.swap for p in mine)
            if basket >= cfg.target or basket <= -cfg.max_loss:
                why = "tp" if basket > 0 else "stop"
                for p in mine:
                    self.send(
                        name, close_type, p.volume, GRID_MAGIC, f"grid {why}", position=p.ticket
                    )
                continue
            biggest = max(mine, key=lambda p: p.volume)
            if (
                basket >= cfg.target * 0.6
                and biggest.volume >= 0.02
                and len(mine) >= 3
                and self.rng.random() < 0.5
            ):
                half = round(biggest.volume / 2, 2)
                self.send(
                    name, close_type, half, GRID_MAGIC, "grid partial", position=biggest.ticket
                )
                continue
            last = max(mine, key=lambda p: p.time_msc)
            price = tick.ask if side == c.POSITION_TYPE_BUY else tick.bid
            adverse = (
                last.price_open - price if side == c.POSITION_TYPE_BUY else price - last.price_open
            )
            if adverse >= cfg.step and len(mine) < len(cfg.lots):
                level = len(mine) + 1
                self.send(name, side, cfg.lots[level - 1], GRID_MAGIC, f"grid {tag}{level}")

    def hedge(self, cfg: _HedgeCfg, positions: list[Any]) -> None:
        name = self.name(cfg.symbol)
        tick = self.t.symbol_info_tick(name)
        if tick is None:
            return
        digits = self.digits(name)
        mine = [p for p in positions if p.magic == HEDGE_MAGIC and p.symbol == name]
        for side in (c.POSITION_TYPE_BUY, c.POSITION_TYPE_SELL):
            legs = [p for p in mine if p.type == side]
            if not legs:
                if side == c.POSITION_TYPE_BUY:
                    tp = round(tick.ask + cfg.tp, digits)
                else:
                    tp = round(tick.bid - cfg.tp, digits)
                label = "buy" if side == c.POSITION_TYPE_BUY else "sell"
                self.send(name, side, cfg.lot, HEDGE_MAGIC, f"hedge {label}", tp=tp)
                continue
            worst = min(legs, key=lambda p: p.profit)
            if (
                worst.profit <= -cfg.trim_loss
                and worst.volume >= cfg.lot
                and self.rng.random() < 0.2
            ):
                part = round(worst.volume / 2, 2)
                if part >= 0.01:
                    self.send(
                        name, 1 - side, part, HEDGE_MAGIC, "hedge trim", position=worst.ticket
                    )

    def trend(self, positions: list[Any], hour_mark: bool) -> None:
        if not hour_mark:
            return
        name = self.name(TREND_SYMBOL)
        if any(p.magic == TREND_MAGIC for p in positions):
            return
        rates = self.t.copy_rates_from_pos(name, c.TIMEFRAME_H1, 1, 20)
        tick = self.t.symbol_info_tick(name)
        if rates is None or tick is None or len(rates) < 20:
            return
        closes = [float(r[4]) for r in rates]
        sma = sum(closes) / len(closes)
        if self.rng.random() < 0.5:
            return  # not every signal is taken
        if tick.bid > sma:
            self.send(name, c.ORDER_TYPE_BUY, 0.03, TREND_MAGIC, "trend long",
                      sl=round(tick.ask * 0.98, 2), tp=round(tick.ask * 1.03, 2))  # fmt: skip
        else:
            self.send(name, c.ORDER_TYPE_SELL, 0.03, TREND_MAGIC, "trend short",
                      sl=round(tick.bid * 1.02, 2), tp=round(tick.bid * 0.97, 2))  # fmt: skip


def seed_demo_history(terminal: PaperTerminal, days: int, seed: int = 7) -> DemoSummary:
    """Fill a fresh paper account with `days` of EA history ending now (see module doc).

    Raises `DemoHistoryExists` if the account has traded already."""
    if days <= 0:
        raise ValueError("days must be positive")
    if terminal.has_trading_history():
        raise DemoHistoryExists("the paper account already has trading history")
    real_clock = terminal._clock
    end = real_clock()
    start = end - days * 86_400
    now = [start]
    # Simulated EA history: a seeded, reproducible pseudo-random walk, not a secret.
    rng = random.Random(seed)  # noqa: S311
    was_initialized = terminal._initialized
    terminal.set_clock(lambda: now[0])
    try:
        with terminal.batch():
            deposit = terminal.reset_balance_history() or 10_000.0
            terminal.initialize()
            terminal.deposit(deposit, "Deposit")
            sim = _Sim(terminal, rng)
            for sym in ("XAUUSD", "EURUSD", "GBPUSD", "USDJPY", "BTCUSD"):
                terminal.symbol_select(sim.name(sym), True)
            withdrawal_at = start + days * 86_400 * 2 / 3
            withdrew = False
            step = 0
            while now[0] < end:
                server = now[0] + terminal._offset
                weekday = (int(server // 86_400) + 3) % 7
                if not withdrew and now[0] >= withdrawal_at:
                    terminal.deposit(-round(deposit * 0.05, 2), "Withdrawal")
                    withdrew = True
                positions = list(terminal.positions_get() or ())
                if weekday < 5:
                    for grid in GRIDS:
                        sim.grid(grid, positions)
                    for hedge in HEDGES:
                        sim.hedge(hedge, positions)
                sim.trend(positions, hour_mark=step % 4 == 0)
                step += 1
                now[0] = min(end, now[0] + STEP_S + rng.randint(-120, 120))
                if now[0] >= end:
                    break
            now[0] = end
            if terminal._acct["hedging"]:
                _ensure_both_sides(sim)
    finally:
        terminal.set_clock(real_clock)
        if not was_initialized:
            terminal.shutdown()
    info = terminal.account_info() if terminal._initialized else None
    with terminal._lock:
        balance = float(terminal._acct["balance"])
        equity = float(info.equity) if info is not None else terminal._equity()
        return DemoSummary(terminal._deal_book.count(), len(terminal._positions), balance, equity)


def _ensure_both_sides(sim: _Sim) -> None:
    """Leave each EA symbol with positions on both sides, so hedging summaries have content."""
    positions = list(sim.t.positions_get() or ())
    wanted = [(GRID_MAGIC, g.symbol, g.lots[0], "grid") for g in GRIDS]
    wanted += [(HEDGE_MAGIC, h.symbol, h.lot, "hedge") for h in HEDGES]
    for magic, symbol, lot, label in wanted:
        name = sim.name(symbol)
        for side in (c.POSITION_TYPE_BUY, c.POSITION_TYPE_SELL):
            if not any(p.magic == magic and p.symbol == name and p.type == side for p in positions):
                word = "buy" if side == c.POSITION_TYPE_BUY else "sell"
                sim.send(name, side, lot, magic, f"{label} {word}")
