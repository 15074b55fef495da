"""The market-data service (handlers/market.py) through MT5Broker on the paper terminal, and
the conversation's chart, indicator and levels answers: text + PNG, bad input answered in
words, positions drawn only where account data may be shown, the AI paragraph marked and
absent without an LLM (and tested against the fake OpenAI server)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.format import UserClock
from handlers.market import (
    MarketConfig,
    MarketData,
    MarketError,
    level_lines,
    levels_text,
    position_lines,
)
from nlp.intent import Intent
from nlp.llm import LLMParser, TextCompletion
from nlp.parser import CircuitBreaker
from reports.indicators import compute
from tests.conftest import ChatWorld
from tests.fakes.fake_openai import FakeOpenAI, Reply
from tests.fakes.report_fixtures import png_size


@pytest.fixture
def market(world: ChatWorld) -> MarketData:
    return MarketData(world.broker, MarketConfig())


def only(outs: list) -> object:
    assert len(outs) == 1
    return outs[0]


# -- input checks ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "zh", "en"),
    [
        (lambda m: m.bars("XAUUSD", "H2"), "不支持的周期 H2", "unknown timeframe H2"),
        (lambda m: m.bars("XAUUSD", "H1", 5), "K线数量须在 10–1000 根之间", "must be 10–1000"),
        (lambda m: m.bars("XAUUSD", "H1", 5000), "（收到 5000）", "(got 5000)"),
        (lambda m: m.bars("NOSUCH"), "终端上没有品种 NOSUCH", "no symbol NOSUCH"),
        (lambda m: m.indicator("XAUUSD", "VWAP"), "不支持的指标 VWAP", "unknown indicator VWAP"),
        (lambda m: m.indicator("XAUUSD", "RSI", period=1), "RSI 的参数 period", "RSI: parameter"),
        (lambda m: m.chart("XAUUSD", indicators=["ICHI"]), "不支持的指标 ICHI", "ICHI"),
    ],
)
async def test_bad_input_is_refused_with_words_in_both_languages(
    market: MarketData, call: object, zh: str, en: str
) -> None:
    with pytest.raises(MarketError) as err:
        await call(market)  # type: ignore[operator]
    assert zh in err.value.text("zh")
    assert en in err.value.text("en")


async def test_a_misspelt_symbol_gets_a_did_you_mean(market: MarketData) -> None:
    with pytest.raises(MarketError) as err:
        await market.bars("XAUUSDD")
    assert "是不是 XAUUSD" in err.value.text("zh")


# -- data --------------------------------------------------------------------------------------
async def test_bars_default_to_100_of_h1(market: MarketData) -> None:
    bars = await market.bars("XAUUSD")
    assert len(bars) == 100
    assert (bars[1].time - bars[0].time).total_seconds() == 3600


async def test_the_configured_timeframe_and_count_are_the_defaults(world: ChatWorld) -> None:
    market = MarketData(world.broker, MarketConfig(default_timeframe="H4", default_bars=30))
    bars = await market.bars("XAUUSD")
    assert len(bars) == 30
    assert (bars[1].time - bars[0].time).total_seconds() == 4 * 3600


async def test_an_indicator_reading_is_talib_over_the_brokers_own_bars(
    market: MarketData, world: ChatWorld
) -> None:
    reading = await market.indicator("EURUSD", "RSI", "H4")
    bars = await world.broker.rates("EURUSD", "H4", len(reading.bars))
    assert list(reading.bars) == bars
    want = compute("RSI", bars).lines["rsi"]
    got = reading.result.lines["rsi"]
    assert [v for v in got if v == v] == [v for v in want if v == v]  # NaN != NaN
    assert sum(v != v for v in got) == 14
    assert reading.result.label == "RSI(14)"
    assert reading.digits == 5


async def test_levels_say_the_paper_broker_offers_no_depth(market: MarketData) -> None:
    lv = await market.levels("XAUUSD", "H4")
    assert lv.book is None
    assert lv.bars == 200
    assert lv.profile is not None
    assert all(x.price < lv.price for x in lv.supports)
    assert all(x.price > lv.price for x in lv.resistances)


async def test_a_chart_is_a_png(market: MarketData) -> None:
    png = await market.chart("XAUUSD", "M15", 120, ["MA", "MACD"], "en")
    assert png_size(png)[0] == 1000


def test_position_lines_are_labelled_side_lots_and_price() -> None:
    from broker.models import PendingOrder, Position
    from tests.fakes.mt5_fakes import T0

    pos = Position(1, "XAUUSD", "XAUUSD", "buy", 0.1, 2650.5, 2651, 2640.0, 2670.0, 0, 0, 0, "", T0)
    order = PendingOrder(
        2, "XAUUSD", "XAUUSD", "sell", "limit", 0.05, 2680.0, None, None, 0, "", T0
    )
    zh = position_lines([pos], [order], "zh", 2)
    assert [(ln.label, ln.kind, ln.price) for ln in zh] == [
        ("多 0.1 @2,650.50", "buy", 2650.5),
        ("SL", "sl", 2640.0),
        ("TP", "tp", 2670.0),
        ("挂限价空 0.05 @2,680.00", "order", 2680.0),
    ]
    en = position_lines([pos], [], "en", 2)
    assert en[0].label == "Long 0.1 @2,650.50"


# -- the conversation --------------------------------------------------------------------------
async def test_a_chart_request_is_answered_with_text_and_a_png(world: ChatWorld) -> None:
    out = only(await world.say("黄金1小时图"))
    assert "XAUUSD H1 K线图 · 100 根" in out.text  # type: ignore[attr-defined]
    (image,) = out.images  # type: ignore[attr-defined]
    assert png_size(image.data) == (1000, png_size(image.data)[1])
    assert "XAUUSD H4 K线图" in only(await world.say("/chart XAUUSD H4")).text  # type: ignore[attr-defined]
    en = only(await world.say("show eurusd h4 chart"))
    assert "EURUSD H4 candles · 100 bars" in en.text  # type: ignore[attr-defined]


async def test_the_accounts_positions_are_drawn_in_a_private_chat_not_in_a_group(
    world: ChatWorld,
) -> None:
    await world.broker.open_market("XAUUSD", "buy", 0.1, sl=2000.0)
    private = only(await world.say("黄金图"))
    assert "1 个持仓和 0 个挂单" in private.text  # type: ignore[attr-defined]
    group = only(await world.say("黄金图", chat="g1", group=True, mentioned=True))
    assert "群聊中不画持仓和挂单" in group.text  # type: ignore[attr-defined]
    assert group.to_chat is None  # market data may be answered in the group itself
    assert group.images  # type: ignore[attr-defined]


async def test_an_indicator_request_reads_the_values_as_facts(world: ChatWorld) -> None:
    out = only(await world.say("欧美4小时RSI"))
    text = out.text  # type: ignore[attr-defined]
    assert text.startswith("📈 EURUSD H4 · RSI(14)")
    assert "RSI " in text
    assert any(zone in text for zone in ("超买区", "超卖区", "中性区间"))
    assert "不构成交易建议" in text
    assert len(out.images) == 1  # type: ignore[attr-defined]
    macd = only(await world.say("gold macd h1")).text  # type: ignore[attr-defined]
    assert "MACD(12,26,9)" in macd
    assert "histogram" in macd


async def test_a_levels_request_lists_levels_profile_and_the_missing_book(
    world: ChatWorld,
) -> None:
    out = only(await world.say("黄金4小时支撑阻力"))
    text = out.text  # type: ignore[attr-defined]
    assert text.startswith("🧭 XAUUSD H4 关键位 · 200 根K线")
    assert "阻力（由近到远）：" in text
    assert "支撑（由近到远）：" in text
    assert "POC" in text
    assert "订单簿：经纪商不提供 XAUUSD 的市场深度" in text
    assert "🤖" not in text  # no LLM configured: no generated paragraph
    assert len(out.images) == 1  # type: ignore[attr-defined]
    assert "EURUSD H1 关键位" in only(await world.say("/levels EURUSD")).text  # type: ignore[attr-defined]
    en = only(await world.say("key levels for eurusd")).text  # type: ignore[attr-defined]
    assert "Order book: the broker offers no market depth for EURUSD" in en


async def test_a_levels_request_without_a_symbol_asks_for_one(market: MarketData) -> None:
    out = only(await market.answer(Intent(intent="levels"), "en", show_account=False))
    assert "Which symbol?" in out.text  # type: ignore[attr-defined]


# -- the AI paragraph --------------------------------------------------------------------------
@pytest.fixture
async def srv() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as s:
        yield s


def _llm(srv: FakeOpenAI) -> LLMParser:
    return LLMParser(base_url=srv.base_url, model="fake", api_key="k", timeout_s=2.0)


async def test_the_ai_paragraph_is_marked_as_generated_and_states_the_numbers(
    world: ChatWorld, srv: FakeOpenAI
) -> None:
    srv.push(Reply.text("价格位于价值区内，最近的阻力触及 3 次。"))
    llm = _llm(srv)
    market = MarketData(
        world.broker, commentary=TextCompletion(llm, CircuitBreaker()), clock=UserClock()
    )
    try:
        out = only(await market.answer(Intent(intent="levels", symbol="XAUUSD"), "zh",
                                       show_account=False))  # fmt: skip
    finally:
        await llm.aclose()
    text = out.text  # type: ignore[attr-defined]
    assert "🤖 AI 生成，仅描述数据，不构成建议\n价格位于价值区内，最近的阻力触及 3 次。" in text
    (req,) = srv.requests
    system, user = req["messages"]
    assert "Never recommend" in system["content"]
    lv = await market.levels("XAUUSD")
    assert f"POC {lv.profile.poc:.2f}" in user["content"]  # type: ignore[union-attr]
    assert "no order book depth" in user["content"]


async def test_a_failing_endpoint_drops_only_the_paragraph(
    world: ChatWorld, srv: FakeOpenAI
) -> None:
    srv.push(Reply.http(500))
    llm = _llm(srv)
    market = MarketData(world.broker, commentary=TextCompletion(llm, CircuitBreaker()))
    try:
        out = only(await market.answer(Intent(intent="levels", symbol="XAUUSD"), "en",
                                       show_account=False))  # fmt: skip
    finally:
        await llm.aclose()
    assert "Support (nearest first):" in out.text  # type: ignore[attr-defined]
    assert "🤖" not in out.text  # type: ignore[attr-defined]


# -- a broker with depth -----------------------------------------------------------------------
async def test_where_the_broker_offers_depth_the_book_is_summed_and_drawn(
    world: ChatWorld,
) -> None:
    from broker.mt5 import MT5Broker
    from tests.fakes.depth import ROWS, DepthTerminal

    world.terminal.set_price("XAUUSD", 2650.0, 2650.15)
    broker = MT5Broker(DepthTerminal(world.terminal, ROWS), magic=1, server_utc_offset_hours=2)
    broker.session.book_sleep = lambda _s: None  # the pause between empty reads, not waited
    await broker.connect()
    try:
        market = MarketData(broker)
        lv = await market.levels("XAUUSD", "H1")
        out = only(await market.answer(Intent(intent="levels", symbol="XAUUSD"), "zh",
                                       show_account=False))  # fmt: skip
    finally:
        await broker.close()
    assert lv.book is not None
    assert (lv.book.bid_volume, lv.book.ask_volume) == (9.0, 4.5)
    text = out.text  # type: ignore[attr-defined]
    assert (
        "订单簿：买盘 9 手 · 卖盘 4.5 手 · 最大买单 2,649.80（6.5 手） · 最大卖单 2,650.40（3 手）"
        in text
    )
    lines = level_lines(lv, "zh")
    assert ("最大买单 6.5 手", "bid", 2649.8) in [(x.label, x.kind, x.price) for x in lines]
    assert ("最大卖单 3 手", "ask", 2650.4) in [(x.label, x.kind, x.price) for x in lines]


def test_a_side_without_levels_says_there_is_no_swing_point_on_that_side() -> None:
    from reports.levels import Level, Levels
    from tests.fakes.mt5_fakes import T0

    lv = Levels("XAUUSD", "H1", 2700.0, (Level(2650.0, "support", 2, 2649.0, 2651.0, T0),), (),
                None, None, 50, T0, T0, 2)  # fmt: skip
    text = levels_text(lv, "en", UserClock())
    assert "Resistance (nearest first):\n  none (no swing high or low above the price" in text
    assert "Support (nearest first):\n  2,650.00  2 touches · 50.00 away" in text
    assert "Volume profile: these bars carry no volume" in text
    assert "Order book: the broker offers no market depth for XAUUSD" in text


async def test_without_a_cjk_font_a_chinese_chart_is_worded_in_english(
    market: MarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handlers.market import Drawing
    from reports import charts

    bars = await market.bars("XAUUSD")
    drawing = Drawing("XAUUSD", 2, "H1", bars, "zh")
    if charts.chart_lang("zh") == "zh":
        assert market._spec(drawing, []).text.volume == "成交量"
    monkeypatch.setattr(charts, "cjk_font_family", lambda: None)  # a machine without one
    spec = market._spec(drawing, [])
    assert (spec.lang, spec.text.volume) == ("en", "Volume")
