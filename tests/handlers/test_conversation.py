"""Conversation through the neutral layer on the paper terminal: one test per intent, slot
filling over several turns, languages, admin commands."""

from __future__ import annotations

from handlers.config import TradingConfig
from handlers.messages import Outgoing
from tests.conftest import ADMIN, CONV_MAGIC, TRADER, VIEWER, ChatWorld, conv_config


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


async def confirm(w: ChatWorld, preview: Outgoing, user: str = TRADER) -> Outgoing:
    assert preview.buttons, preview.text
    return only(await w.press(preview.buttons[0].id, user))


# --------------------------------------------------------------------------- queries


async def test_balance_answers_account_figures_at_once(world: ChatWorld) -> None:
    o = only(await world.say("余额"))
    for word in ("余额", "净值", "已用保证金", "可用保证金", "保证金比例", "杠杆", "服务器"):
        assert word in o.text
    assert "10,000.00" in o.text
    assert "1:100" in o.text
    assert "TradeChat-Paper" in o.text
    assert not o.buttons


async def test_positions_show_lots_side_average_and_totals_per_symbol(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    await world.broker.open_market("XAUUSD", "buy", 0.01)
    world.terminal.set_price("XAUUSD", 2710.0, 2710.2)
    await world.broker.open_market("XAUUSD", "buy", 0.03)
    await world.broker.open_market("EURUSD", "sell", 0.1)
    o = only(await world.say("持仓"))
    assert "持仓（3 单）" in o.text
    gold = next(line for line in o.text.splitlines() if line.startswith("XAUUSD"))
    # 0.04 lots bought at a volume-weighted average of (2700.2*0.01 + 2710.2*0.03)/0.04
    assert "0.04" in gold
    assert "2707.70" in gold
    assert "合计 0.14 手" in o.text


async def test_positions_filtered_by_symbol_lists_tickets(world: ChatWorld) -> None:
    r = await world.broker.open_market("XAUUSD", "buy", 0.01)
    await world.broker.open_market("EURUSD", "buy", 0.01)
    o = only(await world.say("看看黄金的单子"))
    assert f"#{r.ticket}" in o.text
    assert "EURUSD" not in o.text


async def test_no_positions_says_so(world: ChatWorld) -> None:
    assert only(await world.say("持仓")).text == "没有持仓。"


async def test_pending_orders_are_listed(world: ChatWorld) -> None:
    r = await world.broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.0)
    o = only(await world.say("挂单列表"))
    assert f"#{r.ticket}" in o.text
    assert "EURUSD" in o.text
    assert "1.00000" in o.text


async def test_quote_shows_bid_ask_spread_and_day_change(world: ChatWorld) -> None:
    o = only(await world.say("黄金现在多少"))
    q = await world.broker.quote("XAUUSD")
    assert f"{q.bid:.2f}" in o.text
    assert f"{q.ask:.2f}" in o.text
    assert f"{q.spread_points} 点" in o.text
    assert "今日涨跌" in o.text


async def test_pnl_comes_from_the_report_service_with_commission(world: ChatWorld) -> None:
    r = await world.broker.open_market("XAUUSD", "buy", 0.1)
    await world.broker.close_position(r.ticket or 0)
    o = only(await world.say("本日盈亏"))
    assert "已实现盈亏" in o.text
    assert "手续费" in o.text


async def test_report_intent_answers_the_daily_report(world: ChatWorld) -> None:
    o = only(await world.say("日报"))
    assert "日报" in o.text


async def test_help_shows_trading_examples_only_to_traders(world: ChatWorld) -> None:
    trader = only(await world.say("帮助", TRADER)).text
    viewer = only(await world.say("帮助", VIEWER)).text
    admin = only(await world.say("帮助", ADMIN)).text
    assert "下单0.01手黄金" in trader
    assert "下单0.01手黄金" not in viewer
    assert "/readonly" in admin
    assert "/readonly" not in trader


async def test_unknown_message_is_not_guessed(world: ChatWorld) -> None:
    o = only(await world.say("今天天气怎么样"))
    assert "没听懂" in o.text
    assert world.orders_sent() == []


async def test_small_talk_in_a_group_is_ignored_unless_mentioned(world: ChatWorld) -> None:
    assert await world.say("哈哈哈哈", chat="g1", group=True) == []
    assert "没听懂" in only(await world.say("哈哈哈哈", chat="g1", group=True, mentioned=True)).text


