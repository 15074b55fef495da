"""Flood pacing by Telegram's Bot FAQ (bot/platforms/flood.py) and the bounded stop.

The buckets are pinned on a frozen clock (what each message's delay is, exactly); the
adapter's use of them with the real python-telegram-bot client against the fake Bot API
server (tests/fakes/fake_telegram.py): which calls spend a token (new messages) and which do
not (edits, callback answers), what a 429 pauses, and what a stop with a full queue drops.
Nothing here measures speed: "does not wait for" is shown by the order in which calls reach
the fake while the other traffic is still waiting for its turn."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.platforms.base import Fanout
from bot.platforms.flood import BOT_WIDE_CHATS, GROUP, PRIVATE, Pacer, Rate
from bot.platforms.telegram import pacer_from
from bot.settings import Settings
from handlers.messages import Button, Incoming, Outgoing
from tests.fakes.fake_telegram import FakeTelegram, fast_platform

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

ALICE = 111
BOB = 222
ROOM = -1001234567890
GENEROUS = 30.0  # seconds a wait may take on a slow machine before the test fails


class Frozen:
    """A clock that does not move and a sleep that only records what it was asked: the
    pacer's decisions, exactly, with nothing waited for."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))

    def pacer(self, **rates: Rate) -> Pacer:
        return Pacer(clock=self.clock, sleep=self.sleep, **rates)


# ------------------------------------------------------------------ the buckets


def test_a_private_chat_gets_its_burst_at_once_then_one_message_a_second() -> None:
    pacer = Frozen().pacer()
    delays = [pacer.reserve(ALICE) for _ in range(PRIVATE.burst + 3)]
    assert delays == [0.0] * PRIVATE.burst + [1.0, 2.0, 3.0]


def test_a_group_never_gets_more_than_20_messages_in_any_minute() -> None:
    t = Frozen()
    pacer = t.pacer()
    sends = [t.now + pacer.reserve(ROOM) for _ in range(60)]
    assert sends[: GROUP.burst] == [t.now] * GROUP.burst  # a short burst goes at once
    for first in sends:
        in_window = [s for s in sends if first <= s < first + 60.0]
        assert len(in_window) <= 20
    assert len([s for s in sends if s < t.now + 60.5]) == 20  # and the minute is used


def test_a_flood_in_one_chat_does_not_delay_another_chat() -> None:
    pacer = Frozen().pacer()
    for _ in range(10):
        pacer.reserve(ALICE)  # Alice's queue reaches 6 s ahead
    assert pacer.reserve(BOB) == 0.0
    assert pacer.reserve(ROOM) == 0.0


async def test_the_bot_wide_bucket_spaces_a_flood_over_many_chats() -> None:
    t = Frozen()
    pacer = t.pacer(overall=Rate(per_s=30.0, burst=20))
    for i in range(26):  # 26 chats, one message each, at the same moment
        await pacer.wait(1000 + i)
    assert t.slept == pytest.approx([i / 30.0 for i in range(1, 7)], abs=1e-6)  # 20, then 30/s


async def test_a_chat_queued_far_ahead_holds_none_of_the_bots_tokens() -> None:
    t = Frozen()
    pacer = t.pacer(overall=Rate(per_s=1.0, burst=1))
    for _ in range(5):
        pacer.reserve(ALICE)  # Alice's turns: now, then 1 … 4 s ahead
    await pacer.wait(BOB)
    assert t.slept == []  # Bob's message takes the bot's token now


def test_a_429_pauses_only_its_chat_and_then_allows_no_burst() -> None:
    pacer = Frozen().pacer()
    pacer.hold(ALICE, 5.0)
    assert pacer.paused_for(ALICE) == 5.0
    assert pacer.paused_for(BOB) == 0.0
    assert pacer.paused_for(None) == 0.0  # callback answers of every chat go on
    assert pacer.reserve(BOB) == 0.0
    assert [pacer.reserve(ALICE) for _ in range(3)] == [5.0, 6.0, 7.0]


