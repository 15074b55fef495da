"""ReportService: on-demand answers, charts, empty data and failures."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from matplotlib.image import imread

from broker.models import Bar
from handlers.report_service import ReportConfig, ReportService
from reports.charts import cjk_font_family
from reports.periods import Period
from reports.pnl import compute_pnl
from store.db import Database, sqlite_url
from tests.fakes.report_fixtures import (
    FakeTerminalBroker,
    account,
    balance_op,
    deal,
    png_size,
    position,
    spec,
    utc,
)


@pytest.fixture
async def db(tmp_path):
    d = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    yield d
    await d.close()


def _broker() -> FakeTerminalBroker:
    # server time UTC+2; "today" below is 2025-03-12 in that zone
    deals = [
        balance_op(utc(2025, 3, 1, 8), 10_000.0, "deposit"),
        deal(
            utc(2025, 3, 11, 9),
            "buy",
            "in",
            "XAUUSD",
            0.1,
            2900,
            magic=5,
            position_id=1,
            commission=-0.7,
        ),
        deal(
            utc(2025, 3, 11, 21, 59),
            "sell",
            "out",
            "XAUUSD",
            0.1,
            2910,
            profit=100.0,
            commission=-0.7,
            magic=5,
            position_id=1,
        ),  # 23:59 server time on the 11th
        deal(
            utc(2025, 3, 11, 22, 1), "sell", "in", "EURUSD", 1.0, 1.08, magic=6, position_id=2
        ),  # 00:01 server time on the 12th
        deal(
            utc(2025, 3, 12, 8),
            "buy",
            "out",
            "EURUSD",
            1.0,
            1.081,
            profit=-100.0,
            swap=-4.0,
            magic=6,
            position_id=2,
        ),
        deal(utc(2025, 3, 12, 9), "buy", "in", "XAUUSD", 0.2, 2920, magic=5, position_id=3),
        deal(
            utc(2025, 3, 12, 10),
            "sell",
            "out",
            "XAUUSD",
            0.2,
            2925,
            profit=100.0,
            magic=5,
            position_id=3,
        ),
    ]
    positions = [
        position(10, "XAUUSD", "buy", 0.3, 2930, 2920, -300.0, swap=-2.0, magic=5),
        position(11, "XAUUSD", "sell", 0.3, 2940, 2920.3, 591.0, swap=-2.0, magic=6),
    ]
    return FakeTerminalBroker(
        deals,
        positions,
        account(balance=10_094.6, equity=10_381.6, margin=600.0, margin_level=1730.0),
        [spec("XAUUSD", 2, 100.0, 1.0, 0.01), spec("EURUSD", 5, 100_000.0, 1.0)],
    )


NOW = utc(2025, 3, 12, 12)


async def test_today_pnl_uses_server_time_day_boundary(db) -> None:
    svc = ReportService(_broker(), db, ReportConfig(timezone="server"))
    ans = await svc.pnl(period=None, symbol=None, magic=None, lang="en", now=NOW)
    # today (server UTC+2) holds the EURUSD close (-104) and the second gold trade (+100)
    assert "Realised P&L: -4.00 USD" in ans.text
    assert "Floating P&L now: +287.00 USD" in ans.text
    yesterday = await svc.pnl(period="yesterday", symbol=None, magic=None, lang="zh", now=NOW)
    assert "已实现盈亏：+98.60 USD" in yesterday.text


async def test_gold_this_week_filters_the_symbol(db) -> None:
    svc = ReportService(_broker(), db, ReportConfig())
    ans = await svc.pnl(period="week", symbol="XAUUSD", magic=None, lang="zh", now=NOW)
    assert "XAUUSD" in ans.text.splitlines()[0]
    assert "已实现盈亏：+198.60 USD" in ans.text
    assert "入金" not in ans.text  # deposits never appear in a symbol's P&L


async def test_iana_zone_moves_deals_across_the_day_line(db) -> None:
    svc = ReportService(_broker(), db, ReportConfig(timezone="UTC"))
    ans = await svc.pnl(period="today", symbol=None, magic=None, lang="en", now=NOW)
    # in UTC the EURUSD open at 22:01 on the 11th is yesterday; today has its close and gold
    assert "Realised P&L: -4.00 USD" in ans.text
    y = await svc.pnl(period="yesterday", symbol=None, magic=None, lang="en", now=NOW)
    assert "Realised P&L: +98.60 USD" in y.text


async def test_monthly_report_has_charts_that_are_valid_phone_sized_pngs(db, tmp_path) -> None:
    svc = ReportService(_broker(), db, ReportConfig())
    ans = await svc.report(kind="monthly", period=None, lang="zh", now=NOW)
    assert ans.ok
    assert "月报" in ans.text
    names = [i.name for i in ans.images]
    assert any(n.startswith("balance-") for n in names)
    assert any(n.startswith("daily-") for n in names)
    assert any(n.startswith("symbols-") for n in names)
    for img in ans.images:
        w, h = png_size(img.data)
        assert w == 1080
        assert h >= 720
        pixels = imread(io.BytesIO(img.data))
        assert pixels.shape[1] == 1080
        assert pixels.std() > 0.01  # something was drawn
    (tmp_path / "monthly.png").write_bytes(ans.images[0].data)
    assert "| 已实现盈亏 |" in ans.markdown


def test_a_chinese_font_is_found_or_labels_fall_back_to_english() -> None:
    from reports.charts import chart_lang

    assert chart_lang("zh") == ("zh" if cjk_font_family() else "en")
    assert chart_lang("en") == "en"


async def test_daily_report_for_a_day_without_deals_is_an_honest_no_trades(db) -> None:
    svc = ReportService(_broker(), db, ReportConfig())
    ans = await svc.report(kind="daily", period=None, lang="en", now=NOW, day=date(2025, 3, 5))
    assert ans.ok
    assert "No trades in this period." in ans.text
    assert "Realised" not in ans.text


async def test_account_with_no_deals_at_all(db) -> None:
    svc = ReportService(FakeTerminalBroker(), db, ReportConfig())
    ans = await svc.report(kind="weekly", period=None, lang="zh", now=NOW)
    assert ans.ok
    assert "本期没有成交" in ans.text
    assert ans.images == []


async def test_future_period_says_so_instead_of_reporting_zero(db) -> None:
    svc = ReportService(_broker(), db, ReportConfig())
    ans = await svc.report(kind="monthly", period=None, lang="en", now=NOW, day=date(2025, 5, 2))
    assert not ans.ok
    assert "has not started" in ans.text
    zh = await svc.report(kind="daily", period=None, lang="zh", now=NOW, day=date(2026, 1, 1))
    assert "还没有开始" in zh.text


async def test_history_failing_mid_way_gives_no_numbers_and_no_traceback(db) -> None:
    broker = _broker()
    broker.fail_deals = True
    svc = ReportService(broker, db, ReportConfig())
    for lang in ("zh", "en"):
        ans = await svc.report(kind="daily", period=None, lang=lang, now=NOW)
        assert not ans.ok
        assert "Traceback" not in ans.text
        assert not re.search(r"[+-]\d", ans.text)  # no totals at all
    en = await svc.pnl(period="month", symbol=None, magic=None, lang="en", now=NOW)
    assert "could not be read" in en.text
    assert "terminal not connected" in en.text


async def test_deal_on_a_symbol_the_terminal_no_longer_lists(db) -> None:
    broker = _broker()
    broker.deal_list.append(
        deal(
            utc(2025, 3, 12, 11),
            "sell",
            "out",
            "",
            0.5,
            1.2,
            profit=42.0,
            position_id=99,
            broker_symbol="DELISTED.x",
        )
    )
    svc = ReportService(broker, db, ReportConfig())
    ans = await svc.pnl(period="today", symbol=None, magic=None, lang="en", now=NOW)
    assert "DELISTED.x +42.00" in ans.text
    assert "Realised P&L: +38.00 USD" in ans.text


async def test_hedge_report_names_both_eas_and_labels_suggestions(db) -> None:
    broker = _broker()
    broker.acc = account(balance=2_000.0, equity=1_100.0, margin=1_000.0, margin_level=110.0)
    svc = ReportService(broker, db, ReportConfig())
    ans = await svc.report(kind="hedge", period=None, lang="zh", now=NOW)
    assert ans.ok
    assert "对冲EA分品种汇报" in ans.text
    assert "EA 5" in ans.text  # two EAs on XAUUSD → per-EA lines
    assert "EA 6" in ans.text
    assert "建议（仅供参考，不会自动执行）" in ans.text
    assert len(ans.images) == 1
    assert png_size(ans.images[0].data)[0] == 1080


async def test_commentary_goes_under_the_numbers_and_its_failure_is_dropped(db) -> None:
    async def says(prompt: str) -> str | None:
        assert "已实现盈亏" in prompt  # the model sees our numbers, it does not make them
        return "整体小幅盈利。"

    async def breaks(prompt: str) -> str | None:
        raise TimeoutError("llm down")

    svc = ReportService(_broker(), db, ReportConfig(charts=False), commentary=says)
    ans = await svc.report(kind="daily", period="yesterday", lang="zh", now=NOW)
    assert ans.text.index("已实现盈亏") < ans.text.index("整体小幅盈利。")
    svc2 = ReportService(_broker(), db, ReportConfig(charts=False), commentary=breaks)
    ans2 = await svc2.report(kind="daily", period="yesterday", lang="zh", now=NOW)
    assert ans2.ok
    assert "AI" not in ans2.text


async def test_day_pnl_is_realised_since_day_start_plus_floating(db) -> None:
    svc = ReportService(_broker(), db, ReportConfig())
    assert await svc.day_pnl(NOW) == pytest.approx(-104.0 + 100.0 + (-302.0 + 589.0))
    assert svc.trading_day_start(NOW) == utc(2025, 3, 11, 22)


async def test_unknown_kind_and_bad_zone_are_messages(db) -> None:
    svc = ReportService(_broker(), db, ReportConfig())
    ans = await svc.report(kind="quarterly", period=None, lang="en", now=NOW)
    assert not ans.ok
    assert "daily, weekly, monthly or hedge" in ans.text
    from reports.periods import PeriodError

    with pytest.raises(PeriodError):
        ReportService(_broker(), db, ReportConfig(timezone="Nowhere/Land"))


async def test_report_against_the_paper_terminal_matches_its_raw_history(tmp_path, db) -> None:
    from broker.mt5 import MT5Broker
    from broker.paper import open_paper_terminal

    term = open_paper_terminal(tmp_path / "paper.sqlite", demo_history_days=20)
    broker = MT5Broker(term, server_utc_offset_hours=2)
    await broker.connect()
    try:
        svc = ReportService(broker, db, ReportConfig())
        # the independent total: straight from the terminal's own struct tuples
        raw = term.history_deals_get(0, 4_102_444_800)
        assert raw
        trading = [d for d in raw if d.type in (0, 1)]
        others = [d for d in raw if d.type >= 4]
        expected = sum(d.profit + d.commission + d.swap + d.fee for d in trading + others)
        closes = [d for d in trading if d.entry in (1, 2, 3)]

        now = datetime.now(UTC)
        cal = svc.calendar()
        start = now - timedelta(days=40)
        whole = Period("custom", start, now, cal.trading_day(start), cal.trading_day(now), "all")
        deals = await broker.deals(start, now + timedelta(days=1))
        rep = compute_pnl(deals, whole, cal, account=await broker.account())
        assert rep.realised == pytest.approx(expected, abs=0.01)
        assert rep.trades == len(closes)
        assert rep.deposits == pytest.approx(
            sum(d.profit for d in raw if d.type == 2 and d.profit > 0)
        )

        month = await svc.report(kind="monthly", period=None, lang="en", now=now, charts=False)
        assert month.ok
        hedge = await svc.report(kind="hedge", period=None, lang="zh", now=now, charts=False)
        assert hedge.ok
    finally:
        await broker.close()


async def test_day_pnl_values_positions_from_earlier_days_at_the_day_start_price(db) -> None:
    # 0.3 lot XAUUSD bought at 2900 on an earlier day, now 2880: -600 floating in all, but
    # the day began at 2890, so today it lost only 10 * 0.3 * 100 = 300.
    day_start = utc(2025, 3, 11, 22)  # 00:00 server time (UTC+2)
    older = position(10, "XAUUSD", "buy", 0.3, 2900.0, 2880.0, -600.0, time=utc(2025, 3, 1))
    broker = FakeTerminalBroker(positions=[older])
    broker.bars["XAUUSD"] = [
        Bar(day_start - timedelta(hours=1), 2895.0, 2896.0, 2889.0, 2891.0, 10),
        Bar(day_start, 2890.0, 2892.0, 2885.0, 2886.0, 10),
        Bar(day_start + timedelta(hours=1), 2886.0, 2887.0, 2879.0, 2880.0, 10),
    ]
    svc = ReportService(broker, db, ReportConfig())
    assert await svc.day_pnl(utc(2025, 3, 12, 0)) == pytest.approx(-300.0)


async def test_day_pnl_takes_floating_at_day_start_from_the_first_snapshot(db) -> None:
    day_start = utc(2025, 3, 11, 22)
    older = position(10, "XAUUSD", "buy", 0.3, 2900.0, 2880.0, -600.0, time=utc(2025, 3, 1))
    broker = FakeTerminalBroker(positions=[older])
    svc = ReportService(broker, db, ReportConfig())
    # at 00:05 the account was 10 000 balance with -450 floating
    await svc.snapshots.add(day_start + timedelta(minutes=5), 10_000.0, 9_550.0, 900.0)
    assert await svc.day_pnl(utc(2025, 3, 12, 0)) == pytest.approx(-150.0)


async def test_day_pnl_counts_positions_opened_today_in_full(db) -> None:
    fresh = position(11, "XAUUSD", "sell", 0.1, 2880.0, 2885.0, -50.0, time=utc(2025, 3, 11, 23))
    svc = ReportService(FakeTerminalBroker(positions=[fresh]), db, ReportConfig())
    assert await svc.day_pnl(utc(2025, 3, 12, 0)) == pytest.approx(-50.0)


# -- numbers true for the period asked (issue 13, build 2) ---------------------------------
class _History:
    """A paper account traded through November into December 2026, with the bookkeeping a
    person would keep beside it: which deal tickets each month made, and the balance the
    terminal showed when November ended."""

    def __init__(self) -> None:
        from broker.mt5 import MT5Broker
        from broker.paper import PaperTerminal
        from tests.conftest import ConvClock

        self.clock = ConvClock(utc(2026, 11, 2, 8))
        self.term = PaperTerminal(None, seed=7, clock=self.clock.ts)
        self.broker = MT5Broker(
            self.term, magic=20260001, server_utc_offset_hours=2, clock=self.clock.ts
        )
        self.november: list[int] = []  # deal tickets
        self.december: list[int] = []
        self.november_end_balance = 0.0
        self.november_end_equity = 0.0

    def at(self, when: datetime) -> None:
        self.clock.t = when.timestamp()

    def trade(self, symbol: str, side: int, volume: float, price: float, into: list[int]) -> int:
        from tests.fakes.paper_helpers import market

        self.term.set_price(symbol, price)
        res = market(self.term, symbol, side, volume, magic=20260001)
        assert res.retcode == self.term.TRADE_RETCODE_DONE, res
        into.append(res.deal)
        return res.order

    def close(self, symbol: str, position: int, price: float, into: list[int]) -> None:
        from tests.fakes.paper_helpers import market

        self.term.set_price(symbol, price)
        (pos,) = self.term.positions_get(ticket=position)
        side = self.term.ORDER_TYPE_SELL if pos.type == 0 else self.term.ORDER_TYPE_BUY
        res = market(self.term, symbol, side, pos.volume, position=position, magic=20260001)
        assert res.retcode == self.term.TRADE_RETCODE_DONE, res
        into.append(res.deal)

    async def build(self) -> None:
        t = self.term
        await self.broker.connect()
        nov, dec = self.november, self.december
        self.at(utc(2026, 11, 2, 8))  # gold bought and sold an hour later
        gold = self.trade("XAUUSD", t.ORDER_TYPE_BUY, 0.1, 2650.0, nov)
        self.at(utc(2026, 11, 2, 9))
        self.close("XAUUSD", gold, 2660.0, nov)
        self.at(utc(2026, 11, 10, 8))  # a EURUSD short that loses
        eur = self.trade("EURUSD", t.ORDER_TYPE_SELL, 1.0, 1.1000, nov)
        self.at(utc(2026, 11, 10, 12))
        self.close("EURUSD", eur, 1.1080, nov)
        self.at(utc(2026, 11, 20, 8))  # gold bought and still open on December 4th
        self.trade("XAUUSD", t.ORDER_TYPE_BUY, 0.2, 2700.0, nov)
        self.at(utc(2026, 11, 25, 8))
        self.term.deposit(-500.0)  # a withdrawal: no P&L, but it moves the balance
        self.at(utc(2026, 11, 30, 21))  # 23:00 server time, the last hour of November
        self.november_end_balance = t.account_info().balance
        self.november_end_equity = t.account_info().equity
        self.at(utc(2026, 12, 1, 8))  # December: a EURUSD long held overnight, then a deposit
        eur2 = self.trade("EURUSD", t.ORDER_TYPE_BUY, 0.5, 1.1000, dec)
        self.at(utc(2026, 12, 2, 8))
        self.close("EURUSD", eur2, 1.1040, dec)
        self.at(utc(2026, 12, 3, 8))
        self.term.deposit(1_000.0)
        self.at(utc(2026, 12, 4, 12))
        t.set_price("XAUUSD", 2640.0)  # the open gold position is under water now

    def realised(self, tickets: list[int]) -> float:
        """The month's result from the terminal's own deal rows, by ticket."""
        raw = {d.ticket: d for d in self.term.history_deals_get(0, 4_102_444_800)}
        return sum(raw[k].profit + raw[k].commission + raw[k].swap + raw[k].fee for k in tickets)

    def floating_now(self) -> float:
        return sum(p.profit + p.swap for p in self.term.positions_get())


async def test_past_month_total_is_its_realised_pnl_with_no_floating_and_its_closing_balance(
    db,
) -> None:
    from reports.numbers import money

    h = _History()
    await h.build()
    expected = h.realised(h.november)
    now = h.clock.now()
    acc = h.term.account_info()
    assert h.floating_now() < 0  # something is open now that must not leak into November
    svc = ReportService(h.broker, db, ReportConfig(charts=False))
    en = await svc.report(kind="monthly", period=None, lang="en", now=now, day=date(2026, 11, 15))
    assert en.ok
    assert f"Realised P&L: {money(expected, signed=True)} USD" in en.text
    assert "Floating" not in en.text
    assert "Total" not in en.text  # the realised P&L is the month's total
    assert f"Balance at period end {money(h.november_end_balance)}" in en.text
    assert money(acc.balance) not in en.text  # today's balance is not November's
    assert money(acc.equity) not in en.text
    assert "Floating" not in en.markdown
    assert "Equity" not in en.markdown
    zh = await svc.report(kind="monthly", period=None, lang="zh", now=now, day=date(2026, 11, 15))
    assert f"已实现盈亏：{money(expected, signed=True)} USD" in zh.text
    assert "浮动" not in zh.text
    assert f"期末余额 {money(h.november_end_balance)}" in zh.text


async def test_current_month_total_is_realised_plus_floating_now(db) -> None:
    from reports.numbers import money

    h = _History()
    await h.build()
    realised = h.realised(h.december)
    floating = h.floating_now()
    acc = h.term.account_info()
    svc = ReportService(h.broker, db, ReportConfig(charts=False))
    ans = await svc.report(kind="monthly", period=None, lang="en", now=h.clock.now())
    assert f"Realised P&L: {money(realised, signed=True)} USD" in ans.text
    assert f"Floating P&L now: {money(floating, signed=True)} USD" in ans.text
    assert f"Total (realised + floating now): {money(realised + floating, signed=True)}" in (
        ans.text
    )
    assert f"Now: balance {money(acc.balance)} · equity {money(acc.equity)}" in ans.text
    assert "figures as of 2026-12-04 14:00, server time UTC+2" in ans.text
    zh = await svc.report(kind="monthly", period=None, lang="zh", now=h.clock.now())
    assert f"当前浮动盈亏：{money(floating, signed=True)} USD" in zh.text
    assert f"合计（已实现 + 当前浮动）：{money(realised + floating, signed=True)} USD" in zh.text


async def test_month_without_trades_shows_no_floating_and_no_made_up_drawdown(db) -> None:
    h = _History()
    await h.build()
    svc = ReportService(h.broker, db, ReportConfig(charts=False))
    october = await svc.report(
        kind="monthly", period=None, lang="en", now=h.clock.now(), day=date(2026, 10, 15)
    )
    assert october.ok
    assert "No trades in this period." in october.text
    assert "Floating" not in october.text
    assert "Max drawdown: not enough data" in october.text
    assert "0.00 (0.0%)" not in october.text
    zh = await svc.report(
        kind="monthly", period=None, lang="zh", now=h.clock.now(), day=date(2026, 10, 15)
    )
    assert "最大回撤：数据不足" in zh.text
    assert "浮动" not in zh.text


async def test_past_month_drawdown_follows_its_balance_curve_with_one_snapshot(db) -> None:
    h = _History()
    await h.build()
    svc = ReportService(h.broker, db, ReportConfig(charts=False))
    # one snapshot, at the very end of November: alone it is no curve, the deals make one
    end = utc(2026, 11, 30, 21)
    await svc.snapshots.add(end, h.november_end_balance, h.november_end_equity, None)
    raw = {d.ticket: d for d in h.term.history_deals_get(0, 4_102_444_800)}
    eur_close = raw[h.november[3]]
    loss = -(eur_close.profit + eur_close.commission + eur_close.swap + eur_close.fee)
    rep = await svc._compute(svc.calendar().month(date(2026, 11, 15)), h.clock.now())
    assert rep.drawdown_points >= 2
    assert rep.max_drawdown is not None
    assert rep.max_drawdown >= loss  # the EURUSD loss is on the curve, never "0.00"
