"""Trailing stops kept by the bot, against the paper terminal: the preview, one row per ticket
on ✅, the job moving the stop only in the position's favour, restarts, closed positions, a
terminal that refuses a move, and bad distances."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from broker.models import Position, Quote
from broker.mt5 import MT5Broker
from handlers.messages import Outgoing
from handlers.trailing import TrailingKeeper, next_stop, pip_size
from store.db import Database, sqlite_url
from store.trailing import Trailing, TrailingStore
from tests.conftest import CONV_MAGIC, TRADER, ChatWorld


def only(out: list[Outgoing]) -> Outgoing:
    assert len(out) == 1, [o.text for o in out]
    return out[0]


class Told:
    """The owner's chat, as the keeper's `notify` sees it."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, str]] = []

    async def __call__(self, platform: str, chat_id: str, out: Outgoing) -> bool:
        self.messages.append((platform, chat_id, out.text))
        return True


def sltp_requests(w: ChatWorld) -> list[dict[str, object]]:
    return [r for r in w.orders_sent() if r["action"] == w.terminal.TRADE_ACTION_SLTP]


async def open_gold_buy(w: ChatWorld, bid: float = 2650.00) -> Position:
    w.terminal.set_price("XAUUSD", bid, bid + 0.15)
    p = only(await w.say("buy 0.01 gold"))
    only(await w.press(p.buttons[0].id))
    (pos,) = await w.broker.positions(symbol="XAUUSD")
    return pos


async def trail(w: ChatWorld, text: str = "黄金移动止损30点") -> Outgoing:
    p = only(await w.say(text))
    assert p.buttons, p.text
    return only(await w.press(p.buttons[0].id, message_id="trail"))


def keeper(
    w: ChatWorld, db: Database | None = None, broker: MT5Broker | None = None
) -> TrailingKeeper:
    return TrailingKeeper(broker or w.broker, TrailingStore(db or w.db))


async def sl_of(w: ChatWorld, ticket: int) -> float | None:
    (pos,) = [p for p in await w.broker.positions() if p.ticket == ticket]
    return pos.sl


# --------------------------------------------------------------------------- pip sizes


async def test_pip_sizes_follow_the_symbol_kind(world: ChatWorld) -> None:
    want = {
        "EURUSD": 0.0001,
        "USDJPY": 0.01,
        "XAUUSD": 0.1,
        "XAGUSD": 0.001,
        "USOIL": 0.01,
        "US30": 1.0,
        "BTCUSD": 1.0,
    }
    for symbol, pip in want.items():
        spec = await world.broker.symbol_spec(symbol)
        assert pip_size(symbol, spec) == pytest.approx(pip), symbol


# --------------------------------------------------------------------------- the preview


async def test_the_preview_shows_the_distance_in_pips_and_in_price(world: ChatWorld) -> None:
    pos = await open_gold_buy(world)
    p = only(await world.say("黄金移动止损30点"))
    assert p.buttons
    assert f"#{pos.ticket} XAUUSD" in p.text
    assert "追踪距离 30 点 = 3.00（1 点 = 0.1）" in p.text
    # at 2650.00 the first move would set the stop at bid − 3.00
    assert "按现价立即移到 2647.00" in p.text
    assert "开启移动止损" in p.text
    en = only(await world.say("trailing stop 20 pips on gold"))
    assert "distance 20 pips = 2.00 (1 pip = 0.1)" in en.text
    assert not sltp_requests(world)  # a preview sends nothing


async def test_a_distance_inside_the_stops_level_is_refused_with_the_level(
    world: ChatWorld,
) -> None:
    await open_gold_buy(world)
    out = only(await world.say("黄金移动止损3点"))  # 0.30 < stops level 50 points = 0.50
    assert not out.buttons
    assert "最小止损距离 0.50" in out.text
    assert "约 5 点" in out.text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("黄金移动止损-5点", "移动止损的距离要大于 0 点"),
        ("黄金移动止损0点", "移动止损的距离要大于 0 点"),
        ("trailing stop 0 pips on gold", "A trailing distance must be more than 0 pips"),
    ],
)
async def test_a_distance_that_is_not_positive_is_told_so(
    world: ChatWorld, text: str, said: str
) -> None:
    await open_gold_buy(world)
    out = only(await world.say(text))
    assert not out.buttons
    assert said in out.text
    assert len(world.orders_sent()) == 1  # the opening buy only


async def test_trailing_nothing_held_says_so(world: ChatWorld) -> None:
    out = only(await world.say("黄金移动止损30点"))
    assert not out.buttons


# --------------------------------------------------------------------------- ✅ exactly once


