"""`Broker.market_book`: the order book through market_book_add/get/release, or None where the
broker offers no depth (the paper terminal, like many retail brokers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from broker.errors import SymbolNotFound
from broker.models import BookLevel
from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from tests.fakes.depth import ROWS, DepthTerminal
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, Recorder


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
