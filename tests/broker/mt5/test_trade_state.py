"""`TradeResult.state`: the broker says what became of an order — done, refused (nothing
happened) or unknown (it may have reached the server) — so nobody re-derives it from retcodes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from broker.mt5 import MT5Broker
from broker.mt5.retcodes import OUTCOME_UNKNOWN, RETCODES, SUCCESS, failure_state
from broker.paper import PaperTerminal
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, FakeOrderSendResult, Recorder


@pytest.fixture
def clock() -> Clock:
    return Clock(T0.timestamp())


@pytest.fixture
def term(clock: Clock) -> Iterator[PaperTerminal]:
    t = PaperTerminal(None, clock=clock, server_utc_offset_hours=2)
    t.set_price("XAUUSD", 2650.00, 2650.15)
    yield t
    t.close()


@pytest.fixture
def rec(term: PaperTerminal) -> Recorder:
    return Recorder(term)


@pytest.fixture
async def broker(rec: Recorder, clock: Clock) -> AsyncIterator[MT5Broker]:
    b = MT5Broker(rec, magic=MAGIC, clock=clock, requote_retries=0)
    await b.connect()
    yield b
    await b.close()


async def test_filled_order_gives_done_state(broker: MT5Broker) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert (r.state, r.ok) == ("done", True)


async def test_timeout_retcode_gives_unknown_state(broker: MT5Broker, rec: Recorder) -> None:
    rec.hooks["order_send"] = lambda real, req: FakeOrderSendResult(10012)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert (r.state, r.retcode, r.ok) == ("unknown", 10012, False)


async def test_refused_retcode_gives_refused_state(broker: MT5Broker, rec: Recorder) -> None:
    rec.hooks["order_send"] = lambda real, req: FakeOrderSendResult(10006, comment="Rejected")
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert (r.state, r.retcode, r.ok) == ("refused", 10006, False)


async def test_server_refusal_of_margin_gives_refused_state(broker: MT5Broker) -> None:
    r = await broker.open_market("XAUUSD", "buy", 40.0)
    assert (r.state, r.retcode) == ("refused", 10019)


async def test_refusal_before_sending_gives_refused_state(broker: MT5Broker, rec: Recorder) -> None:
    r = await broker.close_position(987654)  # no such position: nothing is sent
    assert (r.state, r.retcode) == ("refused", 10036)
    assert rec.requests == []


async def test_lost_reply_gives_unknown_state(broker: MT5Broker, rec: Recorder) -> None:
    def connection_dies(real: Any, request: dict[str, Any]) -> Any:
        raise EOFError("connection closed by peer")

    rec.hooks["order_send"] = connection_dies
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert r.state == "unknown"


async def test_no_reply_with_a_client_error_gives_unknown_state(
    broker: MT5Broker, rec: Recorder
) -> None:
    rec.hooks["order_send"] = lambda real, req: real({**req, "volume": 1})  # package refuses
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert (r.state, r.retcode) == ("unknown", -2)


def test_every_server_retcode_but_the_unknown_ones_is_a_refusal() -> None:
    for code in RETCODES:
        if code in SUCCESS:
            continue
        expected = "unknown" if code in OUTCOME_UNKNOWN else "refused"
        assert failure_state(code) == expected, code
    for code in (-10002, -10005, -10004, -2, 0):
        assert failure_state(code) == "unknown", code
