"""The Telegram adapter with the real python-telegram-bot client against the fake Bot API
server (tests/fakes/fake_telegram.py). The conversation here is a small scripted handler so that each
test pins one piece of translation; tests/bot/platforms/test_telegram_e2e.py runs the real conversation."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest

from bot.platforms.base import Fanout, PlatformParts
from bot.platforms.telegram import (  # the library's errors, as the adapter raises them
    COMMANDS,
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramPlatform,
    TimedOut,
    create,
    maybe_delivered,
)
from bot.settings import Settings
from handlers.messages import (
    Button,
    Image,
    Incoming,
    Outgoing,
    PermanentPlatformError,
    TemporaryPlatformError,
)
from tests.fakes.fake_telegram import FakeTelegram, fast_platform, png_size, tiny_png

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

ALICE = 111  # listed
BOB = 222  # listed
EVE = 999  # not listed


class Script:
    """A stand-in conversation: a few fixed answers, a one-time confirmation owned by the
    user who asked, and a record of every Incoming."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []
        self.executed: list[str] = []
        self.owner: str | None = None
        self.delay = 0.0

    async def __call__(self, inc: Incoming) -> list[Outgoing]:
        self.seen.append(inc)
        if self.delay:
            await asyncio.sleep(self.delay)
        if inc.button_id is not None:
            return self._press(inc, inc.button_id)
        text = inc.text or ""
        if text in ("余额", "/account"):
            return [Outgoing("余额 10,000.00 USD\n净值 10,000.00 USD")]
        if text.startswith("echo "):
            return [Outgoing(text[5:])]
        if text == "long":
            return [Outgoing("\n".join(f"line {i:05d} " + "x" * 40 for i in range(250)))]
        if text == "table":
            return [
                Outgoing("持仓 (2)\n品种    手数   盈亏\nXAUUSD  0.01  +1.20\nEURUSD  0.10  -3.40")
            ]
        if text == "buy":
            self.owner = inc.user_id
            return [
                Outgoing(
                    "买入 XAUUSD 0.01 手 @ 2350.10",
                    buttons=[Button("c:7F3K", "✅ 确认"), Button("x:7F3K", "❌ 取消")],
                    kind="preview",
                )
            ]
        if text == "report":
            return [
                Outgoing(
                    "日报",
                    images=[Image(tiny_png(4, 3), "daily.png", "日 P&L <chart>")],
                    kind="push",
                )
            ]
        if text == "slow":
            await asyncio.sleep(0.5)
            return [Outgoing("slow done")]
        if text == "boom":
            raise RuntimeError("a bug")
        return [Outgoing(f"? {text}")]

    def _press(self, inc: Incoming, button_id: str) -> list[Outgoing]:
        if inc.user_id != self.owner:
            return [Outgoing("这不是你的确认。", kind="error")]
        if button_id in self.executed:
            return [Outgoing("这条确认已处理过，不会重复执行。", kind="error")]
        self.executed.append(button_id)
        return [Outgoing("✅ 已成交 #50001", edit_of=inc.message_id, kind="result")]


@pytest.fixture
async def tg() -> Any:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> Any:
    script = Script()
    platform = fast_platform(tg, script, {str(ALICE), str(BOB)})
    await platform.start()
    try:
        yield platform, script
    finally:
        await platform.stop()


async def test_balance_question_is_answered_in_html_in_the_same_chat(
    tg: FakeTelegram, bot: Any
) -> None:
    _, script = bot
    alice = tg.user(ALICE)
    tg.send_text(alice, "余额")
    sent = await tg.wait_sent(ALICE)
    assert sent[0]["text"] == "余额 10,000.00 USD\n净值 10,000.00 USD"
    call = tg.calls_of("sendMessage")[0]
    assert call.params["parse_mode"] == "HTML"
    inc = script.seen[0]
    assert (inc.platform, inc.chat_id, inc.user_id, inc.text) == ("telegram", "111", "111", "余额")
    assert inc.is_group is False
    assert inc.user_name == "Alice"


