"""Subscriptions managed in chat, in Chinese and English, persisted per chat. (Reading the
commands is tested in tests/nlp/test_commands.py.)"""

from __future__ import annotations

import pytest

from handlers.conversation import build_conversation
from handlers.messages import Incoming
from handlers.subscriptions import answer_subscription, handle_subscription_command
from store.db import Database, sqlite_url
from store.subscriptions import SubscriptionStore
from tests.conftest import TRADER, conv_config


@pytest.fixture
async def store(tmp_path):
    db = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    yield SubscriptionStore(db)
    await db.close()


async def test_subscribe_list_and_unsubscribe_in_chinese(store) -> None:
    def msg(text: str) -> Incoming:
        return Incoming("qq", "g1", "u1", text=text)

    out = await handle_subscription_command(msg("订阅日报"), "zh", store)
    assert out is not None
    assert "已订阅日报" in out.text
    again = await handle_subscription_command(msg("订阅日报"), "zh", store)
    assert again is not None
    assert "已订阅" in again.text
    await handle_subscription_command(msg("订阅月报"), "zh", store)
    listing = await handle_subscription_command(msg("我的订阅"), "zh", store)
    assert listing is not None
    assert "日报" in listing.text
    assert "月报" in listing.text
    gone = await handle_subscription_command(msg("取消订阅月报"), "zh", store)
    assert gone is not None
    assert "已取消月报" in gone.text
    assert [s.kind for s in await store.list_for_chat("qq", "g1")] == ["daily"]
    # another chat is untouched and separate
    assert await store.list_for_chat("telegram", "g1") == []


async def test_english_commands_store_the_language_and_explain_mistakes(store) -> None:
    def msg(text: str) -> Incoming:
        return Incoming("telegram", "42", "u1", text=text)

    out = await handle_subscription_command(msg("/subscribe hedge"), "en", store)
    assert out is not None
    assert "hedging EA summary" in out.text
    subs = await store.list_for_kind("hedge")
    assert [(s.chat_id, s.lang) for s in subs] == [("42", "en")]
    usage = await handle_subscription_command(msg("/subscribe yearly"), "en", store)
    assert usage is not None
    assert "/subscribe daily|weekly|monthly|hedge|alerts|deals" in usage.text
    none = await handle_subscription_command(msg("/unsubscribe weekly"), "en", store)
    assert none is not None
    assert "was not subscribed" in none.text
    assert await handle_subscription_command(msg("what is my balance"), "en", store) is None


async def test_sent_markers_are_per_chat_and_period(store) -> None:
    assert await store.mark_sent("daily", "2025-03-11", "telegram", "42")
    assert not await store.mark_sent("daily", "2025-03-11", "telegram", "42")
    assert await store.was_sent("daily", "2025-03-11", "telegram", "42")
    assert not await store.was_sent("daily", "2025-03-11", "qq", "7")
    assert not await store.was_sent("daily", "2025-03-12", "telegram", "42")
    assert await store.last_sent_key("daily") == "2025-03-11"


async def test_handler_can_be_bound_to_the_database_alone(store) -> None:
    msg = Incoming("wecom", "zhang", "zhang", text="/subscribe alerts")
    out = await handle_subscription_command(msg, "en", db=store.db)
    assert out is not None
    assert [s.kind for s in await store.list_for_chat("wecom", "zhang")] == ["alerts"]


async def test_the_answer_takes_parsed_values_not_text(store) -> None:
    # the path a parsed subscribe/unsubscribe intent takes: no text involved
    out = await answer_subscription(
        "subscribe", "weekly", platform="telegram", chat_id="42", lang="en", store=store
    )
    assert "weekly report" in out.text
    assert [s.kind for s in await store.list_for_chat("telegram", "42")] == ["weekly"]
    usage = await answer_subscription(
        "unsubscribe", None, platform="telegram", chat_id="42", lang="zh", store=store
    )
    assert "取消订阅日报" in usage.text
    gone = await answer_subscription(
        "unsubscribe", "all", platform="telegram", chat_id="42", lang="zh", store=store
    )
    assert "已取消全部订阅" in gone.text
    assert await store.list_for_chat("telegram", "42") == []


