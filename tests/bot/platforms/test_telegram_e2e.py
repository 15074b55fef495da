"""End to end: the real python-telegram-bot client against the fake Bot API server, the real
`Conversation` (rule parser, confirmations, risk gate, executor, reports with charts) on the
in-memory paper terminal behind `MT5Broker` (tests/conftest.py `world`: its `Recorder` counts
every `order_send` that reaches the terminal)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.platforms.base import Fanout
from handlers.conversation import build_conversation
from handlers.messages import Outgoing, TemporaryPlatformError
from handlers.report_service import ReportConfig, ReportService
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from tests.conftest import STRANGER, TRADER, TRADER2, ChatWorld, conv_config
from tests.fakes.fake_telegram import FakeTelegram, fast_platform, png_size

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

TOM = int(TRADER)  # trader
TIM = int(TRADER2)  # another trader
EVE = int(STRANGER)  # not in [[users]]
TRADING_ROOM = -1001234567890  # FakeTelegram.group_chat()'s default id


class Live:
    def __init__(self, world: ChatWorld, tg: FakeTelegram, platform: Any, reports: Any) -> None:
        self.world, self.tg, self.platform, self.reports = world, tg, platform, reports

    def orders(self) -> list[dict[str, Any]]:
        """Every order_send that reached the paper terminal."""
        return self.world.orders_sent()

    async def ask(self, user: dict[str, Any], text: str, **kw: Any) -> dict[str, Any]:
        """Send `text`, wait for the bot's next message in that chat and return it."""
        chat_id = (kw.get("chat") or {"id": user["id"]})["id"]
        before = len(self.tg.sent_to(chat_id))
        self.tg.send_text(user, text, **kw)
        return (await self.tg.wait_sent(chat_id, before + 1))[before]

    async def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> str:
        """Press a button and wait until Telegram has the callback answer; returns its id."""
        qid = self.tg.press(user, message, data)
        await self.tg.wait_until(lambda: self.tg.answer_for(qid) is not None)
        return qid


@pytest.fixture
async def tg() -> Any:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def live(world: ChatWorld, tg: FakeTelegram) -> Any:
    reports = ReportService(
        world.broker,
        world.db,
        ReportConfig(timezone="server", server_utc_offset_hours=2, charts=True),
    )
    conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        # the fake's default group shows account data (handlers/rooms.py)
        config=conv_config(trading_rooms=frozenset({f"telegram:{TRADING_ROOM}"})),
        reports=reports,
        clock=world.clock.now,
    )
    platform = fast_platform(
        tg, conv.handle, set(), is_listed=lambda uid: conv.is_listed("telegram", uid)
    )
    await platform.start()
    try:
        yield Live(world, tg, platform, reports)
    finally:
        await platform.stop()


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


async def test_user_asks_for_the_balance_and_gets_the_account(live: Live) -> None:
    answer = await live.ask(live.tg.user(TOM, "Tom"), "余额")
    assert "余额" in answer["text"]
    assert "10,000.00" in answer["text"]
    assert "<pre>" in answer["html"]  # the aligned figures are monospaced
    assert live.orders() == []


async def test_gold_order_is_previewed_confirmed_with_the_button_and_executed_once(
    live: Live,
) -> None:
    tom = live.tg.user(TOM, "Tom")
    preview = await live.ask(tom, "买入0.01手黄金")
    assert "买入 XAUUSD 0.01 手" in preview["text"]
    labels = [label for label, _ in buttons(preview)]
    assert labels == ["✅ 确认", "❌ 取消"]
    assert live.orders() == []  # nothing is sent before ✅

    yes = buttons(preview)[0][1]
    qid = await live.press(tom, preview, yes)
    await live.tg.wait_until(lambda: len(live.tg.edits) == 1)
    assert live.tg.answer_for(qid) == {"callback_query_id": qid}
    done = live.tg.message(TOM, preview["message_id"])
    assert "已成交" in done["text"]
    positions = await live.world.broker.positions()
    assert len(positions) == 1
    assert f"#{positions[0].ticket}" in done["text"]
    assert "reply_markup" not in done  # the keyboard is gone
    assert len(live.orders()) == 1

    qid2 = await live.press(tom, preview, yes)  # a second press does nothing
    toast = live.tg.answer_for(qid2)
    assert toast is not None
    assert "不会重复执行" in toast["text"]
    await live.tg.settle()
    assert len(live.orders()) == 1
    assert len(live.tg.sent_to(TOM)) == 1  # only the preview was ever sent as a message
    assert len(live.tg.edits) == 1
    assert len(await live.world.broker.positions()) == 1


async def test_english_user_gets_english_buttons_and_cancel_edits_the_preview(
    live: Live,
) -> None:
    tom = live.tg.user(TOM, "Tom", language_code="en")
    preview = await live.ask(tom, "buy 0.01 lot gold")
    assert [label for label, _ in buttons(preview)] == ["✅ Confirm", "❌ Cancel"]
    no = buttons(preview)[1][1]
    await live.press(tom, preview, no)
    await live.tg.wait_until(lambda: len(live.tg.edits) == 1)
    edited = live.tg.message(TOM, preview["message_id"])
    assert "reply_markup" not in edited
    assert edited["text"] != preview["text"]
    assert live.orders() == []


async def test_unlisted_user_gets_only_their_id(live: Live) -> None:
    eve = live.tg.user(EVE, "Eve", language_code="en")
    answer = await live.ask(eve, "/start")
    assert answer["text"].startswith("Your Telegram user id is 999.")
    assert 'id = "999"' in answer["text"]
    await live.tg.settle()
    assert len(live.tg.sent_to(EVE)) == 1
    assert "reply_markup" not in answer
    assert live.orders() == []