async def test_user_provided_markup_is_escaped_not_interpreted(tg: FakeTelegram, bot: Any) -> None:
    alice = tg.user(ALICE)
    hostile = "<b>bold</b> & <a href='x'>link</a> 1 < 2 > 0"
    tg.send_text(alice, "echo " + hostile)
    sent = await tg.wait_sent(ALICE)
    # the fake parses HTML like Telegram: had anything slipped through unescaped it would
    # have been a 400 or rendered as markup
    assert sent[0]["text"] == hostile


async def test_long_answer_is_split_on_line_boundaries_without_loss(
    tg: FakeTelegram, bot: Any
) -> None:
    alice = tg.user(ALICE)
    tg.send_text(alice, "long")
    expected = "\n".join(f"line {i:05d} " + "x" * 40 for i in range(250))
    await tg.wait_until(lambda: "\n".join(m["text"] for m in tg.sent_to(ALICE)) == expected)
    sent = tg.sent_to(ALICE)
    assert len(sent) == 4  # 250 lines of 51 characters: 78 lines per message
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert all(m["text"].startswith("line ") for m in sent)


async def test_table_is_sent_monospaced_in_a_pre_block(tg: FakeTelegram, bot: Any) -> None:
    alice = tg.user(ALICE)
    tg.send_text(alice, "table")
    sent = await tg.wait_sent(ALICE)
    assert sent[0]["html"].startswith("持仓 (2)\n<pre>品种    手数")
    assert sent[0]["html"].endswith("-3.40</pre>")
    assert (
        sent[0]["text"] == "持仓 (2)\n品种    手数   盈亏\nXAUUSD  0.01  +1.20\nEURUSD  0.10  -3.40"
    )


async def test_preview_press_edits_message_with_result_and_removes_keyboard(
    tg: FakeTelegram, bot: Any
) -> None:
    _, script = bot
    alice = tg.user(ALICE)
    tg.send_text(alice, "buy")
    preview = (await tg.wait_sent(ALICE))[0]
    rows = preview["reply_markup"]["inline_keyboard"]
    assert [(b["text"], b["callback_data"]) for b in rows[0]] == [
        ("✅ 确认", "c:7F3K"),
        ("❌ 取消", "x:7F3K"),
    ]
    qid = tg.press(alice, preview, "c:7F3K")
    await tg.wait_until(lambda: tg.answer_for(qid) is not None and len(tg.edits) == 1)
    edited = tg.message(ALICE, preview["message_id"])
    assert edited["text"] == "✅ 已成交 #50001"
    assert "reply_markup" not in edited
    assert tg.answer_for(qid) == {"callback_query_id": qid}
    press = script.seen[-1]
    assert (press.button_id, press.message_id) == ("c:7F3K", str(preview["message_id"]))

    qid2 = tg.press(alice, preview, "c:7F3K")
    await tg.wait_until(lambda: tg.answer_for(qid2) is not None)
    assert tg.answer_for(qid2)["text"] == "这条确认已处理过，不会重复执行。"  # type: ignore[index]
    await tg.settle()
    assert script.executed == ["c:7F3K"]
    assert len(tg.sent_to(ALICE)) == 1  # the refusal was a toast, not a message
    assert len(tg.edits) == 1


async def test_unlisted_user_start_gets_only_their_id(tg: FakeTelegram, bot: Any) -> None:
    _, script = bot
    eve = tg.user(EVE, "Eve", language_code="en")
    tg.send_text(eve, "/start")
    sent = await tg.wait_sent(EVE)
    await tg.settle()
    assert len(tg.sent_to(EVE)) == 1
    text = sent[0]["text"]
    assert "Your Telegram user id is 999." in text
    assert 'platform = "telegram"\nid = "999"' in text
    assert script.seen == []  # the conversation never saw it


