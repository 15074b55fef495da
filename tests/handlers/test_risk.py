"""Risk limits on every path, read-only mode, who may do what, and the rate limit."""

from __future__ import annotations

from handlers.config import RiskLimits
from handlers.messages import Outgoing
from tests.conftest import (
    ADMIN,
    STRANGER,
    TRADER,
    VIEWER,
    ChatWorld,
    conv_config,
    make_test_conversation,
)


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def with_limits(w: ChatWorld, **limits: object) -> None:
    w.conv = await w.make(conv_config(risk=RiskLimits(**limits)))  # type: ignore[arg-type]


async def test_max_lots_per_order_blocks_the_preview(world: ChatWorld) -> None:
    await with_limits(world, max_lots_per_order=0.5)
    o = only(await world.say("买1手黄金"))
    assert "⛔" in o.text
    assert "单笔 1 手超过上限 0.5 手" in o.text
    assert not o.buttons
    assert world.orders_sent() == []
    assert only(await world.say("买0.5手黄金")).buttons


async def test_max_total_lots_per_symbol_counts_both_sides(world: ChatWorld) -> None:
    await with_limits(world, max_total_lots_per_symbol=0.05)
    await world.broker.open_market("XAUUSD", "buy", 0.02)
    await world.broker.open_market("XAUUSD", "sell", 0.02)
    o = only(await world.say("买0.02手黄金"))
    assert "XAUUSD 总手数将达 0.06，超过上限 0.05" in o.text
    assert not o.buttons
    # another symbol is not affected
    assert only(await world.say("买0.02手欧美")).buttons


async def test_max_open_positions(world: ChatWorld) -> None:
    await with_limits(world, max_open_positions=2)
    await world.broker.open_market("XAUUSD", "buy", 0.01)
    await world.broker.open_market("EURUSD", "buy", 0.01)
    o = only(await world.say("买0.01手镑美"))
    assert "持仓数将达 3，超过上限 2" in o.text
    assert not o.buttons


async def test_allowed_symbols(world: ChatWorld) -> None:
    await with_limits(world, allowed_symbols=frozenset({"EURUSD"}))
    o = only(await world.say("买0.01手黄金"))
    assert "XAUUSD 不在允许交易的品种中" in o.text
    assert not o.buttons
    assert "EURUSD 允许交易" in only(await world.say("买0.01手欧美")).text


async def test_max_daily_loss_blocks_opens_but_never_closes(world: ChatWorld) -> None:
    await with_limits(world, max_daily_loss=100.0)
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    r = await world.broker.open_market("XAUUSD", "buy", 1.0)
    world.terminal.set_price("XAUUSD", 2698.0, 2698.2)  # about -220 USD floating
    o = only(await world.say("买0.01手欧美"))
    assert "今日净值亏损" in o.text
    assert "已达上限 100.00" in o.text
    assert not o.buttons
    close = only(await world.say(f"平仓 {r.ticket}"))
    assert close.buttons, close.text
    assert "已平仓" in only(await world.press(close.buttons[0].id)).text
    # still blocked after closing: the loss is realised now
    assert not only(await world.say("买0.01手欧美")).buttons


async def test_daily_loss_limit_is_checked_again_at_confirmation(world: ChatWorld) -> None:
    await with_limits(world, max_daily_loss=100.0)
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    await world.broker.open_market("XAUUSD", "buy", 1.0)
    p = only(await world.say("买0.01手欧美"))
    assert p.buttons
    world.terminal.set_price("XAUUSD", 2698.0, 2698.2)
    out = only(await world.press(p.buttons[0].id))
    assert "风控检查未通过" in out.text
    assert len(world.orders_sent()) == 1  # only the setup order


async def test_read_only_blocks_opens_closes_modifies_and_cancels(world: ChatWorld) -> None:
    r = await world.broker.open_market("XAUUSD", "buy", 0.01)
    await world.broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.0)
    assert "已开启" in only(await world.say("/readonly on", ADMIN)).text
    sent = len(world.orders_sent())
    for text in ("买0.01手黄金", f"平仓 {r.ticket}", "黄金止损改到2000", "撤销所有挂单"):
        o = only(await world.say(text))
        assert "只读模式开启" in o.text, text
        assert not o.buttons, text
    assert len(world.orders_sent()) == sent
    # queries still work
    assert "XAUUSD" in only(await world.say("持仓")).text
    assert "已关闭" in only(await world.say("/readonly off", ADMIN)).text
    assert only(await world.say("买0.01手黄金")).buttons


