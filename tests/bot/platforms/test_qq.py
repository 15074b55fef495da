"""QQ adapter against a fake OneBot v11 implementation on 127.0.0.1 (transport and rendering;
the end-to-end trading scenarios are in test_onebot_e2e.py)."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.platforms.base import Fanout, PlatformParts
from bot.platforms.qq import (
    OneBotActionFailed,
    OneBotNotConnected,
    OneBotPlatform,
    OneBotTimeout,
    parse_cq,
    read_segments,
)
from handlers.messages import (
    Button,
    Image,
    Incoming,
    Outgoing,
    PermanentPlatformError,
    TemporaryPlatformError,
)
from tests.fakes.fake_onebot import FakeOneBot

TOKEN = "s3cret-token"
LISTED = {"20002", "20003"}


class Echo:
    """A stand-in conversation: answers every message with what it got."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def __call__(self, inc: Incoming) -> list[Outgoing]:
        self.seen.append(inc)
        if inc.text == "preview":
            buttons = [
                Button("c:7F3K", "✅ 确认", reply_code="确认 7F3K"),
                Button("x:7F3K", "❌ 取消", reply_code="取消 7F3K"),
            ]
            return [Outgoing("买入 XAUUSD 0.01", buttons=buttons, kind="preview")]
        return [Outgoing(f"got {inc.text} from {inc.user_id} in {inc.chat_id}")]


def platform(handler: Echo, **kw: object) -> OneBotPlatform:
    opts: dict[str, object] = {
        "mode": "reverse",
        "listen_port": 0,
        "access_token": TOKEN,
        "min_send_interval_s": 0.0,
        "send_jitter_s": 0.0,
        "action_timeout_s": 2.0,
        "retry_wait_s": 0.05,
    }
    opts.update(kw)
    return OneBotPlatform(handler, lambda uid: uid in LISTED, **opts)  # type: ignore[arg-type]


def retried(bot: OneBotPlatform, chat_id: str, out: Outgoing) -> Any:
    """A delivery through the reply plumbing's bounded retries (how answers go out)."""
    return bot.plumbing.retrying(lambda: bot.send(chat_id, out))


@pytest.fixture
async def reverse() -> AsyncIterator[tuple[OneBotPlatform, FakeOneBot, Echo]]:
    echo = Echo()
    bot = platform(echo)
    await bot.start()
    fake = FakeOneBot(access_token=TOKEN)
    await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
    assert await bot.wait_connected(5)
    yield bot, fake, echo
    await fake.close()
    await bot.stop()


async def test_private_message_in_array_format_is_answered_with_send_private_msg(reverse) -> None:
    bot, fake, echo = reverse
    await fake.private_message(20002, "余额")
    (sent,) = await fake.wait_sends(1)
    assert sent.action == "send_private_msg"
    assert sent.params["user_id"] == 20002
    assert sent.text == "got 余额 from 20002 in private:20002"
    assert echo.seen[0].platform == "qq"
    assert echo.seen[0].is_group is False
    assert bot.self_id == "10001"


async def test_private_message_in_cq_string_format_is_unescaped(reverse) -> None:
    _bot, fake, echo = reverse
    await fake.private_message(20002, "a &#91;b&#93; &amp; c", fmt="string")
    await fake.wait_sends(1)
    assert echo.seen[0].text == "a [b] & c"


async def test_group_message_is_answered_only_when_listed_user_mentions_the_bot(reverse) -> None:
    _bot, fake, echo = reverse
    await fake.group_message(30003, 20002, "余额")  # listed, not addressed
    await fake.group_message(30003, 99999, "余额", at_self=True)  # addressed, not listed
    mid = await fake.group_message(30003, 20002, "持仓", at_self=True, fmt="string")
    (sent,) = await fake.wait_sends(1)
    await asyncio.sleep(0.1)  # the two ignored messages had every chance to be answered
    assert len(fake.sends()) == 1
    assert sent.action == "send_group_msg"
    assert sent.params["group_id"] == 30003
    assert sent.segment_types[0] == "reply"
    assert sent.params["message"][0]["data"]["id"] == str(mid)
    assert [i.text for i in echo.seen] == ["持仓"]
    assert echo.seen[0].mentioned is True
    assert echo.seen[0].chat_id == "group:30003"


