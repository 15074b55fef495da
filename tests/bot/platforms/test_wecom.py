"""WeCom adapter against a fake WeCom server and a callback driver on 127.0.0.1 (transport,
crypto and rendering; the trading scenarios are in test_wecom_e2e.py)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.base import Fanout, PlatformParts
from bot.platforms.wecom import ROBOT_CHAT, WeComApiError, WeComPlatform
from handlers.messages import (
    Button,
    Image,
    Incoming,
    Outgoing,
    PermanentPlatformError,
    TemporaryPlatformError,
)
from store.audit import AuditLog
from store.db import Database, sqlite_url
from store.replay import ReplayGuard
from tests.fakes.fake_wecom import (
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    SECRET,
    TOKEN,
    CallbackDriver,
    FakeWeCom,
)

PREVIEW_BUTTONS = [
    Button("c:7F3K", "✅ 确认", reply_code="确认 7F3K"),
    Button("x:7F3K", "❌ 取消", reply_code="取消 7F3K"),
]


class Script:
    """A stand-in conversation."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    async def __call__(self, inc: Incoming) -> list[Outgoing]:
        self.seen.append(inc)
        if inc.button_id is not None:
            return [Outgoing(f"已执行 {inc.button_id}", kind="result", edit_of=inc.message_id)]
        if inc.text == "preview":
            return [Outgoing("买入 XAUUSD 0.01 手\n价格 2350.10", buttons=PREVIEW_BUTTONS)]
        if inc.text == "long preview":
            body = "\n".join(f"第{i}行：保证金 23.50 USD" for i in range(12))
            return [Outgoing(body, buttons=PREVIEW_BUTTONS)]
        return [Outgoing(f"收到：{inc.text}")]


def retried(bot: WeComPlatform, chat_id: str, out: Outgoing) -> Any:
    """A delivery through the reply plumbing's bounded retries (how answers go out)."""
    return bot.plumbing.retrying(lambda: bot.send(chat_id, out))


class Env:
    def __init__(
        self,
        fake: FakeWeCom,
        bot: WeComPlatform,
        driver: CallbackDriver,
        s: Script,
        audit: AuditLog,
    ) -> None:
        self.fake, self.bot, self.driver, self.script, self.audit = fake, bot, driver, s, audit


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """The app database on a real SQLite file: replay protection and the audit log live there."""
    database = await Database.open(sqlite_url(tmp_path / "tradechat.sqlite"))
    yield database
    await database.close()


@pytest.fixture
async def env(db: Database) -> AsyncIterator[Env]:
    fake = FakeWeCom()
    await fake.start()
    script = Script()
    audit = AuditLog(db)
    bot = WeComPlatform(
        script,
        lambda uid: uid in {"alice", "bob"},
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        token=TOKEN,
        aes_key=AES_KEY,
        replay=ReplayGuard(db),
        audit=audit.record,
        api_base_url=fake.base_url,
        listen_port=0,
        robot_webhook=fake.robot_url,
        retry_wait_s=0.01,
    )
    await bot.start()
    driver = CallbackDriver(f"http://127.0.0.1:{bot.bound_port}/wecom/callback")
    yield Env(fake, bot, driver, script, audit)
    await driver.close()
    await bot.stop()
    await fake.close()


async def test_url_verification_answers_the_decrypted_echostr(env: Env) -> None:
    assert await env.driver.verify_url() == (200, "8391729364012834401")
    status, body = await env.driver.verify_url(tamper=True)
    assert status == 403
    assert "8391729364012834401" not in body


async def test_text_message_is_answered_through_message_send(env: Env) -> None:
    await env.driver.text("alice", "余额")
    (sent,) = await env.fake.wait_sends(1)
    assert sent.body["touser"] == "alice"
    assert sent.body["agentid"] == AGENT_ID
    assert sent.text == "收到：余额"
    inc = env.script.seen[0]
    assert (inc.platform, inc.chat_id, inc.user_id, inc.text) == ("wecom", "alice", "alice", "余额")


async def test_bad_signature_is_rejected_and_never_reaches_the_conversation(env: Env) -> None:
    status, _ = await env.driver.post_xml(CallbackDriver.text_xml("alice", "余额", 1), tamper=True)
    assert status == 403
    stale = str(int(time.time()) - 86_400)
    status, _ = await env.driver.post_xml(CallbackDriver.text_xml("alice", "余额", 2), ts=stale)
    assert status == 403
    await env.bot.idle()
    assert env.script.seen == []
    assert env.fake.sends() == []