async def test_unlisted_user_start_in_chinese_when_their_app_is_chinese(
    tg: FakeTelegram, bot: Any
) -> None:
    eve = tg.user(EVE, "Eve", language_code="zh-hans")
    tg.send_text(eve, "/start")
    sent = await tg.wait_sent(EVE)
    assert sent[0]["text"].startswith("你的 Telegram 用户 ID 是 999。")


async def test_listed_user_start_goes_to_the_conversation(tg: FakeTelegram, bot: Any) -> None:
    _, script = bot
    tg.send_text(tg.user(ALICE), "/start")
    await tg.wait_sent(ALICE)
    assert script.seen[0].text == "/start"


async def test_unlisted_user_in_group_is_ignored(tg: FakeTelegram, bot: Any) -> None:
    _, script = bot
    group = tg.group_chat()
    tg.send_text(tg.user(EVE, "Eve"), "/start", chat=group)
    tg.send_text(tg.user(EVE, "Eve"), "余额", chat=group)
    await tg.settle()
    assert tg.sent == []
    assert script.seen == []


async def test_group_command_for_this_bot_is_stripped_and_marked_mentioned(
    tg: FakeTelegram, bot: Any
) -> None:
    _, script = bot
    group = tg.group_chat()
    alice = tg.user(ALICE)
    tg.send_text(alice, "/account@tradechat_test_bot", chat=group)
    tg.send_text(alice, "/account@some_other_bot", chat=group)
    await tg.wait_sent(group["id"])
    await tg.settle()
    assert len(script.seen) == 1
    inc = script.seen[0]
    assert (inc.text, inc.mentioned, inc.is_group, inc.chat_id) == (
        "/account",
        True,
        True,
        str(group["id"]),
    )


async def test_in_group_only_the_requester_can_press_the_buttons(
    tg: FakeTelegram, bot: Any
) -> None:
    _, script = bot
    group = tg.group_chat()
    alice, bob, eve = tg.user(ALICE), tg.user(BOB, "Bob"), tg.user(EVE, "Eve", language_code="en")
    tg.send_text(alice, "buy", chat=group)
    preview = (await tg.wait_sent(group["id"]))[0]

    q_eve = tg.press(eve, preview, "c:7F3K")
    q_bob = tg.press(bob, preview, "c:7F3K")
    await tg.wait_until(lambda: tg.answer_for(q_eve) and tg.answer_for(q_bob))  # type: ignore[arg-type,return-value]
    assert tg.answer_for(q_eve)["text"] == "This button is not for you."  # type: ignore[index]
    assert tg.answer_for(q_bob)["text"] == "这不是你的确认。"  # type: ignore[index]
    assert script.executed == []
    assert [i.user_id for i in script.seen] == [str(ALICE), str(BOB)]  # Eve never got through
    assert "reply_markup" in tg.message(group["id"], preview["message_id"])

    q_alice = tg.press(alice, preview, "c:7F3K")
    await tg.wait_until(lambda: tg.answer_for(q_alice) is not None and len(tg.edits) == 1)
    assert script.executed == ["c:7F3K"]
    assert len(tg.sent_to(group["id"])) == 1


async def test_report_photo_upload_is_a_valid_png_with_escaped_caption(
    tg: FakeTelegram, bot: Any
) -> None:
    alice = tg.user(ALICE)
    tg.send_text(alice, "report")
    sent = await tg.wait_sent(ALICE, 2)
    assert sent[0]["text"] == "日报"
    photo = sent[1]
    assert png_size(photo["photo_bytes"]) == (4, 3)
    assert photo["photo_bytes"] == tiny_png(4, 3)
    assert photo["caption"] == "日 P&L <chart>"
    call = tg.calls_of("sendPhoto")[0]
    assert call.files["photo"] == tiny_png(4, 3)


