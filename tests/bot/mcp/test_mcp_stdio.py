"""`tradechat mcp` over stdio, as a desktop assistant starts it: a subprocess spoken to by the
SDK's own stdio client. It runs no chat, so a proposal's preview is queued in the shared
database; the running bot (here: an app built in the test over the same settings) delivers it
and executes it on the owner's ✅ — and only then."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

from bot.build import build_app, close_app
from bot.settings import load_settings
from handlers.confirm import parse_button
from handlers.outbox import OutboxCourier
from store.outbox import OutboxStore
from tests.bot.mcp.conftest import RecordingTelegram
from tests.fakes.mt5_fakes import Recorder

SETTINGS = """
[app]
data_dir = "{data}"
language = "en"

[broker.paper]
demo_history_days = 0

[[users]]
platform = "telegram"
id = "100"
role = "admin"
lang = "en"

[mcp]
stdio_scopes = {scopes}
"""


def _params(
    tmp_path: Path, scopes: str = '["read", "trade"]'
) -> tuple[StdioServerParameters, Path]:
    config = tmp_path / "settings.toml"
    data = tmp_path / "data"
    config.write_text(SETTINGS.format(data=data.as_posix(), scopes=scopes), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADECHAT_")}
    env["PYTHONIOENCODING"] = "utf-8"
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "bot.cli", "--config", str(config), "mcp"],
        env=env,
        cwd=str(tmp_path),
    )
    return params, config


async def _call(client: Any, name: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content
    return dict(result.structured_content or {})


async def test_stdio_lists_tools_and_reads_the_account(tmp_path: Path) -> None:
    params, _ = _params(tmp_path)
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"get_account", "get_positions", "propose_open", "proposal_status"} <= names
        account = await _call(client, "get_account")
        assert account["balance"] > 0
        quote = await _call(client, "get_quote", symbol="XAUUSD")
        assert quote["bid"] > 0


async def test_stdio_read_scope_hides_and_refuses_proposals(tmp_path: Path) -> None:
    params, _ = _params(tmp_path, scopes='["read"]')
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert "propose_open" not in names
        refused = await client.call_tool(
            "propose_open", {"symbol": "EURUSD", "side": "buy", "volume": 0.01}
        )
        assert refused.is_error


async def test_stdio_proposal_is_queued_and_executes_only_after_the_owner_confirms(
    tmp_path: Path,
) -> None:
    params, config = _params(tmp_path)
    async with Client(params) as client:
        made = await _call(client, "propose_open", symbol="EURUSD", side="buy", volume=0.01)
        assert made["status"] == "pending"
        assert "queued for the running bot" in made["message"]
        assert made["chat"] == "telegram:100"

        # the running bot: same settings, same database, its own chats
        bot = await build_app(load_settings(config))
        try:
            terminal = Recorder(bot.broker.session.api)
            bot.broker.session.api = terminal
            telegram = RecordingTelegram()
            bot.fanout.add(telegram)
            courier = OutboxCourier(OutboxStore(bot.db), bot.fanout, clock=bot.conversation.clock)
            delivered = await courier.deliver_due()
            assert delivered.sent == 1
            assert (await courier.deliver_due()).sent == 0  # delivered once
            assert len(telegram.sent) == 1
            chat, preview = telegram.sent[0]
            assert chat == "100"
            assert "proposes this trade" in preview.text
            assert terminal.called("order_send") == []

            confirm = next(b for b in preview.buttons if (p := parse_button(b.id)) and p[1])
            from handlers.messages import Incoming

            await bot.conversation.handle(
                Incoming("telegram", "100", "100", button_id=confirm.id, message_id="m1")
            )
            assert len(terminal.called("order_send")) == 1
        finally:
            await close_app(bot)

        status = await _call(client, "proposal_status", proposal_id=made["proposal_id"])
        assert status["status"] == "executed"
