"""✅ (or a typed reply code) while the trading terminal is away: nothing is sent, the trader is
told so in plain words, and the confirmation stays confirmable until it expires — the claim
pending → executing is undone in one UPDATE (`ConfirmationStore.release`). When the terminal
is back the same ✅ executes exactly once; presses meanwhile never send a second order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from broker.models import Note
from handlers.i18n import t
from handlers.messages import Outgoing
from store.audit import AuditEntry
from store.confirmations import ConfirmationStore
from tests.conftest import ChatWorld
from tests.fakes.mt5_fakes import Outage

AWAY_ZH = "🔌 交易终端暂时连不上"
AWAY_EN = "🔌 The trading terminal is away"


@pytest.fixture
def outage(world: ChatWorld) -> Outage:
    return Outage(world.api)


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


def cid_of(p: Outgoing) -> str:
    return p.buttons[0].id.split(":")[1]


async def state_of(world: ChatWorld, preview: Outgoing) -> str:
    conf = await ConfirmationStore(world.db).get(cid_of(preview))
    assert conf is not None
    return conf.state


async def away_decisions(world: ChatWorld) -> list[dict[str, Any]]:
    entries: list[AuditEntry] = await world.conv.audit.entries(limit=1000)
    rows = [json.loads(e.detail) for e in entries if e.event == "decision"]
    return [r for r in rows if r.get("decision") == "terminal_away_at_confirm"]


async def test_confirm_while_away_says_nothing_was_sent_and_keeps_the_preview(
    world: ChatWorld, outage: Outage
) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    outage.begin()
    answer = only(await world.press(preview.buttons[0].id, message_id="pv"))
    assert answer.text.startswith(AWAY_ZH)
    assert "什么都没有发送" in answer.text
    assert "预览在过期前仍然有效" in answer.text
    assert "再按 ✅" in answer.text
    assert len(answer.text) <= 200  # a Telegram toast shows it whole
    # not an edit: the preview keeps its ✅/❌ (on Telegram the answer is a toast)
    assert answer.edit_of is None
    assert answer.kind == "error"
    assert world.orders_sent() == []
    assert await state_of(world, preview) == "pending"
    [row] = await away_decisions(world)
    assert row["stage"] == "recheck"
    assert row["pending_again"] is True


async def test_the_same_press_executes_exactly_once_when_the_terminal_is_back(
    world: ChatWorld, outage: Outage
) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    outage.begin()
    only(await world.press(preview.buttons[0].id))
    again = only(await world.press(preview.buttons[0].id))  # a second press meanwhile
    assert again.text.startswith(AWAY_ZH)
    assert world.orders_sent() == []
    await outage.end(world)
    done = only(await world.press(preview.buttons[0].id, message_id="pv"))
    assert done.text.startswith("✅ 已成交：买入 XAUUSD 0.01 手")
    assert done.edit_of == "pv"
    assert len(world.orders_sent()) == 1
    assert await state_of(world, preview) == "done"
    late = only(await world.press(preview.buttons[0].id))
    assert "已经处理过了" in late.text
    assert len(world.orders_sent()) == 1
    assert len(await world.broker.positions()) == 1


async def test_typed_reply_code_while_away_keeps_the_code_usable(
    world: ChatWorld, outage: Outage
) -> None:
    preview = only(await world.say("buy 0.01 gold", platform="qq"))
    code = (preview.buttons[0].reply_code or "").split()[1]
    outage.begin()
    answer = only(await world.say(f"confirm {code}", platform="qq"))
    assert answer.text.startswith(AWAY_EN)
    assert "nothing was sent" in answer.text
    assert "stays valid until it expires" in answer.text
    assert f"reply “confirm {code}” again when it is back" in answer.text  # no ✅ to press
    assert world.orders_sent() == []
    await outage.end(world)
    done = only(await world.say(f"confirm {code}", platform="qq"))
    assert done.text.startswith("✅ Filled: Buy 0.01 lots XAUUSD")
    assert len(world.orders_sent()) == 1


async def test_concurrent_presses_while_away_and_after_send_one_order(
    world: ChatWorld, outage: Outage
) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    outage.begin()
    answers = await asyncio.gather(
        *(world.press(preview.buttons[0].id, message_id=str(i)) for i in range(6))
    )
    texts = [only(a).text for a in answers]
    # each press either met the terminal away (row back to pending) or the claim in progress
    assert all(x.startswith(AWAY_ZH) or "已经处理过了" in x for x in texts), set(texts)
    assert world.orders_sent() == []
    assert await state_of(world, preview) == "pending"
    await outage.end(world)
    await asyncio.gather(*(world.press(preview.buttons[0].id, message_id=str(i)) for i in range(6)))
    assert len(world.orders_sent()) == 1
    assert len(await world.broker.positions()) == 1


async def test_supervisor_knows_the_terminal_is_away(world: ChatWorld) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    world.broker.mark_disconnected(Note("connection_lost"))
    answer = only(await world.press(preview.buttons[0].id))
    assert answer.text.startswith(AWAY_ZH + "（与交易终端的连接已断开）")
    assert world.orders_sent() == []
    assert await state_of(world, preview) == "pending"


async def test_refused_at_the_send_because_not_connected_returns_to_pending(
    world: ChatWorld,
) -> None:
    """The terminal drops between the re-check and the send: the broker refuses the order
    with "not_connected" before sending it, and the row goes back to pending too."""
    # A twin preview that executes normally counts the quotes up to the send: the drift
    # check's quote (its last call, the tick) is the re-check's last lookup; the order's own
    # job (symbol → fresh tick → order_send) follows it and is not counted.
    last = "symbol_info_tick"
    twin = only(await world.say("买入0.01手黄金"))
    start = len(world.api.calls)
    only(await world.press(twin.buttons[0].id))
    names = [n for n, _, _ in world.api.calls[start:]]
    before_send = names[: names.index("order_send")]
    order_job = len(before_send) - 1 - before_send[::-1].index("symbol_info")
    wanted = before_send[:order_job].count(last)
    assert wanted >= 1
    [held] = await world.broker.positions()
    await world.broker.close_position(held.ticket)
    sent_before = len(world.orders_sent())

    preview = only(await world.say("买入0.01手黄金"))
    seen = 0

    def drop_after(fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        value = fn(*args, **kwargs)
        seen += 1
        if seen == wanted:  # the re-check's last lookup answered; then the terminal drops
            world.broker.session.mark_disconnected(Note("connection_lost"))
        return value

    world.api.hooks[last] = drop_after
    answer = only(await world.press(preview.buttons[0].id))
    del world.api.hooks[last]
    assert answer.text.startswith(AWAY_ZH), answer.text
    assert len(world.orders_sent()) == sent_before  # nothing reached the terminal
    assert await state_of(world, preview) == "pending"
    [row] = await away_decisions(world)
    assert row["stage"] == "send"
    assert await world.broker.reconnect()
    done = only(await world.press(preview.buttons[0].id))
    assert done.text.startswith("✅ 已成交")
    assert len(world.orders_sent()) == sent_before + 1


async def test_away_after_expiry_says_expired(world: ChatWorld, outage: Outage) -> None:
    preview = only(await world.say("买入0.01手黄金"))
    outage.begin()
    world.clock.advance(59)
    answer = only(await world.press(preview.buttons[0].id))
    assert answer.text.startswith(AWAY_ZH)
    world.clock.advance(5)
    expired = only(await world.press(preview.buttons[0].id))
    assert expired.text == t("zh", "confirm_expired", ttl=60)
    assert world.orders_sent() == []


async def test_release_only_ever_undoes_a_claim(world: ChatWorld) -> None:
    """`release` moves executing → pending and nothing else: a finished row, a pending row and
    an unknown id are left alone, so a late release can never reopen an executed trade."""
    store = ConfirmationStore(world.db)
    now = world.clock.now()
    owner = {"platform": "telegram", "chat_id": "c", "user_id": "u"}
    conf = await store.create(**owner, lang="zh", plan={}, ttl_s=60, now=now)
    assert not await store.release(conf.id, now=now)  # pending: nothing to undo
    assert (await store.claim(conf.id, **owner, now=now))[0] == "ok"
    assert (await store.claim(conf.id, **owner, now=now))[0] == "used"
    assert await store.release(conf.id, now=now)
    assert not await store.release(conf.id, now=now)  # once
    assert (await store.claim(conf.id, **owner, now=now))[0] == "ok"
    assert await store.finish(conf.id, "done", {"legs": []}, now=now)
    assert not await store.release(conf.id, now=now)  # done stays done
    again = await store.get(conf.id)
    assert again is not None
    assert again.state == "done"
    assert not await store.release("no-such-id", now=now)


async def test_confirm_button_while_away_in_english(world: ChatWorld, outage: Outage) -> None:
    preview = only(await world.say("buy 0.01 gold"))
    outage.begin()
    answer = only(await world.press(preview.buttons[0].id))
    assert answer.text.startswith(AWAY_EN)
    assert answer.text.endswith(
        "nothing was sent. The preview stays valid until it expires — press ✅ again when it "
        "is back."
    )
    assert len(answer.text) <= 200
    assert world.orders_sent() == []
    assert await state_of(world, preview) == "pending"