async def test_callback_for_another_corp_key_is_rejected(env: Env) -> None:
    other = CallbackDriver(env.driver.url, aes_key="Z" * 43)
    try:
        status, _ = await other.post_xml(CallbackDriver.text_xml("alice", "余额", 3))
    finally:
        await other.close()
    assert status == 403
    assert env.script.seen == []


async def test_duplicate_callback_is_handled_once(env: Env) -> None:
    xml = CallbackDriver.text_xml("alice", "余额", 4561255354251345929)
    for _ in range(3):  # WeCom retries after 5 s without an answer
        assert (await env.driver.post_xml(xml))[0] == 200
    await env.bot.idle()
    assert len(env.script.seen) == 1
    assert len(env.fake.sends()) == 1


async def test_access_token_is_cached_and_refreshed_once_when_expired(env: Env) -> None:
    await env.bot.send("alice", Outgoing("one"))
    await env.bot.send("alice", Outgoing("two"))
    assert env.fake.tokens_issued == 1
    env.fake.expire_next = True
    await env.bot.send("alice", Outgoing("three"))
    assert env.fake.tokens_issued == 2
    assert [c.text for c in env.fake.sends()] == ["one", "two", "three"]
    assert env.fake.sends()[-1].token == "ACCESS2"


async def test_wrong_secret_fails_the_push_with_the_wecom_error(db: Database) -> None:
    fake = FakeWeCom()
    await fake.start()
    bot = WeComPlatform(
        Script(),
        lambda _u: True,
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret="wrong",
        token=TOKEN,
        aes_key=AES_KEY,
        replay=ReplayGuard(db),
        api_base_url=fake.base_url,
        listen_port=0,
    )
    await bot.start()
    try:
        with pytest.raises(PermanentPlatformError) as info:
            await retried(bot, "alice", Outgoing("hi"))
        cause = info.value.__cause__
        assert isinstance(cause, WeComApiError)
        assert cause.errcode == 40001
    finally:
        await bot.stop()
        await fake.close()


async def test_busy_server_is_retried_within_bounds(env: Env) -> None:
    env.fake.busy_next = 2
    await retried(env.bot, "alice", Outgoing("hi"))
    assert [c.text for c in env.fake.sends()] == ["hi"]
    env.fake.busy_next = 5
    with pytest.raises(TemporaryPlatformError) as info:
        await retried(env.bot, "alice", Outgoing("again"))
    assert isinstance(info.value.__cause__, WeComApiError)


async def test_push_is_one_attempt_and_busy_is_temporary(env: Env) -> None:
    fanout = Fanout()
    fanout.add(env.bot)
    env.fake.busy_next = 1
    with pytest.raises(TemporaryPlatformError):
        await fanout.push("wecom", "alice", Outgoing("hi"))
    assert env.fake.sends() == []
    await fanout.push("wecom", "alice", Outgoing("hi"))
    assert [c.text for c in env.fake.sends()] == ["hi"]


async def test_preview_becomes_a_button_card_and_a_press_confirms_and_greys_it(env: Env) -> None:
    await env.driver.text("alice", "preview")
    (card,) = await env.fake.wait_sends(1)
    assert card.msgtype == "template_card"
    tc = card.body["template_card"]
    assert tc["card_type"] == "button_interaction"
    assert tc["main_title"]["title"] == "买入 XAUUSD 0.01 手"
    assert tc["sub_title_text"] == "价格 2350.10"
    assert [b["key"] for b in tc["button_list"]] == ["c:7F3K", "x:7F3K"]
    assert "确认 7F3K" not in str(tc)  # real buttons: no typed codes needed

    assert await env.driver.press("alice", "c:7F3K", tc["task_id"]) == 200
    sends = await env.fake.wait_sends(2)
    await env.bot.idle()
    press = env.script.seen[-1]
    assert (press.button_id, press.message_id, press.user_id) == ("c:7F3K", tc["task_id"], "alice")
    (update,) = env.fake.card_updates()
    assert update.body["response_code"].startswith("rc-press-")
    assert update.body["userids"] == ["alice"]
    assert update.body["button"]["replace_name"] == "已执行 c:7F3K"
    assert sends[-1].text == "已执行 c:7F3K"


async def test_long_preview_goes_out_as_text_before_a_card_with_the_buttons(env: Env) -> None:
    await env.driver.text("alice", "long preview")
    text, card = await env.fake.wait_sends(2)
    assert text.msgtype == "text"
    assert text.text.count("\n") == 11
    assert card.msgtype == "template_card"
    assert len(card.body["template_card"]["button_list"]) == 2


