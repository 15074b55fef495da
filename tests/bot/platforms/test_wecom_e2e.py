"""WeCom end to end: a callback driver that encrypts and signs like WeCom, a fake WeCom API, and
the real Conversation on the paper terminal (conftest's `world`). Confirmations are
button_interaction cards. Replays are attacked across a restart: a new process (new database
engine, conversation and platform) on the same SQLite file."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.platforms.base import Fanout
from bot.platforms.wecom import WeComPlatform
from handlers.auth import UserRule
from handlers.confirm import parse_button
from handlers.conversation import Conversation, build_conversation
from handlers.messages import Outgoing
from handlers.report_service import ReportConfig, ReportService
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from store.audit import AuditLog
from store.confirmations import ConfirmationStore
from store.db import Database, sqlite_url
from store.replay import ReplayGuard
from tests.conftest import CONV_MAGIC, ChatWorld, conv_config, make_test_conversation
from tests.fakes.fake_wecom import (
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    SECRET,
    TOKEN,
    Call,
    CallbackDriver,
    FakeWeCom,
)

ALICE, BOB, VIEWER, BOSS = "alice", "bob", "vera", "boss"
WECOM_USERS = (
    UserRule("wecom", ALICE, "trader", "Alice"),
    UserRule("wecom", BOB, "trader", "Bob"),
    UserRule("wecom", VIEWER, "viewer", "Vera"),
    UserRule("wecom", BOSS, "admin", "Boss"),
)


def wecom_platform(
    conv: Conversation, db: Database, fake: FakeWeCom, *, clock: Callable[[], float] = time.time
) -> WeComPlatform:
    """The platform as `create` builds it: replay protection and audit on the app database."""
    return WeComPlatform(
        conv.handle,
        lambda uid: conv.is_listed("wecom", uid),
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        token=TOKEN,
        aes_key=AES_KEY,
        replay=ReplayGuard(db, window_s=300, clock=clock),
        audit=AuditLog(db).record,
        api_base_url=fake.base_url,
        listen_port=0,
        retry_wait_s=0.01,
    )


class WeCom:
    def __init__(
        self,
        world: ChatWorld,
        reports: ReportService,
        bot: WeComPlatform,
        fake: FakeWeCom,
        driver: CallbackDriver,
    ) -> None:
        self.world, self.reports, self.bot, self.fake, self.driver = (
            world,
            reports,
            bot,
            fake,
            driver,
        )

    async def say(self, user: str, text: str) -> list[Call]:
        """Send a text message; returns what the bot sent back to that user."""
        before = len(self.fake.sends())
        await self.driver.text(user, text)
        await self.bot.idle()
        return [c for c in self.fake.sends()[before:] if c.body["touser"] == user]

    async def press(
        self, user: str, key: str, task_id: str, *, created: int | None = None
    ) -> list[Call]:
        before = len(self.fake.sends())
        assert await self.driver.press(user, key, task_id, created=created) == 200
        await self.bot.idle()
        return [c for c in self.fake.sends()[before:] if c.body["touser"] == user]

    def orders(self) -> list[dict[str, Any]]:
        return self.world.orders_sent()


@pytest.fixture
async def wc(world: ChatWorld) -> AsyncIterator[WeCom]:
    reports = ReportService(
        world.broker, world.db, ReportConfig(timezone="server", server_utc_offset_hours=2)
    )
    conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        config=conv_config(users=WECOM_USERS),
        reports=reports,
        clock=world.clock.now,
    )
    fake = FakeWeCom()
    await fake.start()
    bot = wecom_platform(conv, world.db, fake)
    await bot.start()
    driver = CallbackDriver(f"http://127.0.0.1:{bot.bound_port}/wecom/callback")
    try:
        yield WeCom(world, reports, bot, fake, driver)
    finally:
        await driver.close()
        await bot.stop()
        await fake.close()


def card_of(sent: list[Call]) -> dict[str, Any]:
    cards = [c.body["template_card"] for c in sent if c.msgtype == "template_card"]
    assert len(cards) == 1, sent
    return cards[0]


def keys(card: dict[str, Any]) -> tuple[str, str]:
    yes, no = (b["key"] for b in card["button_list"])
    return yes, no


def preview_text(sent: list[Call]) -> str:
    """The preview as the user reads it: the text messages and the card's own lines."""
    parts = [c.text for c in sent if c.msgtype == "text"]
    for c in sent:
        if c.msgtype == "template_card":
            tc = c.body["template_card"]
            parts += [tc["main_title"]["title"], tc.get("sub_title_text", "")]
    return "\n".join(parts)


