"""Controls of the simulation, for tests, the demo seeder and benchmarks (not MT5 functions):
pin prices, close a market, drop the trade-server connection, switch Algo Trading off,
deposit/withdraw, replace the clock, batch many calls into one transaction, bulk-load deals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from broker.paper.constants import MT5Constants as c
from broker.paper.ledger import Quote
from broker.paper.orders import TradeServer
from broker.paper.store import deal_table


class SimulationControls(TradeServer):
    def set_price(self, symbol: str, bid: float, ask: float | None = None) -> None:
        """Pin the quote of `symbol` (until `release_price`); ask defaults to bid + spread."""
        with self._lock:
            self._quotes.pop(symbol, None)
            self._memo.clear()
            spec = self._specs[symbol]
            if ask is None:
                ask = bid + spec.spread_points * spec.point
            self._pinned[symbol] = Quote(round(bid, spec.digits), round(ask, spec.digits))

    def release_price(self, symbol: str) -> None:
        with self._lock:
            self._quotes.pop(symbol, None)
            self._memo.clear()
            self._pinned.pop(symbol, None)

    def set_market_closed(self, symbol: str, closed: bool = True) -> None:
        """Trading requests on `symbol` get 10018 while closed (quotes keep coming)."""
        with self._lock:
            if closed:
                self._closed_markets.add(symbol)
            else:
                self._closed_markets.discard(symbol)

    def set_connected(self, connected: bool) -> None:
        """Simulate the terminal losing its trade server: trading gets 10031."""
        with self._lock:
            self._connected = connected

    def set_algo_trading(self, enabled: bool) -> None:
        """Simulate the Algo Trading button: trading gets 10027 when off."""
        with self._lock:
            self._algo_trading = enabled

    def deposit(self, amount: float, comment: str = "") -> int:
        """A balance operation (deposit > 0, withdrawal < 0); returns the deal ticket."""
        with self._lock, self._store.tx():
            self._now = self._clock()
            text = comment or ("Deposit" if amount >= 0 else "Withdrawal")
            return int(self._balance_deal(amount, text).ticket)

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Replace the clock (UTC epoch seconds); used to simulate time."""
        with self._lock:
            self._clock = clock

    def has_trading_history(self) -> bool:
        """True once the account has traded (any deal other than balance/credit, any order)."""
        with self._lock:
            return bool(
                self._positions
                or self._orders
                or self._order_book.count() > 0
                or self._deal_book.exists_outside("type", (c.DEAL_TYPE_BALANCE, c.DEAL_TYPE_CREDIT))
            )

    def reset_balance_history(self) -> float:
        """Forget the balance operations of an account that never traded (so that seeded
        history can start with its own deposit); returns the amount they added up to."""
        with self._lock, self._store.tx():
            if self.has_trading_history():
                raise ValueError("the paper account already has trading history")
            total = round(self._deal_book.total("profit"), 2)
            self._store.clear_history()
            self._now = self._clock()
            self._acct["balance"] = 0.0
            self._acct["rollover_day"] = self._server_day()
            self._save_account()
            return total

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many calls into one database transaction (seeding, benchmarks)."""
        with self._lock, self._store.tx():
            yield

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def suffix(self) -> str:
        return self._suffix

    def bulk_insert_deals(self, deals: list[dict[str, Any]]) -> None:
        """Append already-formed closed deals (fields of TradeDeal, tickets assigned here) and
        apply their net to the balance. For benchmarks and fixtures; not an MT5 function."""
        with self._lock, self._store.tx():
            rows = []
            for d in deals:
                values = dict(d)
                values["ticket"] = self._next("next_deal")
                rows.append(values)
                self._acct["balance"] += (
                    values["profit"] + values["commission"] + values["swap"] + values["fee"]
                )
            self._acct["balance"] = round(self._acct["balance"], 2)
            self._store.insert(deal_table, rows)
            self._save_account()
