"""One-tap hedge suggestions against the paper terminal: the hedge summary's button builds
exactly the suggested plan, the press is only a preview (✅ still needed), a stale suggestion
is answered as such, typed codes work where there are no buttons."""

from __future__ import annotations

import pytest

from broker.models import Position
from handlers.hedge_actions import BUTTON_PREFIX, action_button, read_action_button
from handlers.messages import Incoming, Outgoing
from reports.hedge import CloseStep, HedgeAction
from tests.conftest import TRADER, VIEWER, ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def open_gold(w: ChatWorld, text: str) -> Position:
    before = {p.ticket for p in await w.broker.positions()}
    p = only(await w.say(text))
    only(await w.press(p.buttons[0].id, message_id=text))
    (new,) = [p for p in await w.broker.positions() if p.ticket not in before]
    return new


def unlock(buy: Position, sell: Position, lots: float) -> HedgeAction:
    return HedgeAction(
        "XAUUSD",
        (
            CloseStep(buy.ticket, lots, "buy", whole=lots >= buy.volume),
            CloseStep(sell.ticket, lots, "sell", whole=lots >= sell.volume),
        ),
    )


async def test_the_button_carries_the_closes_within_64_bytes(world: ChatWorld) -> None:
    action = HedgeAction(
        "XAUUSD",
        tuple(CloseStep(9_999_999_999 - i, 0.01, "buy", whole=True) for i in range(3)),
    )
    b = action_button(action, "zh")
    assert b is not None
    assert len(b.id.encode()) <= 64
    assert read_action_button(b.id) == tuple((9_999_999_999 - i, 0.01) for i in range(3))
    assert b.reply_code == f"执行建议 {b.id.removeprefix(BUTTON_PREFIX)}"
    assert read_action_button("c:abc:y") is None


async def test_the_press_builds_exactly_that_plan_and_only_a_preview(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    buy = await open_gold(world, "buy 0.03 gold")
    sell = await open_gold(world, "sell 0.01 gold")
    b = action_button(unlock(buy, sell, 0.01), "zh")
    assert b is not None
    assert b.label == f"▶ XAUUSD 平 #{buy.ticket} 0.01手 + #{sell.ticket} 0.01手"
    sent = len(world.orders_sent())
    preview = only(await world.press(b.id, message_id="hedge-push"))
    assert preview.buttons, preview.text  # ✅/❌: the press is not the confirmation
    assert preview.edit_of is None  # the hedge summary stays as it was
    assert len(world.orders_sent()) == sent
    assert f"#{buy.ticket} XAUUSD" in preview.text
    assert f"#{sell.ticket} XAUUSD" in preview.text
    assert "0.01/0.03" in preview.text  # the buy in part, the sell whole
    only(await world.press(preview.buttons[0].id, message_id="preview"))
    left = {p.ticket: p.volume for p in await world.broker.positions()}
    assert left == {buy.ticket: pytest.approx(0.02)}


async def test_a_stale_suggestion_is_answered_and_plans_nothing(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    buy = await open_gold(world, "buy 0.02 gold")
    sell = await open_gold(world, "sell 0.02 gold")
    b = action_button(unlock(buy, sell, 0.02), "zh")
    assert b is not None
    close = only(await world.say(f"平仓 #{sell.ticket}"))
    only(await world.press(close.buttons[0].id, message_id="close"))
    out = only(await world.press(b.id, message_id="hedge-push"))
    assert not out.buttons
    assert f"#{sell.ticket}" in out.text
    assert "已过时" in out.text
    assert [p.ticket for p in await world.broker.positions()] == [buy.ticket]


async def test_the_typed_code_works_where_there_are_no_buttons(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    buy = await open_gold(world, "buy 0.02 gold")
    out = only(await world.say(f"执行建议 {buy.ticket}x0.01", platform="qq"))
    assert out.buttons, out.text
    assert "0.01/0.02" in out.text
    en = only(await world.say(f"apply {buy.ticket}x0.01"))
    assert en.buttons
    assert "0.01/0.02" in en.text


async def test_a_viewer_cannot_take_a_suggestion(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    buy = await open_gold(world, "buy 0.02 gold")
    action = HedgeAction("XAUUSD", (CloseStep(buy.ticket, 0.02, "buy", whole=True),))
    b = action_button(action, "zh")
    assert b is not None
    out = only(await world.press(b.id, user=VIEWER, message_id="hedge-push"))
    assert not out.buttons


async def test_the_hedge_summary_offers_its_closing_suggestions_as_buttons(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    buy = await open_gold(world, "buy 0.5 gold")  # 1% of 2650 × 100 × 0.5 = 1325: 13% of equity
    out = only(await world.say("/hedge"))
    ids = [b.id for b in out.buttons]
    assert f"{BUTTON_PREFIX}{buy.ticket}x0.5" in ids, (out.text, ids)
    assert f"#{buy.ticket}" in out.text  # the text names what the button closes


async def test_a_press_in_a_group_that_is_no_trading_room_previews_privately(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    buy = await open_gold(world, "buy 0.02 gold")
    action = HedgeAction("XAUUSD", (CloseStep(buy.ticket, 0.01, "buy", whole=False),))
    b = action_button(action, "zh")
    assert b is not None
    out = await world.conv.handle(
        Incoming(
            platform="telegram",
            chat_id="group-1",
            user_id=TRADER,
            button_id=b.id,
            is_group=True,
            message_id="hedge-push",
            private_chat=TRADER,
        )
    )
    (preview,) = out
    assert preview.to_chat == TRADER
    assert preview.buttons
    assert "0.01/0.02" in preview.text
