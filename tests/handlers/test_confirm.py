"""Confirmations: exactly-once execution whatever the presses, users, clocks, restarts and
broker failures do."""

from __future__ import annotations

import asyncio
from typing import Any

from handlers.config import TradingConfig
from handlers.messages import Outgoing
from store.confirmations import CODE_ALPHABET, ConfirmationStore
from store.db import Database, sqlite_url
from tests.conftest import (
    CONV_MAGIC,
    TRADER,
    TRADER2,
    VIEWER,
    ChatWorld,
    conv_config,
    make_test_conversation,
)


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def preview_buy(w: ChatWorld, text: str = "buy 0.01 gold", **kw: Any) -> Outgoing:
    p = only(await w.say(text, **kw))
    assert p.buttons, p.text
    return p


async def trading_rooms(w: ChatWorld, *rooms: str) -> None:
    """Groups where previews are shown in the group itself (handlers/rooms.py)."""
    w.conv = await w.make(conv_config(trading_rooms=frozenset(rooms)))


def cid_of(p: Outgoing) -> str:
    return p.buttons[0].id.split(":")[1]


async def test_button_callback_data_is_short_and_unguessable(world: ChatWorld) -> None:
    ids = set()
    for _ in range(5):
        p = await preview_buy(world)
        for b in p.buttons:
            assert len(b.id.encode()) <= 64
        cid = cid_of(p)
        assert len(cid) >= 16  # token_urlsafe(16): 128 random bits
        ids.add(cid)
        code = p.buttons[0].reply_code or ""
        assert code.startswith("confirm ")
        assert len(code.split()[1]) == 4
        assert all(c in CODE_ALPHABET for c in code.split()[1])
    assert len(ids) == 5


async def test_two_concurrent_presses_send_exactly_one_order(world: ChatWorld) -> None:
    p = await preview_buy(world)
    first, second = await asyncio.gather(
        world.press(p.buttons[0].id, message_id="a"), world.press(p.buttons[0].id, message_id="b")
    )
    texts = [only(first).text, only(second).text]
    assert sum("Filled" in t for t in texts) == 1, texts
    assert sum("already handled" in t for t in texts) == 1, texts
    assert len(world.orders_sent()) == 1
    assert len(await world.broker.positions()) == 1


async def test_many_concurrent_presses_and_codes_still_one_order(world: ChatWorld) -> None:
    p = await preview_buy(world)
    code = p.buttons[0].reply_code or ""
    presses = [world.press(p.buttons[0].id, message_id=str(i)) for i in range(8)]
    typed = [world.say(code) for _ in range(4)]
    await asyncio.gather(*presses, *typed)
    assert len(world.orders_sent()) == 1


async def test_second_press_after_execution_sends_nothing(world: ChatWorld) -> None:
    p = await preview_buy(world)
    assert "Filled" in only(await world.press(p.buttons[0].id)).text
    again = only(await world.press(p.buttons[0].id))
    assert "already handled" in again.text
    assert "nothing is sent twice" in again.text
    assert len(world.orders_sent()) == 1


async def test_another_users_press_is_refused_and_sends_nothing(world: ChatWorld) -> None:
    await trading_rooms(world, "telegram:group-1")
    p = await preview_buy(world, chat="group-1", group=True)
    out = only(await world.press(p.buttons[0].id, TRADER2, chat="group-1"))
    assert "别人的交易确认" in out.text  # a press has no text: the presser's default language
    assert out.edit_of is None  # the owner's preview is left alone
    assert world.orders_sent() == []
    # the owner can still confirm it
    assert "Filled" in only(await world.press(p.buttons[0].id, TRADER, chat="group-1")).text


async def test_a_viewer_cannot_confirm(world: ChatWorld) -> None:
    await trading_rooms(world, "telegram:group-1")
    p = await preview_buy(world, chat="group-1", group=True)
    out = only(await world.press(p.buttons[0].id, VIEWER, chat="group-1"))
    assert "只读查看" in out.text
    assert world.orders_sent() == []


async def test_expired_confirmation_is_refused_with_a_clear_message(world: ChatWorld) -> None:
    p = await preview_buy(world)
    world.clock.advance(61)
    out = only(await world.press(p.buttons[0].id, message_id="pv"))
    assert "expired" in out.text
    assert "nothing was executed" in out.text
    assert out.edit_of == "pv"
    assert world.orders_sent() == []


async def test_unknown_button_id_is_refused(world: ChatWorld) -> None:
    out = only(await world.press("c:AAAAAAAAAAAAAAAAAAAAAA:y"))
    assert "no longer valid" in out.text or "已失效" in out.text
    out = only(await world.press("garbage"))
    assert world.orders_sent() == []