async def test_unlisted_user_cannot_trade_in_a_private_chat(live: Live) -> None:
    eve = live.tg.user(EVE, "Eve")
    answer = await live.ask(eve, "买入0.01手黄金")
    assert "reply_markup" not in answer  # a refusal, never a preview
    await live.tg.settle()
    assert live.orders() == []


async def test_in_a_group_only_the_requester_can_confirm(live: Live) -> None:
    group = live.tg.group_chat()
    tom, tim = live.tg.user(TOM, "Tom"), live.tg.user(TIM, "Tim")
    eve = live.tg.user(EVE, "Eve", language_code="en")
    preview = await live.ask(tom, "/buy XAUUSD 0.01", chat=group)
    yes = buttons(preview)[0][1]

    q_tim = await live.press(tim, preview, yes)
    assert "只有发起人可以确认" in live.tg.answer_for(q_tim)["text"]  # type: ignore[index]
    q_eve = await live.press(eve, preview, yes)
    assert live.tg.answer_for(q_eve)["text"] == "This button is not for you."  # type: ignore[index]
    assert live.orders() == []
    assert "reply_markup" in live.tg.message(group["id"], preview["message_id"])

    await live.press(tom, preview, yes)
    await live.tg.wait_until(lambda: len(live.tg.edits) == 1)
    assert "已成交" in live.tg.message(group["id"], preview["message_id"])["text"]
    assert len(live.orders()) == 1
    assert len(live.tg.sent_to(group["id"])) == 1


async def test_expired_confirmation_is_not_a_trade(live: Live) -> None:
    tom = live.tg.user(TOM, "Tom")
    preview = await live.ask(tom, "买入0.01手黄金")
    live.world.clock.advance(120)  # past [trading] confirm_ttl_s
    await live.press(tom, preview, buttons(preview)[0][1])
    await live.tg.wait_until(lambda: len(live.tg.edits) == 1)
    edited = live.tg.message(TOM, preview["message_id"])
    assert "过期" in edited["text"]
    assert "reply_markup" not in edited
    assert live.orders() == []


async def _trade_round_trip(live: Live, tom: dict[str, Any]) -> None:
    """Open and close a gold position through Telegram so the day has deals to chart."""
    preview = await live.ask(tom, "买入0.01手黄金")
    await live.press(tom, preview, buttons(preview)[0][1])
    await live.tg.wait_until(lambda: len(live.tg.edits) == 1)
    live.world.clock.advance(1800)
    preview = await live.ask(tom, "平仓黄金")
    await live.press(tom, preview, buttons(preview)[0][1])
    await live.tg.wait_until(lambda: len(live.tg.edits) == 2)
    assert await live.world.broker.positions() == []


async def test_daily_report_in_chat_uploads_valid_png_charts(live: Live) -> None:
    tom = live.tg.user(TOM, "Tom")
    await _trade_round_trip(live, tom)
    before = len(live.tg.sent_to(TOM))
    live.tg.send_text(tom, "日报")
    await live.tg.wait_until(
        lambda: (
            any("photo" in m for m in live.tg.sent_to(TOM)[before:])
            and len(live.tg.calls_of("sendPhoto")) >= 2
        )
    )
    await live.tg.settle()
    new = live.tg.sent_to(TOM)[before:]
    assert "日报" in new[0]["text"]
    photos = [m for m in new if "photo" in m]
    assert len(photos) >= 2
    for m in photos:
        size = png_size(m["photo_bytes"])
        assert size is not None
        assert size[0] >= 300
        assert m["photo"][0]["width"] == size[0]
        assert m["caption"]


async def _push_until_delivered(
    fanout: Fanout, platform: str, chat_id: str, out: Outgoing
) -> list[TemporaryPlatformError]:
    """What handlers/pushes.py does with a push: Fanout makes one attempt; a temporary error
    is tried again (after `retry_after`), with the same message, which resumes where it
    failed. Returns the errors it saw."""
    seen: list[TemporaryPlatformError] = []
    for _ in range(5):
        try:
            await fanout.push(platform, chat_id, out)
        except TemporaryPlatformError as exc:
            seen.append(exc)
            await asyncio.sleep(exc.retry_after or 0.05)
            continue
        return seen
    raise AssertionError(f"not delivered: {seen}")


async def test_report_push_survives_a_429_and_arrives(live: Live) -> None:
    tom = live.tg.user(TOM, "Tom")
    await _trade_round_trip(live, tom)
    before = len(live.tg.sent_to(TOM))
    ans = await live.reports.report(
        kind="daily", period=None, lang="zh", now=live.world.clock.now()
    )
    assert ans.images  # a real report with charts
    fanout = Fanout()
    fanout.add(live.platform)
    live.tg.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    live.tg.fail("sendPhoto", 502, "Bad Gateway")

    out = Outgoing(ans.text, images=ans.images, kind="push")
    failures = await _push_until_delivered(fanout, "telegram", str(TOM), out)

    assert [f.retry_after for f in failures] == [1, None]  # the 429, then the 502
    new = live.tg.sent_to(TOM)[before:]
    assert new[0]["text"] == ans.text
    assert [m["photo_bytes"] for m in new[1:]] == [img.data for img in ans.images]
    assert all(png_size(m["photo_bytes"]) for m in new[1:])
    statuses = [c.status for c in live.tg.calls_of("sendMessage")]
    assert statuses[-2:] == [429, 200]
    assert [c.status for c in live.tg.calls_of("sendPhoto")][:2] == [502, 200]