def test_429s_in_several_chats_or_on_a_call_of_no_chat_pause_every_chat() -> None:
    pacer = Frozen().pacer()
    for chat in range(1, BOT_WIDE_CHATS):
        pacer.hold(chat, 2.0)
    assert pacer.paused_for(BOB) == 0.0  # a few chats refused: their own limits
    pacer.hold(BOT_WIDE_CHATS, 3.0)
    assert pacer.paused_for(BOB) == 3.0  # this many at once: the bot's limit
    assert pacer.paused_for(None) == 3.0

    fresh = Frozen().pacer()
    fresh.hold(None, 4.0)  # e.g. answerCallbackQuery, which names no chat
    assert fresh.paused_for(ALICE) == fresh.paused_for(ROOM) == 4.0


def test_pacing_comes_from_the_telegram_settings() -> None:
    settings = Settings(
        telegram={
            "private_per_s": 2.0,
            "private_burst": 2,
            "group_per_minute": 10,
            "group_burst": 4,
        }
    )
    pacer = pacer_from(settings.telegram)
    assert pacer.private == Rate(per_s=2.0, burst=2)
    assert pacer.group == Rate.strict_per_minute(10, 4) == Rate(per_s=0.1, burst=4)
    assert pacer.overall == Rate(per_s=30.0, burst=20)  # the defaults


# ------------------------------------------------------------------ the adapter


class Burst:
    """A conversation that answers "n" with n messages, "buy" with a preview, ✅ with its
    result in place of the preview."""

    async def __call__(self, inc: Incoming) -> list[Outgoing]:
        if inc.button_id is not None:
            return [Outgoing("✅ 已成交", edit_of=inc.message_id, kind="result")]
        text = inc.text or ""
        if text == "buy":
            yes = [Button("c:1:y", "✅ 确认"), Button("c:1:n", "❌ 取消")]
            return [Outgoing("买入 XAUUSD 0.01", buttons=yes, kind="preview")]
        if text.isdigit():
            return [Outgoing(f"part {i + 1}") for i in range(int(text))]
        return [Outgoing(f"echo {text}")]


@pytest.fixture
async def tg() -> Any:
    async with FakeTelegram() as fake:
        yield fake


async def until(predicate: Any) -> None:
    """Wait until the bot's own state shows what the test waits for (no API call tells)."""
    async with asyncio.timeout(GENEROUS):
        while not predicate():
            await asyncio.sleep(0.01)


def texts(tg: FakeTelegram) -> list[str]:
    """Every text the bot sent or edited in, in the order the calls reached Telegram."""
    out = []
    for call in tg.calls:
        if call.method in ("sendMessage", "editMessageText") and call.status == 200:
            out.append(str(call.params["text"]))
    return out


async def test_edits_and_callback_answers_spend_no_message_token(tg: FakeTelegram) -> None:
    t = Frozen()
    platform = fast_platform(tg, Burst(), {str(ALICE)}, pacer=t.pacer())
    await platform.start()
    try:
        alice = tg.user(ALICE)
        tg.send_text(alice, "buy")
        preview = (await tg.wait_sent(ALICE))[0]
        tg.send_text(alice, str(PRIVATE.burst + 1))  # the burst is spent, two must wait
        await tg.wait_sent(ALICE, PRIVATE.burst + 2)
        assert t.slept == [1.0, 2.0]
        qid = tg.press(alice, preview, "c:1:y")
        await tg.wait_until(lambda: tg.answer_for(qid) is not None and len(tg.edits) == 1)
        assert t.slept == [1.0, 2.0]  # the press's answer and the result's edit waited for nothing
        assert platform.pacer.reserve(ALICE) == 3.0  # and took no token from the chat
    finally:
        await platform.stop()


async def test_a_paced_burst_holds_up_neither_other_chats_nor_the_chats_own_edits(
    tg: FakeTelegram,
) -> None:
    slow = Rate(per_s=2.0, burst=1)  # one message every 0.5 s: Alice's 4 take 1.5 s
    platform = fast_platform(tg, Burst(), {str(ALICE), str(BOB)}, pacer=Pacer(private=slow))
    await platform.start()
    try:
        alice, bob = tg.user(ALICE), tg.user(BOB, "Bob")
        tg.send_text(alice, "buy")
        preview = (await tg.wait_sent(ALICE))[0]
        tg.send_text(alice, "4")  # paced: 0.5 s apart
        await tg.wait_sent(ALICE, 2, timeout=GENEROUS)
        tg.send_text(bob, "hi")
        tg.press(alice, preview, "c:1:y")
        await tg.wait_sent(ALICE, 5, timeout=GENEROUS)
        order = texts(tg)
        assert order.index("echo hi") < order.index("part 4")  # Bob did not queue behind
        assert order.index("✅ 已成交") < order.index("part 4")  # nor did Alice's result
        assert [o for o in order if o.startswith("part")] == [f"part {i}" for i in range(1, 5)]
    finally:
        await platform.stop()