async def test_reply_to_a_bot_message_and_shown_reply_code_address_the_bot(reverse) -> None:
    _bot, fake, echo = reverse
    await fake.group_message(30003, 20002, "preview", at_self=True)
    (preview,) = await fake.wait_sends(1)
    assert preview.text.splitlines()[-1] == "回复「确认 7F3K」✅ 确认 /「取消 7F3K」❌ 取消"
    await fake.group_message(30003, 20002, "确认 7F3K")  # the shown code, no @
    await fake.wait_sends(2)
    await fake.group_message(30003, 20003, "再看看", reply_to=5000 + 99)  # not a bot message
    await fake.group_message(30003, 20003, "/help")
    await fake.wait_sends(3)
    await asyncio.sleep(0.1)
    assert [i.text for i in echo.seen] == ["preview", "确认 7F3K", "/help"]


async def test_reverse_connection_with_wrong_token_is_refused() -> None:
    echo = Echo()
    bot = platform(echo)
    await bot.start()
    fake = FakeOneBot(access_token="wrong")
    try:
        url = f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws"
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await fake.dial(url)
        assert info.value.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await fake.dial(url, token=None)
        assert info.value.status == 401
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await fake.dial(url, token=TOKEN, self_id_header="")
        assert info.value.status == 400
        assert not bot.connected
    finally:
        await fake.close()
        await bot.stop()


async def test_push_with_chart_sends_text_then_base64_image(reverse) -> None:
    bot, fake, _echo = reverse
    png = b"\x89PNG\r\n\x1a\nfake-chart"
    await bot.send(
        "group:30003", Outgoing("日报", images=[Image(png, caption="净值")], kind="push")
    )
    text, image = await fake.wait_sends(2)
    assert text.text == "日报"
    assert image.images == ["base64://" + base64.b64encode(png).decode()]
    assert image.text.strip() == "净值"


async def test_long_answer_is_split_into_several_messages_in_order(reverse) -> None:
    bot, fake, _echo = reverse
    lines = [f"#{i:04d} EURUSD buy 0.01 +1.23" for i in range(400)]  # ~12 000 characters
    await bot.send("private:20002", Outgoing("\n".join(lines)))
    await asyncio.sleep(0.05)
    sends = await fake.wait_sends(3)
    assert all(len(s.text) <= bot.caps.max_text for s in sends)
    assert "\n".join(s.text for s in sends).splitlines() == lines


async def test_sends_are_spaced_by_the_minimum_interval() -> None:
    echo = Echo()
    bot = platform(echo, min_send_interval_s=0.15, send_jitter_s=0.05)
    await bot.start()
    fake = FakeOneBot(access_token=TOKEN)
    try:
        await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
        assert await bot.wait_connected(5)
        await asyncio.gather(*(bot.send("private:20002", Outgoing(f"m{i}")) for i in range(4)))
        sends = fake.sends()
        gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
        assert len(gaps) == 3
        assert min(gaps) >= 0.14
    finally:
        await fake.close()
        await bot.stop()


async def test_unanswered_action_times_out_and_push_raises_after_retries() -> None:
    echo = Echo()
    bot = platform(echo, action_timeout_s=0.2, send_attempts=2)
    await bot.start()
    fake = FakeOneBot(access_token=TOKEN)
    try:
        await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
        assert await bot.wait_connected(5)
        fake.muted.add("send_private_msg")
        with pytest.raises(TemporaryPlatformError) as info:
            await retried(bot, "private:20002", Outgoing("hello"))
        assert isinstance(info.value.__cause__, OneBotTimeout)
        assert len(fake.sends()) == 2
        fake.muted.clear()
        await bot.send("private:20002", Outgoing("again"))  # late answers do not confuse echo
        assert fake.sends()[-1].text == "again"
    finally:
        await fake.close()
        await bot.stop()


async def test_failed_action_is_retried_once_and_then_succeeds(reverse) -> None:
    bot, fake, _echo = reverse
    fake.failures["send_group_msg"] = 1
    await retried(bot, "group:30003", Outgoing("hi"))
    assert [a.action for a in fake.sends()] == ["send_group_msg", "send_group_msg"]


