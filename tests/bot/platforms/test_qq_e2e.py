"""QQ end to end: a fake OneBot implementation dials our reverse WebSocket and talks to the
real Conversation on the paper terminal (conftest's `world`: MT5Broker over the in-memory
paper terminal, one clock for both). Confirmations are typed reply codes. The attacks: forged
senders (a stranger's event relabelled as a listed trader's) and connections without the
access token."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.platforms.base import Fanout
from bot.platforms.qq import OneBotPlatform
from handlers.auth import UserRule
from handlers.conversation import build_conversation
from handlers.messages import Outgoing
from handlers.report_service import ReportConfig, ReportService
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from store.audit import AuditLog
from tests.conftest import CONV_MAGIC, ChatWorld, conv_config
from tests.fakes.fake_onebot import MISSING, Action, FakeOneBot

TOKEN = "onebot-e2e-token"
ALICE, BOB, VIEWER = 20002, 20003, 20004
STRANGER = 66601  # in no [[users]] entry
GROUP = 30003
CODE = re.compile(r"「确认 ([A-Z0-9]{4})」")


QQ_USERS = (
    UserRule("qq", str(ALICE), "trader", "Alice"),
    UserRule("qq", str(BOB), "trader", "Bob"),
    UserRule("qq", str(VIEWER), "viewer", "Vera"),
)


class QQ:
    def __init__(
        self, world: ChatWorld, reports: ReportService, bot: OneBotPlatform, fake: FakeOneBot
    ) -> None:
        self.world, self.reports, self.bot, self.fake = world, reports, bot, fake

    async def say_private(self, user: int, text: str) -> Action:
        n = len(self.fake.sends())
        await self.fake.private_message(user, text)
        return (await self.fake.wait_sends(n + 1, timeout=15))[n]

    async def say_group(self, user: int, text: str, *, at_self: bool = False) -> Action:
        n = len(self.fake.sends())
        await self.fake.group_message(GROUP, user, text, at_self=at_self)
        return (await self.fake.wait_sends(n + 1, timeout=15))[n]

    def orders(self) -> list[dict[str, Any]]:
        """Every order_send that reached the paper terminal."""
        return self.world.orders_sent()


@pytest.fixture
async def qq(world: ChatWorld) -> AsyncIterator[QQ]:
    reports = ReportService(
        world.broker, world.db, ReportConfig(timezone="server", server_utc_offset_hours=2)
    )
    conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        # the test group shows account data, named as in settings (handlers/rooms.py)
        config=conv_config(users=QQ_USERS, trading_rooms=frozenset({f"qq:{GROUP}"})),
        reports=reports,
        clock=world.clock.now,
    )
    bot = OneBotPlatform(
        conv.handle,
        lambda uid: conv.is_listed("qq", uid),
        listen_port=0,
        access_token=TOKEN,
        audit=AuditLog(world.db).record,
        min_send_interval_s=0.0,
        send_jitter_s=0.0,
        action_timeout_s=5.0,
    )
    await bot.start()
    fake = FakeOneBot(access_token=TOKEN)
    await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
    assert await bot.wait_connected(5)
    try:
        yield QQ(world, reports, bot, fake)
    finally:
        await fake.close()
        await bot.stop()


def code_of(preview: Action) -> str:
    m = CODE.search(preview.text)
    assert m is not None, preview.text
    return m.group(1)


async def test_balance_query_in_private_chat_shows_the_paper_account(qq: QQ) -> None:
    sent = await qq.say_private(ALICE, "余额")
    account = await qq.world.broker.account()
    assert sent.action == "send_private_msg"
    assert sent.params["user_id"] == ALICE
    assert "余额" in sent.text
    assert f"{account.balance:,.2f}" in sent.text
    assert qq.orders() == []


async def test_trade_in_group_is_confirmed_by_typed_code_and_executed_once(qq: QQ) -> None:
    preview = await qq.say_group(ALICE, "买入0.01手欧美", at_self=True)
    assert preview.action == "send_group_msg"
    assert "买入 EURUSD 0.01 手" in preview.text
    code = code_of(preview)
    assert preview.text.splitlines()[-1] == f"回复「确认 {code}」✅ 确认 /「取消 {code}」❌ 取消"
    assert qq.orders() == []  # a preview sends nothing

    result = await qq.say_group(ALICE, f"确认 {code}")  # the shown code needs no @
    assert "已成交" in result.text
    assert len(qq.orders()) == 1
    positions = [p for p in await qq.world.broker.positions() if p.magic == CONV_MAGIC]
    assert [(p.symbol, p.volume) for p in positions] == [("EURUSD", 0.01)]

    again = await qq.say_group(ALICE, f"确认 {code}")  # a repeat, or a duplicated event
    assert "不会重复执行" in again.text
    assert len(qq.orders()) == 1


async def test_bare_yes_wrong_code_others_code_and_expired_code_are_all_refused(qq: QQ) -> None:
    preview = await qq.say_private(ALICE, "卖出0.02手黄金")
    code = code_of(preview)
    wrong = "7XY3" if code != "7XY3" else "9XY3"

    bare = await qq.say_private(ALICE, "确认")
    assert "完整的确认码" in bare.text
    bad = await qq.say_private(ALICE, f"确认 {wrong}")
    assert f"确认码 {wrong} 不对" in bad.text
    lower = await qq.say_private(ALICE, f"确认 {code}x")  # not an exact code either
    assert "已成交" not in lower.text

    group_code = code_of(await qq.say_group(ALICE, "买入0.01手欧美", at_self=True))
    theirs = await qq.say_group(BOB, f"确认 {group_code}")  # Bob types Alice's code
    assert "只有发起人可以确认" in theirs.text
    elsewhere = await qq.say_private(ALICE, f"确认 {group_code}")  # right user, wrong chat
    assert f"确认码 {group_code} 不对" in elsewhere.text
    viewer = await qq.say_group(VIEWER, f"确认 {group_code}")  # a viewer may not trade
    assert "不能交易" in viewer.text

    qq.world.clock.advance(61)  # past the 60 s confirmation window
    late = await qq.say_private(ALICE, f"确认 {code}")
    assert "过期" in late.text
    late_group = await qq.say_group(ALICE, f"确认 {group_code}")
    assert "过期" in late_group.text
    assert qq.orders() == []


async def test_cancel_code_drops_the_preview(qq: QQ) -> None:
    code = code_of(await qq.say_private(BOB, "买入0.01手欧美"))
    cancelled = await qq.say_private(BOB, f"取消 {code}")
    assert "已取消" in cancelled.text
    late = await qq.say_private(BOB, f"确认 {code}")
    assert "已成交" not in late.text
    assert qq.orders() == []


async def test_scheduled_report_push_reaches_the_group_with_its_chart(qq: QQ) -> None:
    code = code_of(await qq.say_private(ALICE, "买入0.01手欧美"))
    assert "已成交" in (await qq.say_private(ALICE, f"确认 {code}")).text
    qq.world.clock.advance(600)
    code = code_of(await qq.say_private(ALICE, "平仓欧美"))
    assert "已平仓" in (await qq.say_private(ALICE, f"确认 {code}")).text
    report = await qq.reports.report(kind="daily", period=None, lang="zh", now=qq.world.clock.now())
    assert report.images  # a real report with charts
    before = len(qq.fake.sends())
    fanout = Fanout()
    fanout.add(qq.bot)

    await fanout.push(
        "qq", f"group:{GROUP}", Outgoing(report.text, images=report.images, kind="push")
    )

    new = qq.fake.sends()[before:]
    texts = [a for a in new if not a.images]
    images = [a for a in new if a.images]
    assert "日报" in texts[0].text
    assert "\n".join(a.text for a in texts).splitlines() == report.text.splitlines()
    assert len(images) == len(report.images)
    for action, image in zip(images, report.images, strict=True):
        (file,) = action.images
        assert base64.b64decode(file.removeprefix("base64://")) == image.data
        assert image.data.startswith(b"\x89PNG")
        assert action.params["group_id"] == GROUP


async def test_connection_with_bad_access_token_is_refused_and_hears_nothing(qq: QQ) -> None:
    intruder = FakeOneBot(self_id=66666, access_token="guessed")
    try:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await intruder.dial(f"ws://127.0.0.1:{qq.bot.bound_port}/onebot/v11/ws")
        assert info.value.status == 401
    finally:
        await intruder.close()
    sent = await qq.say_private(ALICE, "余额")  # the real connection is untouched
    assert "余额" in sent.text
    assert qq.bot.self_id == str(qq.fake.self_id)


async def test_a_strangers_events_relabelled_as_a_trader_get_no_answer_and_are_audited(
    qq: QQ,
) -> None:
    """The reported attack: top-level `user_id` = a listed trader, `sender.user_id` = a
    stranger. Alice's genuine preview is shown in the group; the stranger tries to confirm it
    as Alice, to open a trade of his own as Alice, and sends an event with no sender id."""
    preview = await qq.say_group(ALICE, "买入0.01手欧美", at_self=True)
    code = code_of(preview)
    answered = len(qq.fake.sends())

    await qq.fake.group_message(GROUP, ALICE, f"确认 {code}", sender_user_id=STRANGER)
    await qq.fake.private_message(ALICE, "卖出0.05手黄金", sender_user_id=STRANGER)
    await qq.fake.private_message(ALICE, "余额", sender_user_id=MISSING)
    # a genuine message after them: once it is answered, the three above were handled too
    await qq.say_private(BOB, "余额")
    await qq.bot.plumbing.idle()

    assert len(qq.fake.sends()) == answered + 1  # only Bob's answer
    assert qq.orders() == []
    audited = [e for e in await AuditLog(qq.world.db).entries() if e.event == "impersonation"]
    # the three were handled concurrently: their rows may be in any order
    seen = sorted(
        (e.platform, e.user_id, e.chat_id, str(json.loads(e.detail)["sender_user_id"]))
        for e in audited
    )
    assert seen == sorted(
        [
            ("qq", str(ALICE), f"group:{GROUP}", str(STRANGER)),
            ("qq", str(ALICE), f"private:{ALICE}", str(STRANGER)),
            ("qq", str(ALICE), f"private:{ALICE}", "None"),
        ]
    )

    # Alice's own confirmation still works, and executes once
    result = await qq.say_group(ALICE, f"确认 {code}")
    assert "已成交" in result.text
    assert len(qq.orders()) == 1


async def test_connections_without_the_token_or_with_a_wrong_one_are_refused(qq: QQ) -> None:
    url = f"ws://127.0.0.1:{qq.bot.bound_port}/onebot/v11/ws"
    intruder = FakeOneBot(self_id=66666, access_token=TOKEN)
    try:
        for token, in_query in ((None, False), ("guessed", False), ("guessed", True)):
            with pytest.raises(aiohttp.WSServerHandshakeError) as info:
                await intruder.dial(url, token=token, token_in_query=in_query)
            assert info.value.status == 401
        assert intruder.connections == 0
    finally:
        await intruder.close()
    # nothing the intruders tried reached the conversation or the terminal
    assert qq.orders() == []
    assert "余额" in (await qq.say_private(ALICE, "余额")).text