async def test_slow_answer_shows_a_chat_action_first(tg: FakeTelegram, bot: Any) -> None:
    _, script = bot
    script.delay = 0.6
    alice = tg.user(ALICE)
    tg.send_text(alice, "report")
    await tg.wait_sent(ALICE, 2)
    assert tg.chat_actions[0] == {"chat_id": ALICE, "action": "upload_photo"}
    first_action = tg.calls_of("sendChatAction")[0]
    first_send = tg.calls_of("sendMessage")[0]
    assert first_action.at < first_send.at
    n_actions = len(tg.chat_actions)
    tg.send_text(alice, "余额")
    await tg.wait_sent(ALICE, 3)
    assert tg.chat_actions[n_actions]["action"] == "typing"


async def test_answers_in_one_chat_keep_the_order_of_the_questions(
    tg: FakeTelegram, bot: Any
) -> None:
    alice = tg.user(ALICE)
    tg.send_text(alice, "slow")
    tg.send_text(alice, "余额")
    sent = await tg.wait_sent(ALICE, 2)
    assert sent[0]["text"] == "slow done"
    assert sent[1]["text"].startswith("余额")


async def test_a_stuck_send_does_not_hold_up_the_next_message_and_order_is_kept(
    tg: FakeTelegram, bot: Any
) -> None:
    _, script = bot
    alice = tg.user(ALICE)
    tg.private_chat(alice)
    tg.hold("sendMessage")
    tg.send_text(alice, "echo first")
    tg.send_text(alice, "echo second")
    # both handled while the first answer is still stuck on its way out
    await tg.wait_until(lambda: len(script.seen) == 2 and tg.waiting("sendMessage") == 1)
    tg.release("sendMessage")
    sent = await tg.wait_sent(ALICE, 2)
    assert [m["text"] for m in sent] == ["first", "second"]


def _caused(exc: NetworkError, cause: BaseException) -> NetworkError:
    """The error as PTB raises it from httpx's (`raise TimedOut from err`)."""
    exc.__cause__ = cause
    return exc


def test_a_request_is_maybe_delivered_only_when_it_left_and_no_answer_came() -> None:
    request = httpx.Request("POST", "http://127.0.0.1/bot/sendMessage")
    read = httpx.ReadTimeout("read", request=request)
    dropped = httpx.RemoteProtocolError("server disconnected", request=request)
    assert maybe_delivered(_caused(TimedOut(), read))
    assert maybe_delivered(_caused(NetworkError("httpx.RemoteProtocolError"), dropped))
    pool = httpx.PoolTimeout("pool", request=request)
    connect = httpx.ConnectError("refused", request=request)
    assert not maybe_delivered(_caused(TimedOut(), pool))
    assert not maybe_delivered(_caused(NetworkError("x"), connect))
    assert not maybe_delivered(NetworkError("Bad Gateway"))  # Telegram answered a 502
    assert not maybe_delivered(BadRequest("chat not found"))
    assert not maybe_delivered(RetryAfter(3))


async def test_slow_press_is_answered_before_the_result_arrives(tg: FakeTelegram) -> None:
    script = Script()
    platform = fast_platform(tg, script, {str(ALICE)}, callback_wait_s=0.1)
    await platform.start()
    try:
        alice = tg.user(ALICE)
        tg.send_text(alice, "buy")
        preview = (await tg.wait_sent(ALICE))[0]
        script.delay = 0.5
        qid = tg.press(alice, preview, "c:7F3K")
        await tg.wait_until(lambda: len(tg.edits) == 1)
        assert tg.answer_for(qid) == {"callback_query_id": qid}
        answered = tg.calls_of("answerCallbackQuery")[0].at
        assert answered < tg.calls_of("editMessageText")[0].at
        # a refusal that comes too late for the toast is dropped: a press never becomes a
        # chat message of its own (issue 12: 100 presses made 95 "already handled" messages)
        qid2 = tg.press(alice, preview, "c:7F3K")
        await tg.wait_until(lambda: len(script.seen) == 3 and tg.answer_for(qid2) is not None)
        await platform.plumbing.idle()  # the press has been handled to the end
        assert tg.answer_for(qid2) == {"callback_query_id": qid2}
        assert len(tg.sent_to(ALICE)) == 1  # only the preview
        assert script.executed == ["c:7F3K"]
    finally:
        await platform.stop()