async def test_app_that_cannot_send_cards_gets_typed_reply_codes(env: Env) -> None:
    env.fake.refuse_cards = True
    await env.driver.text("alice", "preview")
    (sent,) = await env.fake.wait_sends(1)
    assert sent.msgtype == "text"
    assert sent.text.splitlines()[-1] == "回复「确认 7F3K」✅ 确认 /「取消 7F3K」❌ 取消"


async def test_duplicate_card_press_is_handled_once(env: Env) -> None:
    await env.driver.text("alice", "preview")
    (card,) = await env.fake.wait_sends(1)
    task = card.body["template_card"]["task_id"]
    created = int(time.time())
    xml = CallbackDriver.card_event_xml("alice", "c:7F3K", task, "rc-1", created)
    for _ in range(2):
        assert (await env.driver.post_xml(xml))[0] == 200
    await env.bot.idle()
    assert [i.button_id for i in env.script.seen] == [None, "c:7F3K"]


async def test_push_with_chart_uploads_the_png_and_sends_its_media_id(env: Env) -> None:
    png = b"\x89PNG\r\n\x1a\nchart-bytes"
    out = Outgoing("月报", images=[Image(png, name="pnl.png", caption="盈亏曲线")], kind="push")
    await env.bot.send("bob", out)
    sends = env.fake.sends()
    assert [c.msgtype for c in sends] == ["text", "text", "image"]
    assert [sends[0].text, sends[1].text] == ["月报", "盈亏曲线"]
    assert env.fake.uploads == [("pnl.png", png)]
    assert sends[2].body["image"]["media_id"] == "MEDIA1"


async def test_long_chinese_report_is_split_by_utf8_bytes(env: Env) -> None:
    lines = [f"{i:03d} 黄金 多单 0.01 手 盈亏 +12.30 美元" for i in range(200)]
    await env.bot.send("bob", Outgoing("\n".join(lines), kind="push"))
    sends = env.fake.sends()
    assert len(sends) > 1
    assert all(len(c.text.encode()) <= 2048 for c in sends)
    assert "\n".join(c.text for c in sends).splitlines() == lines


async def test_robot_webhook_broadcasts_text_and_base64_image(env: Env) -> None:
    png = b"\x89PNG\r\n\x1a\nrobot"
    await env.bot.send(ROBOT_CHAT, Outgoing("日报", images=[Image(png)], kind="push"))
    text, image = env.fake.robot
    assert text == {"msgtype": "text", "text": {"content": "日报"}}
    assert image["image"]["base64"] == base64.b64encode(png).decode()
    assert image["image"]["md5"] == hashlib.md5(png).hexdigest()


async def test_a_captured_request_sent_again_is_ignored_and_audited(env: Env) -> None:
    await env.driver.text("alice", "余额")
    await env.bot.idle()
    captured = env.driver.captured[-1]
    for _ in range(2):
        assert await env.driver.replay(captured) == (200, "")
    await env.bot.idle()
    assert [i.text for i in env.script.seen] == ["余额"]
    assert len(env.fake.sends()) == 1
    replays = [e for e in await env.audit.entries() if e.event == "replay"]
    assert [(e.platform, e.user_id) for e in replays] == [("wecom", "alice")] * 2
    assert all('"reason": "nonce"' in e.detail for e in replays)


async def test_a_timestamp_minutes_old_is_refused_not_only_one_an_hour_old(env: Env) -> None:
    now = int(time.time())
    for age in (301, 1800, 3500):  # 1800 and 3500 s were inside the old one-hour window
        xml = CallbackDriver.text_xml("alice", "/readonly off", 9_000_000 + age)
        status, _ = await env.driver.post_xml(xml, ts=str(now - age))
        assert status == 403
    await env.bot.idle()
    assert env.script.seen == []
    stale = [e for e in await env.audit.entries() if e.event == "replay"]
    assert len(stale) == 3
    assert all('"reason": "stale"' in e.detail for e in stale)
    # a few seconds of clock difference either way is normal and accepted
    status, _ = await env.driver.post_xml(
        CallbackDriver.text_xml("alice", "余额", 9_100_000), ts=str(now + 5)
    )
    assert status == 200
    await env.bot.idle()
    assert [i.text for i in env.script.seen] == ["余额"]


async def test_messages_of_one_user_are_answered_in_order(env: Env) -> None:
    for word in ["一", "二", "三", "四"]:
        await env.driver.text("alice", word)
    await env.bot.idle()
    await asyncio.sleep(0)
    assert [c.text for c in env.fake.sends()] == ["收到：一", "收到：二", "收到：三", "收到：四"]


