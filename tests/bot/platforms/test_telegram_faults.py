"""Telegram faults as attacks (issue 12, items 7 and 8): the real python-telegram-bot client
against the fake Bot API server (tests/fakes/fake_telegram.py) injecting the faults, the real
`Conversation` on the paper terminal (tests/conftest.py `world`), the real `Pushes` for the
scheduled report. Each fault must end in exactly one visible result: what the user sees is
`FakeTelegram.shown(chat)`, the bot's messages that exist after edits and deletions.

No test measures time: "does not wait for" is shown by holding the other traffic in the fake
(`hold`) until the thing that must not wait has happened."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.platforms.base import Fanout
from bot.platforms.flood import Pacer
from handlers.conversation import build_conversation
from handlers.messages import Incoming, Outgoing
from handlers.pushes import PushConfig, Pushes
from handlers.report_service import ReportConfig, ReportService
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from store.audit import AuditLog
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore
from tests.conftest import TRADER, TRADER2, VIEWER, ChatWorld, conv_config
from tests.fakes.fake_telegram import FakeTelegram, fast_platform, png_size

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

TOM = int(TRADER)  # trader
TIM = int(TRADER2)  # another trader
VERA = int(VIEWER)  # viewer
GENEROUS = 30.0  # seconds a wait may take on a slow machine before the test fails


ROOM = -1001234567890


class Live:
    """The real stack on one fake Telegram; `start()` builds the platform with overrides."""

    def __init__(self, world: ChatWorld, tg: FakeTelegram) -> None:
        self.world, self.tg = world, tg
        self.reports = ReportService(
            world.broker,
            world.db,
            ReportConfig(timezone="server", server_utc_offset_hours=2, charts=True),
        )
        self.platform: Any = None

    async def start(self, config: Any = None, **overrides: Any) -> Any:
        conv = build_conversation(
            broker=self.world.broker,
            parser=IntentParser(RuleParser()),
            db=self.world.db,
            config=config or conv_config(),
            reports=self.reports,
            clock=self.world.clock.now,
        )
        self.platform = fast_platform(
            self.tg,
            conv.handle,
            set(),
            is_listed=lambda uid: conv.is_listed("telegram", uid),
            **overrides,
        )
        await self.platform.start()
        return self.platform

    def orders(self) -> list[dict[str, Any]]:
        return self.world.orders_sent()

    async def ask(self, user: dict[str, Any], text: str, **kw: Any) -> dict[str, Any]:
        """Send `text`, wait for the bot's next message in that chat and return it."""
        chat_id = (kw.get("chat") or {"id": user["id"]})["id"]
        before = len(self.tg.sent_to(chat_id))
        self.tg.send_text(user, text, **kw)
        return (await self.tg.wait_sent(chat_id, before + 1, timeout=GENEROUS))[before]

    async def all_answered(self, queries: list[str]) -> None:
        await self.tg.wait_until(
            lambda: all(self.tg.answer_for(q) is not None for q in queries), GENEROUS
        )


@pytest.fixture
async def tg() -> Any:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def live(world: ChatWorld, tg: FakeTelegram) -> Any:
    stack = Live(world, tg)
    try:
        yield stack
    finally:
        if stack.platform is not None:
            await stack.platform.stop()


async def settled(platform: Any) -> None:
    """Wait until everything the platform started (handling, deliveries) has ended."""
    await asyncio.wait_for(platform.plumbing.idle(), GENEROUS)


def yes_button(message: dict[str, Any]) -> str:
    rows = message["reply_markup"]["inline_keyboard"]
    return str(rows[0][0]["callback_data"])


# ---------------------------------------------------------------- item 7: lost or doubled


async def test_result_edit_failing_502_five_times_arrives_as_a_new_message_without_buttons(
    live: Live,
) -> None:
    await live.start()
    tg, tom = live.tg, live.tg.user(TOM, "Tom")
    preview = await live.ask(tom, "买入0.01手黄金")
    tg.fail("editMessageText", 502, "Bad Gateway", times=5)

    qid = tg.press(tom, preview, yes_button(preview))
    await tg.wait_until(lambda: len(tg.shown(TOM)) == 2 and tg.edits, GENEROUS)
    await settled(live.platform)

    assert len(live.orders()) == 1
    ticket = (await live.world.broker.positions())[0].ticket
    old, result = tg.shown(TOM)
    assert old["message_id"] == preview["message_id"]
    assert "reply_markup" not in old  # nothing stale is left to press
    assert old["text"] == preview["text"]
    assert "已成交" in result["text"]
    assert f"#{ticket}" in result["text"]
    assert "reply_markup" not in result
    assert [c.status for c in tg.calls_of("editMessageText")] == [502] * 5
    assert [c.status for c in tg.calls_of("editMessageReplyMarkup")] == [200]
    assert tg.answer_for(qid) == {"callback_query_id": qid}
    assert len(tg.callback_answers) == 1


