"""Text hygiene at the edge (issue 12, item 6): whatever a chat app hands us — lone UTF-16
surrogates (half an emoji, as QQ nicknames and cut texts carry), control characters, bidi
overrides, zero-width marks, 10,000-character texts — every message is answered, nobody
else's message or trade is disturbed, and every audit row is stored.

`Incoming` cleans every field when it is built (handlers/text_hygiene.py); the audit log
makes what it stores storable and writes row by row when a batch fails (store/audit.py,
tests/store/test_audit_batches.py). The attacks here run through the real conversation on the
paper terminal (tests/conftest.py `world`)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy import text as sql

from bot.platforms.console import CONSOLE_CAPS
from bot.platforms.qq import QQ_CAPS, OneBotPlatform
from bot.platforms.render import render
from bot.platforms.telegram import TelegramPlatform
from bot.platforms.wecom import ROBOT_CAPS, WECOM_CAPS
from handlers.conversation import build_conversation
from handlers.i18n import t
from handlers.messages import Incoming, Outgoing
from handlers.text_hygiene import MAX_BUTTON_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS
from nlp.llm import LLMParser
from nlp.parser import IntentParser
from nlp.rules import RuleParser
from store.audit import AuditLog, AuditRow
from store.confirmations import ConfirmationStore
from tests.conftest import ADMIN, STRANGER, TRADER, TRADER2, VIEWER, ChatWorld, conv_config
from tests.fakes.fake_onebot import FakeOneBot
from tests.fakes.fake_openai import FakeOpenAI, Reply

HIGH = "\ud83d"  # the first half of 😀 without its second
LOW = "\ude00"  # the second half without its first
APOLOGIES = {t("zh", "internal_error"), t("en", "internal_error")}
ALL_CAPS = (CONSOLE_CAPS, QQ_CAPS, WECOM_CAPS, ROBOT_CAPS, TelegramPlatform.caps)


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def count(world: ChatWorld, *events: str) -> int:
    q = select(func.count()).select_from(AuditRow)
    if events:
        q = q.where(AuditRow.event.in_(events))
    async with world.db.session() as s:
        return int(await s.scalar(q) or 0)


# --------------------------------------------------------------------------- Incoming


def test_lone_surrogates_become_replacement_characters_in_every_field() -> None:
    inc = Incoming(
        platform="qq",
        chat_id=f"group:1{HIGH}",
        user_id=f"42{LOW}",
        user_name=f"小明{HIGH}",
        text=f"余额{HIGH}",
        button_id=f"c:abc{LOW}",
        message_id=f"m{HIGH}",
    )
    assert (inc.chat_id, inc.user_id, inc.message_id) == ("group:1\ufffd", "42\ufffd", "m\ufffd")
    assert (inc.user_name, inc.text, inc.button_id) == ("小明\ufffd", "余额\ufffd", "c:abc\ufffd")
    for value in (inc.chat_id, inc.user_id, inc.user_name, inc.text or "", inc.button_id or ""):
        assert encodable(value)


def test_a_surrogate_pair_kept_apart_becomes_the_character_it_encodes() -> None:
    inc = Incoming(platform="qq", chat_id="c", user_id="u", text=f"余额{HIGH}{LOW}")
    assert inc.text == "余额😀"


def test_line_breaks_become_newlines_and_other_controls_replacement_characters() -> None:
    inc = Incoming(
        platform="qq",
        chat_id="c",
        user_id="u",
        text="余额\r\n持仓\r报价\x0b黄金\u2028a\x00b\tc\x1bd\x85e",
    )
    assert inc.text == "余额\n持仓\n报价\n黄金\na\ufffdb\tc\ufffdd\ne"


def test_a_control_character_inside_a_number_stays_garbage_instead_of_a_space() -> None:
    inc = Incoming(platform="qq", chat_id="c", user_id="u", text="买入黄金 0.\x015 手")
    assert inc.text == "买入黄金 0.\ufffd5 手"


def test_invisible_marks_are_dropped_and_emoji_joiners_kept() -> None:
    inc = Incoming(
        platform="telegram",
        chat_id="c",
        user_id="u",
        user_name="\u202eadmin\u202c",
        text="\ufeff黄\u200b金\u2060 0.01 手 👨\u200d👩\u200d👧 \u200f",
    )
    assert inc.text == "黄金 0.01 手 👨\u200d👩\u200d👧"
    assert inc.user_name == "admin"  # a right-to-left override cannot make a name read reversed


def test_texts_and_names_are_nfc_and_surrounding_whitespace_goes() -> None:
    inc = Incoming(
        platform="telegram",
        chat_id="c",
        user_id="u",
        user_name=" Jose\u0301\n\tO ",
        text="  cafe\u0301 ",
    )
    assert inc.text == "café"
    assert inc.user_name == "José O"  # a name is one line


def test_names_and_buttons_are_cut_at_their_caps() -> None:
    inc = Incoming(
        platform="telegram",
        chat_id="c",
        user_id="u",
        user_name="名" * 500,
        button_id="c:" + "x" * 999,
    )
    assert len(inc.user_name) == MAX_NAME_CHARS
    assert inc.button_id is not None
    assert len(inc.button_id) == MAX_BUTTON_CHARS


def test_clean_ids_stay_exactly_as_given_and_dirty_ones_never_equal_a_clean_one() -> None:
    clean = Incoming(platform="wecom", chat_id="ZhangSan", user_id="ZhangSan", message_id="7")
    assert (clean.platform, clean.chat_id, clean.user_id) == ("wecom", "ZhangSan", "ZhangSan")
    dirty = Incoming(platform="wecom", chat_id="Zhang\nSan", user_id="Zhang San\x00")
    assert dirty.chat_id == "Zhang\ufffdSan"
    assert dirty.user_id == "Zhang San\ufffd"
    # ids are never NFC-folded: an allow-listed id matches only itself
    assert Incoming(platform="qq", chat_id="c", user_id="e\u0301").user_id == "e\u0301"


def test_a_missing_text_stays_missing_and_a_blank_one_is_empty() -> None:
    assert Incoming(platform="qq", chat_id="c", user_id="u").text is None
    assert Incoming(platform="qq", chat_id="c", user_id="u", text=" \u200b\ufeff\n ").text == ""


def test_an_over_long_text_is_cut_at_the_edge_and_stays_too_long_in_a_copy() -> None:
    exact = Incoming(platform="qq", chat_id="c", user_id="u", text="a" * MAX_TEXT_CHARS)
    assert not exact.too_long
    long = Incoming(platform="qq", chat_id="c", user_id="u", text="余" * 50_000)
    assert long.too_long
    assert len(long.text or "") == MAX_TEXT_CHARS + 1
    copy = dataclasses.replace(long, chat_id="d")  # builds the message again from its fields
    assert copy.too_long
    assert copy.text == long.text


# --------------------------------------------------------------------------- conversation


async def send(
    world: ChatWorld,
    text: str | None,
    user: str = TRADER,
    *,
    name: str = "",
    chat: str | None = None,
    platform: str = "telegram",
    group: bool = False,
    button: str | None = None,
) -> list[Outgoing]:
    world._seq += 1
    return await world.conv.handle(
        Incoming(
            platform=platform,
            chat_id=chat or user,
            user_id=user,
            user_name=name,
            text=text,
            button_id=button,
            is_group=group,
            message_id=str(world._seq),
        )
    )


async def test_a_question_with_half_an_emoji_is_answered_and_audited(world: ChatWorld) -> None:
    (out,) = await send(world, f"余额{HIGH}", name=f"小明{HIGH}", platform="qq")
    assert "10,000.00" in out.text  # the balance, not "didn't understand"
    rows = await AuditLog(world.db).entries()
    assert [r.event for r in rows] == ["message", "intent", "decision"]
    assert json.loads(rows[0].detail)["text"] == "余额\ufffd"


async def test_a_stranger_with_a_poisoned_name_is_refused_and_audited(world: ChatWorld) -> None:
    (out,) = await send(world, f"hi{LOW}", STRANGER, name=f"\u202e{HIGH}evil\x00")
    assert out.text == t("en", "denied")
    (denied, _decision) = await AuditLog(world.db).entries()
    assert json.loads(denied.detail)["user_name"] == "\ufffdevil\ufffd"


async def test_an_over_long_trade_request_is_refused_whole_not_cut(world: ChatWorld) -> None:
    request = "买入黄金 0.01 手，" + "理由" * MAX_TEXT_CHARS + " 止损 2300"
    (out,) = await send(world, request)
    assert out.text == t("zh", "too_long", max=MAX_TEXT_CHARS)
    assert out.buttons == []
    (en,) = await send(world, "buy 0.01 gold " + "because " * 400)
    assert en.text == t("en", "too_long", max=MAX_TEXT_CHARS)
    assert world.orders_sent() == []
    rows = await AuditLog(world.db).entries()
    assert [r.event for r in rows] == ["message", "decision"] * 2
    assert json.loads(rows[0].detail)["too_long"] is True
    assert json.loads(rows[1].detail)["decision"] == "too_long"


async def test_a_reply_code_typed_with_a_poisoned_name_confirms(world: ChatWorld) -> None:
    (preview,) = await send(world, f"买入黄金 0.01 手{HIGH}", name=f"Tom{HIGH}", platform="qq")
    code = (preview.buttons[0].reply_code or "").split()[1]
    (result,) = await send(world, f"确认 {code}", name=f"Tom{LOW}", platform="qq")
    assert result.kind == "result"
    assert len(world.orders_sent()) == 1


# --------------------------------------------------------------------------- the flood


def poisoned(n: int) -> str:
    """A flood message: a real question or noise, most with a lone surrogate somewhere."""
    kinds = (
        f"余额{HIGH}",
        f"{LOW}持仓",
        f"报价 黄金{HIGH}{HIGH}",
        f"{HIGH}" * 40,
        f"买入黄金 0.01 手{LOW}",  # a viewer's trade: refused, audited
        f"今日盈亏\x00{HIGH}",
        f"\u202e{LOW}确认 ZZZZ",
        "帮助 " + "😀" * 30 + LOW,
        f"{HIGH}" + "余额" * 1500,  # too long
        f"hello {HIGH} world",
    )
    return kinds[n % len(kinds)]


async def test_a_lone_surrogate_flood_answers_every_confirmation_and_stores_every_row(
    world: ChatWorld,
) -> None:
    """Hundreds of poisoned messages from several users, interleaved with a trader's previews
    confirmed by typed reply codes and by ✅ presses: every confirmation gets its real result,
    one order each, none is left executing, and every message has its audit rows."""
    rounds = 10
    results: list[tuple[str, Outgoing]] = []

    async def trader() -> None:
        for n in range(rounds):
            # the trader's own texts are clean: the poison is in everybody else's messages
            (preview,) = await send(world, "买入黄金 0.01 手", name=f"Tom{HIGH}{n}")
            assert preview.buttons, preview.text
            cid = preview.buttons[0].id.split(":")[1]
            if n % 2 == 0:
                code = (preview.buttons[0].reply_code or "").split()[1]
                out = await send(world, f"确认 {code}", name=f"Tom{LOW}")
            else:
                out = await send(world, None, name=f"Tom{LOW}", button=preview.buttons[0].id)
            assert len(out) == 1, [o.text for o in out]
            results.append((cid, out[0]))

    flooders = [
        (VIEWER, "telegram", "g1", True),
        (ADMIN, "telegram", ADMIN, False),
        (TRADER2, "telegram", "g1", True),
        (STRANGER, "telegram", STRANGER, False),
        (TRADER, "qq", "group:7", True),
    ]
    per_flooder = 80

    async def flood(index: int) -> None:
        user, platform, chat, group = flooders[index]
        for n in range(per_flooder):
            await send(
                world,
                poisoned(n + index),
                user,
                name=f"名字{HIGH}{n}\x00",
                chat=chat,
                platform=platform,
                group=group,
            )
            await asyncio.sleep(0)

    await asyncio.gather(trader(), *(flood(i) for i in range(len(flooders))))

    store = ConfirmationStore(world.db)
    assert len(results) == rounds
    for cid, out in results:
        conf = await store.get(cid)
        assert conf is not None
        assert conf.state == "done", conf.state  # none left executing
        (leg,) = conf.result["legs"]
        assert out.kind == "result"
        assert out.text not in APOLOGIES
        assert f"#{leg['ticket']}" in out.text  # its real result
    assert len(world.orders_sent()) == rounds  # one order per confirmation

    calls = 2 * rounds + len(flooders) * per_flooder
    assert await count(world, "decision") == calls  # one per message: nothing lost
    assert await count(world, "message", "denied") == calls
    assert await count(world, "error") == 0
    assert await count(world, "order") == rounds
    assert await count(world, "result") == rounds


# --------------------------------------------------------------------------- fuzzing

NOISE = st.sampled_from(
    [
        HIGH,
        LOW,
        "\x00",
        "\x1b[31m",
        "\r\n",
        "\r",
        "\x85",
        "\u2028",
        "\u202e",  # right-to-left override
        "\u200f",  # right-to-left mark
        "\u200b",  # zero-width space
        "\u200d",  # zero-width joiner
        "\ufeff",
        "\ufffd",
        "{",
        "}",
        "{0}",
        "{max}",
        "%s",
        "\\",
        "<b>",
        "*_`[",
        "😀",
        "👨\u200d👩\u200d👧",
        "\u0645\u0631\u062d\u0628\u0627",  # Arabic, right to left
        "e\u0301",
    ]
)
PHRASES = st.sampled_from(
    [
        "余额",
        "持仓",
        "买入黄金 0.01 手",
        "sell 0.01 EURUSD",
        "平仓",
        "确认 ABCD",
        "取消 ABCD",
        "/lang en",
        "/lang zh",
        "/readonly",
        "帮助",
        "报价 黄金",
        "今日盈亏",
        "#123",
        "",
    ]
)
ANYTHING = st.text(st.characters(exclude_categories=()), max_size=40)  # surrogates too
MIXED = st.lists(st.one_of(PHRASES, NOISE, ANYTHING), max_size=8).map("".join)
HUGE = MIXED.map(lambda s: (s or "余额") * (10_000 // len(s or "余额") + 1))  # ≥ 10,000 chars
TEXTS = st.one_of(MIXED, ANYTHING, HUGE)
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def check_answers(out: list[Outgoing]) -> None:
    for o in out:
        assert o.text.strip(), o
        assert o.text not in APOLOGIES, o.text
        assert encodable(o.text)
        for caps in ALL_CAPS:
            rendered = render(o, caps)
            assert all(encodable(text) for text in rendered.texts)


@FUZZ
@given(
    text=TEXTS,
    name=st.one_of(ANYTHING, MIXED),
    user=st.sampled_from([TRADER, VIEWER, STRANGER]),
    group=st.booleans(),
    button=st.one_of(st.none(), ANYTHING, NOISE.map(lambda s: f"c:{s}")),
)
async def test_any_text_is_answered_and_audited(
    world: ChatWorld, text: str, name: str, user: str, group: bool, button: str | None
) -> None:
    decisions = await count(world, "decision")
    chat = "g" if group else user
    out = await send(world, text, user, name=name, chat=chat, group=group)
    check_answers(out)
    cleaned = Incoming(platform="telegram", chat_id=chat, user_id=user, text=text).text
    if user != STRANGER and not group and cleaned:
        assert out, repr(text)  # a listed user's private message always gets an answer
    calls = 1
    if button is not None:
        check_answers(await send(world, None, user, name=name, chat=chat, button=button))
        calls += 1
    assert await count(world, "decision") == decisions + calls
    assert await count(world, "error") == 0


@pytest.fixture
async def llm_world(world: ChatWorld) -> AsyncIterator[tuple[ChatWorld, FakeOpenAI]]:
    """The world's conversation with the LLM parser in front of the rules, against a fake
    OpenAI server on 127.0.0.1 that answers every request "account"."""
    async with FakeOpenAI() as srv:
        srv.responder = lambda req: Reply.json_answer({"intent": "account"})
        llm = LLMParser(base_url=srv.base_url, model="fake", api_key="k", timeout_s=5)
        world.conv = build_conversation(
            broker=world.broker,
            parser=IntentParser(RuleParser(), llm),
            db=world.db,
            config=conv_config(),
            clock=world.clock.now,
        )
        try:
            yield world, srv
        finally:
            await llm.aclose()


@FUZZ
@given(text=st.one_of(MIXED, ANYTHING))
async def test_any_text_reaches_the_llm_prompt_whole_and_encodable(
    llm_world: tuple[ChatWorld, FakeOpenAI], text: str
) -> None:
    """A poisoned message can neither fail the LLM request (which would count against the
    breaker that every other user's parsing shares) nor reach the model changed otherwise
    than by the edge's cleaning."""
    world, srv = llm_world
    before = len(srv.requests)
    out = await send(world, text, VIEWER)
    check_answers(out)
    cleaned = Incoming(platform="telegram", chat_id="c", user_id="u", text=text).text or ""
    intents = [json.loads(r.detail) for r in await AuditLog(world.db).entries(limit=3)]
    reasons = [d.get("fallback_reason") for d in intents if "engine" in d]
    assert "error" not in reasons
    if len(srv.requests) > before:
        prompt: list[dict[str, Any]] = srv.requests[-1]["messages"]
        assert prompt[-1] == {"role": "user", "content": cleaned}


async def test_poisoned_messages_reach_the_llm_cleaned_and_never_open_its_breaker(
    llm_world: tuple[ChatWorld, FakeOpenAI],
) -> None:
    """Before the edge cleaned texts, a lone surrogate failed the HTTP request to the model:
    three such messages opened the breaker and sent every user's messages to the rules."""
    world, srv = llm_world
    for n in range(5):
        (out,) = await send(world, f"我的钱还有多少{HIGH}{n}", VIEWER, name=f"Vera{LOW}")
        assert "10,000.00" in out.text
    assert [r["messages"][-1]["content"] for r in srv.requests] == [
        f"我的钱还有多少\ufffd{n}" for n in range(5)
    ]
    intents = [
        json.loads(r.detail) for r in await AuditLog(world.db).entries() if r.event == "intent"
    ]
    assert [d["engine"] for d in intents] == ["llm"] * 5
    parser = world.conv.parser
    assert isinstance(parser, IntentParser)
    assert parser.breaker.state == "closed"


# --------------------------------------------------------------------------- a real adapter


@pytest.fixture
async def onebot(world: ChatWorld) -> AsyncIterator[FakeOneBot]:
    """The QQ adapter on 127.0.0.1 in front of the world's conversation, and a fake OneBot
    implementation dialled in."""
    bot = OneBotPlatform(
        world.conv.handle,
        lambda uid: world.conv.is_listed("qq", uid),
        listen_port=0,
        access_token="hygiene-token",
        min_send_interval_s=0.0,
        send_jitter_s=0.0,
        action_timeout_s=5.0,
    )
    await bot.start()
    fake = FakeOneBot(access_token="hygiene-token")
    await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
    assert await bot.wait_connected(5)
    try:
        yield fake
    finally:
        await fake.close()
        await bot.stop()


async def test_a_qq_event_with_escaped_lone_surrogates_is_answered(
    world: ChatWorld, onebot: FakeOneBot
) -> None:
    """OneBot implementations written in JavaScript send a lone surrogate as the JSON escape
    "\\ud83d", which Python's json turns back into the lone surrogate: the adapter builds an
    `Incoming` from it and the conversation answers as usual."""
    uid = int(TRADER)
    event = {  # a OneBot v11 private message event, as NapCat and go-cqhttp post one
        "time": 1_795_000_000,
        "self_id": onebot.self_id,
        "post_type": "message",
        "message_type": "private",
        "sub_type": "friend",
        "message_id": 1,
        "user_id": uid,
        "message": [{"type": "text", "data": {"text": f"余额{HIGH}"}}],
        "raw_message": f"余额{HIGH}",
        "font": 0,
        "sender": {"user_id": uid, "nickname": f"小明{HIGH}", "card": ""},
    }
    # The fake's own `post` writes raw UTF-8, which cannot carry a lone surrogate; the
    # connection is written directly with the escape a real implementation sends.
    assert onebot._ws is not None
    await onebot._ws.send_str(json.dumps(event))  # ensure_ascii: "\ud83d" on the wire
    (sent,) = await onebot.wait_sends(1, timeout=15)
    assert "10,000.00" in sent.text
    rows = await AuditLog(world.db).entries()
    assert json.loads(rows[0].detail)["text"] == "余额\ufffd"
    assert [r.event for r in rows] == ["message", "intent", "decision"]


# --------------------------------------------------------------------------- other sources


async def test_a_broker_answer_with_half_an_emoji_settles_the_confirmation(
    world: ChatWorld,
) -> None:
    """A trade server's comment is cut by the terminal like any text: a refusal that carries
    a lone surrogate is told to the trader, its confirmation reaches its final state, and the
    audit rows of the order and its result are stored."""

    def refuse(real: Any, request: dict[str, Any]) -> Any:
        result = real(request)
        return SimpleNamespace(**{**result._asdict(), "retcode": 10099, "comment": f"拒绝{HIGH}"})

    world.api.hooks["order_send"] = refuse
    (preview,) = await send(world, "买入黄金 0.01 手")
    cid = preview.buttons[0].id.split(":")[1]
    (out,) = await send(world, None, button=preview.buttons[0].id)
    assert out.kind == "result"
    assert out.text not in APOLOGIES
    assert "10099" in out.text
    assert encodable(out.text)
    conf = await ConfirmationStore(world.db).get(cid)
    assert conf is not None
    assert conf.state == "failed"
    assert await count(world, "order") == 1
    assert await count(world, "result") == 1
    assert await count(world, "error") == 0


async def test_an_audit_log_that_is_away_changes_no_answer_and_loses_no_row(
    world: ChatWorld,
) -> None:
    """The audit table gone under the conversation's feet: the preview and the confirmation
    are answered as ever (the order goes out once), and the rows written meanwhile wait and
    are stored with the first write after the table is back."""
    async with world.db.session() as s:
        await s.execute(sql("ALTER TABLE audit_log RENAME TO audit_log_away"))
        await s.commit()
    (preview,) = await send(world, "买入黄金 0.01 手")
    (result,) = await send(world, None, button=preview.buttons[0].id)
    assert result.kind == "result"
    assert result.text not in APOLOGIES
    assert len(world.orders_sent()) == 1
    assert world.conv.trail.waiting > 0
    async with world.db.session() as s:
        await s.execute(sql("ALTER TABLE audit_log_away RENAME TO audit_log"))
        await s.commit()
    await send(world, "余额")
    assert world.conv.trail.waiting == 0
    assert await count(world, "decision") == 3
    assert await count(world, "order") == 1
    assert await count(world, "result") == 1