async def test_a_double_confirm_writes_one_row_and_at_most_one_sltp(world: ChatWorld) -> None:
    pos = await open_gold_buy(world)
    p = only(await world.say("黄金移动止损30点"))
    first, second = await asyncio.gather(
        world.press(p.buttons[0].id, message_id="a"), world.press(p.buttons[0].id, message_id="b")
    )
    texts = [only(first).text, only(second).text]
    assert sum("移动止损 30 点已开启" in t for t in texts) == 1, texts
    rows = await TrailingStore(world.db).all()
    assert [r.ticket for r in rows] == [pos.ticket]
    assert rows[0].distance_pips == 30
    assert rows[0].pip == pytest.approx(0.1)
    assert (rows[0].platform, rows[0].chat_id) == ("telegram", TRADER)
    assert len(sltp_requests(world)) <= 1
    # the first move happened at ✅: bid 2650.00 − 3.00
    assert await sl_of(world, pos.ticket) == pytest.approx(2647.00)
    assert any("止损已移到 2647.00" in t for t in texts), texts


async def test_a_first_move_the_terminal_refuses_still_sets_the_trailing_stop(
    world: ChatWorld,
) -> None:
    pos = await open_gold_buy(world)
    world.terminal.set_market_closed("XAUUSD")
    done = await trail(world)
    assert "移动止损 30 点已开启（止损 无）" in done.text
    assert "下次价格更新时再试" in done.text
    row = await TrailingStore(world.db).get(pos.ticket)
    assert row is not None
    assert row.failures == 1
    world.terminal.set_market_closed("XAUUSD", False)
    assert await keeper(world).tick() == 1
    assert await sl_of(world, pos.ticket) == pytest.approx(2647.00)


async def test_the_positions_answer_names_the_trailing_stop(world: ChatWorld) -> None:
    pos = await open_gold_buy(world)
    await trail(world)
    out = only(await world.say("持仓"))
    assert f"#{pos.ticket} XAUUSD 追踪止损 30 点" in out.text


# --------------------------------------------------------------------------- the job


async def test_price_up_the_stop_follows_price_down_it_never_moves_back(
    world: ChatWorld,
) -> None:
    pos = await open_gold_buy(world)
    await trail(world)
    k = keeper(world)
    path = [2651.00, 2653.50, 2653.55, 2656.00]
    for bid in path:
        world.terminal.set_price("XAUUSD", bid, bid + 0.15)
        await k.tick()
    assert await sl_of(world, pos.ticket) == pytest.approx(2653.00)  # 2656.00 − 3.00
    # 2653.55 is less than the 1-pip step above 2650.50: no request for it
    assert [r["sl"] for r in sltp_requests(world)] == pytest.approx(
        [2647.00, 2648.00, 2650.50, 2653.00]
    )
    for bid in (2655.00, 2654.00, 2653.20):  # down, still above the stop
        world.terminal.set_price("XAUUSD", bid, bid + 0.15)
        await k.tick()
        assert await sl_of(world, pos.ticket) == pytest.approx(2653.00)
    assert len(sltp_requests(world)) == 4