async def test_preview_whose_answer_came_after_the_client_timeout_is_shown_once(
    live: Live,
) -> None:
    await live.start(request_timeout_s=1.0)
    tg, tom = live.tg, live.tg.user(TOM, "Tom")
    tg.private_chat(tom)
    tg.answer_late("sendMessage", 4.0)  # delivered, but the answer comes after the timeout

    tg.send_text(tom, "买入0.01手黄金")
    await tg.wait_until(lambda: len(tg.sent_to(TOM)) == 2 and tg.deleted, GENEROUS)
    await settled(live.platform)

    assert len(tg.sent_to(TOM)) == 2  # the fault was real: the preview arrived twice …
    shown = tg.shown(TOM)
    assert len(shown) == 1  # … and the user sees it once
    assert tg.deleted == [(TOM, tg.sent_to(TOM)[0]["message_id"])]  # the copy went
    preview = shown[0]
    assert "买入 XAUUSD 0.01 手" in preview["text"]
    # the one shown is a working preview: ✅ on it executes once and edits it
    qid = tg.press(tom, preview, yes_button(preview))
    await tg.wait_until(lambda: tg.answer_for(qid) is not None and tg.edits, GENEROUS)
    assert len(live.orders()) == 1
    assert "已成交" in tg.message(TOM, preview["message_id"])["text"]
    assert len(tg.shown(TOM)) == 1


async def test_a_user_message_between_the_copy_and_the_repeat_is_left_alone(
    live: Live,
) -> None:
    await live.start(request_timeout_s=1.0)
    tg, tom = live.tg, live.tg.user(TOM, "Tom")
    first = await live.ask(tom, "余额")
    tg.answer_late("sendMessage", 4.0)
    tg.send_text(tom, "持仓")
    await tg.wait_until(lambda: len(tg.sent_to(TOM)) == 2, GENEROUS)  # the copy exists
    tg.hold("sendMessage")  # the repeat waits until the user has written in between
    await tg.wait_until(lambda: tg.waiting("sendMessage") == 1, GENEROUS)
    typed = tg.send_text(tom, "hello?")
    tg.release("sendMessage")
    await tg.wait_until(lambda: bool(tg.deleted) and len(tg.sent_to(TOM)) == 4, GENEROUS)
    await settled(live.platform)

    copy, repeat, to_hello = tg.sent_to(TOM)[1:]
    assert copy["text"] == repeat["text"]
    assert copy["message_id"] < typed["message_id"] < repeat["message_id"]
    assert tg.deleted == [(TOM, copy["message_id"])]
    assert tg.message(TOM, typed["message_id"])["text"] == "hello?"  # untouched
    assert [m["message_id"] for m in tg.shown(TOM)] == [
        first["message_id"],
        repeat["message_id"],
        to_hello["message_id"],
    ]


async def _round_trip(live: Live, tom: dict[str, Any]) -> None:
    """Open and close a gold position so that the day has deals to chart."""
    preview = await live.ask(tom, "买入0.01手黄金")
    live.tg.press(tom, preview, yes_button(preview))
    await live.tg.wait_until(lambda: len(live.tg.edits) == 1, GENEROUS)
    live.world.clock.advance(1800)
    preview = await live.ask(tom, "平仓黄金")
    live.tg.press(tom, preview, yes_button(preview))
    await live.tg.wait_until(lambda: len(live.tg.edits) == 2, GENEROUS)
    assert await live.world.broker.positions() == []


def _pushes(live: Live, fanout: Fanout) -> Pushes:
    db = live.world.db
    return Pushes(
        live.reports,
        SubscriptionStore(db),
        SnapshotStore(db),
        live.world.broker,
        fanout,
        AuditLog(db),
        PushConfig(retry_attempts=4, retry_base_delay_s=0.05, retry_max_delay_s=1.0),
        clock=live.world.clock.now,
    )


