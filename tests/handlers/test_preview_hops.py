"""A preview reads the terminal once: the planner builds every kind of plan from ONE
`Broker.market_view` worker job (account and positions read once, no D1 bar), and keeps that
view on the plan for the risk gate. Counted at the terminal (the `Recorder` around the paper
terminal) and in worker jobs (`MT5Broker.worker_jobs`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.messages import Outgoing
from handlers.plans import Plan, Planner
from nlp.intent import Intent
from tests.conftest import ChatWorld
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


@pytest.mark.parametrize(
    "intent",
    [
        Intent(intent="open", symbol="XAUUSD", side="buy", volume=0.01),
        Intent(intent="open", symbol="XAUUSD", side="buy", risk_percent=1, sl=2630),
        Intent(intent="close", symbol="XAUUSD", fraction=0.5),
        Intent(intent="close", selector="all"),
        Intent(intent="close", volume=0.01, symbol="XAUUSD"),
        Intent(intent="modify", symbol="XAUUSD", sl_shift_pips=20),
        Intent(intent="modify", symbol="XAUUSD", breakeven=True),
        Intent(intent="cancel", symbol="EURUSD"),
    ],
)
async def test_every_plan_is_built_from_one_worker_job(
    broker: MT5Broker, rec: Recorder, intent: Intent
) -> None:
    await broker.open_market("XAUUSD", "buy", 0.04, sl=2600.0)
    await broker.open_market("EURUSD", "sell", 0.1)
    await broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.07)
    rec.target.set_price("XAUUSD", 2660.0, 2660.2)  # the gold buy is in profit
    jobs, start = broker.worker_jobs, len(rec.calls)
    built = await Planner(broker).build(intent)
    assert isinstance(built, Plan), built
    assert broker.worker_jobs - jobs == 1
    calls = calls_since(rec, start)
    assert calls["account_info"] == 1
    assert calls["positions_get"] == 1
    assert calls["copy_rates_from_pos"] == 0
    assert built.view is not None
    assert built.view.account.login == (await broker.account()).login


async def test_a_whole_preview_never_reads_the_day_bar(world: ChatWorld) -> None:
    start = len(world.api.calls)
    out: list[Outgoing] = await world.say("买入0.01手黄金")
    assert out[0].buttons, out[0].text
    names = [name for name, _, _ in world.api.calls[start:]]
    assert "copy_rates_from_pos" not in names


async def test_the_quote_answer_still_shows_the_day_change(world: ChatWorld) -> None:
    start = len(world.api.calls)
    [answer] = await world.say("黄金报价")
    assert "今日涨跌" in answer.text, answer.text
    assert [n for n, _, _ in world.api.calls[start:]].count("copy_rates_from_pos") == 1
