"""On an app without buttons (QQ) an unknown outcome shows its "check again" as a reply code,
and that code, typed back from QQ, looks the order up."""

from __future__ import annotations

from typing import Any

from bot.platforms.qq import QQ_CAPS
from bot.platforms.render import render
from store.confirmations import ConfirmationStore
from tests.conftest import TRADER, ChatWorld


def connection_lost_after_execution(real: Any, *args: Any, **kwargs: Any) -> Any:
    real(*args, **kwargs)
    raise ConnectionResetError("connection reset by peer")


async def test_the_reply_code_qq_shows_under_an_unknown_outcome_finds_the_order(
    world: ChatWorld,
) -> None:
    [preview] = await world.say("买0.01手黄金", platform="qq")
    world.api.hooks["order_send"] = connection_lost_after_execution
    [code_line] = render(preview, QQ_CAPS).reply_codes[:1]
    [unknown] = await world.say(code_line, platform="qq")  # "确认 7F3K" typed on QQ
    world.api.hooks.clear()
    assert await world.broker.reconnect()

    shown = render(unknown, QQ_CAPS)
    [check] = shown.reply_codes
    assert check.startswith("查询 ")
    assert f"「{check}」" in shown.texts[-1]  # the line QQ users read and copy

    [answer] = await world.say(check, platform="qq")
    [pos] = await world.broker.positions()
    assert f"#{pos.ticket}" in answer.text
    conf = await ConfirmationStore(world.db).get(preview.buttons[0].id.split(":")[1])
    assert conf is not None
    assert conf.state == "done"
    assert conf.user_id == TRADER
    assert len(world.orders_sent()) == 1
