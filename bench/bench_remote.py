"""The remote broker over a simulated 30 ms link versus mt5linux-style per-field calls.

Two ways for a bot on one machine to use the MetaTrader 5 terminal on another:
- `[broker] kind = "remote"`: `RemoteBroker` → a TCP proxy on 127.0.0.1 that delays every
  chunk by 15 ms each way (one round trip = 30 ms) → the other tradechat's gateway (uvicorn)
  → `MT5Broker` → the paper terminal. One HTTP request per broker operation. Measured.
- mt5linux: `MT5Broker` → the MetaTrader5 API over rpyc, where every function call, every
  constant and every attribute of every returned struct is one network round trip. Simulated:
  the same paper terminal behind `PerFieldApi`, which counts those round trips; the time is
  the run's own time (measured, without any delay) plus 30 ms per counted round trip.

Both drive the same conversation (the composition root's parts): a preview ("买入0.01手黄金",
up to the ✅/❌ message) and the month's P&L report (charts off: the link is measured, not
matplotlib), over an account with a month of EA history."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.api.server import start_gateway
from bot.build import (
    build_app,
    close_app,
    make_conversation,
    make_parser,
    make_report_service,
    open_database,
)
from bot.remote_ticks import WebSocketTicks
from bot.settings import Settings
from broker.base import ManagedBroker
from broker.mt5 import MT5Broker
from broker.remote import RemoteBroker
from handlers.messages import Incoming
from tests.fakes.tcp_proxy import TcpProxy

RTT_S = 0.030
HISTORY_DAYS = 30
ROUNDS = 3
TOKEN_ENV, SECRET_ENV = "TRADECHAT_BENCH_REMOTE_TOKEN", "TRADECHAT_BENCH_REMOTE_SECRET"
PREVIEW, MONTH = "买入0.01手黄金", "本月盈亏"


class RoundTrips:
    def __init__(self) -> None:
        self.n = 0
        self._lock = threading.Lock()

    def add(self, k: int = 1) -> None:
        with self._lock:
            self.n += k


class _Remote:
    """A struct (or value) on the other side of rpyc: each attribute read is a round trip."""

    def __init__(self, value: Any, trips: RoundTrips) -> None:
        self._value = value
        self._trips = trips

    def __getattr__(self, name: str) -> Any:
        self._trips.add()
        return getattr(self._value, name)


class PerFieldApi:
    """The MetaTrader5 API as mt5linux serves it: a call is one round trip, a module constant
    is one, and every element of a returned tuple is a struct whose attributes cost one each."""

    def __init__(self, api: Any, trips: RoundTrips) -> None:
        self._api = api
        self._trips = trips

    def __getattr__(self, name: str) -> Any:
        self._trips.add()
        found = getattr(self._api, name)
        if not callable(found):
            return found
        trips = self._trips

        def call(*args: Any, **kwargs: Any) -> Any:
            result = found(*args, **kwargs)
            if isinstance(result, tuple) and result and hasattr(result[0], "_asdict"):
                return tuple(_Remote(r, trips) for r in result)
            if hasattr(result, "_asdict"):
                return _Remote(result, trips)
            return result

        return call


def _settings(folder: Path, **broker: Any) -> Settings:
    return Settings(
        app={"data_dir": folder},
        broker={"paper": {"demo_history_days": HISTORY_DAYS}, **broker},
        reports={"charts": False},
        risk={"max_open_positions": 10_000, "max_total_lots_per_symbol": 10_000},
        api={
            "listen_port": 0,
            "requests_per_minute": 100_000,
            "burst": 10_000,
            "tokens": [
                {
                    "name": "bench",
                    "token_env": TOKEN_ENV,
                    "scopes": ["admin"],
                    "signing_secret_env": SECRET_ENV,
                }
            ],
        },
    )


async def _chat(settings: Settings, broker: ManagedBroker) -> Callable[[str], Awaitable[float]]:
    db = await open_database(settings)
    reports = make_report_service(settings, broker, db)
    conversation = make_conversation(settings, broker, make_parser(settings), db, reports)

    async def say(text: str) -> float:
        t0 = time.perf_counter()
        out = await conversation.handle(Incoming("console", "local", "local", text=text))
        if not out or not out[-1].text:
            raise RuntimeError(f"no answer to {text!r}")
        return time.perf_counter() - t0

    return say


async def _bench(folder: Path) -> dict[str, Any]:
    os.environ[TOKEN_ENV], os.environ[SECRET_ENV] = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    vps = await build_app(_settings(folder / "vps"))
    server = await start_gateway(vps)
    proxy = TcpProxy(server.port, delay_s=RTT_S / 2)
    await proxy.start()
    url = f"http://127.0.0.1:{proxy.port}"
    # as `[broker] kind = "remote"` builds it: quotes over the WebSocket (through the proxy too)
    remote = RemoteBroker(
        url,
        os.environ[TOKEN_ENV],
        signing_secret=os.environ[SECRET_ENV],
        ticks=WebSocketTicks(url, os.environ[TOKEN_ENV]),
    )
    await remote.connect()
    assert isinstance(vps.broker, MT5Broker)
    trips = RoundTrips()
    per_field = MT5Broker(PerFieldApi(vps.broker.api, trips), server_utc_offset_hours=2)
    await per_field.connect()
    out: dict[str, Any] = {}
    try:
        remote_say = await _chat(_settings(folder / "linux"), remote)
        local_say = await _chat(_settings(folder / "mt5linux"), per_field)
        now = vps.conversation.clock()
        out["deals"] = len(await vps.broker.deals(now.replace(day=1, hour=0), now))
        for label, text in (("preview", PREVIEW), ("monthly report", MONTH)):
            await remote_say(text)  # warm both: imports, symbol lists, the WebSocket
            await local_say(text)
            r_times, r_reqs, l_times, l_trips = [], [], [], []
            for _ in range(ROUNDS):
                sent = remote.requests
                r_times.append(await remote_say(text))
                r_reqs.append(remote.requests - sent)
                before = trips.n
                own = await local_say(text)
                l_trips.append(trips.n - before)
                l_times.append(own + (trips.n - before) * RTT_S)
            out[label] = (min(r_times), max(r_reqs), min(l_times), max(l_trips))
    finally:
        await per_field.close()
        await remote.close()
        await proxy.stop()
        await server.stop()
        await close_app(vps)
        os.environ.pop(TOKEN_ENV, None)
        os.environ.pop(SECRET_ENV, None)
    return out


def run() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        res = asyncio.run(_bench(Path(tmp)))
    lines = [
        "## remote broker",
        "",
        f"A bot using a terminal on another machine over a {RTT_S * 1000:.0f} ms round-trip "
        f"link (a delaying TCP proxy on 127.0.0.1), account with {HISTORY_DAYS} days of EA "
        f'history ({res["deals"]} deals this month). `kind = "remote"`: measured through '
        "the proxy and the gateway. mt5linux-style: MT5Broker over an API whose every call, "
        "constant and struct attribute is one round trip — the round trips counted, the time "
        f"= the run's own time + {RTT_S * 1000:.0f} ms each. Best of {ROUNDS}.",
        "",
        "| operation | remote: requests | remote: s | mt5linux-style: round trips "
        "| mt5linux-style: s | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label in ("preview", "monthly report"):
        r_s, r_n, l_s, l_n = res[label]
        lines.append(f"| {label} | {r_n} | {r_s:.3f} | {l_n} | {l_s:.2f} | {l_s / r_s:.0f}× |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