# --------------------------------------------------------------------------- trades


async def test_open_market_preview_then_confirm_fills_and_edits_the_preview(
    world: ChatWorld,
) -> None:
    preview = only(await world.say("buy 0.01 gold"))
    assert preview.kind == "preview"
    assert "XAUUSD" in preview.text
    assert "margin" in preview.text.lower()
    assert world.orders_sent() == []
    result = only(await world.press(preview.buttons[0].id, message_id="msg-42"))
    assert result.edit_of == "msg-42"
    assert result.kind == "result"
    positions = await world.broker.positions()
    assert len(positions) == 1
    p = positions[0]
    assert p.volume == 0.01
    assert p.side == "buy"
    assert p.magic == CONV_MAGIC
    assert p.comment.startswith("tc:")
    assert f"#{p.ticket}" in result.text
    assert f"{p.price_open:.2f}" in result.text


async def test_open_without_side_asks_buy_or_sell_then_volume(world: ChatWorld) -> None:
    q1 = only(await world.say("下单黄金"))
    # one line: the question, what follows it, and how long it stays open
    assert q1.text == "买还是卖 XAUUSD？选好后先给你看预览，按 ✅ 才下单；5 分钟内回答有效。"
    assert [b.reply_code for b in q1.buttons] == ["买", "卖"]
    q2 = only(await world.say("卖"))
    assert q2.text == "多少手？"
    preview = only(await world.say("0.02"))
    assert "卖出 XAUUSD 0.02 手" in preview.text
    await confirm(world, preview)
    [p] = await world.broker.positions()
    assert (p.side, p.volume) == ("sell", 0.02)


async def test_side_question_button_fills_the_side(world: ChatWorld) -> None:
    q = only(await world.say("下单0.01手黄金"))
    preview = only(await world.press(q.buttons[0].id))
    assert "买入 XAUUSD 0.01 手" in preview.text
    assert preview.buttons


async def test_buy_gold_asks_how_many_lots_and_the_reply_completes_it(world: ChatWorld) -> None:
    assert only(await world.say("买黄金")).text == "多少手？"
    preview = only(await world.say("０.０２手"))
    assert "0.02" in preview.text
    assert preview.buttons


async def test_missing_symbol_is_asked_for(world: ChatWorld) -> None:
    # contract v2: a bare side or verb alone ("买") is not a request; a side with a volume is
    assert only(await world.say("买0.1手")).text.startswith("哪个品种")
    preview = only(await world.say("欧美"))
    assert "EURUSD 0.1 手" in preview.text


async def test_missing_volume_is_asked_for_after_the_symbol(world: ChatWorld) -> None:
    assert only(await world.say("买欧美")).text == "多少手？"
    preview = only(await world.say("0.1"))
    assert "EURUSD 0.1 手" in preview.text


async def test_unrelated_message_drops_the_pending_question(world: ChatWorld) -> None:
    assert only(await world.say("买黄金")).text == "多少手？"
    assert "余额" in only(await world.say("余额")).text
    # "0.02" is no longer an answer to anything
    assert "没听懂" in only(await world.say("0.02")).text


async def test_question_expires(world: ChatWorld) -> None:
    assert only(await world.say("买黄金")).text == "多少手？"
    world.clock.advance(world.conv.config.slot_ttl_s + 1)
    assert "没听懂" in only(await world.say("0.02")).text


async def test_default_volume_fills_only_when_settings_say_so(world: ChatWorld) -> None:
    assert only(await world.say("买黄金")).text == "多少手？"
    world.conv = await world.make(
        conv_config(
            trading=TradingConfig(magic=CONV_MAGIC, use_default_volume=True, default_volume=0.05)
        )
    )
    preview = only(await world.say("买黄金"))
    assert "XAUUSD 0.05 手" in preview.text


async def test_close_earliest_gold_position_plans_that_exact_ticket(world: ChatWorld) -> None:
    first = await world.broker.open_market("XAUUSD", "buy", 0.01)
    world.clock.advance(5)
    second = await world.broker.open_market("XAUUSD", "buy", 0.01)
    preview = only(await world.say("对最早的黄金订单平仓"))
    assert f"#{first.ticket}" in preview.text
    assert f"#{second.ticket}" not in preview.text
    await confirm(world, preview)
    assert [p.ticket for p in await world.broker.positions()] == [second.ticket]


