"""Two tradechats in one test process: the "VPS" one serves its gateway (uvicorn on
127.0.0.1, a port the OS picks) over the paper terminal, and the "Linux" one is built by the
composition root with `[broker] kind = "remote"` pointed at it — real HTTP, real WebSocket,
real signatures, nothing of ours replaced. The gateway can be stopped and started again on
the same port, as a service restart would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.api.server import GatewayServer, start_gateway
from bot.build import App, build_app, close_app
from bot.settings import Settings
from broker.remote import RemoteBroker

TOKEN = "remote-admin-token-0123456789abcdef"
SECRET = "remote-signing-secret-0123456789abcdef"
READER = "remote-reader-token-0123456789abcdef"
ENV = {
    "TC_RB_TOKEN": TOKEN,
    "TC_RB_SECRET": SECRET,
    "TC_RB_READER": READER,
    "TC_RB_UNSIGNED": "remote-unsigned-admin-0123456789abcdef",
}


def gateway_settings(folder: Path, port: int = 0) -> Settings:
    return Settings(
        app={"data_dir": folder},
        broker={"paper": {"demo_history_days": 0}},
        risk={"max_open_positions": 1000, "max_total_lots_per_symbol": 1000},
        api={
            "listen_port": port,
            "requests_per_minute": 100_000,
            "burst": 10_000,
            "ws_tick_interval_s": 0.1,
            "tokens": [
                {
                    "name": "linux-bot",
                    "token_env": "TC_RB_TOKEN",
                    "scopes": ["admin"],
                    "signing_secret_env": "TC_RB_SECRET",
                },
                {"name": "reader", "token_env": "TC_RB_READER", "scopes": ["read"]},
                {"name": "unsigned", "token_env": "TC_RB_UNSIGNED", "scopes": ["admin"]},
            ],
        },
    )


def remote_settings(folder: Path, port: int, **broker: Any) -> Settings:
    return Settings(
        app={"data_dir": folder},
        broker={
            "kind": "remote",
            "url": f"http://127.0.0.1:{port}",
            "token_env": "TC_RB_TOKEN",
            "signing_secret_env": "TC_RB_SECRET",
            "heartbeat_s": 1.0,
            "query_deadline_s": 5.0,
            "trade_deadline_s": 5.0,
            **broker,
        },
    )


@dataclass
class Vps:
    """The tradechat next to the terminal: its app (paper) and its gateway."""

    folder: Path
    app: App
    server: GatewayServer | None
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop_gateway(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None

    async def start_gateway(self) -> None:
        """The gateway again, on the same port (a restarted service)."""
        api = self.app.settings.api.model_copy(update={"listen_port": self.port})
        self.app.settings = self.app.settings.model_copy(update={"api": api})
        self.server = await start_gateway(self.app)


@pytest.fixture
def remote_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return ENV


@pytest.fixture
async def vps(tmp_path: Path, remote_env: dict[str, str]) -> AsyncIterator[Vps]:
    app = await build_app(gateway_settings(tmp_path / "vps"))
    server = await start_gateway(app)
    world = Vps(tmp_path / "vps", app, server, server.port)
    try:
        yield world
    finally:
        await world.stop_gateway()
        await close_app(app)


@pytest.fixture
async def remote(vps: Vps) -> AsyncIterator[RemoteBroker]:
    """A RemoteBroker alone (no app around it), connected to the VPS's gateway."""
    broker = RemoteBroker(vps.url, TOKEN, signing_secret=SECRET, trade_deadline_s=5)
    await broker.connect()
    try:
        yield broker
    finally:
        await broker.close()


async def until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)