async def test_push_is_one_attempt_and_a_busy_failure_is_temporary(reverse) -> None:
    bot, fake, _echo = reverse
    fanout = Fanout()
    fanout.add(bot)
    fake.failures["send_group_msg"] = 1
    with pytest.raises(TemporaryPlatformError) as info:
        await fanout.push("qq", "group:30003", Outgoing("hi"))
    assert isinstance(info.value.__cause__, OneBotActionFailed)
    assert len(fake.sends()) == 1


async def test_refused_action_is_permanent_and_not_retried(reverse) -> None:
    bot, fake, _echo = reverse
    fake.refusals["send_group_msg"] = 1403  # e.g. muted in that group
    with pytest.raises(PermanentPlatformError) as info:
        await retried(bot, "group:30003", Outgoing("hi"))
    assert isinstance(info.value.__cause__, OneBotActionFailed)
    assert info.value.__cause__.retcode == 1403
    assert len(fake.sends()) == 1


async def test_a_chat_id_that_is_not_qq_is_permanent(reverse) -> None:
    bot, _fake, _echo = reverse
    with pytest.raises(PermanentPlatformError):
        await bot.send("telegram:1", Outgoing("hi"))


async def test_push_with_no_connection_raises() -> None:
    bot = platform(Echo(), send_attempts=2, retry_wait_s=0.05)
    await bot.start()
    try:
        with pytest.raises(TemporaryPlatformError, match="connection") as info:
            await retried(bot, "private:20002", Outgoing("hello"))
        assert isinstance(info.value.__cause__, OneBotNotConnected)
    finally:
        await bot.stop()


async def test_implementation_reconnecting_after_a_drop_is_served_again(reverse) -> None:
    bot, fake, _echo = reverse
    await fake.drop()
    for _ in range(100):
        if not bot.connected:
            break
        await asyncio.sleep(0.01)
    assert not bot.connected
    await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
    assert await bot.wait_connected(5)
    await fake.private_message(20002, "还在吗")
    (sent,) = await fake.wait_sends(1)
    assert "还在吗" in sent.text


async def test_forward_mode_dials_with_token_and_reconnects_after_drop() -> None:
    fake = FakeOneBot(access_token=TOKEN)
    url = await fake.serve()
    echo = Echo()
    bot = platform(echo, mode="forward", forward_url=url, reconnect_delays_s=(0.05,))
    await bot.start()
    try:
        assert await bot.wait_connected(5)
        await fake.wait_actions(1)  # get_login_info on connect
        assert fake.actions[0].action == "get_login_info"
        await fake.private_message(20003, "余额")
        sends = await fake.wait_sends(1)
        assert sends[0].params["user_id"] == 20003
        await fake.drop()
        for _ in range(200):
            if fake.connections >= 2 and bot.connected:
                break
            await asyncio.sleep(0.02)
        assert fake.connections == 2
        await fake.private_message(20003, "持仓", fmt="string")
        sends = await fake.wait_sends(2)
        assert "持仓" in sends[-1].text
    finally:
        await bot.stop()
        await fake.close()


async def test_forward_mode_with_wrong_token_keeps_retrying_without_connecting() -> None:
    fake = FakeOneBot(access_token=TOKEN)
    url = await fake.serve()
    bot = platform(
        Echo(), mode="forward", forward_url=url, access_token="nope", reconnect_delays_s=(0.02,)
    )
    await bot.start()
    try:
        for _ in range(200):
            if fake.refused >= 2:
                break
            await asyncio.sleep(0.01)
        assert fake.refused >= 2
        assert not bot.connected
    finally:
        await bot.stop()
        await fake.close()


def test_cq_string_parses_into_segments() -> None:
    segs = parse_cq("[CQ:reply,id=77][CQ:at,qq=10001] 平仓&#44;黄金 [CQ:face,id=1]")
    assert [s["type"] for s in segs] == ["reply", "at", "text", "face"]
    text, mentioned, reply_to = read_segments(segs, "10001")
    assert (text, mentioned, reply_to) == ("平仓,黄金", True, "77")


def test_mention_of_someone_else_stays_in_the_text() -> None:
    text, mentioned, _ = read_segments(parse_cq("[CQ:at,qq=555] 你好"), "10001")
    assert mentioned is False
    assert text == "@555 你好"


