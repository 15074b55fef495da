"""`MT5Broker.deals(start, end)` converts only the rows that can fall inside the window (the
history call is widened by a day either way for an unsure server offset): the answer is exactly
the deals with start <= time < end, edges included, whatever else the history holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from broker.mt5 import MT5Broker
from broker.mt5.convert import deal_rows_near
from broker.paper import PaperTerminal
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, Recorder


@pytest.fixture
async def booked() -> AsyncIterator[tuple[MT5Broker, Recorder, Clock]]:
    clock = Clock(T0.timestamp())
    term = PaperTerminal(None, clock=clock, server_utc_offset_hours=2)
    term.set_price("EURUSD", 1.08500, 1.08503)
    rec = Recorder(term)
    broker = MT5Broker(rec, magic=MAGIC, clock=clock, server_utc_offset_hours=2)
    await broker.connect()
    for _ in range(30):  # a deal every 17 minutes, over eight and a half hours
        await broker.open_market("EURUSD", "buy", 0.01)
        clock.t += 17 * 60
    try:
        yield broker, rec, clock
    finally:
        await broker.close()
        term.close()


async def test_a_narrow_window_is_exactly_the_deals_inside_it(
    booked: tuple[MT5Broker, Recorder, Clock],
) -> None:
    broker = booked[0]
    everything = await broker.deals(T0 - timedelta(days=3), T0 + timedelta(days=3))
    trades = [d for d in everything if d.type == "buy"]
    assert len(trades) == 30
    times = [d.time for d in trades]
    for start, end in [
        (times[3], times[9]),  # edges on deal times: the start is in, the end is out
        (times[3] + timedelta(seconds=1), times[9] + timedelta(seconds=1)),
        (times[0] - timedelta(hours=30), times[5]),
        (times[-1], times[-1] + timedelta(minutes=1)),
        (times[10] + timedelta(seconds=5), times[10] + timedelta(seconds=6)),  # none
    ]:
        got = await broker.deals(start, end)
        assert got == [d for d in everything if start <= d.time < end], (start, end)


def test_only_struct_rows_outside_the_window_are_dropped_unconverted() -> None:
    layout = [0] * 18
    inside = (1, 1, 1_000, 0, *layout[4:])
    by_msc = (2, 2, 0, 1_500_000, *layout[4:])  # time_msc wins when set
    outside = (3, 3, 5_000, 0, *layout[4:])
    other = object()  # not a struct sequence: kept for the exact cut after conversion
    assert deal_rows_near([inside, by_msc, outside, other], 900, 2_000) == [inside, by_msc, other]
