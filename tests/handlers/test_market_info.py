"""Contract info and closed-trade history, asked in chat in either language, from the paper
terminal through MT5Broker."""

from __future__ import annotations

from datetime import UTC, datetime

from broker.models import Deal
from handlers.format import UserClock, width
from handlers.market_info import MAX_HISTORY_ROWS, history_of, history_text
from handlers.messages import Outgoing
from reports.periods import TradingCalendar
from tests.conftest import CONV_MAGIC, ChatWorld
from tests.fakes.paper_helpers import market


def only_text(outs: list[Outgoing]) -> str:
    assert len(outs) == 1
    return outs[0].text


async def test_contract_info_in_chinese_has_every_fact_on_its_own_line(world: ChatWorld) -> None:
    world.terminal.set_price("XAUUSD", 2650.00, 2650.15)
    text = only_text(await world.say("黄金合约信息"))
    lines = text.split("\n")
    assert lines[0] == "📄 XAUUSD · Gold vs US Dollar"
    assert "买价 2650.00 / 卖价 2650.15 · 点差 15 点" in lines
    assert "小数位 2 · 合约大小 100" in lines
    assert "手数：最小 0.01 · 步长 0.01 · 最大 50" in lines
    assert "隔夜利息：多 -45.2 / 空 24.8 点/手（周三三倍）" in lines
    # 100 oz × 2650.15 / leverage 100, from the terminal's own order_calc_margin
    assert "1手保证金：2,650.15 USD" in lines
    assert any(line.startswith("交易：可买可卖 · 报价中，最新 ") for line in lines)
    assert lines[-1] == "交易时段：MT5 接口不提供，以报价状态为准"


async def test_contract_info_in_english_and_the_slash_form_agree(world: ChatWorld) -> None:
    world.terminal.set_price("EURUSD", 1.08500, 1.08503)
    words = only_text(await world.say("contract specs for EURUSD"))
    slash = only_text(await world.say("/info EURUSD"))
    assert "Bid 1.08500 / Ask 1.08503 · spread 3 pts" in words
    assert "Margin for 1 lot: 1,085.03 USD" in words
    assert "Swap: long -7.2 / short 2.1 pts/lot (triple on Wednesday)" in words
    # the slash form answers in the chat's default language, with the same facts
    assert "点差 3 点" in slash
    assert "1手保证金：1,085.03 USD" in slash


async def test_contract_info_of_a_closed_market_says_so(world: ChatWorld) -> None:
    saturday = datetime(2026, 11, 21, 12, 0, tzinfo=UTC).timestamp()
    world.clock.t = saturday
    text = only_text(await world.say("/info XAUUSD"))
    # the last tick is Friday's close (server time 23:59:59, UTC+2)
    assert "休市中，最后报价 2026-11-20 23:59" in text


async def test_an_unknown_symbol_gets_the_brokers_answer(world: ChatWorld) -> None:
    text = only_text(await world.say("/info ETHUSD"))
    assert "ETHUSD" in text
    assert "📄" not in text


def _trade(term: object, symbol: str, otype: int, volume: float) -> int:
    result = market(term, symbol, otype, volume, magic=CONV_MAGIC)  # type: ignore[arg-type]
    assert getattr(result, "retcode", 0) == 10009
    return int(getattr(result, "order", 0))


async def test_history_lists_todays_closed_trades_with_totals(world: ChatWorld) -> None:
    term = world.terminal
    _trade(term, "XAUUSD", term.ORDER_TYPE_BUY, 0.10)
    _trade(term, "EURUSD", term.ORDER_TYPE_SELL, 0.20)
    world.clock.advance(600)
    for p in term.positions_get():
        close = term.ORDER_TYPE_SELL if p.type == term.POSITION_TYPE_BUY else term.ORDER_TYPE_BUY
        market(term, p.symbol, close, p.volume, position=p.ticket)
    deals = [d for d in term.history_deals_get(0, 2**31) if d.entry == 1]
    net = sum(d.profit + d.commission + d.swap + d.fee for d in deals)
    entries = [d for d in term.history_deals_get(0, 2**31) if d.entry == 0 and d.symbol]
    entry_costs = sum(d.commission + d.fee for d in entries)
    text = only_text(await world.say("历史成交"))
    lines = text.split("\n")
    assert lines[0].startswith("📜 今日平仓记录 2026-11-18")
    assert lines[1].split() == ["时间", "品种", "方向", "手数", "盈亏"]
    rows = lines[2:4]
    assert [r.split()[1:4] for r in rows] == [["XAUUSD", "买", "0.1"], ["EURUSD", "卖", "0.2"]]
    assert f"合计 2 笔 · 0.3 手 · 净盈亏 {net + entry_costs:+,.2f}" in lines
    assert f"（净盈亏含开仓手续费 {entry_costs:+,.2f}）" in lines
    assert all(width(line) <= 40 for line in lines[1:4])
    # by symbol, in English, through the slash form's words
    gold = only_text(await world.say("closed trades today XAUUSD"))
    assert "Total 1 trades · 0.1 lots" in gold
    assert "EURUSD" not in gold


async def test_history_of_a_period_without_trades_says_so(world: ChatWorld) -> None:
    text = only_text(await world.say("/history last_week"))
    assert "这段时间没有平仓的交易。" in text


def _deal(i: int, entry: str, magic: int = 7) -> Deal:
    return Deal(
        ticket=1000 + i, order=2000 + i, position_id=i // 2, time=datetime(2026, 3, 10, 1, i, tzinfo=UTC),
        type="sell" if entry == "out" else "buy", entry=entry,  # type: ignore[arg-type]
        symbol="XAUUSD", broker_symbol="XAUUSD", volume=0.01, price=2650.0 + i, profit=1.0,
        commission=-0.1, swap=0.0, fee=0.0, magic=magic, comment="",
    )  # fmt: skip


def test_a_long_history_shows_the_latest_rows_and_counts_the_rest() -> None:
    cal = TradingCalendar(UTC)
    period = cal.named("today", datetime(2026, 3, 10, 12, tzinfo=UTC))
    deals = [_deal(i, "in" if i % 2 == 0 else "out") for i in range(50)]
    h = history_of(deals, period, "today")
    assert h.count == 25
    assert round(h.net, 2) == round(25 * 0.9 - 25 * 0.1, 2)  # trades' nets plus entry costs
    text = history_text(h, "en", UserClock())
    assert f"(latest trades only; {25 - MAX_HISTORY_ROWS} earlier)" in text
    assert text.count("XAUUSD") == MAX_HISTORY_ROWS
    # by EA: the opening deal's magic names the trade's EA
    assert history_of(deals, period, "today", magic=8).count == 0
    assert history_of(deals, period, "today", magic=7).count == 25