def test_create_qq_is_none_unless_enabled_and_reads_the_token_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.platforms.qq import create
    from bot.settings import Settings

    parts = PlatformParts(handle=Echo(), listed=lambda _p, _u: True)
    assert create(parts, Settings()) is None
    monkeypatch.setenv("TRADECHAT_QQ_ACCESS_TOKEN", "tok")
    settings = Settings(qq={"enabled": True, "mode": "forward", "min_send_interval_s": 2.0})
    bot = create(parts, settings)
    assert bot is not None
    assert bot.mode == "forward"
    assert bot.name == "qq"
    assert bot.caps.buttons == "command"


async def test_the_access_token_may_come_as_a_query_parameter(reverse) -> None:
    bot, _fake, _echo = reverse
    second = FakeOneBot(self_id=10001, access_token=TOKEN)
    try:
        await second.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws", token_in_query=True)
        await second.private_message(20002, "余额")
        (sent,) = await second.wait_sends(1)
        assert sent.text == "got 余额 from 20002 in private:20002"
    finally:
        await second.close()


def test_a_platform_without_an_access_token_cannot_be_built() -> None:
    for mode in ("reverse", "forward"):
        with pytest.raises(ValueError, match="access token"):
            platform(Echo(), mode=mode, access_token="")


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_create_refuses_qq_without_a_token_even_on_loopback_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    from bot.platforms.qq import create
    from bot.settings import ConfigError, Settings

    monkeypatch.delenv("TRADECHAT_QQ_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("MY_ONEBOT_TOKEN", raising=False)
    parts = PlatformParts(handle=Echo(), listed=lambda _p, _u: True)
    settings = Settings(
        qq={
            "enabled": True,
            "mode": mode,
            "listen_host": "127.0.0.1",
            "access_token_env": "MY_ONEBOT_TOKEN",
        }
    )
    with pytest.raises(ConfigError) as info:
        create(parts, settings)
    message = str(info.value)
    assert "MY_ONEBOT_TOKEN" in message
    assert "[qq] access_token_env" in message
    assert "127.0.0.1" in message
    monkeypatch.setenv("MY_ONEBOT_TOKEN", "tok")
    assert create(parts, settings) is not None


async def test_an_event_with_a_different_sender_is_dropped_and_given_to_the_audit_hook() -> None:
    rows: list[tuple[str, dict[str, Any]]] = []

    async def audit(event: str, **fields: Any) -> None:
        rows.append((event, fields))

    echo = Echo()
    bot = platform(echo, audit=audit)
    await bot.start()
    fake = FakeOneBot(access_token=TOKEN)
    try:
        await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
        await fake.private_message(20002, "余额", sender_user_id=555)
        await fake.group_message(30003, 20003, "余额", at_self=True, sender_user_id=555)
        await fake.private_message(20003, "还在吗")  # genuine: answered
        (sent,) = await fake.wait_sends(1)
        await bot.plumbing.idle()
    finally:
        await fake.close()
        await bot.stop()
    assert "还在吗" in sent.text
    assert [i.text for i in echo.seen] == ["还在吗"]
    assert sorted((e, f["user_id"], f["chat_id"]) for e, f in rows) == [
        ("impersonation", "20002", "private:20002"),
        ("impersonation", "20003", "group:30003"),
    ]
    assert all(f["platform"] == "qq" and f["detail"]["sender_user_id"] == "555" for _e, f in rows)


async def test_a_send_that_hangs_does_not_hold_the_handling_of_the_chats_next_message() -> None:
    echo = Echo()
    bot = platform(echo, action_timeout_s=60.0)  # the stuck send stays stuck for the test
    await bot.start()
    fake = FakeOneBot(access_token=TOKEN)
    try:
        await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
        assert await bot.wait_connected(5)
        fake.muted.add("send_private_msg")  # the implementation never answers the send
        await fake.private_message(20002, "余额")
        await fake.wait_sends(1)
        await fake.private_message(20002, "持仓")
        for _ in range(200):  # handled while the first answer is still on its way
            if len(echo.seen) == 2:
                break
            await asyncio.sleep(0.05)
        assert [i.text for i in echo.seen] == ["余额", "持仓"]
        assert len(fake.sends()) == 1  # and the second answer waits its turn behind it
    finally:
        await fake.close()
        await bot.stop()