async def _daily_push_with(live: Live, fault: Any) -> tuple[list[dict[str, Any]], Any]:
    """The scheduled daily report to Tom's chat through the real `Pushes` and `Fanout`,
    with `fault` injected just before; returns what Tom sees of it and the report."""
    tg, tom = live.tg, live.tg.user(TOM, "Tom")
    await _round_trip(live, tom)
    fanout = Fanout()
    fanout.add(live.platform)
    pushes = _pushes(live, fanout)
    await pushes.subs.add("telegram", str(TOM), "daily")
    fire = live.world.clock.now()
    expected = await live.reports.report(
        kind="daily", period=None, lang="zh", now=fire, day=pushes.report_day("daily", fire)
    )
    assert expected.images  # a real report with charts
    before = {m["message_id"] for m in tg.shown(TOM)}
    fault()
    assert await pushes.report("daily", fire) == 1
    await settled(live.platform)
    return [m for m in tg.shown(TOM) if m["message_id"] not in before], expected


async def test_push_whose_chart_upload_fails_is_retried_part_by_part(live: Live) -> None:
    await live.start()
    tg = live.tg
    shown, report = await _daily_push_with(
        live, lambda: tg.fail("sendPhoto", 500, "Internal Server Error")
    )
    assert [m.get("text") for m in shown[:1]] == [report.text]  # the text once
    photos = [m for m in shown if "photo" in m]
    assert [m["caption"] for m in photos] == [img.caption for img in report.images]
    assert len(shown) == 1 + len(report.images)
    assert all(png_size(m["photo_bytes"]) for m in photos)
    assert [c.status for c in tg.calls_of("sendPhoto")] == [500] + [200] * len(report.images)
    texts = [m for m in tg.sent_to(TOM) if "text" in m]
    assert len(tg.calls_of("sendMessage")) == len(texts)  # no text was sent twice


async def test_push_whose_chart_answer_was_lost_shows_the_chart_once(live: Live) -> None:
    await live.start(request_timeout_s=1.0)
    tg = live.tg
    shown, report = await _daily_push_with(live, lambda: tg.answer_late("sendPhoto", 4.0))
    assert [m.get("text") for m in shown[:1]] == [report.text]
    photos = [m for m in shown if "photo" in m]
    assert [m["caption"] for m in photos] == [img.caption for img in report.images]
    assert len(shown) == 1 + len(report.images)
    assert len(tg.calls_of("sendPhoto")) == len(report.images) + 1  # one chart went twice …
    assert len(tg.deleted) == 1  # … and the copy was removed


async def test_a_hundred_rapid_presses_get_toasts_one_order_and_no_chat_message(
    live: Live,
) -> None:
    await live.start(callback_wait_s=1.0, pacer=Pacer())  # production timing and flood pacing
    tg, tom = live.tg, live.tg.user(TOM, "Tom")
    preview = await live.ask(tom, "买入0.01手黄金")
    data = yes_button(preview)
    queries = [tg.press(tom, preview, data) for _ in range(100)]
    await live.all_answered(queries)
    await settled(live.platform)

    assert len(live.orders()) == 1
    assert len(tg.callback_answers) == 100  # one answer per press, none twice
    assert all("show_alert" not in a or not a["show_alert"] for a in tg.callback_answers)
    (only,) = tg.shown(TOM)  # no "already handled" chat message, no second result
    assert "已成交" in only["text"]
    assert "reply_markup" not in only
    # and the chat goes on at once
    answer = await live.ask(tom, "余额")
    assert "余额" in answer["text"]


# ---------------------------------------------------------------- item 8: starvation


