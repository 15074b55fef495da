"""A trade server that offers market depth: the paper terminal (which offers none, like many
brokers) with market_book_add/get/release answering as the real MetaTrader5 package does."""

from __future__ import annotations

from typing import Any, NamedTuple

from broker.paper import PaperTerminal


class BookInfo(NamedTuple):  # the real package's struct: type, price, volume, volume_dbl
    type: int
    price: float
    volume: int
    volume_dbl: float


class DepthTerminal:
    """The paper terminal behind a server that does offer depth for XAUUSD: the book's
    first read after a subscription is empty, as a real terminal's is before its first
    depth snapshot arrives."""

    def __init__(self, term: PaperTerminal, rows: tuple[BookInfo, ...]) -> None:
        self._term = term
        self._rows = rows
        self.subscribed: set[str] = set()
        self.reads = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._term, name)

    def market_book_add(self, symbol: str) -> bool:
        self.subscribed.add(symbol)
        return True

    def market_book_get(self, symbol: str) -> tuple[BookInfo, ...] | None:
        if symbol not in self.subscribed:
            return None
        self.reads += 1
        return () if self.reads == 1 else self._rows

    def market_book_release(self, symbol: str) -> bool:
        self.subscribed.discard(symbol)
        return True


ROWS = (
    BookInfo(1, 2650.40, 0, 3.0),  # asks
    BookInfo(1, 2650.20, 0, 1.5),
    BookInfo(2, 2650.00, 0, 2.0),  # bids
    BookInfo(2, 2649.80, 0, 6.5),
    BookInfo(4, 2649.70, 0, 0.5),  # a market buy order in the book
)
