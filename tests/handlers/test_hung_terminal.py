"""Issue 12, item 5 as an attack on the real stack: one user's order_send hangs in the terminal
(the paper terminal behind the `Hang` fake at the remote-API boundary), another user asks
"余额" through the conversation meanwhile.

Must show: the balance answers while the order is still blocked (its age said in the answer);
the stuck trade answers "unknown outcome" after its deadline; releasing the hang later does not
produce a second order, and ✅ again finds the order that executed late. Assertions are on the
order of events, never on seconds; the deadlines are small and every wait has a safety net."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.config import ConversationConfig
from handlers.conversation import Conversation
from handlers.i18n import t
from handlers.messages import Outgoing
from store.db import Database, sqlite_url
from tests.conftest import CONV_MAGIC, TRADER2, VIEWER, ChatWorld, ConvClock
from tests.conftest import make_test_conversation as make_conversation
from tests.fakes.mt5_fakes import Hang, Recorder

SAFETY_S = 20.0  # only ever reached when the behaviour under test is broken
# the unknown-outcome sentence, up to where the re-check hint (button and code) starts
UNKNOWN_ZH = t("zh", "result_unknown", cid="X").split("请发")[0]


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def until(event: threading.Event) -> None:
    assert await asyncio.to_thread(event.wait, SAFETY_S), "the event never happened"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ChatWorld]:
    """The conversation world of tests/conftest.py, with deadlines small enough for a test:
    an order may take 1 s, a lookup 5 s; a display question waits 50 ms for a busy terminal."""
    clock = ConvClock()
    terminal = PaperTerminal(None, seed=7, clock=clock.ts)
    api = Recorder(terminal)
    broker = MT5Broker(
        api,
        magic=CONV_MAGIC,
        server_utc_offset_hours=2,
        clock=clock.ts,
        trade_deadline_s=1.0,
        query_deadline_s=5.0,
        snapshot_wait_s=0.05,
    )
    await broker.connect()
    db = await Database.open(sqlite_url(tmp_path / "tradechat.sqlite"))

    async def make(config: ConversationConfig | None = None) -> Conversation:
        return await make_conversation(broker, db, clock, config)

    w = ChatWorld(clock, terminal, api, broker, db, tmp_path, await make(), make)
    try:
        yield w
    finally:
        await broker.close()
        await db.close()
        terminal.close()


async def test_a_hung_order_send_does_not_keep_another_users_balance_waiting(
    world: ChatWorld,
) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    assert preview.buttons, preview.text
    hang = Hang(world.api)
    try:
        press = asyncio.create_task(world.press(preview.buttons[0].id))
        await until(hang.entered)  # the trader's order is now stuck in the terminal
        world.clock.advance(7)  # since the last account answer (the re-check at ✅)

        balance = only(await world.say("余额", VIEWER))
        assert not hang.returned.is_set()  # answered while the order is still blocked
        assert "10,000.00" in balance.text
        assert "余额" in balance.text
        assert "交易终端正忙" in balance.text
        assert "7 秒前的数据" in balance.text

        result = only(await press)  # freed by its deadline, the call still stuck
        assert not hang.returned.is_set()
        assert result.text.startswith(UNKNOWN_ZH)
        assert "不会自动重发" in result.text

        english = only(await world.say("balance", VIEWER))  # after the deadline: same answer
        assert "10,000.00" in english.text
        assert "these figures are from 7 s ago" in english.text
    finally:
        hang.release()
    await asyncio.wait_for(world.broker.call_returned.wait(), SAFETY_S)
    assert await world.broker.reconnect()

    # the order executed late, once; ✅ again looks it up and never resends it
    [sent] = world.orders_sent()
    [pos] = world.terminal.positions_get()
    assert pos.comment == sent["comment"]
    again = only(await world.press(preview.buttons[0].id))
    assert again.text == t("zh", "result_found_later", ticket=pos.ticket)
    assert len(world.orders_sent()) == 1
    positions = only(await world.say("持仓", VIEWER)).text  # fresh figures again
    assert f"#{pos.ticket}" in positions
    assert "交易终端正忙" not in positions


async def test_while_a_trade_is_stuck_another_traders_confirmation_sends_nothing(
    world: ChatWorld,
) -> None:
    first = only(await world.say("买入0.01手黄金"))
    second = only(await world.say("卖出0.02手黄金", TRADER2))
    hang = Hang(world.api)
    try:
        stuck = only(await world.press(first.buttons[0].id))
        assert stuck.text.startswith(UNKNOWN_ZH)
        refused = only(await world.press(second.buttons[0].id, TRADER2))
        assert not hang.returned.is_set()
        # nothing was sent: a toast, and the preview keeps its ✅ (handlers/confirm.py `_away`)
        assert refused.kind == "error"
        assert refused.text.startswith(
            "🔌 交易终端暂时连不上（交易终端的调用超过 1 秒未返回）：未执行"
        )
        assert len(world.orders_sent()) == 1  # only the stuck one ever reached the terminal
    finally:
        hang.release()
    await asyncio.wait_for(world.broker.call_returned.wait(), SAFETY_S)
    assert len(world.orders_sent()) == 1