async def test_balance_query_is_answered_with_the_paper_account(wc: WeCom) -> None:
    (answer,) = await wc.say(ALICE, "余额")
    account = await wc.world.broker.account()
    assert answer.msgtype == "text"
    assert answer.body["agentid"] == AGENT_ID
    assert f"{account.balance:,.2f}" in answer.text
    assert len(answer.text.encode()) <= 2048
    assert wc.orders() == []


async def test_trade_is_confirmed_with_the_card_button_and_executed_once(wc: WeCom) -> None:
    sent = await wc.say(ALICE, "买入0.01手黄金")
    card = card_of(sent)
    assert card["card_type"] == "button_interaction"
    assert "买入 XAUUSD 0.01 手" in preview_text(sent)
    assert [b["text"] for b in card["button_list"]] == ["✅ 确认", "❌ 取消"]
    yes, _no = keys(card)
    assert wc.orders() == []

    created = int(time.time())
    result = await wc.press(ALICE, yes, card["task_id"], created=created)
    assert len(wc.orders()) == 1
    assert "已成交" in result[-1].text
    (update,) = wc.fake.card_updates()
    assert update.body["userids"] == [ALICE]
    assert "已成交" in update.body["button"]["replace_name"]
    positions = [p for p in await wc.world.broker.positions() if p.magic == CONV_MAGIC]
    assert [(p.symbol, p.volume) for p in positions] == [("XAUUSD", 0.01)]

    # WeCom retries the same event: recognised and ignored
    assert await wc.press(ALICE, yes, card["task_id"], created=created) == []
    # a second, distinct press of the same card is answered, never executed again
    again = await wc.press(ALICE, yes, card["task_id"], created=created + 3)
    assert "不会重复执行" in again[-1].text
    assert len(wc.orders()) == 1


async def test_cancel_button_drops_the_preview(wc: WeCom) -> None:
    card = card_of(await wc.say(BOB, "卖出0.02手欧美"))
    _yes, no = keys(card)
    result = await wc.press(BOB, no, card["task_id"])
    assert "已取消" in result[-1].text
    assert wc.orders() == []


async def test_wrong_code_another_users_code_and_expired_confirmations_are_refused(
    wc: WeCom,
) -> None:
    alice_card = card_of(await wc.say(ALICE, "买入0.01手欧美"))
    yes, _ = keys(alice_card)

    (bare,) = await wc.say(ALICE, "确认")
    assert "完整的确认码" in bare.text
    (wrong,) = await wc.say(ALICE, "确认 7XY3")
    assert "确认码 7XY3 不对" in wrong.text

    # Bob learns Alice's code (WeCom shows none: the card has buttons) and types it
    parsed = parse_button(yes)
    assert parsed is not None
    conf = await ConfirmationStore(wc.world.db).get(parsed[0])
    assert conf is not None
    (theirs,) = await wc.say(BOB, f"确认 {conf.code}")
    assert f"确认码 {conf.code} 不对" in theirs.text
    # … or replays Alice's button as if he had pressed it
    stolen = await wc.press(BOB, yes, alice_card["task_id"])
    assert "只有发起人可以确认" in stolen[-1].text
    # a viewer may not trade at all
    vera = await wc.press(VIEWER, yes, alice_card["task_id"])
    assert "不能交易" in vera[-1].text

    wc.world.clock.advance(61)  # past the 60 s confirmation window
    late = await wc.press(ALICE, yes, alice_card["task_id"])
    assert "过期" in late[-1].text
    assert wc.orders() == []