async def test_subscribe_all_adds_the_four_reports(store) -> None:
    out = await answer_subscription(
        "subscribe", "all", platform="qq", chat_id="g", lang="zh", store=store
    )
    assert "日报、周报、月报、对冲EA汇报" in out.text
    kinds = sorted(s.kind for s in await store.list_for_chat("qq", "g"))
    assert kinds == ["daily", "hedge", "monthly", "weekly"]


async def test_the_conversation_answers_subscriptions_when_given_the_store(world) -> None:
    from nlp.parser import IntentParser
    from nlp.rules import RuleParser

    world.conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        config=conv_config(),
        subscriptions=SubscriptionStore(world.db),
        clock=world.clock.now,
    )
    [out] = await world.say("订阅　周报", chat="g1", group=True)
    assert "已订阅周报" in out.text
    [listing] = await world.say("/subscriptions", chat="g1", group=True)
    assert "周报" in listing.text
    stored = await SubscriptionStore(world.db).list_for_chat("telegram", "g1")
    assert [(s.kind, s.lang) for s in stored] == [("weekly", "zh")]


async def test_subscribe_and_unsubscribe_intents_from_the_parser_reach_the_store(world) -> None:
    """Phrasings only the rule parser reads (contract v2 intents), not the command reader."""
    from nlp.parser import IntentParser
    from nlp.rules import RuleParser

    world.conv = build_conversation(
        broker=world.broker,
        parser=IntentParser(RuleParser()),
        db=world.db,
        config=conv_config(),
        subscriptions=SubscriptionStore(world.db),
        clock=world.clock.now,
    )
    store = SubscriptionStore(world.db)
    [out] = await world.say("每天给我推送日报")
    assert "日报" in out.text
    assert [s.kind for s in await store.list_for_chat("telegram", TRADER)] == ["daily"]
    [out] = await world.say("不要再推送日报了")
    assert "日报" in out.text
    assert await store.list_for_chat("telegram", TRADER) == []


async def test_the_listing_shows_defaults_choices_and_the_rest_in_english(store) -> None:
    from handlers.subscriptions import Audience, Member

    audience = Audience(store, members=[Member("telegram", "42", "admin", "42")])

    async def say(text: str) -> str:
        out = await handle_subscription_command(
            Incoming("telegram", "42", "42", text=text), "en", audience=audience
        )
        assert out is not None
        return out.text

    listing = await say("/subscriptions")
    assert "✅ alerts: on by default (/unsubscribe alerts to stop)" in listing
    assert "Not subscribed: daily report, weekly report" in listing
    assert "already gets the alerts" in await say("/subscribe alerts")
    await say("/subscribe daily")
    assert "Unsubscribed from alerts" in await say("/unsubscribe alerts")
    listing = await say("/subscriptions")
    assert "🚫 alerts: unsubscribed (/subscribe alerts to resume)" in listing
    assert "✅ daily report: subscribed (/unsubscribe daily to stop)" in listing
    # a group the admin writes from is no private chat: no default there
    group = await handle_subscription_command(
        Incoming("telegram", "-100", "42", text="/subscriptions", is_group=True),
        "en",
        audience=audience,
    )
    assert group is not None
    assert "This chat has no subscriptions" in group.text


@pytest.mark.parametrize("text", ["订阅列表", "我的订阅", "我的推送", "推送设置", "/notifications"])
async def test_every_way_of_asking_what_this_chat_receives_lists_it(store, text: str) -> None:
    await store.add("qq", "private:1", "daily", "zh")
    out = await handle_subscription_command(
        Incoming("qq", "private:1", "1", text=text), "zh", store
    )
    assert out is not None
    assert "✅ 日报：已订阅" in out.text