async def test_restart_between_preview_and_confirm_executes_once(world: ChatWorld) -> None:
    p = await preview_buy(world)
    await world.db.close()  # the process stops …
    db2 = await Database.open(sqlite_url(world.db_path))  # … and starts again
    try:
        conv2 = await make_test_conversation(world.broker, db2, world.clock)
        out = only(await world.press(p.buttons[0].id, conv=conv2))
        assert "Filled" in out.text
        again = only(await world.press(p.buttons[0].id, conv=conv2))
        assert "already handled" in again.text
        assert len(world.orders_sent()) == 1
    finally:
        await db2.close()


async def test_restart_after_expiry_says_expired_and_sends_nothing(world: ChatWorld) -> None:
    p = await preview_buy(world)
    await world.db.close()
    world.clock.advance(120)
    db2 = await Database.open(sqlite_url(world.db_path))
    try:
        conv2 = await make_test_conversation(world.broker, db2, world.clock)
        assert "expired" in only(await world.press(p.buttons[0].id, conv=conv2)).text
        assert world.orders_sent() == []
    finally:
        await db2.close()


async def test_reply_code_confirms_for_the_same_user_in_the_same_chat(world: ChatWorld) -> None:
    await trading_rooms(world, "telegram:g")
    p = await preview_buy(world, "买0.01手黄金", chat="g", group=True)
    code = (p.buttons[0].reply_code or "").split()[1]
    # another user typing the code: refused
    out = only(await world.say(f"确认 {code}", TRADER2, chat="g", group=True))
    assert "别人" in out.text
    # the same user in another chat: the code does not exist there
    out = only(await world.say(f"确认 {code}", TRADER, chat="elsewhere"))
    assert "不对或已失效" in out.text
    # same user on another platform: not found either
    out = only(await world.say(f"确认 {code}", TRADER, chat="g", group=True, platform="qq"))
    assert "不对或已失效" in out.text
    assert world.orders_sent() == []
    # the owner, lower case, extra spaces: accepted
    out = only(await world.say(f"  确认   {code.lower()} ", TRADER, chat="g", group=True))
    assert "已成交" in out.text
    assert out.edit_of is None
    assert len(world.orders_sent()) == 1
    # single use
    out = only(await world.say(f"确认 {code}", TRADER, chat="g", group=True))
    assert "已经处理过" in out.text
    assert len(world.orders_sent()) == 1


async def test_bare_confirm_word_is_never_enough(world: ChatWorld) -> None:
    await preview_buy(world)
    for word in ("确认", "yes", "OK", "confirm"):
        out = only(await world.say(word))
        assert "7F3K" in out.text  # asks for the full code, with an example
    assert world.orders_sent() == []


async def test_wrong_and_expired_codes_are_refused(world: ChatWorld) -> None:
    p = await preview_buy(world)
    code = (p.buttons[0].reply_code or "").split()[1]
    wrong = "7F3K" if code != "7F3K" else "9A3K"
    assert "wrong or no longer valid" in only(await world.say(f"confirm {wrong}")).text
    world.clock.advance(61)
    assert "expired" in only(await world.say(f"confirm {code}")).text
    assert world.orders_sent() == []


async def test_cancel_code_cancels(world: ChatWorld) -> None:
    p = await preview_buy(world)
    out = only(await world.say(p.buttons[1].reply_code or ""))
    assert "Cancelled" in out.text
    assert "already handled" in only(await world.press(p.buttons[0].id)).text
    assert world.orders_sent() == []


async def test_price_drift_past_the_limit_gives_a_fresh_preview(world: ChatWorld) -> None:
    world.conv = await world.make(
        conv_config(trading=TradingConfig(magic=CONV_MAGIC, max_price_drift_points=50))
    )
    world.terminal.set_price("XAUUSD", 2700.00, 2700.15)
    p = await preview_buy(world)
    world.terminal.set_price("XAUUSD", 2701.00, 2701.15)  # 100 points later
    note, fresh = await world.press(p.buttons[0].id, message_id="pv")
    assert "moved 100 points" in note.text
    assert note.edit_of == "pv"
    assert fresh.buttons
    assert cid_of(fresh) != cid_of(p)
    assert "2701.15" in fresh.text
    assert world.orders_sent() == []
    # the fresh preview executes at the new price
    assert "2701.15" in only(await world.press(fresh.buttons[0].id)).text
    assert len(world.orders_sent()) == 1


async def test_small_drift_within_the_limit_executes(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.00, 2700.15)
    p = await preview_buy(world)
    world.terminal.set_price("XAUUSD", 2700.10, 2700.25)  # 10 points
    assert "Filled" in only(await world.press(p.buttons[0].id)).text