async def test_close_by_volume_takes_oldest_first_and_the_last_partially(
    world: ChatWorld,
) -> None:
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    world.clock.advance(5)
    b = await world.broker.open_market("XAUUSD", "buy", 0.03)
    world.clock.advance(5)
    c = await world.broker.open_market("XAUUSD", "buy", 0.02)
    preview = only(await world.say("平仓0.02手黄金"))
    assert f"#{a.ticket}" in preview.text
    assert f"#{b.ticket}" in preview.text
    assert "0.01/0.03" in preview.text  # partial close of the second
    assert f"#{c.ticket}" not in preview.text
    await confirm(world, preview)
    left = {p.ticket: p.volume for p in await world.broker.positions()}
    assert left == {b.ticket: 0.02, c.ticket: 0.02}


async def test_close_more_than_open_is_explained_not_previewed(world: ChatWorld) -> None:
    await world.broker.open_market("XAUUSD", "buy", 0.01)
    o = only(await world.say("平仓0.05手黄金"))
    assert "只有 0.01 手" in o.text
    assert not o.buttons


async def test_close_by_ticket(world: ChatWorld) -> None:
    r = await world.broker.open_market("EURUSD", "sell", 0.1)
    preview = only(await world.say(f"close ticket {r.ticket}"))
    result = await confirm(world, preview)
    assert "Closed" in result.text
    assert await world.broker.positions() == []