async def test_a_handler_that_raises_is_logged_and_the_chat_goes_on(
    tg: FakeTelegram, bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The conversation never raises (its own apology is in handlers/i18n/); a handler that
    # does is a bug: logged, no made-up answer, and the next message is answered as usual.
    alice = tg.user(ALICE)
    tg.send_text(alice, "boom")
    tg.send_text(alice, "余额")
    sent = await tg.wait_sent(ALICE)
    assert len(sent) == 1
    assert sent[0]["text"].startswith("余额")
    assert "Traceback" not in sent[0]["text"]
    assert any("conversation raised" in r.getMessage() for r in caplog.records)


async def test_command_menu_is_set_in_english_and_chinese(tg: FakeTelegram, bot: Any) -> None:
    assert [c["command"] for c in tg.commands[""]] == [c for c, _ in COMMANDS["en"]]
    assert [c["command"] for c in tg.commands["zh"]] == [c for c, _ in COMMANDS["zh"]]
    assert {"positions", "pnl", "report", "help"} <= {c["command"] for c in tg.commands[""]}
    assert tg.commands["zh"][0]["description"] == "当前持仓"


def _retried(platform: TelegramPlatform, chat_id: str, out: Outgoing) -> Any:
    """A delivery through the reply plumbing's bounded retries (how answers go out)."""
    return platform.plumbing.retrying(lambda: platform.send(chat_id, out))


async def test_reply_survives_a_429_and_arrives(tg: FakeTelegram, bot: Any) -> None:
    platform, _ = bot
    tg.private_chat(tg.user(ALICE))
    tg.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await _retried(platform, str(ALICE), Outgoing("月报：+120.00 USD", kind="push"))
    assert [m["text"] for m in tg.sent_to(ALICE)] == ["月报：+120.00 USD"]
    statuses = [c.status for c in tg.calls_of("sendMessage")]
    assert statuses == [429, 200]
    gap = tg.calls_of("sendMessage")[1].at - tg.calls_of("sendMessage")[0].at
    assert gap >= 0.9  # retry_after was honoured (a lower bound, not a timing assertion)


async def test_reply_retries_5xx_and_resumes_at_the_call_that_failed(
    tg: FakeTelegram, bot: Any
) -> None:
    platform, _ = bot
    tg.private_chat(tg.user(ALICE))
    tg.fail("sendMessage", 502, "Bad Gateway")
    tg.fail("sendMessage", 500, "Internal Server Error")
    tg.fail("sendPhoto", 503, "Service Unavailable")
    await _retried(platform, str(ALICE), Outgoing("日报", images=[Image(tiny_png(), "d.png")]))
    assert [c.status for c in tg.calls_of("sendMessage")] == [502, 500, 200]
    assert [c.status for c in tg.calls_of("sendPhoto")] == [503, 200]
    assert len(tg.sent_to(ALICE)) == 2


async def test_reply_gives_up_after_bounded_attempts_and_raises(tg: FakeTelegram) -> None:
    platform = fast_platform(tg, Script(), {str(ALICE)}, max_attempts=3)
    await platform.start()
    try:
        tg.private_chat(tg.user(ALICE))
        tg.fail("sendMessage", 500, "Internal Server Error", times=5)
        with pytest.raises(TemporaryPlatformError) as info:
            await _retried(platform, str(ALICE), Outgoing("日报", kind="push"))
        assert isinstance(info.value.__cause__, NetworkError)
        assert len(tg.calls_of("sendMessage")) == 3
    finally:
        await platform.stop()


async def test_reply_to_unknown_chat_is_not_retried(tg: FakeTelegram, bot: Any) -> None:
    platform, _ = bot
    with pytest.raises(PermanentPlatformError) as info:
        await _retried(platform, "424242", Outgoing("x"))
    assert isinstance(info.value.__cause__, BadRequest)
    assert len(tg.calls_of("sendMessage")) == 1


async def test_push_to_a_user_who_blocked_the_bot_is_permanent_and_not_retried(
    tg: FakeTelegram, bot: Any
) -> None:
    platform, _ = bot
    tg.private_chat(tg.user(ALICE))
    fanout = Fanout()
    fanout.add(platform)
    tg.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=3)
    with pytest.raises(PermanentPlatformError) as info:
        await fanout.push("telegram", str(ALICE), Outgoing("日报", kind="push"))
    assert isinstance(info.value.__cause__, Forbidden)
    assert info.value.platform == "telegram"
    assert len(tg.calls_of("sendMessage")) == 1  # Fanout makes one attempt
    # … and the reply plumbing does not try a permanent refusal again either
    assert not await platform.plumbing.reply(
        lambda: platform.send(str(ALICE), Outgoing("x")), str(ALICE)
    )
    assert len(tg.calls_of("sendMessage")) == 2