async def test_make_wecom_needs_enabled_ids_and_all_three_secrets(
    monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    from bot.platforms.wecom import create
    from bot.settings import Settings

    parts = PlatformParts(handle=Script(), listed=lambda _p, _u: True, db=db)
    enabled = Settings(wecom={"enabled": True, "corp_id": CORP_ID, "agent_id": AGENT_ID})
    assert create(parts, Settings()) is None
    for name in ("TRADECHAT_WECOM_SECRET", "TRADECHAT_WECOM_TOKEN", "TRADECHAT_WECOM_AES_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert create(parts, enabled) is None  # secrets missing
    monkeypatch.setenv("TRADECHAT_WECOM_SECRET", SECRET)
    monkeypatch.setenv("TRADECHAT_WECOM_TOKEN", TOKEN)
    monkeypatch.setenv("TRADECHAT_WECOM_AES_KEY", "short")
    assert create(parts, enabled) is None  # a bad key is named, not raised
    monkeypatch.setenv("TRADECHAT_WECOM_AES_KEY", AES_KEY)
    bot = create(parts, enabled)
    assert bot is not None
    assert (bot.name, bot.corp_id, bot.agent_id) == ("wecom", CORP_ID, AGENT_ID)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_run_starts_qq_and_wecom_together_from_settings(
    monkeypatch: pytest.MonkeyPatch, db: Database
) -> None:
    from types import SimpleNamespace

    from bot.build import make_platforms
    from bot.settings import Settings
    from tests.fakes.fake_onebot import FakeOneBot

    fake = FakeWeCom()
    await fake.start()
    monkeypatch.delenv("TRADECHAT_TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("TRADECHAT_QQ_ACCESS_TOKEN", "qq-token")
    monkeypatch.setenv("TRADECHAT_WECOM_SECRET", SECRET)
    monkeypatch.setenv("TRADECHAT_WECOM_TOKEN", TOKEN)
    monkeypatch.setenv("TRADECHAT_WECOM_AES_KEY", AES_KEY)
    qq_port, wecom_port = _free_port(), _free_port()
    settings = Settings(
        users=[{"platform": "qq", "id": 20002}, {"platform": "wecom", "id": "alice"}],
        qq={"enabled": True, "listen_port": qq_port, "min_send_interval_s": 0.0},
        wecom={
            "enabled": True,
            "corp_id": CORP_ID,
            "agent_id": AGENT_ID,
            "api_base_url": fake.base_url,
            "listen_port": wecom_port,
        },
    )
    script = Script()
    app: Any = SimpleNamespace(
        settings=settings,
        conversation=SimpleNamespace(handle=script),
        audit=AuditLog(db),
        db=db,
    )
    platforms = make_platforms(app, console=False)
    assert [p.name for p in platforms] == ["qq", "wecom"]
    onebot = FakeOneBot()
    onebot.access_token = "qq-token"
    for p in platforms:
        await p.start()
    driver = CallbackDriver(f"http://127.0.0.1:{wecom_port}/wecom/callback")
    try:
        await onebot.dial(f"ws://127.0.0.1:{qq_port}/onebot/v11/ws")
        await onebot.private_message(20002, "余额")
        await driver.text("alice", "余额")
        (qq_answer,) = await onebot.wait_sends(1)
        (wecom_answer,) = await fake.wait_sends(1)
        assert qq_answer.text == "收到：余额"
        assert wecom_answer.text == "收到：余额"
        assert {i.platform for i in script.seen} == {"qq", "wecom"}
    finally:
        await driver.close()
        await onebot.close()
        for p in platforms:
            await p.stop()
        await fake.close()


async def test_url_check_with_an_unencoded_plus_in_echostr_still_verifies(env: Env) -> None:
    import aiohttp
    from yarl import URL

    from tests.fakes.fake_wecom import _sha1_signature, wecom_encrypt

    echostr = ""
    while "+" not in echostr:  # a ciphertext whose base64 has a "+"
        echostr = wecom_encrypt("1616140317555161061")
    sig = _sha1_signature(TOKEN, "1409659589", "263014780", echostr)
    raw = f"{env.driver.url}?msg_signature={sig}&timestamp=1409659589&nonce=263014780&echostr={echostr}"
    async with aiohttp.ClientSession() as s, s.get(URL(raw, encoded=True)) as resp:
        assert resp.status == 200
        assert await resp.text() == "1616140317555161061"
