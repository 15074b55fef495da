"""Account data only where it belongs (handlers/rooms.py): asked in a group that is no trading
room, a listed user's balance, positions, P&L, orders, reports and trade previews go to their
private chat and the group gets a short note; where the app cannot write to them privately the
group gets "ask me in a private chat" and nothing is computed. Trading rooms
(`[groups] trading_rooms`) answer in the group; quotes and help are answered everywhere.

The conversation runs on the real stack (tests/conftest.py `world`); the delivery is tested
end to end through the real Telegram client against the fake Bot API and the real OneBot
platform against the fake OneBot implementation, both on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.build import conversation_config
from bot.platforms.qq import OneBotPlatform
from bot.settings import ConfigError, Settings, load_settings
from handlers.auth import UserRule
from handlers.conversation import build_conversation
from handlers.messages import Outgoing
from handlers.report_service import ReportConfig, ReportService
from handlers.rooms import GroupPolicy
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from tests.conftest import STRANGER, TRADER, TRADER2, VIEWER, ChatWorld, conv_config
from tests.fakes.fake_onebot import Action, FakeOneBot
from tests.fakes.fake_telegram import FakeTelegram, fast_platform

GROUP = "-100555"  # a Telegram group that is no trading room
ROOM = "-100777"  # a Telegram group marked as a trading room

SENT_ZH = "账户信息已私信发给你"
ASK_ZH = "请私聊我再问一次"
SENT_EN = "I sent the account details to you privately"
ASK_EN = "please ask me in a private chat"


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


@pytest.fixture
async def rooms(world: ChatWorld) -> ChatWorld:
    """The world with one trading room, `ROOM`, and a QQ one named as in settings."""
    world.conv = await world.make(
        conv_config(trading_rooms=frozenset({f"telegram:{ROOM}", "qq:123456"}))
    )
    return world


# --------------------------------------------------------------------------- the decision


@pytest.mark.parametrize(
    ("text", "shows"),
    [
        ("余额", "💰"),
        ("持仓", "没有持仓"),
        ("挂单列表", "没有挂单"),
        ("本日盈亏", "盈亏"),
        ("日报", "日报"),
    ],
)
async def test_account_data_asked_in_a_group_goes_to_the_private_chat_zh(
    rooms: ChatWorld, text: str, shows: str
) -> None:
    out = only(await rooms.say(text, TRADER, chat=GROUP, group=True))
    assert out.to_chat == TRADER  # delivered privately …
    assert shows in out.text  # … with the whole answer
    assert out.sent_note is not None
    assert SENT_ZH in out.sent_note.text
    assert out.sent_note.to_chat is None  # the note is for the group
    assert out.unsent_note is not None
    assert ASK_ZH in out.unsent_note.text


@pytest.mark.parametrize(
    ("text", "shows"),
    [
        ("balance", "Balance"),
        ("positions", "No open positions"),
        ("pending orders", "No pending orders"),
        ("pnl today", "P&L"),
    ],
)
async def test_account_data_asked_in_a_group_goes_to_the_private_chat_en(
    rooms: ChatWorld, text: str, shows: str
) -> None:
    out = only(await rooms.say(text, TRADER, chat=GROUP, group=True))
    assert out.to_chat == TRADER
    assert shows in out.text
    assert out.sent_note is not None
    assert SENT_EN in out.sent_note.text
    assert out.unsent_note is not None
    assert ASK_EN in out.unsent_note.text


async def test_the_note_names_the_asker_so_the_group_knows_whom_it_means(rooms: ChatWorld) -> None:
    out = only(await rooms.say("余额", TRADER, chat=GROUP, group=True))
    assert out.sent_note is not None
    assert f"user{TRADER}" in out.sent_note.text  # ChatWorld's user name


async def test_a_viewer_in_a_group_gets_account_data_privately_too(rooms: ChatWorld) -> None:
    out = only(await rooms.say("余额", VIEWER, chat=GROUP, group=True))
    assert out.to_chat == VIEWER
    assert "💰" in out.text


async def test_an_unlisted_user_in_a_group_still_gets_nothing(rooms: ChatWorld) -> None:
    assert await rooms.say("余额", STRANGER, chat=GROUP, group=True) == []


@pytest.mark.parametrize(
    ("text", "shows"),
    [
        ("黄金现在多少", "今日涨跌"),
        ("gold price", "Bid"),
        ("帮助", "下单0.01手黄金"),
        ("help", "buy"),
    ],
)
async def test_quotes_and_help_are_answered_in_any_group(
    rooms: ChatWorld, text: str, shows: str
) -> None:
    out = only(await rooms.say(text, TRADER, chat=GROUP, group=True))
    assert out.to_chat is None
    assert out.sent_note is None
    assert shows in out.text


async def test_a_trading_room_answers_account_data_in_the_group(rooms: ChatWorld) -> None:
    zh = only(await rooms.say("余额", TRADER, chat=ROOM, group=True))
    en = only(await rooms.say("positions", TRADER, chat=ROOM, group=True))
    assert (zh.to_chat, en.to_chat) == (None, None)
    assert zh.text.startswith("💰")
    assert "No open positions" in en.text
    preview = only(await rooms.say("买0.01手黄金", TRADER, chat=ROOM, group=True))
    assert preview.buttons
    assert preview.to_chat is None


async def test_a_qq_trading_room_is_named_by_its_group_number(rooms: ChatWorld) -> None:
    in_room = only(await rooms.say("余额", TRADER, chat="group:123456", group=True, platform="qq"))
    elsewhere = only(
        await rooms.say("余额", TRADER, chat="group:654321", group=True, platform="qq")
    )
    assert in_room.to_chat is None
    assert elsewhere.to_chat == TRADER


async def test_a_private_chat_answers_as_before(rooms: ChatWorld) -> None:
    out = only(await rooms.say("余额", TRADER))
    assert out.to_chat is None
    assert out.sent_note is None
    assert out.text.startswith("💰")


async def test_where_the_app_cannot_write_privately_the_group_is_told_to_ask_there(
    rooms: ChatWorld,
) -> None:
    zh = only(await rooms.say("余额", TRADER, chat=GROUP, group=True, reachable=False))
    en = only(await rooms.say("buy 0.01 gold", TRADER, chat=GROUP, group=True, reachable=False))
    assert ASK_ZH in zh.text
    assert "💰" not in zh.text
    assert ASK_EN in en.text
    assert not en.buttons
    assert (zh.to_chat, en.to_chat) == (None, None)
    # nothing was computed: no preview was stored, nothing sent
    events = [e.event for e in await rooms.conv.audit.entries(user_id=TRADER)]
    assert "preview" not in events
    assert rooms.orders_sent() == []


async def test_by_default_no_group_is_a_trading_room(world: ChatWorld) -> None:
    out = only(await world.say("余额", TRADER, chat=ROOM, group=True))
    assert out.to_chat == TRADER


# --------------------------------------------------------------------------- previews


async def test_a_preview_asked_in_a_group_is_sent_and_confirmed_privately(
    rooms: ChatWorld,
) -> None:
    preview = only(await rooms.say("买0.01手黄金", TRADER, chat=GROUP, group=True))
    assert preview.to_chat == TRADER
    assert preview.buttons
    assert preview.sent_note is not None
    assert SENT_ZH in preview.sent_note.text
    yes = preview.buttons[0].id
    code = (preview.buttons[0].reply_code or "").split()[1]
    # the confirmation belongs to the private chat: the code typed in the group does nothing
    assert (
        "不对或已失效" in only(await rooms.say(f"确认 {code}", TRADER, chat=GROUP, group=True)).text
    )
    refused = only(await rooms.press(yes, TRADER, chat=GROUP))
    assert "已成交" not in refused.text
    assert rooms.orders_sent() == []
    # pressed where it was shown, it executes once
    assert "已成交" in only(await rooms.press(yes, TRADER, chat=TRADER)).text
    assert len(rooms.orders_sent()) == 1


async def test_a_missing_detail_is_asked_privately_and_answered_there(rooms: ChatWorld) -> None:
    question = only(await rooms.say("buy gold", TRADER, chat=GROUP, group=True))
    assert question.to_chat == TRADER
    assert "How many lots?" in question.text
    preview = only(await rooms.say("0.01", TRADER))  # answered in the private chat
    assert preview.buttons
    assert preview.to_chat is None  # already where it belongs


async def test_one_trader_in_a_group_and_another_in_private_each_get_their_own(
    rooms: ChatWorld,
) -> None:
    a = only(await rooms.say("余额", TRADER, chat=GROUP, group=True))
    b = only(await rooms.say("余额", TRADER2, chat=GROUP, group=True))
    assert (a.to_chat, b.to_chat) == (TRADER, TRADER2)


# --------------------------------------------------------------------------- the policy alone


def test_the_policy_matches_the_full_chat_id_or_its_number() -> None:
    policy = GroupPolicy(["telegram:-100123", "qq:42"])
    assert policy.is_trading_room("telegram", "-100123")
    assert policy.is_trading_room("qq", "group:42")
    assert not policy.is_trading_room("qq", "group:421")
    assert not policy.is_trading_room("telegram", "-1001234")
    assert not policy.is_trading_room("wecom", "-100123")  # another platform's group


# --------------------------------------------------------------------------- settings


def test_groups_settings_default_to_no_trading_room() -> None:
    root = Path(__file__).resolve().parents[2]
    assert load_settings(root / "settings.toml").groups.trading_rooms == []
    assert Settings().groups.trading_rooms == []


def test_trading_rooms_reach_the_conversation(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('[groups]\ntrading_rooms = ["telegram:-100123", "qq:123456"]\n', "utf-8")
    config = conversation_config(load_settings(f))
    assert config.trading_rooms == frozenset({"telegram:-100123", "qq:123456"})


@pytest.mark.parametrize("bad", ["-100123", "skype:1", "telegram:"])
def test_a_trading_room_without_its_platform_is_a_config_error(tmp_path: Path, bad: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(f'[groups]\ntrading_rooms = ["{bad}"]\n', "utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(f)
    assert "groups.trading_rooms" in str(info.value)


# --------------------------------------------------------------------------- Telegram


TOM, TIM = int(TRADER), int(TRADER2)
TG_GROUP = -1005550001


@pytest.fixture
async def telegram(world: ChatWorld) -> AsyncIterator[tuple[FakeTelegram, ChatWorld]]:
    reports = ReportService(
        world.broker,
        world.db,
        ReportConfig(timezone="server", server_utc_offset_hours=2, charts=False),
    )
    conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        config=conv_config(),
        reports=reports,
        clock=world.clock.now,
    )
    async with FakeTelegram() as tg:
        platform = fast_platform(
            tg, conv.handle, set(), is_listed=lambda uid: conv.is_listed("telegram", uid)
        )
        await platform.start()
        try:
            yield tg, world
        finally:
            await platform.stop()


async def test_telegram_sends_the_balance_privately_and_a_note_to_the_group(
    telegram: tuple[FakeTelegram, ChatWorld],
) -> None:
    tg, _ = telegram
    tom = tg.user(TOM, "Tom")
    tg.send_text(tom, "/help")  # Tom has started the bot: it may write to him
    await tg.wait_sent(TOM, 1)
    group = tg.group_chat(TG_GROUP)
    tg.send_text(tom, "余额", chat=group)
    [note] = await tg.wait_sent(TG_GROUP, 1)
    assert SENT_ZH in note["text"]
    assert "Tom" in note["text"]
    private = tg.sent_to(TOM)
    assert len(private) == 2
    assert private[1]["text"].startswith("💰")
    assert "10,000.00" not in note["text"]  # the group never sees the account


async def test_telegram_asks_a_user_who_never_started_the_bot_to_write_privately(
    telegram: tuple[FakeTelegram, ChatWorld],
) -> None:
    tg, _ = telegram
    tim = tg.user(TIM, "Tim", language_code="en")
    group = tg.group_chat(TG_GROUP)
    # what Telegram answers a bot writing first to a user
    tg.fail("sendMessage", 403, "Forbidden: bot can't initiate conversation with a user")
    tg.send_text(tim, "balance", chat=group)
    [note] = await tg.wait_sent(TG_GROUP, 1)
    assert ASK_EN in note["text"]
    assert "Balance" not in note["text"]
    assert tg.sent_to(TIM) == []


async def test_telegram_preview_from_a_group_is_confirmed_in_the_private_chat(
    telegram: tuple[FakeTelegram, ChatWorld],
) -> None:
    tg, world = telegram
    tom = tg.user(TOM, "Tom")
    tg.send_text(tom, "/help")
    await tg.wait_sent(TOM, 1)
    tg.send_text(tom, "买入0.01手黄金", chat=tg.group_chat(TG_GROUP))
    [note] = await tg.wait_sent(TG_GROUP, 1)
    assert SENT_ZH in note["text"]
    preview = tg.sent_to(TOM)[1]
    rows = preview["reply_markup"]["inline_keyboard"]
    tg.press(tom, preview, rows[0][0]["callback_data"])
    await tg.wait_until(lambda: len(tg.edits) == 1)
    assert "已成交" in tg.message(TOM, preview["message_id"])["text"]
    assert len(world.orders_sent()) == 1
    assert len(tg.sent_to(TG_GROUP)) == 1  # the group saw only the note


# --------------------------------------------------------------------------- QQ

QQ_TOKEN = "privacy-token"
ALICE = 20002
QQ_GROUP = 30005  # no trading room
QQ_ROOM = 30006


@pytest.fixture
async def onebot(world: ChatWorld) -> AsyncIterator[FakeOneBot]:
    conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        config=conv_config(
            users=(UserRule("qq", str(ALICE), "trader", "Alice"),),
            trading_rooms=frozenset({f"qq:{QQ_ROOM}"}),
        ),
        clock=world.clock.now,
    )
    bot = OneBotPlatform(
        conv.handle,
        lambda uid: conv.is_listed("qq", uid),
        listen_port=0,
        access_token=QQ_TOKEN,
        min_send_interval_s=0.0,
        send_jitter_s=0.0,
        action_timeout_s=5.0,
    )
    await bot.start()
    fake = FakeOneBot(access_token=QQ_TOKEN)
    await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
    assert await bot.wait_connected(5)
    try:
        yield fake
    finally:
        await fake.close()
        await bot.stop()


async def _group_answer(fake: FakeOneBot, group: int, text: str, n: int) -> list[Action]:
    before = len(fake.sends())
    await fake.group_message(group, ALICE, text, at_self=True)
    return (await fake.wait_sends(before + n, timeout=15))[before:]


async def test_qq_sends_the_balance_privately_and_a_note_to_the_group(onebot: FakeOneBot) -> None:
    private, note = await _group_answer(onebot, QQ_GROUP, "余额", 2)
    assert private.action == "send_private_msg"
    assert private.params["user_id"] == ALICE
    assert "余额" in private.text
    assert "10,000.00" in private.text
    assert note.action == "send_group_msg"
    assert note.params["group_id"] == QQ_GROUP
    assert SENT_ZH in note.text
    assert "10,000.00" not in note.text


async def test_qq_trading_room_answers_in_the_group(onebot: FakeOneBot) -> None:
    [answer] = await _group_answer(onebot, QQ_ROOM, "余额", 1)
    assert answer.action == "send_group_msg"
    assert answer.params["group_id"] == QQ_ROOM
    assert "10,000.00" in answer.text