async def test_push_hitting_a_429_is_temporary_with_telegrams_retry_after(
    tg: FakeTelegram, bot: Any
) -> None:
    platform, _ = bot
    tg.private_chat(tg.user(ALICE))
    fanout = Fanout()
    fanout.add(platform)
    tg.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TemporaryPlatformError) as info:
        await fanout.push("telegram", str(ALICE), Outgoing("日报", kind="push"))
    assert isinstance(info.value.__cause__, RetryAfter)
    assert info.value.retry_after == 7
    assert len(tg.calls_of("sendMessage")) == 1  # one attempt: handlers/pushes.py retries
    await fanout.push("telegram", str(ALICE), Outgoing("日报", kind="push"))
    assert [m["text"] for m in tg.sent_to(ALICE)] == ["日报"]


async def test_push_to_a_platform_that_is_not_running_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        await Fanout().push("telegram", "1", Outgoing("x"))


async def test_answers_keep_their_order_when_the_first_one_is_rate_limited(
    tg: FakeTelegram, bot: Any
) -> None:
    alice = tg.user(ALICE)
    tg.private_chat(alice)
    tg.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    tg.send_text(alice, "echo first")
    tg.send_text(alice, "echo second")
    sent = await tg.wait_sent(ALICE, 2)
    assert [m["text"] for m in sent] == ["first", "second"]
    assert [c.status for c in tg.calls_of("sendMessage")] == [429, 200, 200]


async def test_push_edit_of_a_vanished_message_sends_a_new_one(tg: FakeTelegram, bot: Any) -> None:
    platform, _ = bot
    tg.private_chat(tg.user(ALICE))
    await platform.send(str(ALICE), Outgoing("结果", edit_of="77", kind="result"))
    assert [m["text"] for m in tg.sent_to(ALICE)] == ["结果"]


async def test_polling_survives_a_502_and_a_network_error(tg: FakeTelegram) -> None:
    tg.fail("getUpdates", 502, "Bad Gateway")
    tg.fail("getUpdates", 500, "Internal Server Error")
    script = Script()
    platform = fast_platform(tg, script, {str(ALICE)})
    await platform.start()
    try:
        tg.send_text(tg.user(ALICE), "余额")
        sent = await tg.wait_sent(ALICE, timeout=15)
        assert sent[0]["text"].startswith("余额")
        assert [c.status for c in tg.calls_of("getUpdates")][:2] == [502, 500]
    finally:
        await platform.stop()


async def test_updates_are_confirmed_with_offsets_and_not_handled_twice(
    tg: FakeTelegram, bot: Any
) -> None:
    _, script = bot
    alice = tg.user(ALICE)
    tg.send_text(alice, "余额")
    await tg.wait_sent(ALICE)
    tg.send_text(alice, "/account")
    await tg.wait_sent(ALICE, 2)
    await tg.settle()
    assert [i.text for i in script.seen] == ["余额", "/account"]
    offsets = [c.params.get("offset") for c in tg.calls_of("getUpdates")]
    assert 1001 in offsets
    assert 1002 in offsets


