"""The gateway's WebSocket with a real client (`websockets`): token on connect, ticks only for
subscribed symbols, account updates, trade events, ping/pong, and a slow reader dropped
instead of buffered."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from broker.models import Deal
from tests.bot.api.conftest import FAR, READER, SCRIPTS, Factory, GatewayWorld

WAIT_S = 10.0  # a bound on waiting for a message, never an expectation of speed


async def _next(ws: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
        if msg["type"] == kind:
            return dict(msg)


async def _send(ws: ClientConnection, **msg: Any) -> None:
    await ws.send(json.dumps(msg))


async def test_ticks_arrive_for_subscribed_symbols_only(gw: GatewayWorld) -> None:
    paper = gw.app.broker.api
    async with connect(f"{gw.ws_url}?token={READER}") as ws:
        await _send(ws, action="subscribe", channel="ticks", symbols=["xauusd"])
        ack = await _next(ws, "subscribed")
        assert ack["ticks"] == ["XAUUSD"]
        seen: list[str] = []
        for i in range(6):  # both symbols move; only gold is asked for
            paper.set_price("XAUUSD", 2400.0 + i)
            paper.set_price("EURUSD", 1.1000 + i / 1000)
            tick = await _next(ws, "tick")
            seen.append(tick["symbol"])
        assert set(seen) == {"XAUUSD"}
        assert (await gw.http.get("/api/v1/health")).json()["data"]["ws_connections"] == 1
        await _send(ws, action="unsubscribe", channel="ticks", symbols=["XAUUSD"])
        assert (await _next(ws, "subscribed"))["ticks"] == []


async def test_ping_gets_pong_and_account_updates_and_trade_events_arrive(
    gw: GatewayWorld,
) -> None:
    async with connect(gw.ws_url) as ws:
        await _send(ws, action="auth", token=SCRIPTS)  # the token as the first message
        await _send(ws, action="ping")
        assert (await _next(ws, "pong"))["type"] == "pong"
        await _send(ws, action="subscribe", channel="account")
        account = await _next(ws, "account")
        assert account["account"]["currency"] == "USD"
        await _send(ws, action="subscribe", channel="trades")
        await _next(ws, "subscribed")
        r = await gw.post(
            "/api/v1/order/open", {"symbol": "EURUSD", "type": "buy", "volume": 0.01}, key="ws1"
        )
        assert r.status_code == 200
        event = await _next(ws, "trade")
        assert event["event"] in ("order", "deal")
        # the deal watcher's news (our order's deal, or an EA's) arrives as a deal event
        while event["event"] != "deal" or event["deal"]["symbol"] != "EURUSD":
            event = await _next(ws, "trade")
        assert event["deal"]["entry"] == "in"


async def test_a_connection_without_a_valid_token_or_from_a_refused_address_is_closed(
    gw: GatewayWorld,
) -> None:
    for url in (f"{gw.ws_url}?token=nope", f"{gw.ws_url}?token={FAR}"):
        async with connect(url) as ws:
            error = await _next(ws, "error")
            assert error["code"] in ("bad_token", "ip_not_allowed")
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), WAIT_S)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1008


async def _drain(ws: ClientConnection) -> None:
    while True:
        await ws.recv()


def _deal(i: int) -> Deal:
    return Deal(
        ticket=10_000 + i,
        order=i,
        position_id=i,
        time=datetime(2026, 12, 4, tzinfo=UTC),
        type="buy",
        entry="in",
        symbol="EURUSD",
        broker_symbol="EURUSD",
        volume=0.01,
        price=1.1,
        profit=0.0,
        commission=0.0,
        swap=0.0,
        fee=0.0,
        magic=0,
        comment="x" * 2000,  # big messages, so the slow reader's socket fills quickly
    )


async def test_a_slow_client_is_dropped_while_a_fast_one_keeps_receiving(
    make_gateway: Factory,
) -> None:
    gw = await make_gateway(ws_queue_size=8)
    hub = gw.server.gateway.hub
    # a reader with a small window (set before connecting, so the handshake announces it)
    slow_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    slow_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow_sock.connect(("127.0.0.1", gw.server.port))
    # no permessage-deflate: the repeated comments would otherwise shrink to nothing
    slow = await connect(
        f"{gw.ws_url}?token={READER}", sock=slow_sock, max_queue=1, compression=None
    )
    fast = await connect(f"{gw.ws_url}?token={SCRIPTS}")
    try:
        for ws in (slow, fast):
            await _send(ws, action="subscribe", channel="trades")
            await _next(ws, "subscribed")
        received = 0

        async def read_fast() -> None:
            nonlocal received
            while True:
                await fast.recv()
                received += 1

        reader = asyncio.create_task(read_fast())
        for i in range(20_000):  # the slow client reads nothing from here on
            await hub.new_deals([_deal(i)])
            await asyncio.sleep(0)
            if hub.connections == 1:
                break
        assert hub.connections == 1
        [left] = hub.clients
        assert left.principal.name == "scripts"
        reader.cancel()
        assert received > 0
        # what the slow one finds once it reads again: what was queued, then the close
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(_drain(slow), WAIT_S)
    finally:
        await fast.close()
        await slow.close()


async def test_a_token_in_the_query_string_never_reaches_the_log(
    gw: GatewayWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with connect(f"{gw.ws_url}?token={READER}") as ws:
        await ws.send(b"\x00binary")  # not JSON text: answered, not a crash
        assert (await _next(ws, "error"))["code"] == "bad_message"
        await _send(ws, action="ping")
        await _next(ws, "pong")
    # the test's own client logs its request line at DEBUG; the server side must not
    server_side = [r.getMessage() for r in caplog.records if r.name != "websockets.client"]
    assert server_side
    assert not [m for m in server_side if READER in m]