async def test_scheduled_report_push_uploads_its_charts(wc: WeCom) -> None:
    card = card_of(await wc.say(ALICE, "买入0.01手欧美"))
    await wc.press(ALICE, keys(card)[0], card["task_id"])
    wc.world.clock.advance(600)
    card = card_of(await wc.say(ALICE, "平仓欧美"))
    closed = await wc.press(ALICE, keys(card)[0], card["task_id"])
    assert "已平仓" in closed[-1].text
    report = await wc.reports.report(kind="daily", period=None, lang="zh", now=wc.world.clock.now())
    assert report.images
    before = len(wc.fake.sends())
    fanout = Fanout()
    fanout.add(wc.bot)

    await fanout.push("wecom", BOB, Outgoing(report.text, images=report.images, kind="push"))

    new = wc.fake.sends()[before:]
    images = [c for c in new if c.msgtype == "image"]
    assert all(c.body["touser"] == BOB for c in new)
    assert "日报" in new[0].text
    assert len(images) == len(report.images)
    assert [data for _name, data in wc.fake.uploads[-len(report.images) :]] == [
        img.data for img in report.images
    ]
    uploaded_ids = [f"MEDIA{i}" for i in range(1, len(wc.fake.uploads) + 1)]
    assert [c.body["image"]["media_id"] for c in images] == uploaded_ids[-len(images) :]


async def test_bad_signature_is_rejected_before_the_conversation(wc: WeCom) -> None:
    xml = CallbackDriver.text_xml(ALICE, "买入0.01手欧美", 123456789)
    status, _ = await wc.driver.post_xml(xml, tamper=True)
    assert status == 403
    await wc.bot.idle()
    assert wc.fake.sends() == []
    assert wc.orders() == []


async def test_duplicate_text_callback_gives_one_preview(wc: WeCom) -> None:
    xml = CallbackDriver.text_xml(ALICE, "买入0.01手欧美", 4561255354251345929)
    for _ in range(3):
        assert (await wc.driver.post_xml(xml))[0] == 200
    await wc.bot.idle()
    cards = [c for c in wc.fake.sends() if c.msgtype == "template_card"]
    assert len(cards) == 1
    codes = re.findall(r"确认 ([A-Z0-9]{4})", str(cards[0].body))
    assert codes == []  # real buttons: no typed code is shown


async def test_app_without_cards_confirms_by_the_typed_code(wc: WeCom) -> None:
    wc.fake.refuse_cards = True
    sent = await wc.say(ALICE, "买入0.01手欧美")
    assert {c.msgtype for c in sent} == {"text"}
    shown = "\n".join(c.text for c in sent)
    assert shown.count("买入 EURUSD 0.01 手") == 1  # the preview once, then the codes
    m = re.search(r"「确认 ([A-Z0-9]{4})」", sent[-1].text)
    assert m is not None
    assert wc.orders() == []
    (done,) = await wc.say(ALICE, f"确认 {m.group(1)}")
    assert "已成交" in done.text
    assert len(wc.orders()) == 1


async def _restarted(
    world: ChatWorld, fake: FakeWeCom, clock: Callable[[], float]
) -> tuple[Database, Conversation, WeComPlatform]:
    """A new process on the same SQLite file: nothing survives but the file."""
    db = await Database.open(sqlite_url(world.db_path))
    conv = await make_test_conversation(
        world.broker, db, world.clock, conv_config(users=WECOM_USERS)
    )
    bot = wecom_platform(conv, db, fake, clock=clock)
    await bot.start()
    return db, conv, bot