async def test_risk_is_checked_again_at_confirmation(world: ChatWorld) -> None:
    p = await preview_buy(world)
    await world.conv.set_read_only(True)
    out = only(await world.press(p.buttons[0].id))
    assert "Risk checks failed" in out.text
    assert "Read-only" in out.text
    assert world.orders_sent() == []


class LostReply:
    """order_send reaches the terminal (the order executes) but the answer is lost."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.calls = 0

    def __call__(self, real: Any, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        real(*args, **kwargs)  # the request left and was executed
        if self.mode == "none":
            return None
        raise ConnectionResetError("connection reset by peer")


async def test_lost_reply_is_found_by_its_comment_and_not_resent(world: ChatWorld) -> None:
    hook = LostReply("none")
    world.api.hooks["order_send"] = hook
    p = await preview_buy(world)
    out = only(await world.press(p.buttons[0].id))
    assert hook.calls == 1
    [pos] = await world.broker.positions()
    assert f"#{pos.ticket}" in out.text  # found by the comment tc:<id>
    assert "did go through" in out.text
    assert len(world.orders_sent()) == 1
    state = await ConfirmationStore(world.db).get(cid_of(p))
    assert state is not None
    assert state.state == "done"


async def test_broker_failing_after_the_request_left_is_never_resent(world: ChatWorld) -> None:
    hook = LostReply("raise")
    world.api.hooks["order_send"] = hook
    p = await preview_buy(world)
    out = only(await world.press(p.buttons[0].id))
    assert "unknown" in out.text
    assert "NOT be resent" in out.text
    store = ConfirmationStore(world.db)
    conf = await store.get(cid_of(p))
    assert conf is not None
    assert conf.state == "unknown"
    # pressing ✅ again only looks the order up — it never sends a second one
    world.api.hooks.clear()
    await world.broker.reconnect()
    again = only(await world.press(p.buttons[0].id))
    assert "did go through" in again.text
    assert hook.calls == 1
    assert len(world.orders_sent()) == 1
    assert len(await world.broker.positions()) == 1
    conf = await store.get(cid_of(p))
    assert conf is not None
    assert conf.state == "done"


async def test_definitive_broker_refusal_is_explained_in_plain_words(world: ChatWorld) -> None:
    world.terminal.set_market_closed("XAUUSD")
    p = await preview_buy(world, "买0.01手黄金")
    out = only(await world.press(p.buttons[0].id))
    assert out.text.startswith("❌ 未执行")
    assert "市场" in out.text or "休市" in out.text
    assert await world.broker.positions() == []


async def test_partial_multi_leg_failure_reports_each_leg(world: ChatWorld) -> None:
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    b = await world.broker.open_market("XAUUSD", "buy", 0.01)
    p = only(await world.say("close gold"))
    await world.broker.close_position(a.ticket or 0)  # closed elsewhere meanwhile
    out = only(await world.press(p.buttons[0].id))
    assert f"#{a.ticket}" in out.text
    assert f"Closed #{b.ticket}" in out.text
    assert await world.broker.positions() == []


# --------------------------------------------------------------------------- the stored plan


async def test_the_stored_plan_reads_back_as_a_plan_with_a_real_intent(world: ChatWorld) -> None:
    from handlers.plans import Plan
    from nlp.intent import Intent

    p = await preview_buy(world, "买入0.01手黄金 止损2600")
    conf = await ConfirmationStore(world.db).get(cid_of(p))
    assert conf is not None
    # stored as the contract's JSON (absent keys omitted) …
    assert conf.plan["intent"] == {
        "intent": "open",
        "symbol": "XAUUSD",
        "side": "buy",
        "volume": 0.01,
        "sl": 2600.0,
    }
    # … and validated back into an Intent, the same plan as the one previewed
    plan = Plan.from_dict(conf.plan)
    assert isinstance(plan.intent, Intent)
    assert plan.intent == Intent(intent="open", symbol="XAUUSD", side="buy", volume=0.01, sl=2600)
    assert Plan.from_dict(plan.to_dict()) == plan
    assert plan.legs[0].sl == 2600.0


async def test_a_reply_code_typed_full_width_confirms(world: ChatWorld) -> None:
    p = await preview_buy(world)
    code = (p.buttons[0].reply_code or "").split()[1]
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)  # ７Ｆ３Ｋ
    out = only(await world.say(f"确认　{wide}"))
    assert "Filled" in out.text  # in the preview's language
    assert len(world.orders_sent()) == 1


async def test_a_code_shaped_word_that_is_no_code_of_ours_is_a_normal_message(
    world: ChatWorld,
) -> None:
    await preview_buy(world)
    # "1234" has no letter and uses digits outside the code alphabet: not a reply code
    out = only(await world.say("确认 1234"))
    assert "确认码" not in out.text
    assert world.orders_sent() == []