async def test_stop_is_clean_and_confirms_fetched_updates(tg: FakeTelegram) -> None:
    platform = fast_platform(tg, Script(), {str(ALICE)})
    await platform.start()
    tg.send_text(tg.user(ALICE), "余额")
    await tg.wait_sent(ALICE)
    await platform.stop()
    assert not platform.app.running
    assert platform.app.updater is not None
    assert not platform.app.updater.running
    last = tg.calls_of("getUpdates")[-1]
    assert last.params.get("offset") == 1001
    assert last.params.get("timeout") == 0
    n = len(tg.calls)
    await asyncio.sleep(0.3)
    assert len(tg.calls) == n  # nothing polls after stop


async def test_bad_token_fails_start_with_a_clear_error(tg: FakeTelegram) -> None:
    platform = fast_platform(tg, Script(), set(), token="999:wrong")
    with pytest.raises(InvalidToken):
        await platform.start()
    await platform.stop()


async def test_unreachable_api_at_start_is_retried_in_the_background(tg: FakeTelegram) -> None:
    tg.fail("getMe", 502, "Bad Gateway", times=2)
    script = Script()
    platform = fast_platform(tg, script, {str(ALICE)})
    await platform.start()  # does not raise
    try:
        tg.send_text(tg.user(ALICE), "余额")
        sent = await tg.wait_sent(ALICE, timeout=15)
        assert sent[0]["text"].startswith("余额")
    finally:
        await platform.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_registers_secret_and_rejects_wrong_secret(tg: FakeTelegram) -> None:
    port = _free_port()
    script = Script()
    platform = fast_platform(
        tg,
        script,
        {str(ALICE)},
        webhook_url=f"http://127.0.0.1:{port}/tg/hook",
        listen_host="127.0.0.1",
        listen_port=port,
        secret_token="s3cret-token",
    )
    await platform.start()
    try:
        assert tg.webhook == {
            "url": f"http://127.0.0.1:{port}/tg/hook",
            "secret_token": "s3cret-token",
        }
        tg.send_text(tg.user(ALICE), "余额")
        sent = await tg.wait_sent(ALICE)
        assert sent[0]["text"].startswith("余额")
        assert tg.webhook_deliveries == [200]
        forged = {"update_id": 5, "message": {**sent[0], "from": tg.user(ALICE), "text": "buy"}}
        assert await tg.deliver_raw(forged, "wrong") == 403
        assert await tg.deliver_raw(forged, None) == 403
        assert [i.text for i in script.seen] == ["余额"]
        assert tg.calls_of("getUpdates") == []
    finally:
        await platform.stop()


async def test_webhook_mode_without_configured_secret_still_uses_one(tg: FakeTelegram) -> None:
    port = _free_port()
    platform = fast_platform(
        tg, Script(), set(), webhook_url=f"http://127.0.0.1:{port}/hook", listen_port=port
    )
    await platform.start()
    try:
        assert len(tg.webhook["secret_token"]) >= 32
    finally:
        await platform.stop()


# ------------------------------------------------------------------ pure pieces


def test_create_telegram_needs_the_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    async def handle(inc: Incoming) -> list[Outgoing]:
        return []

    parts = PlatformParts(handle=handle, listed=lambda platform, user: True)
    monkeypatch.delenv("TRADECHAT_TELEGRAM_TOKEN", raising=False)
    assert create(parts, Settings()) is None
    monkeypatch.setenv("MY_TG_TOKEN", "42:abc")
    settings = Settings(telegram={"token_env": "MY_TG_TOKEN", "api_base_url": "http://x/bot"})
    platform = create(parts, settings)
    assert isinstance(platform, TelegramPlatform)
    assert platform.app.bot.token == "42:abc"
    assert platform.app.bot.base_url == "http://x/bot42:abc"
