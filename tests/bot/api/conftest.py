"""The gateway served by uvicorn on 127.0.0.1 (a port the OS picks) over a whole app built by
the composition root on the paper terminal, with a recording Telegram at the fan-out's edge
(where the owners' ✅ previews arrive). Tests talk to it with real clients: httpx for REST, the
`websockets` client for the WebSocket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.api.server import GatewayServer, start_gateway
from bot.build import App, build_app, close_app
from bot.settings import Settings
from handlers.messages import Incoming, Outgoing, PlatformCaps

OWNER = "100"
TOKENS = {
    "TC_TEST_SCRIPTS": "scripts-token-0123456789abcdef",
    "TC_TEST_READER": "reader-token-0123456789abcdef",
    "TC_TEST_CHATTY": "chatty-token-0123456789abcdef",
    "TC_TEST_FAR": "far-token-0123456789abcdef",
    "TC_TEST_ADMIN": "admin-token-0123456789abcdef",
    "TC_TEST_EMPTY": "",
}
JWT_SECRET = "a-jwt-secret-for-the-tests-0123456789abcdef"
SCRIPTS = TOKENS["TC_TEST_SCRIPTS"]
READER = TOKENS["TC_TEST_READER"]
CHATTY = TOKENS["TC_TEST_CHATTY"]
FAR = TOKENS["TC_TEST_FAR"]
ADMIN = TOKENS["TC_TEST_ADMIN"]


class RecordingTelegram:
    """The Telegram platform at the fan-out's edge: records what it was asked to send."""

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


def api_settings(**changes: Any) -> dict[str, Any]:
    owner = {"platform": "telegram", "id": OWNER}
    base: dict[str, Any] = {
        "listen_host": "127.0.0.1",
        "listen_port": 0,
        "requests_per_minute": 6000,
        "burst": 1000,
        "jwt_secret_env": "TC_TEST_JWT",
        "ws_tick_interval_s": 0.1,
        "ws_account_interval_s": 0.5,
        "tokens": [
            {"name": "scripts", "token_env": "TC_TEST_SCRIPTS", "scopes": ["read", "trade"]},
            {"name": "reader", "token_env": "TC_TEST_READER", "scopes": ["read"]},
            {"name": "chatty", "token_env": "TC_TEST_CHATTY", "scopes": ["read"], "owner": owner},
            {
                "name": "far",
                "token_env": "TC_TEST_FAR",
                "scopes": ["read", "trade"],
                "allow_ips": ["10.0.0.0/8", "2001:db8::/32"],
            },
            {"name": "boss", "token_env": "TC_TEST_ADMIN", "scopes": ["admin"]},
            {"name": "empty", "token_env": "TC_TEST_EMPTY", "scopes": ["read"]},
        ],
    }
    base.update(changes)
    return base


@dataclass
class GatewayWorld:
    app: App
    server: GatewayServer
    http: httpx.AsyncClient
    telegram: RecordingTelegram

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/api/v1/ws"

    async def get(self, path: str, token: str | None = READER, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.get(path, headers=headers, params=params)

    async def post(
        self, path: str, body: Any, token: str | None = SCRIPTS, key: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.http.post(path, json=body, headers=headers)

    async def press(self, button_id: str, user: str = OWNER) -> list[Outgoing]:
        """The owner presses a button of a preview Telegram received."""
        return await self.app.conversation.handle(
            Incoming("telegram", user, user, button_id=button_id, message_id="preview")
        )

    async def positions(self) -> int:
        return len(await self.app.broker.positions())


Factory = Callable[..., Awaitable[GatewayWorld]]


@pytest.fixture
async def make_gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Factory]:
    """Builds a gateway world with `[api]` changed by the keyword arguments."""
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TC_TEST_JWT", JWT_SECRET)
    worlds: list[GatewayWorld] = []

    async def make(**api: Any) -> GatewayWorld:
        settings = Settings(
            app={"data_dir": tmp_path / f"data{len(worlds)}"},
            broker={"paper": {"demo_history_days": 0}},
            users=[{"platform": "telegram", "id": OWNER, "role": "trader", "lang": "en"}],
            api=api_settings(**api),
        )
        app = await build_app(settings)
        telegram = RecordingTelegram()
        app.fanout.add(telegram)
        server = await start_gateway(app)
        http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
        world = GatewayWorld(app, server, http, telegram)
        worlds.append(world)
        return world

    try:
        yield make
    finally:
        for w in worlds:
            await w.http.aclose()
            await w.server.stop()
            await close_app(w.app)


@pytest.fixture
async def gw(make_gateway: Factory) -> GatewayWorld:
    return await make_gateway()
