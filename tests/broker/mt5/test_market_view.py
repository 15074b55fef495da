"""`MT5Broker.market_view`: everything a preview needs in ONE worker job — account, positions,
each symbol's spec and tick, orders when asked — and the planner builds every kind of plan from
that one job. Counted at the terminal (the `Recorder` around the paper terminal records every
API call) and in worker jobs (`MT5Broker.worker_jobs`). The planner's use of it:
tests/handlers/test_preview_hops.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from tests.fakes.mt5_fakes import Recorder
from tests.fakes.paper_helpers import Clock

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def term() -> Iterator[PaperTerminal]:
    t = PaperTerminal(None, clock=Clock(T0.timestamp()), server_utc_offset_hours=2)
    t.set_price("XAUUSD", 2650.0, 2650.2)
    t.set_price("EURUSD", 1.08, 1.08003)
    yield t
    t.close()


@pytest.fixture
def rec(term: PaperTerminal) -> Recorder:
    return Recorder(term)


@pytest.fixture
async def broker(rec: Recorder) -> AsyncIterator[MT5Broker]:
    b = MT5Broker(rec, server_utc_offset_hours=2, clock=lambda: T0.timestamp())
    await b.connect()
    yield b
    await b.close()


def calls_since(rec: Recorder, start: int) -> Counter[str]:
    return Counter(name for name, _, _ in rec.calls[start:])


async def test_one_job_reads_account_positions_spec_and_tick_once_each(
    broker: MT5Broker, rec: Recorder
) -> None:
    await broker.open_market("XAUUSD", "buy", 0.01)
    jobs, start = broker.worker_jobs, len(rec.calls)
    view = await broker.market_view(["XAUUSD"])
    assert broker.worker_jobs - jobs == 1
    assert calls_since(rec, start) == Counter(
        {"account_info": 1, "positions_get": 1, "symbol_info": 1, "symbol_info_tick": 1}
    )
    assert view.account.balance > 0
    assert [p.symbol for p in view.positions] == ["XAUUSD"]
    assert view.quotes["XAUUSD"].bid == 2650.0
    assert view.quotes["XAUUSD"].day_open is None  # no D1 read for a preview
    assert view.specs["XAUUSD"].volume_step == 0.01
    assert view.orders is None


async def test_orders_and_the_symbols_held_come_in_the_same_job(
    broker: MT5Broker, rec: Recorder
) -> None:
    await broker.open_market("XAUUSD", "buy", 0.01)
    await broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.07)
    jobs, start = broker.worker_jobs, len(rec.calls)
    view = await broker.market_view((), orders=True, held=True)
    assert broker.worker_jobs - jobs == 1
    assert calls_since(rec, start)["orders_get"] == 1
    assert set(view.specs) == set(view.quotes) == {"XAUUSD", "EURUSD"}
    assert [o.symbol for o in view.orders or ()] == ["EURUSD"]