async def test_close_losing_only_closes_losing_positions(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    loser = await world.broker.open_market("XAUUSD", "buy", 0.01)
    winner = await world.broker.open_market("XAUUSD", "sell", 0.01)
    world.terminal.set_price("XAUUSD", 2690.0, 2690.2)
    preview = only(await world.say("平掉亏损的黄金单子"))
    assert f"#{loser.ticket}" in preview.text
    assert f"#{winner.ticket}" not in preview.text


async def test_bare_close_is_not_a_request(world: ChatWorld) -> None:
    # contract v2: a bare verb alone ("平仓") is unknown, so nothing is closed or previewed
    await world.broker.open_market("XAUUSD", "buy", 0.01)
    assert "没听懂" in only(await world.say("平仓")).text
    assert len(await world.broker.positions()) == 1


async def test_close_naming_a_symbol_previews_at_once(world: ChatWorld) -> None:
    await world.broker.open_market("XAUUSD", "buy", 0.01)
    preview = only(await world.say("平掉黄金"))
    assert "平仓 XAUUSD" in preview.text


async def test_modify_sl_applies_to_every_position_of_the_symbol(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2700.0, 2700.2)
    a = await world.broker.open_market("XAUUSD", "buy", 0.01)
    b = await world.broker.open_market("XAUUSD", "buy", 0.02)
    preview = only(await world.say("黄金止损改到2600"))
    assert f"#{a.ticket}" in preview.text
    assert f"#{b.ticket}" in preview.text
    await confirm(world, preview)
    assert {p.sl for p in await world.broker.positions()} == {2600.0}


async def test_modify_tp_of_one_ticket(world: ChatWorld) -> None:
    world.terminal.set_price("EURUSD", 1.1, 1.1001)
    r = await world.broker.open_market("EURUSD", "buy", 0.1)
    preview = only(await world.say(f"move tp of {r.ticket} to 1.1200"))
    await confirm(world, preview)
    [p] = await world.broker.positions()
    assert p.tp == 1.12


async def test_cancel_all_pending_orders(world: ChatWorld) -> None:
    await world.broker.place_pending("EURUSD", "buy", "limit", 0.1, 1.0)
    await world.broker.place_pending("XAUUSD", "sell", "limit", 0.01, 9000.0)
    preview = only(await world.say("撤销所有挂单"))
    assert "撤销挂单（2 个）" in preview.text
    await confirm(world, preview)
    assert await world.broker.pending_orders() == []


async def test_cancel_with_a_side_cancels_only_that_side(world: ChatWorld) -> None:
    await world.broker.place_pending("XAUUSD", "buy", "limit", 0.01, 100.0)
    await world.broker.place_pending("XAUUSD", "sell", "limit", 0.01, 9000.0)
    preview = only(await world.say("撤销所有黄金买单"))
    assert "撤销挂单（1 个）" in preview.text
    await confirm(world, preview)
    assert [o.side for o in await world.broker.pending_orders()] == ["sell"]


async def test_positions_with_a_side_list_only_that_side(world: ChatWorld) -> None:
    await world.broker.open_market("XAUUSD", "buy", 0.01)
    await world.broker.open_market("XAUUSD", "sell", 0.02)
    text = only(await world.say("看看黄金多单")).text
    assert "0.01" in text
    assert "0.02" not in text


async def test_pending_order_from_a_price(world: ChatWorld) -> None:
    world.terminal.set_price("EURUSD", 1.1, 1.1001)
    preview = only(await world.say("1.0800挂单买入欧美0.1手"))
    assert "限价" in preview.text
    await confirm(world, preview)
    [o] = await world.broker.pending_orders()
    assert (o.side, o.kind, o.price, o.volume) == ("buy", "limit", 1.08, 0.1)
    assert o.comment.startswith("tc:")


async def test_cancel_button_sends_nothing(world: ChatWorld) -> None:
    preview = only(await world.say("buy 0.01 gold"))
    out = only(await world.press(preview.buttons[1].id, message_id="m7"))
    assert out.text.startswith("❌")
    assert out.edit_of == "m7"
    assert world.orders_sent() == []
    # and ✅ afterwards does nothing either
    assert "already" in only(await world.press(preview.buttons[0].id)).text
    assert world.orders_sent() == []


# --------------------------------------------------------------------------- language & admin


async def test_english_message_gets_english_answer_and_buttons(world: ChatWorld) -> None:
    preview = only(await world.say("buy 0.01 gold"))
    assert preview.lang == "en"
    assert [b.label for b in preview.buttons] == ["✅ Confirm", "❌ Cancel"]
    assert preview.buttons[0].reply_code is not None
    assert preview.buttons[0].reply_code.startswith("confirm ")


async def test_language_setting_is_used_for_language_neutral_messages(world: ChatWorld) -> None:
    assert only(await world.say("/lang en")).text.startswith("OK")
    # a slash command carries no language of its own: the user's setting decides
    assert "Balance" in only(await world.say("/balance")).text
    # and it survives a restart (new Conversation on the same database)
    world.conv = await world.make()
    assert "Balance" in only(await world.say("/balance")).text


async def test_readonly_toggle_is_admin_only(world: ChatWorld) -> None:
    assert "管理员" in only(await world.say("/readonly on", TRADER)).text
    assert await world.conv.read_only() is False
    assert "只读模式已开启" in only(await world.say("/readonly on", ADMIN)).text
    assert await world.conv.read_only() is True
    assert "只读模式已关闭" in only(await world.say("/readonly off", ADMIN)).text
    assert await world.conv.read_only() is False


async def test_every_step_lands_in_the_audit_log(world: ChatWorld) -> None:
    preview = only(await world.say("buy 0.01 gold"))
    await confirm(world, preview)
    events = [e.event for e in await world.conv.audit.entries(user_id=TRADER)]
    for ev in ("message", "intent", "preview", "decision", "confirm", "order", "result"):
        assert ev in events, events
    result = [e for e in await world.conv.audit.entries() if e.event == "result"][-1]
    assert '"state": "done"' in result.detail
    assert result.duration_ms is not None


# --------------------------------------------------------------------------- wiring


async def test_factory_wires_settings_users_limits_and_subscriptions(world: ChatWorld) -> None:
    from bot.build import make_conversation
    from bot.settings import Settings
    from nlp.parser import IntentParser
    from nlp.rules import RuleParser

    settings = Settings(
        users=[{"platform": "telegram", "id": 555, "role": "viewer"}],
        risk={"max_lots_per_order": 0.2, "read_only": False},
        limits={"messages_per_minute": 2},
    )
    conv = make_conversation(
        settings, world.broker, IntentParser(RuleParser()), world.db, None, clock=world.clock.now
    )
    world.conv = conv
    assert conv.is_listed("telegram", "555")
    assert conv.acl.role("console", "local") == "admin"  # the local console user, always
    assert conv.config.risk.max_lots_per_order == 0.2
    assert conv.config.trading.magic == settings.broker.magic
    sub = only(await world.say("订阅日报", "555"))
    assert "日报" in sub.text
    assert "订阅" in sub.text
    # the rate limit (2 a minute) applies to chat users but never to the local console
    assert "余额" in only(await world.say("余额", "555")).text
    assert "请稍等" in only(await world.say("余额", "555")).text
    for _ in range(5):
        assert "余额" in only(await world.say("余额", "local", platform="console")).text


# --------------------------------------------------------------------------- typed in any width


async def test_commands_typed_full_width_work_like_half_width(world: ChatWorld) -> None:
    assert only(await world.say("／ｌａｎｇ　ＥＮ")).text.startswith("OK")
    assert "Balance" in only(await world.say("/balance")).text
    assert "Only an admin" in only(await world.say("／readonly on", TRADER)).text
    assert "只读模式已开启" in only(await world.say("／ｒｅａｄｏｎｌｙ ＯＮ", ADMIN)).text
    assert await world.conv.read_only() is True


async def test_answers_to_questions_in_full_width(world: ChatWorld) -> None:
    assert only(await world.say("下单0.01手黄金")).text.startswith("买还是卖")
    preview = only(await world.say("ＳＥＬＬ"))
    assert "卖出 XAUUSD 0.01 手" in preview.text
    assert preview.buttons


def test_close_question_answered_with_a_ticket() -> None:
    # contract v2 makes a bare "平仓" unknown, so the conversation no longer asks "平哪个？"
    # after it; the question's answer reader still takes a ticket, full-width '＃' included
    from handlers.slots import PendingQuestion, fill
    from nlp.aliases import SymbolAliases
    from nlp.intent import Intent

    q = PendingQuestion(slot="close_target", intent=Intent(intent="close"), lang="zh", expires_at=0)
    assert fill(q, "＃10000001", SymbolAliases()) == Intent(intent="close", ticket=10000001)


def test_a_filled_in_intent_is_validated_again() -> None:
    import pytest

    from handlers.slots import PendingQuestion, fill, updated
    from nlp.aliases import SymbolAliases
    from nlp.intent import Intent

    partial = Intent(intent="open", symbol="XAUUSD", side="buy")
    assert updated(partial, volume=0.02) == Intent(
        intent="open", symbol="XAUUSD", side="buy", volume=0.02
    )
    with pytest.raises(ValueError, match="cannot carry"):
        updated(Intent(intent="cancel"), volume=0.02)
    # an answer that would make the intent invalid answers nothing
    q = PendingQuestion(slot="volume", intent=Intent(intent="cancel"), lang="zh", expires_at=0)
    assert fill(q, "0.02", SymbolAliases()) is None
    ok = PendingQuestion(slot="volume", intent=partial, lang="zh", expires_at=0)
    assert fill(ok, "0.02手", SymbolAliases()) == updated(partial, volume=0.02)


async def test_not_understood_suggests_the_closest_phrasing_in_the_users_language(
    world: ChatWorld,
) -> None:
    zh = only(await world.say("黄金走势怎么看")).text
    assert zh.startswith("没听懂")
    assert "“" in zh  # a phrasing the bot understands, quoted, not the user's own words
    en = only(await world.say("show me")).text
    assert en.startswith("I didn't understand")
    assert "positions" in en
    # talk the rules ruled out is never answered with "did you mean <a trade>?"
    for talk in ("我朋友说做空原油很赚钱", "卖出是什么意思", "要是当初做空就好了"):
        assert only(await world.say(talk)).text == (
            "没听懂这句话。试试“持仓”“余额”“下单0.01手黄金”，或发“帮助”。"
        )
    assert "Did you mean" not in only(await world.say("what does sell mean?")).text
    # with nothing close, the plain answer with the help hint
    assert only(await world.say("帮我看看")).text == (
        "没听懂这句话。试试“持仓”“余额”“下单0.01手黄金”，或发“帮助”。"
    )


async def test_market_data_requests_are_answered_with_data_not_a_refusal(
    world: ChatWorld,
) -> None:
    # charts and indicators (tests/handlers/test_market.py), price alerts (test_alerts.py)
    chart = await world.say("黄金1小时图")
    assert any(out.images for out in chart)
    assert "还不能提供" not in " ".join(out.text for out in chart)
    assert "MACD" in " ".join(out.text for out in await world.say("欧美MACD"))
    en = only(await world.say("alert me when gold hits 2700")).text
    assert en.startswith("⏰ Alert #1 set: I'll tell you when XAUUSD ")
    assert " to 2700.00 (now " in en
