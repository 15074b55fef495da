"""The MCP server over streamable HTTP on 127.0.0.1 (a port the OS picks), over a whole app built
by the composition root on the paper terminal, with a recording Telegram at the fan-out's edge
(where proposals' previews arrive) and a recorder in front of the terminal's API (where
`order_send` would reach MetaTrader 5). Tests talk to it with the SDK's own client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bot.build import App, build_app, close_app
from bot.mcp import start_mcp_http
from bot.mcp.http import McpHttpServer
from bot.settings import Settings
from handlers.messages import Incoming, Outgoing, PlatformCaps
from tests.fakes.mt5_fakes import Recorder

OWNER = "100"
TOKENS = {
    "TC_MCP_TRADER": "trader-token-0123456789abcdef",
    "TC_MCP_READER": "reader-token-0123456789abcdef",
    "TC_MCP_FAR": "far-token-0123456789abcdef",
}
TRADER = TOKENS["TC_MCP_TRADER"]
READER = TOKENS["TC_MCP_READER"]
FAR = TOKENS["TC_MCP_FAR"]


class RecordingTelegram:
    name = "telegram"
    caps = PlatformCaps(buttons="native", max_text=4096, image_mode="upload", push="always")

    def __init__(self) -> None:
        self.sent: list[tuple[str, Outgoing]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, chat_id: str, out: Outgoing) -> None:
        self.sent.append((chat_id, out))


def mcp_api_settings(**changes: Any) -> dict[str, Any]:
    owner = {"platform": "telegram", "id": OWNER}
    base: dict[str, Any] = {
        "requests_per_minute": 6000,
        "burst": 1000,
        "jwt_secret_env": "",
        "tokens": [
            {
                "name": "assistant",
                "token_env": "TC_MCP_TRADER",
                "scopes": ["read", "trade"],
                "confirm": "chat",
                "owner": owner,
            },
            {"name": "reader", "token_env": "TC_MCP_READER", "scopes": ["read"]},
            {
                "name": "far",
                "token_env": "TC_MCP_FAR",
                "scopes": ["read"],
                "allow_ips": ["10.0.0.0/8"],
            },
        ],
    }
    base.update(changes)
    return base


@dataclass
class McpWorld:
    app: App
    server: McpHttpServer
    telegram: RecordingTelegram
    terminal: Recorder

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/mcp"

    @asynccontextmanager
    async def client(self, token: str | None = TRADER) -> AsyncIterator[Client]:
        """The SDK's client over streamable HTTP with `token` (opened and closed in the
        test's own task, as anyio's task groups require)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            httpx2.AsyncClient(headers=headers) as http,
            Client(streamable_http_client(self.url, http_client=http)) as client,
        ):
            yield client

    async def press(self, button_id: str, user: str = OWNER) -> list[Outgoing]:
        """The owner presses a button of a preview Telegram received."""
        return await self.app.conversation.handle(
            Incoming("telegram", user, user, button_id=button_id, message_id="preview")
        )

    def order_sends(self) -> int:
        return len(self.terminal.called("order_send"))


Factory = Callable[..., Awaitable[McpWorld]]


@pytest.fixture
async def make_mcp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Factory]:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    worlds: list[McpWorld] = []

    async def make(**api: Any) -> McpWorld:
        settings = Settings(
            app={"data_dir": tmp_path / f"data{len(worlds)}"},
            broker={"paper": {"demo_history_days": 0}},
            users=[{"platform": "telegram", "id": OWNER, "role": "trader", "lang": "en"}],
            api=mcp_api_settings(**api),
            mcp={"enabled": True, "listen_host": "127.0.0.1", "listen_port": 0},
        )
        app = await build_app(settings)
        terminal = Recorder(app.broker.session.api)
        app.broker.session.api = terminal
        telegram = RecordingTelegram()
        app.fanout.add(telegram)
        server = await start_mcp_http(app)  # as `tradechat run` serves it
        assert server is not None
        world = McpWorld(app, server, telegram, terminal)
        worlds.append(world)
        return world

    try:
        yield make
    finally:
        for w in worlds:
            await w.server.stop()
            await close_app(w.app)
