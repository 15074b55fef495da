"""`MT5Broker.deal_columns`: the deals of `MT5Broker.deals` as columns, read in chunks — the
same tickets, times, codes and amounts, whatever the chunk size or the shape of the rows."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from broker.columns import DealColumns
from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from tests.fakes.mt5_fakes import T0, Clock, Recorder, Struct

SERVER_OFFSET_S = 2 * 3600
FIELDS = ("ticket", "position_id", "time_us", "type", "entry", "volume", "profit",
          "commission", "swap", "fee", "magic")  # fmt: skip


def _random_rows(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """Deals of every kind (trades in/out/inout/out_by, balance, credit, a charge), on three
    symbols, over the 10 days before T0, handed to the terminal in no particular order."""
    end = int(T0.timestamp()) + SERVER_OFFSET_S
    rows = []
    for i in range(n):
        t = end - rng.randrange(10 * 86_400)
        kind = rng.choice([0, 0, 1, 1, 2, 3, 4])  # buy, sell, balance, credit, charge
        trade = kind in (0, 1)
        rows.append(
            {
                "order": 1000 + i, "time": t, "time_msc": t * 1000 + rng.randrange(1000),
                "type": kind, "entry": rng.choice([0, 1, 2, 3]) if trade else 0,
                "magic": rng.choice([0, 11, 22]), "position_id": 500 + i // 2 if trade else 0,
                "reason": 3, "volume": round(rng.uniform(0.01, 2), 2), "price": 1.1,
                "commission": -round(rng.uniform(0, 3), 2), "swap": round(rng.uniform(-2, 1), 2),
                "profit": round(rng.uniform(-500, 500), 2), "fee": -round(rng.uniform(0, 1), 2),
                "symbol": rng.choice(["EURUSD", "XAUUSD", "GBPUSD"]) if trade else "",
                "comment": f"note {i}", "external_id": "",
            }
        )  # fmt: skip
    return rows


@pytest.fixture
async def setup() -> AsyncIterator[tuple[MT5Broker, Recorder]]:
    clock = Clock(T0.timestamp())
    term = PaperTerminal(None, clock=clock, server_utc_offset_hours=2)
    term.bulk_insert_deals(_random_rows(400, random.Random(5)))
    rec = Recorder(term)
    broker = MT5Broker(rec, server_utc_offset_hours=2, clock=clock)
    await broker.connect()
    yield broker, rec
    await broker.close()
    term.close()


def _same(cols: DealColumns, want: DealColumns) -> None:
    for name in FIELDS:
        assert getattr(cols, name).tolist() == getattr(want, name).tolist(), name
    got_names = [(cols.symbols[c], cols.broker_symbols[c]) for c in cols.symbol.tolist()]
    want_names = [(want.symbols[c], want.broker_symbols[c]) for c in want.symbol.tolist()]
    assert got_names == want_names
    assert cols.comments == want.comments


@pytest.mark.parametrize("chunk", [7, 64, 50_000])
async def test_columns_hold_exactly_the_deals_of_deals_in_the_same_order(
    setup: tuple[MT5Broker, Recorder], chunk: int
) -> None:
    broker, _rec = setup
    broker.session.deal_chunk = chunk
    start, end = T0 - timedelta(days=6, hours=5), T0 - timedelta(days=1, minutes=17)
    for symbol in (None, "XAUUSD"):
        deals = await broker.deals(start, end, symbol)
        cols = await broker.deal_columns(start, end, symbol)
        assert len(cols) == len(deals) > 0
        _same(cols, DealColumns.from_deals(deals))


async def test_a_long_history_is_read_in_chunks_of_about_the_chunk_size(
    setup: tuple[MT5Broker, Recorder],
) -> None:
    broker, rec = setup
    broker.session.deal_chunk = 50
    start, end = T0 - timedelta(days=12), T0 + timedelta(days=1)
    cols = await broker.deal_columns(start, end)
    reads = rec.called("history_deals_get")
    assert len(reads) >= 8
    sizes = [len(rec.target.history_deals_get(*args)) for args, _kw in reads]
    assert max(sizes) <= 2 * 50
    assert len(cols) == len(await broker.deals(start, end)) == 401  # + the deposit
    assert len(cols) <= sum(sizes) <= len(cols) + len(reads)  # a span's next second at most
    assert bool(np.all(np.diff(cols.time_us) >= 0))


async def test_rows_read_by_attribute_and_a_terminal_without_a_count_give_the_same_columns(
    setup: tuple[MT5Broker, Recorder],
) -> None:
    broker, rec = setup
    start, end = T0 - timedelta(days=9), T0
    want = await broker.deal_columns(start, end)
    # a client whose rows are objects with attributes, and which cannot count its history
    rec.hooks["history_deals_get"] = lambda real, *a, **k: tuple(Struct(d) for d in real(*a, **k))
    rec.hooks["history_deals_total"] = lambda _real, *_a, **_k: None
    rec.calls.clear()
    got = await broker.deal_columns(start, end)
    _same(got, want)
    assert len(rec.called("history_deals_get")) == 1  # no count: one read


async def test_one_deal_of_the_columns_reads_back_as_the_model(
    setup: tuple[MT5Broker, Recorder],
) -> None:
    broker, _rec = setup
    start, end = T0 - timedelta(days=9), T0
    deals = await broker.deals(start, end)
    cols = await broker.deal_columns(start, end)
    for i in (0, len(deals) // 2, len(deals) - 1):
        d, c = deals[i], cols.deal(i)
        assert (c.ticket, c.time, c.type, c.entry, c.symbol, c.net, c.magic) == (
            d.ticket, d.time, d.type, d.entry, d.symbol, d.net, d.magic,
        )  # fmt: skip
        assert c.comment == (d.comment if d.type not in ("buy", "sell") else "")


@pytest.mark.parametrize("date_to_included", [True, False])
async def test_chunks_cut_inside_a_busy_second_read_each_deal_once(
    date_to_included: bool,
) -> None:
    """Ten deals a second, cut into chunks of 7: whether the terminal's `date_to` is
    inclusive (MT5's history is) or exclusive, every deal is read exactly once."""
    clock = Clock(T0.timestamp())
    term = PaperTerminal(None, clock=clock, server_utc_offset_hours=2)
    end = int(T0.timestamp()) + SERVER_OFFSET_S - 3600
    rows = _random_rows(300, random.Random(9))
    for i, row in enumerate(rows):
        row["time"] = end - 30 + i // 10
        row["time_msc"] = row["time"] * 1000 + i % 10
    term.bulk_insert_deals(rows)
    rec = Recorder(term)
    if not date_to_included:
        rec.hooks["history_deals_get"] = lambda real, lo, hi, **k: tuple(
            d for d in real(lo, hi, **k) if d.time < hi
        )
    broker = MT5Broker(rec, server_utc_offset_hours=2, clock=clock)
    await broker.connect()
    broker.session.deal_chunk = 7
    start, stop = T0 - timedelta(hours=2), T0
    cols = await broker.deal_columns(start, stop)
    broker.session.deal_chunk = 10_000
    whole = await broker.deal_columns(start, stop)
    assert len(rec.called("history_deals_get")) > 10
    assert len(whole) == 300
    _same(cols, whole)
    await broker.close()
    term.close()