async def test_a_captured_admin_readonly_off_replayed_after_a_restart_is_ignored_and_audited(
    world: ChatWorld,
) -> None:
    """The reported attack: an admin's "/readonly off" callback, captured, replayed after a
    restart, used to switch read-only mode off again."""
    fake = FakeWeCom()
    await fake.start()
    conv = await world.make(conv_config(users=WECOM_USERS))
    bot = wecom_platform(conv, world.db, fake)
    await bot.start()
    driver = CallbackDriver(f"http://127.0.0.1:{bot.bound_port}/wecom/callback")
    try:
        await driver.text(BOSS, "/readonly off")
        await bot.idle()
        captured = driver.captured[-1]
        await driver.text(BOSS, "/readonly on")
        await bot.idle()
        assert await conv.read_only()
        answers = len(fake.sends())
        await bot.stop()

        db, conv2, bot2 = await _restarted(world, fake, time.time)
        try:
            url = f"http://127.0.0.1:{bot2.bound_port}/wecom/callback"
            assert await driver.replay(captured, url) == (200, "")
            await bot2.idle()
            assert await conv2.read_only()  # still on
            assert len(fake.sends()) == answers  # and nobody was answered
            (replay,) = [e for e in await AuditLog(db).entries() if e.event == "replay"]
            assert (replay.platform, replay.user_id) == ("wecom", BOSS)
            assert '"reason": "nonce"' in replay.detail
            # the restarted process answers new callbacks as usual
            driver.url = url
            await driver.text(BOSS, "/readonly")
            await bot2.idle()
            assert len(fake.sends()) == answers + 1
        finally:
            await bot2.stop()
            await db.close()
    finally:
        await driver.close()
        await fake.close()


async def test_a_retried_message_after_a_restart_is_handled_once(world: ChatWorld) -> None:
    """WeCom retries a message it got no answer to in a new request (new nonce, same MsgId);
    a process that died before answering must still not act on it twice."""
    fake = FakeWeCom()
    await fake.start()
    conv = await world.make(conv_config(users=WECOM_USERS))
    bot = wecom_platform(conv, world.db, fake)
    await bot.start()
    driver = CallbackDriver(f"http://127.0.0.1:{bot.bound_port}/wecom/callback")
    xml = CallbackDriver.text_xml(ALICE, "买入0.01手欧美", 4561255354251345001)
    try:
        assert (await driver.post_xml(xml))[0] == 200
        await bot.idle()
        cards = len([c for c in fake.sends() if c.msgtype == "template_card"])
        assert cards == 1
        await bot.stop()

        db, _conv2, bot2 = await _restarted(world, fake, time.time)
        driver.url = f"http://127.0.0.1:{bot2.bound_port}/wecom/callback"
        try:
            assert (await driver.post_xml(xml))[0] == 200  # a fresh request, the same message
            await bot2.idle()
            assert len([c for c in fake.sends() if c.msgtype == "template_card"]) == cards
            (replay,) = [e for e in await AuditLog(db).entries() if e.event == "replay"]
            assert '"reason": "duplicate"' in replay.detail
        finally:
            await bot2.stop()
            await db.close()
    finally:
        await driver.close()
        await fake.close()


async def test_a_captured_callback_replayed_after_the_window_is_refused_as_stale(
    world: ChatWorld,
) -> None:
    """Once the window is over, the database has forgotten the nonce, and the callback's
    signed timestamp alone refuses it."""
    fake = FakeWeCom()
    await fake.start()
    conv = await world.make(conv_config(users=WECOM_USERS))
    bot = wecom_platform(conv, world.db, fake)
    await bot.start()
    driver = CallbackDriver(f"http://127.0.0.1:{bot.bound_port}/wecom/callback")
    try:
        await driver.text(BOSS, "/readonly off")
        await bot.idle()
        captured = driver.captured[-1]
        await driver.text(BOSS, "/readonly on")
        await bot.idle()
        answers = len(fake.sends())
        await bot.stop()

        later = time.time() + 301  # the restarted process runs five minutes later
        db, conv2, bot2 = await _restarted(world, fake, lambda: later)
        try:
            url = f"http://127.0.0.1:{bot2.bound_port}/wecom/callback"
            assert (await driver.replay(captured, url))[0] == 403
            await bot2.idle()
            assert await conv2.read_only()
            assert len(fake.sends()) == answers
            (replay,) = [e for e in await AuditLog(db).entries() if e.event == "replay"]
            assert '"reason": "stale"' in replay.detail
        finally:
            await bot2.stop()
            await db.close()
    finally:
        await driver.close()
        await fake.close()