async def test_a_sell_trails_above_the_ask(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    p = only(await world.say("sell 0.01 gold"))
    only(await world.press(p.buttons[0].id))
    (pos,) = await world.broker.positions(symbol="XAUUSD")
    await trail(world, "trailing stop 20 pips on gold")
    assert await sl_of(world, pos.ticket) == pytest.approx(2652.15)  # ask + 2.00
    k = keeper(world)
    world.terminal.set_price("XAUUSD", 2645.00, 2645.15)
    await k.tick()
    assert await sl_of(world, pos.ticket) == pytest.approx(2647.15)
    world.terminal.set_price("XAUUSD", 2646.50, 2646.65)  # up again, below the stop
    await k.tick()
    assert await sl_of(world, pos.ticket) == pytest.approx(2647.15)


async def test_a_restart_in_between_keeps_trailing_from_the_database(world: ChatWorld) -> None:
    pos = await open_gold_buy(world)
    await trail(world)
    k = keeper(world)
    world.terminal.set_price("XAUUSD", 2652.00, 2652.15)
    await k.tick()
    assert await sl_of(world, pos.ticket) == pytest.approx(2649.00)
    # the process stops: a new database object on the same file, a new broker, a new keeper
    db2 = await Database.open(sqlite_url(world.db_path))
    broker2 = MT5Broker(
        world.api, magic=CONV_MAGIC, server_utc_offset_hours=2, clock=world.clock.ts
    )
    await broker2.connect()
    try:
        k2 = keeper(world, db2, broker2)
        world.terminal.set_price("XAUUSD", 2655.00, 2655.15)
        assert await k2.tick() == 1
        assert await sl_of(world, pos.ticket) == pytest.approx(2652.00)
        world.terminal.set_price("XAUUSD", 2653.00, 2653.15)
        assert await k2.tick() == 0
        assert await sl_of(world, pos.ticket) == pytest.approx(2652.00)
    finally:
        await broker2.close()
        await db2.close()


async def test_a_closed_position_ends_its_trailing_and_the_owner_is_told_once(
    world: ChatWorld,
) -> None:
    pos = await open_gold_buy(world)
    await trail(world)
    k = keeper(world)
    told = Told()
    k.notify = told
    world.terminal.set_price("XAUUSD", 2640.00, 2640.15)  # below the stop at 2647.00: hit
    assert not await world.broker.positions(symbol="XAUUSD")
    await k.tick()
    await k.tick()
    assert await TrailingStore(world.db).all() == []
    assert len(told.messages) == 1
    platform, chat, text = told.messages[0]
    assert (platform, chat) == ("telegram", TRADER)
    assert f"#{pos.ticket} XAUUSD 已平仓" in text


async def test_a_refused_move_is_retried_on_the_next_tick_and_logged_once(
    world: ChatWorld, caplog: pytest.LogCaptureFixture
) -> None:
    pos = await open_gold_buy(world)
    await trail(world)
    k = keeper(world)
    told = Told()
    k.notify = told
    world.terminal.set_market_closed("XAUUSD")
    world.terminal.set_price("XAUUSD", 2655.00, 2655.15)
    before = len(sltp_requests(world))
    with caplog.at_level(logging.WARNING, logger="handlers.trailing"):
        for _ in range(3):
            assert await k.tick() == 0
    # one request per tick, never a loop within a tick, and no push about it
    assert len(sltp_requests(world)) == before + 3
    assert told.messages == []
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1
    row = await TrailingStore(world.db).get(pos.ticket)
    assert row is not None
    assert row.failures == 3
    world.terminal.set_market_closed("XAUUSD", False)
    assert await k.tick() == 1
    assert await sl_of(world, pos.ticket) == pytest.approx(2652.00)
    row = await TrailingStore(world.db).get(pos.ticket)
    assert row is not None
    assert row.failures == 0


async def test_read_only_pauses_the_moves(world: ChatWorld) -> None:
    pos = await open_gold_buy(world)
    await trail(world)
    k = keeper(world)
    k.paused = world.conv.read_only
    await world.conv.set_read_only(True)
    before = len(sltp_requests(world))
    world.terminal.set_price("XAUUSD", 2656.00, 2656.15)
    assert await k.tick() == 0
    assert len(sltp_requests(world)) == before
    await world.conv.set_read_only(False)
    assert await k.tick() == 1
    assert await sl_of(world, pos.ticket) == pytest.approx(2653.00)


# --------------------------------------------------------------------------- removal


async def test_cancelling_the_trailing_stop_removes_the_row_and_keeps_the_stop(
    world: ChatWorld,
) -> None:
    pos = await open_gold_buy(world)
    await trail(world)
    p = only(await world.say("取消黄金移动止损"))
    assert p.buttons, p.text
    assert "停止追踪（原 30 点），止损保持 2647.00" in p.text
    before = len(world.orders_sent())
    done = only(await world.press(p.buttons[0].id, message_id="off"))
    assert "已停止移动止损" in done.text
    assert await TrailingStore(world.db).all() == []
    assert len(world.orders_sent()) == before  # nothing was sent to the terminal
    assert await sl_of(world, pos.ticket) == pytest.approx(2647.00)
    again = only(await world.say("取消黄金移动止损"))
    assert not again.buttons
    assert "没有移动止损" in again.text


# --------------------------------------------------------------------------- the rule


def _row(side: str, *, step: float = 1.0, activation: float | None = None) -> Trailing:
    return Trailing(
        ticket=1,
        symbol="EURUSD",
        side=side,
        distance_pips=20,
        step_pips=step,
        activation_pips=activation,
        pip=0.0001,
        platform="",
        chat_id="",
        user_id="",
        lang="en",
        cid="",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _pos(side: str, sl: float | None, open_price: float = 1.1000) -> Position:
    return Position(
        ticket=1,
        symbol="EURUSD",
        broker_symbol="EURUSD",
        side=side,  # type: ignore[arg-type]
        volume=0.1,
        price_open=open_price,
        price_current=open_price,
        sl=sl,
        tp=None,
        profit=0.0,
        swap=0.0,
        magic=0,
        comment="",
        time=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _q(bid: float, ask: float) -> Quote:
    return Quote("EURUSD", bid, ask, datetime(2026, 1, 1, tzinfo=UTC), 0.00001, 5)


def test_next_stop_waits_for_the_activation_profit() -> None:
    tr = _row("buy", activation=10)
    assert next_stop(tr, _pos("buy", None), _q(1.1009, 1.1010), 0) is None
    assert next_stop(tr, _pos("buy", None), _q(1.1010, 1.1011), 0) == pytest.approx(1.0990)


def test_next_stop_moves_only_by_the_step_and_never_back() -> None:
    tr = _row("sell", step=5)
    # ask 1.0950 → 1.0970; the current stop 1.0973 would gain only 3 pips: stays
    assert next_stop(tr, _pos("sell", 1.0973), _q(1.0949, 1.0950), 0) is None
    assert next_stop(tr, _pos("sell", 1.0975), _q(1.0949, 1.0950), 0) == pytest.approx(1.0970)
    # a higher stop for a sell would loosen it: never
    assert next_stop(tr, _pos("sell", 1.0960), _q(1.0949, 1.0950), 0) is None


def test_next_stop_keeps_the_stops_level() -> None:
    tr = _row("buy")
    # 20 pips = 200 points; a stops level of 250 points forbids it
    assert next_stop(tr, _pos("buy", None), _q(1.1050, 1.1051), 250) is None
    assert next_stop(tr, _pos("buy", None), _q(1.1050, 1.1051), 150) == pytest.approx(1.1030)