async def test_read_only_survives_a_restart_and_starts_from_settings(world: ChatWorld) -> None:
    await world.say("/readonly on", ADMIN)
    restarted = await world.make()
    assert await restarted.read_only() is True
    # a file value that changed since the toggle wins
    changed = await world.make(conv_config(risk=RiskLimits(read_only=True)))
    await changed.set_read_only(False)
    assert (
        await (await world.make(conv_config(risk=RiskLimits(read_only=True)))).read_only() is False
    )
    assert (
        await (await world.make(conv_config(risk=RiskLimits(read_only=False)))).read_only() is False
    )


async def test_read_only_setting_is_the_start_value(world: ChatWorld) -> None:
    conv = await make_test_conversation(
        world.broker, world.db, world.clock, conv_config(risk=RiskLimits(read_only=True))
    )
    assert await conv.read_only() is True


async def test_unknown_user_can_neither_read_nor_trade(world: ChatWorld) -> None:
    first = only(await world.say("余额", STRANGER))
    assert first.text == "抱歉，你没有使用权限。"
    # one short refusal, then silence; nothing about the account ever
    for text in ("持仓", "buy 1 gold", "本月盈亏", "帮助"):
        assert await world.say(text, STRANGER) == []
    # a forged button press from a stranger does nothing
    p = only(await world.say("买0.01手黄金", TRADER))
    assert await world.press(p.buttons[0].id, STRANGER, chat=TRADER) == []
    assert world.orders_sent() == []
    denied = [e for e in await world.conv.audit.entries(user_id=STRANGER) if e.event == "denied"]
    assert len(denied) == 6


async def test_unknown_user_in_a_group_is_ignored_silently(world: ChatWorld) -> None:
    assert await world.say("余额", STRANGER, chat="g", group=True) == []
    assert await world.say("buy 1 gold", STRANGER, chat="g", group=True) == []
    assert world.orders_sent() == []
    assert only(await world.say("余额", TRADER, chat="g", group=True)).text.startswith("💰")


async def test_listed_on_one_platform_is_not_listed_on_another(world: ChatWorld) -> None:
    assert only(await world.say("余额", VIEWER, platform="qq")).text == "抱歉，你没有使用权限。"
    assert world.conv.is_listed("telegram", VIEWER)
    assert not world.conv.is_listed("qq", VIEWER)


async def test_viewer_reads_but_cannot_trade(world: ChatWorld) -> None:
    assert "余额" in only(await world.say("余额", VIEWER)).text
    o = only(await world.say("买0.01手黄金", VIEWER))
    assert "只读查看" in o.text
    assert not o.buttons
    assert world.orders_sent() == []


async def test_rate_limit_answers_politely_once_per_window(world: ChatWorld) -> None:
    world.conv = await world.make(conv_config(messages_per_minute=3))
    for _ in range(3):
        assert "余额" in only(await world.say("余额")).text
    assert "请稍等一分钟" in only(await world.say("余额")).text
    assert await world.say("余额") == []
    # other users are not affected
    assert "余额" in only(await world.say("余额", VIEWER)).text
    world.clock.advance(61)
    assert "余额" in only(await world.say("余额")).text


async def test_stop_loss_on_the_wrong_side_shows_in_the_preview_and_blocks_it(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("EURUSD", 1.08000, 1.08003)
    o = only(await world.say("buy 0.1 EURUSD sl 1.2"))
    assert "SL 1.20000 must be below the current bid 1.08000 for a buy on EURUSD" in o.text
    assert not o.buttons
    assert world.orders_sent() == []
    ok = only(await world.say("buy 0.1 EURUSD sl 1.07"))
    assert "SL/TP and order prices are valid" in ok.text
    assert ok.buttons


async def test_modifying_a_symbol_flags_the_position_whose_new_stop_is_invalid(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    await world.broker.open_market("XAUUSD", "buy", 0.01)
    sell = await world.broker.open_market("XAUUSD", "sell", 0.01)
    o = only(await world.say("黄金全部止损改到2650"))  # "all": both sides, each leg checked
    # 2650 is a fine stop for the buy but below the ask for the sell
    assert f"#{sell.ticket}：XAUUSD 空单的止损 2650.00 必须高于当前 Ask 价 2700.20" in o.text
    assert not o.buttons


async def test_pending_price_on_the_wrong_side_for_its_kind_is_refused_in_the_preview(
    world: ChatWorld,
) -> None:
    world.terminal.set_price("EURUSD", 1.08000, 1.08003)
    o = only(await world.say("buy limit EURUSD 0.1 at 1.09"))
    assert "must be below the current ask 1.08003" in o.text
    assert not o.buttons
