"""`Broker.market_book`: the order book through market_book_add/get/release, or None where the
broker offers no depth (the paper terminal, like many retail brokers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple

import pytest

from broker.errors import SymbolNotFound
from broker.models import BookLevel
from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, Recorder


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


@pytest.fixture
def term() -> Iterator[PaperTerminal]:
    t = PaperTerminal(None, clock=Clock(T0.timestamp()), server_utc_offset_hours=2)
    t.set_price("XAUUSD", 2650.0, 2650.15)
    yield t
    t.close()


@pytest.fixture
async def paper_broker(term: PaperTerminal) -> AsyncIterator[MT5Broker]:
    b = MT5Broker(Recorder(term), magic=MAGIC, clock=Clock(T0.timestamp()))
    await b.connect()
    yield b
    await b.close()


async def test_the_paper_terminal_offers_no_depth(paper_broker: MT5Broker) -> None:
    assert await paper_broker.market_book("XAUUSD") is None


async def test_an_unknown_symbol_is_refused_by_name(paper_broker: MT5Broker) -> None:
    with pytest.raises(SymbolNotFound):
        await paper_broker.market_book("NOSUCH")


async def test_a_broker_with_depth_gives_levels_highest_price_first(term: PaperTerminal) -> None:
    api = DepthTerminal(term, ROWS)
    b = MT5Broker(api, magic=MAGIC, clock=Clock(T0.timestamp()))
    naps: list[float] = []
    b.session.book_sleep = naps.append  # the worker's pause between reads, without waiting
    await b.connect()
    try:
        book = await b.market_book("XAUUSD")
    finally:
        await b.close()
    assert book == [
        BookLevel(2650.40, 3.0, "sell"),
        BookLevel(2650.20, 1.5, "sell"),
        BookLevel(2650.00, 2.0, "buy"),
        BookLevel(2649.80, 6.5, "buy"),
        BookLevel(2649.70, 0.5, "buy"),
    ]
    assert len(naps) == 1  # the empty first read was tried again once
    assert api.subscribed == set()  # released after reading
