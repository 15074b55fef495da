"""`RemoteBroker` against a real gateway on 127.0.0.1 (tests/broker/remote/conftest.py): every
broker operation answers what the terminal behind the gateway answers, as our models, in one
HTTP request; errors come back as the same error classes and notes; orders keep their
guarantees (one order per Idempotency-Key, a lost reply asked again, never opened twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.remote_ticks import WebSocketTicks
from broker.errors import SymbolNotFound, TemporaryBrokerError
from broker.models import Note
from broker.remote import RemoteBroker
from handlers.broker_text import note_text
from tests.broker.remote.conftest import SECRET, TOKEN, Vps, until
from tests.fakes.tcp_proxy import TcpProxy


async def test_every_lookup_answers_what_the_terminal_behind_the_gateway_answers(
    vps: Vps, remote: RemoteBroker
) -> None:
    local = vps.app.broker
    assert await remote.account() == await local.account()
    assert await remote.symbols() == await local.symbols()
    assert await remote.symbol_spec("XAUUSD") == await local.symbol_spec("XAUUSD")
    quote = await remote.quote("EURUSD")
    assert quote.symbol == "EURUSD"
    assert quote.time.tzinfo is UTC
    assert quote.digits == (await local.symbol_spec("EURUSD")).digits
    bars = await remote.rates("EURUSD", "H1", 24)
    assert bars == await local.rates("EURUSD", "H1", 24)
    assert all(b.time.tzinfo is UTC for b in bars)
    assert remote.server_utc_offset_hours == getattr(local, "server_utc_offset_hours", None)
    health = await remote.health()
    assert health.connected
    assert health.note.key == "connected"


async def test_orders_round_trip_as_trade_results_and_positions_match(
    vps: Vps, remote: RemoteBroker
) -> None:
    local = vps.app.broker
    opened = await remote.open_market("EURUSD", "buy", 0.02, comment="tc:remote.1")
    assert opened.state == "done", opened
    assert opened.note.key == "opened"
    assert opened.ticket is not None
    pending = await remote.place_pending("EURUSD", "buy", "limit", 0.01, 0.5, comment="lim")
    assert pending.state == "done", pending
    assert await remote.positions() == await local.positions()
    assert await remote.positions(symbol="EURUSD", side="buy") == await local.positions(
        symbol="EURUSD", side="buy"
    )
    assert await remote.pending_orders() == await local.pending_orders()
    assert pending.ticket is not None
    moved = await remote.modify_order(pending.ticket, price=0.6)
    assert moved.state == "done", moved
    assert (await remote.cancel_order(pending.ticket)).state == "done"
    spec = await remote.symbol_spec("EURUSD")
    sl = round(opened.price - 500 * spec.point, spec.digits) if opened.price else None
    assert (await remote.modify_position(opened.ticket, sl=sl)).state == "done"
    partly = await remote.close_position(opened.ticket, 0.01)
    assert partly.state == "done", partly
    closed = await remote.close_position(opened.ticket)
    assert closed.note.key == "closed"
    assert await local.positions() == []
    now = datetime.now(UTC)
    deals = await remote.deals(now - timedelta(days=1), now + timedelta(minutes=1))
    assert deals == await local.deals(now - timedelta(days=1), now + timedelta(minutes=1))
    assert {d.position_id for d in deals if d.entry == "out"} == {opened.ticket}
    assert all(d.time.tzinfo is UTC for d in deals)


async def test_one_http_request_per_operation_however_many_deals(
    vps: Vps, remote: RemoteBroker
) -> None:
    for i in range(5):
        r = await remote.open_market("XAUUSD", "sell", 0.01, comment=f"n{i}")
        assert r.ok
        assert r.ticket is not None
        assert (await remote.close_position(r.ticket)).ok
    before = remote.requests
    now = datetime.now(UTC)
    deals = await remote.deals(now - timedelta(days=1), now + timedelta(minutes=1))
    positions = await remote.positions()
    assert len([d for d in deals if d.type in ("buy", "sell")]) == 10
    assert positions == []
    assert remote.requests - before == 2


async def test_broker_errors_come_back_as_the_same_class_and_note(
    vps: Vps, remote: RemoteBroker
) -> None:
    with pytest.raises(SymbolNotFound) as remote_err:
        await remote.symbol_spec("NOPE123")
    with pytest.raises(SymbolNotFound) as local_err:
        await vps.app.broker.symbol_spec("NOPE123")
    assert remote_err.value.note == local_err.value.note
    refused = await remote.close_position(999_999_999)
    assert refused.state == "refused"
    assert refused.note == (await vps.app.broker.close_position(999_999_999)).note


async def test_a_lost_reply_is_asked_for_again_with_the_same_key_and_opens_once(
    vps: Vps,
) -> None:
    proxy = TcpProxy(vps.port)
    await proxy.start()
    # no tick stream through the proxy: only the order's reply is there to be lost
    broker = RemoteBroker(f"http://127.0.0.1:{proxy.port}", TOKEN, signing_secret=SECRET)
    try:
        await broker.connect()
        proxy.drop_replies(1)  # the gateway opens the position; its answer never arrives
        sent = broker.requests
        result = await broker.open_market("EURUSD", "buy", 0.01, comment="tc:lost.1")
        assert result.state == "done", result
        assert broker.requests - sent == 2  # asked again; the gateway answered what it did
        mine = [p for p in await vps.app.broker.positions() if p.comment == "tc:lost.1"]
        assert len(mine) == 1
        assert result.ticket == mine[0].ticket
    finally:
        await broker.close()
        await proxy.stop()


async def test_no_reply_at_all_is_an_unknown_outcome_never_a_refusal(vps: Vps) -> None:
    proxy = TcpProxy(vps.port)
    await proxy.start()
    broker = RemoteBroker(
        f"http://127.0.0.1:{proxy.port}",
        TOKEN,
        signing_secret=SECRET,
        trade_retries=1,
    )
    try:
        await broker.connect()
        proxy.drop_replies(2)  # the first answer and the retry's answer are both lost
        result = await broker.open_market("EURUSD", "sell", 0.01, comment="tc:lost.2")
        assert result.state == "unknown"
        assert result.note.key == "may_have_executed"
        # it did execute there, once: the conversation finds it by its comment
        mine = [p for p in await vps.app.broker.positions() if p.comment == "tc:lost.2"]
        assert len(mine) == 1
    finally:
        await broker.close()
        await proxy.stop()


async def test_a_gateway_that_is_gone_blocks_trading_without_sending(vps: Vps) -> None:
    broker = RemoteBroker(vps.url, TOKEN, signing_secret=SECRET)
    await broker.connect()
    try:
        await vps.stop_gateway()
        with pytest.raises(TemporaryBrokerError) as err:
            await broker.account()
        assert err.value.note.key == "gateway_unreachable"
        assert not broker.connected
        assert broker.connection_lost.is_set()  # the supervisor is woken at once
        refused = await broker.open_market("EURUSD", "buy", 0.01)
        assert refused.state == "refused"
        assert refused.note == Note("not_connected", {"reason": broker.disconnect_reason})
        assert not await broker.ping()
        await vps.start_gateway()
        assert await broker.reconnect()
        assert broker.connected
        assert (await broker.account()).balance > 0
    finally:
        await broker.close()


async def test_quotes_come_over_the_websocket_once_asked_for_and_by_request_without_it(
    vps: Vps,
) -> None:
    ticks = WebSocketTicks(vps.url, TOKEN)
    remote = RemoteBroker(vps.url, TOKEN, signing_secret=SECRET, ticks=ticks)
    await remote.connect()
    try:
        await _streams_and_polls(vps, remote, ticks)
    finally:
        await remote.close()
    assert not ticks.connected  # closing the broker closed its stream


async def _streams_and_polls(vps: Vps, remote: RemoteBroker, ticks: WebSocketTicks) -> None:
    first = await remote.quote("EURUSD")
    await until(lambda: ticks.streaming("EURUSD"))
    before = remote.requests
    terminal = vps.app.broker.api  # the paper terminal: move its price
    terminal.set_price("EURUSD", first.bid + 0.01, first.ask + 0.01)
    await until(lambda: remote._quotes["EURUSD"].bid > first.bid)
    streamed = await remote.quote("EURUSD")
    assert remote.requests == before  # answered from the ticks, no request
    assert streamed.bid == pytest.approx(first.bid + 0.01)
    assert streamed.digits == first.digits
    assert streamed.point == first.point

    # the socket drops (the gateway closes its WebSocket clients): quotes by request again
    assert vps.server is not None
    await vps.server.gateway.hub.close()
    await until(lambda: not ticks.streaming("EURUSD"))
    sent = remote.requests
    assert (await remote.quote("EURUSD")).bid == pytest.approx(first.bid + 0.01)
    assert remote.requests - sent == 1

    polling = RemoteBroker(vps.url, TOKEN, signing_secret=SECRET)  # no tick source
    await polling.connect()
    try:
        sent = polling.requests
        await polling.quote("EURUSD")
        await polling.quote("EURUSD")
        assert polling.requests - sent == 2
    finally:
        await polling.close()


async def test_the_terminal_behind_a_gateway_that_answers_being_away_blocks_trading_too(
    vps: Vps, remote: RemoteBroker
) -> None:
    paper = vps.app.broker.api
    paper.set_connected(False)  # the VPS's terminal lost its trade server
    try:
        assert not await remote.ping()
        reason = remote.disconnect_reason
        assert reason.key == "remote_terminal_away"
        refused = await remote.open_market("EURUSD", "buy", 0.01)
        assert refused.state == "refused"
        assert "the terminal behind the gateway is away" in note_text(refused.note, "en")
        assert "网关那边的交易终端不可用" in note_text(refused.note, "zh")
    finally:
        paper.set_connected(True)
    assert await remote.reconnect()
    assert (await remote.open_market("EURUSD", "buy", 0.01)).state == "done"