async def test_a_429_makes_only_that_chat_wait_its_retry_after(tg: FakeTelegram) -> None:
    platform = fast_platform(tg, Burst(), {str(ALICE), str(BOB)}, pacer=Pacer.unlimited())
    await platform.start()
    try:
        alice, bob = tg.user(ALICE), tg.user(BOB, "Bob")
        tg.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        tg.send_text(alice, "first")
        await until(lambda: platform.pacer.paused_for(ALICE) > 0)  # the 429 came back
        assert platform.pacer.paused_for(BOB) == 0.0
        tg.send_text(bob, "second")
        await tg.wait_sent(ALICE, timeout=GENEROUS)
        order = texts(tg)
        assert order == ["echo second", "echo first"]  # Bob went while Alice waited
        sends = [c for c in tg.calls_of("sendMessage") if c.params["chat_id"] == ALICE]
        assert [c.status for c in sends] == [429, 200]  # one retry, and it arrived
        assert sends[1].at - sends[0].at >= 1.0 - 0.01  # not before Telegram's retry_after
        assert len(tg.sent_to(ALICE)) == 1
    finally:
        await platform.stop()


async def test_stop_with_a_full_send_queue_ends_within_its_bound_and_says_what_it_dropped(
    tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    crawl = Rate(per_s=0.1, burst=1)  # 10 s a message: the queue would take over a minute
    platform = fast_platform(
        tg, Burst(), {str(ALICE), str(BOB)}, pacer=Pacer(private=crawl), stop_within_s=0.3
    )
    await platform.start()
    alice, bob = tg.user(ALICE), tg.user(BOB, "Bob")
    tg.send_text(alice, "5")
    tg.send_text(bob, "3")
    await tg.wait_until(lambda: tg.sent_to(ALICE) and tg.sent_to(BOB), GENEROUS)
    fanout = Fanout()
    fanout.add(platform)
    push = asyncio.ensure_future(fanout.push("telegram", str(ALICE), Outgoing("日报")))
    await asyncio.sleep(0)  # the push is queued behind Alice's answers
    caplog.set_level(logging.WARNING, logger="tradechat.platforms")
    await asyncio.wait_for(platform.stop(), 5.0)  # the bound the issue asks for
    assert len(tg.sent_to(ALICE)) == 1
    assert len(tg.sent_to(BOB)) == 1
    assert platform.dropped.count == 4 + 1 + 2  # every delivery queued and not sent
    assert platform.dropped.chats == tuple(sorted((str(ALICE), str(BOB))))
    logged = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert logged == [f"telegram: stopped with 7 deliveries not sent, to 2 chats: {ALICE}, {BOB}"]
    with pytest.raises(LookupError):  # the pusher hears "not running": it does not retry
        await push
    assert not platform.plumbing.tasks


async def test_a_send_cut_off_by_the_stop_is_remembered_as_maybe_delivered(
    tg: FakeTelegram,
) -> None:
    platform = fast_platform(tg, Burst(), {str(ALICE)}, stop_within_s=0.2)
    await platform.start()
    alice = tg.user(ALICE)
    tg.send_text(alice, "hello")
    await tg.wait_sent(ALICE)
    tg.hold("sendMessage")  # the next send reaches Telegram and hangs there
    tg.send_text(alice, "again")
    await tg.wait_until(lambda: tg.waiting("sendMessage") == 1)
    await asyncio.wait_for(platform.stop(), 5.0)
    assert platform.dropped.count == 1
    assert platform.ledger.uncertain(str(ALICE)) == 1  # a repeat will look for the copy
    tg.release("sendMessage")
    await tg.wait_sent(ALICE, 2)  # Telegram carried it out after all


async def test_a_push_while_stopping_is_refused_as_not_running(tg: FakeTelegram) -> None:
    platform = fast_platform(tg, Burst(), {str(ALICE)})
    await platform.start()
    fanout = Fanout()
    fanout.add(platform)
    await platform.stop()
    with pytest.raises(LookupError):
        await fanout.push("telegram", str(ALICE), Outgoing("日报"))