async def test_owner_confirm_is_not_queued_behind_a_viewers_slow_answer_and_25_presses(
    live: Live,
) -> None:
    # the group is a trading room, so previews are answered there (not privately)
    await live.start(config=conv_config(trading_rooms=frozenset({f"telegram:{ROOM}"})))
    tg = live.tg
    group = tg.group_chat(ROOM)
    tom, tim, vera = tg.user(TOM, "Tom"), tg.user(TIM, "Tim"), tg.user(VERA, "Vera")
    preview = await live.ask(tom, "/buy XAUUSD 0.01", chat=group)
    data = yes_button(preview)

    tg.hold("sendMessage")  # the viewer's answer is stuck on its way out
    tg.send_text(vera, "黄金报价", chat=group)
    await tg.wait_until(lambda: tg.waiting("sendMessage") == 1, GENEROUS)
    others = [tg.press(tim if i % 2 else vera, preview, data) for i in range(25)]
    await live.all_answered(others)
    assert live.orders() == []

    mine = tg.press(tom, preview, data)
    await tg.wait_until(lambda: tg.answer_for(mine) is not None and tg.edits, GENEROUS)
    assert len(live.orders()) == 1  # executed while the viewer's answer was still stuck
    assert tg.waiting("sendMessage") == 1
    done = tg.message(group["id"], preview["message_id"])
    assert "已成交" in done["text"]
    assert "reply_markup" not in done

    tg.release("sendMessage")
    await tg.wait_until(lambda: len(tg.shown(group["id"])) == 2, GENEROUS)
    await settled(live.platform)
    # each press got its toast: the refusal, or an empty answer for a repeat of a press
    # that was still being handled
    texts = {tg.answer_for(q).get("text") for q in others}  # type: ignore[union-attr]
    assert {"这是别人的交易确认，只有发起人可以确认。", "你的权限是只读查看，不能交易。"} <= texts
    assert texts <= {
        "这是别人的交易确认，只有发起人可以确认。",
        "你的权限是只读查看，不能交易。",
        None,
    }
    assert len(tg.shown(group["id"])) == 2  # the result (an edit) and the viewer's quote
    assert len(live.orders()) == 1


async def test_a_busy_traders_confirm_is_not_refused_by_the_message_rate_limit(
    live: Live,
) -> None:
    await live.start(conv_config(messages_per_minute=3))
    tg, tom = live.tg, live.tg.user(TOM, "Tom")
    preview = await live.ask(tom, "买入0.01手黄金")
    await live.ask(tom, "余额")
    await live.ask(tom, "持仓")  # the third message of the minute: the limit is reached
    qid = tg.press(tom, preview, yes_button(preview))
    await tg.wait_until(lambda: tg.answer_for(qid) is not None and tg.edits, GENEROUS)
    assert len(live.orders()) == 1
    assert "已成交" in tg.message(TOM, preview["message_id"])["text"]
    refused = await live.ask(tom, "余额")  # messages are still limited
    assert refused["text"] == "消息有点多，请稍等一分钟再发。🙏"


# ---------------------------------------------------------------- presses never block


class GatedPresses:
    """A conversation whose button presses hang until `gate` opens; texts answer at once."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.presses: list[Incoming] = []

    async def __call__(self, inc: Incoming) -> list[Outgoing]:
        if inc.button_id is None:
            return [Outgoing(f"echo {inc.text}")]
        self.presses.append(inc)
        await self.gate.wait()
        return [Outgoing("这个确认已经处理过了（已成交），不会重复执行。", kind="error")]


async def test_presses_being_handled_never_block_the_chat(tg: FakeTelegram) -> None:
    script = GatedPresses()
    platform = fast_platform(tg, script, {"111"}, callback_wait_s=GENEROUS)
    await platform.start()
    try:
        alice = tg.user(111)
        tg.send_text(alice, "hi")
        preview = (await tg.wait_sent(111, timeout=GENEROUS))[0]
        queries = [tg.press(alice, preview, "c:x") for _ in range(100)]
        # the first press hangs in the conversation; the chat still answers
        tg.send_text(alice, "still there?")
        sent = await tg.wait_sent(111, 2, timeout=GENEROUS)
        assert sent[1]["text"] == "echo still there?"
        await tg.wait_until(lambda: len(tg.callback_answers) == 99, GENEROUS)
        assert len(script.presses) == 1  # the same press again is answered, not re-handled
        script.gate.set()
        await tg.wait_until(lambda: all(tg.answer_for(q) for q in queries), GENEROUS)
        await settled(platform)
        assert len(tg.callback_answers) == 100
        texts = [a.get("text") for a in tg.callback_answers]
        assert texts.count("这个确认已经处理过了（已成交），不会重复执行。") == 1
        assert len(tg.shown(111)) == 2  # no press became a chat message
    finally:
        await platform.stop()
