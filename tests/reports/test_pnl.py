"""P&L numbers against hand-built histories whose totals are computed here, independently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.periods import PeriodError, TradingCalendar, make_zone, parse_report_date
from reports.pnl import compute_pnl
from tests.fakes.report_fixtures import account, balance_op, deal, position, utc

UTC2 = timezone(timedelta(hours=2))


def _history() -> list:
    """One March 2025 week of an account in UTC+2 server time, with everything that bites."""
    return [
        # deposit before trading, a credit, a withdrawal later
        balance_op(utc(2025, 3, 10, 6), 10_000.0, "deposit"),
        balance_op(utc(2025, 3, 10, 6, 5), 100.0, "bonus credit", kind="credit"),
        # EURUSD buy 1.0 by EA 111, commission on entry, closed in two parts
        deal(
            utc(2025, 3, 10, 8),
            "buy",
            "in",
            "EURUSD",
            1.0,
            1.08000,
            commission=-3.5,
            magic=111,
            position_id=1,
        ),
        deal(
            utc(2025, 3, 10, 12),
            "sell",
            "out",
            "EURUSD",
            0.4,
            1.08250,
            profit=0.4 * 100_000 * 0.0025,
            commission=-1.4,
            swap=-0.8,
            magic=111,
            position_id=1,
        ),
        deal(
            utc(2025, 3, 11, 9),
            "sell",
            "out",
            "EURUSD",
            0.6,
            1.07900,
            profit=0.6 * 100_000 * -0.0010,
            commission=-2.1,
            swap=-1.2,
            magic=111,
            position_id=1,
        ),
        # USDJPY sell 0.5 by EA 222: profit quoted in JPY, converted at the close price
        deal(
            utc(2025, 3, 11, 10),
            "sell",
            "in",
            "USDJPY",
            0.5,
            150.000,
            commission=-1.75,
            magic=222,
            position_id=2,
        ),
        deal(
            utc(2025, 3, 12, 10),
            "buy",
            "out",
            "USDJPY",
            0.5,
            149.500,
            profit=0.5 * 100_000 * 0.5 / 149.5,
            commission=-1.75,
            swap=3.1,
            magic=222,
            position_id=2,
        ),
        # gold by EA 222, a loser with a fee
        deal(utc(2025, 3, 12, 11), "buy", "in", "XAUUSD", 0.1, 2900.0, magic=222, position_id=3),
        deal(
            utc(2025, 3, 13, 11),
            "sell",
            "out",
            "XAUUSD",
            0.1,
            2880.0,
            profit=0.1 * 100 * -20.0,
            fee=-0.5,
            swap=-2.4,
            magic=222,
            position_id=3,
        ),
        # a symbol the terminal no longer lists (only the broker name is left)
        deal(
            utc(2025, 3, 13, 12),
            "buy",
            "in",
            "",
            0.2,
            1.2,
            magic=0,
            position_id=4,
            broker_symbol="OLDFX.x",
        ),
        deal(
            utc(2025, 3, 13, 13),
            "sell",
            "out",
            "",
            0.2,
            1.21,
            profit=20.0,
            magic=0,
            position_id=4,
            broker_symbol="OLDFX.x",
        ),
        # an account charge deal and a withdrawal
        deal(utc(2025, 3, 14, 1), "other", "in", "", 0.0, 0.0, profit=-2.0, comment="charge"),
        balance_op(utc(2025, 3, 14, 9), -500.0, "withdrawal"),
    ]


def test_week_totals_match_independent_sums() -> None:
    cal = TradingCalendar(UTC2, "00:00")
    week = cal.week(date(2025, 3, 12))
    rep = compute_pnl(_history(), week, cal)

    eur_part1 = 0.4 * 100_000 * 0.0025 - 1.4 - 0.8  # 97.8
    eur_part2 = 0.6 * 100_000 * -0.0010 - 2.1 - 1.2  # -63.3
    jpy = 0.5 * 100_000 * 0.5 / 149.5 - 1.75 + 3.1
    gold = 0.1 * 100 * -20.0 - 0.5 - 2.4  # -202.9
    old = 20.0
    entry_costs = -3.5 - 1.75
    charge = -2.0
    expected = eur_part1 + eur_part2 + jpy + gold + old + entry_costs + charge

    assert rep.realised == pytest.approx(expected)
    assert rep.trades == 5  # the partial close counts as a trade of its own
    assert rep.wins == 3
    assert rep.losses == 2
    assert rep.win_rate == pytest.approx(3 / 5)
    assert rep.avg_win == pytest.approx((eur_part1 + jpy + old) / 3)
    assert rep.avg_loss == pytest.approx((eur_part2 + gold) / 2)
    assert rep.profit_factor == pytest.approx((eur_part1 + jpy + old) / -(eur_part2 + gold))
    assert rep.entry_costs == pytest.approx(entry_costs)
    assert rep.other_ops == pytest.approx(charge)
    assert rep.best is not None
    assert rep.best.net == pytest.approx(jpy)
    assert rep.worst is not None
    assert rep.worst.symbol == "XAUUSD"
    assert rep.worst.side == "buy"  # the position's side, not the closing deal's
    # balance operations are listed, never counted
    assert rep.deposits == pytest.approx(10_000.0)
    assert rep.withdrawals == pytest.approx(-500.0)
    assert rep.credit == pytest.approx(100.0)
    assert [op.kind for op in rep.balance_ops] == ["deposit", "credit", "withdrawal"]


def test_breakdowns_by_symbol_magic_and_side_add_up() -> None:
    cal = TradingCalendar(UTC2, "00:00")
    rep = compute_pnl(_history(), cal.week(date(2025, 3, 12)), cal)

    eur = 0.4 * 100_000 * 0.0025 - 1.4 - 0.8 + 0.6 * 100_000 * -0.0010 - 2.1 - 1.2 - 3.5
    assert rep.by_symbol["EURUSD"].net == pytest.approx(eur)
    assert rep.by_symbol["EURUSD"].trades == 2
    assert rep.by_symbol["EURUSD"].volume == pytest.approx(1.0)
    assert rep.by_symbol["OLDFX.x"].net == pytest.approx(20.0)
    jpy = 0.5 * 100_000 * 0.5 / 149.5 - 1.75 - 1.75 + 3.1
    gold = -200.0 - 0.5 - 2.4
    assert rep.by_magic[111].net == pytest.approx(eur)
    assert rep.by_magic[222].net == pytest.approx(jpy + gold)
    assert rep.by_side["sell"].net == pytest.approx(jpy)  # the USDJPY short
    trading = rep.realised - rep.other_ops
    assert sum(b.net for b in rep.by_symbol.values()) == pytest.approx(trading)
    assert sum(b.net for b in rep.by_magic.values()) == pytest.approx(trading)
    assert sum(b.net for b in rep.by_side.values()) == pytest.approx(trading)
    assert sum(v for _, v in rep.daily) == pytest.approx(rep.realised)


def test_symbol_and_magic_filters_leave_balance_operations_out() -> None:
    cal = TradingCalendar(UTC2, "00:00")
    week = cal.week(date(2025, 3, 12))
    gold = compute_pnl(_history(), week, cal, symbol="XAUUSD")
    assert gold.realised == pytest.approx(-200.0 - 0.5 - 2.4)
    assert gold.trades == 1
    assert gold.deposits == 0
    assert not gold.balance_ops
    ea = compute_pnl(_history(), week, cal, magic=111)
    assert ea.trades == 2
    assert ea.realised == pytest.approx(97.8 - 63.3 - 3.5)


def test_closing_deal_with_other_magic_is_credited_to_the_opening_ea() -> None:
    cal = TradingCalendar(UTC, "00:00")
    deals = [
        deal(utc(2025, 3, 3, 1), "buy", "in", "XAUUSD", 0.1, 2900, magic=7, position_id=9),
        deal(
            utc(2025, 3, 3, 2),
            "sell",
            "out",
            "XAUUSD",
            0.1,
            2910,
            profit=100.0,
            magic=0,
            position_id=9,
        ),
    ]
    rep = compute_pnl(deals, cal.day(date(2025, 3, 3)), cal, magic=7)
    assert rep.trades == 1
    assert rep.realised == pytest.approx(100.0)


def test_day_boundary_follows_the_report_zone_not_utc() -> None:
    # Shanghai is UTC+8: its trading day starts at 16:00 UTC the day before
    cal = TradingCalendar(ZoneInfo("Asia/Shanghai"), "00:00")
    before = deal(utc(2025, 3, 10, 15, 59), "sell", "out", profit=10.0, position_id=1)
    after = deal(utc(2025, 3, 10, 16, 1), "sell", "out", profit=1000.0, position_id=2)
    day10 = compute_pnl([before, after], cal.day(date(2025, 3, 10)), cal)
    day11 = compute_pnl([before, after], cal.day(date(2025, 3, 11)), cal)
    assert day10.realised == pytest.approx(10.0)
    assert day11.realised == pytest.approx(1000.0)
    # the same two deals fall on one UTC day
    cal_utc = TradingCalendar(UTC, "00:00")
    assert compute_pnl([before, after], cal_utc.day(date(2025, 3, 10)), cal_utc).realised == (
        pytest.approx(1010.0)
    )


def test_day_starts_at_shifts_the_trading_day() -> None:
    cal = TradingCalendar(UTC, "22:00")  # a New York close style day
    d = deal(utc(2025, 3, 10, 23, 0), "sell", "out", profit=5.0, position_id=1)
    assert cal.trading_day(d.time) == date(2025, 3, 10)
    rep = compute_pnl([d], cal.day(date(2025, 3, 10)), cal)
    assert rep.realised == pytest.approx(5.0)
    assert cal.day(date(2025, 3, 10)).start == utc(2025, 3, 10, 22)


def test_dst_change_gives_a_23_hour_day_and_keeps_every_deal() -> None:
    cal = TradingCalendar(ZoneInfo("Europe/Berlin"), "00:00")
    p = cal.day(date(2025, 3, 30))  # clocks go forward
    assert p.end - p.start == timedelta(hours=23)
    month = cal.month(date(2025, 3, 30))
    deals = [
        deal(datetime(2025, 3, 29, 23, 30, tzinfo=UTC), "sell", "out", profit=1.0),  # 30th CET
        deal(datetime(2025, 3, 30, 22, 30, tzinfo=UTC), "sell", "out", profit=2.0),  # 31st CEST
    ]
    rep = compute_pnl(deals, month, cal)
    daily = dict(rep.daily)
    assert daily[date(2025, 3, 30)] == pytest.approx(1.0)
    assert daily[date(2025, 3, 31)] == pytest.approx(2.0)


def _positions_now() -> list:
    return [
        position(1, "XAUUSD", "buy", 0.1, 2900, 2905, 50.0, swap=-1.0, magic=222),
        position(2, "EURUSD", "sell", 0.2, 1.09, 1.0905, -10.0, swap=0.0, magic=111),
    ]


def test_past_week_has_its_closing_balance_and_no_floating_from_today() -> None:
    cal = TradingCalendar(UTC2, "00:00")
    week = cal.week(date(2025, 3, 12))
    history = _history()
    # after the week: a closed trade of +50, a deposit and a credit, all before "now"
    history.append(deal(utc(2025, 3, 20, 9), "sell", "out", profit=50.0, position_id=77))
    history.append(balance_op(utc(2025, 3, 21, 9), 1_000.0, "deposit"))
    history.append(balance_op(utc(2025, 3, 21, 10), 300.0, "bonus", kind="credit"))
    acc = account(balance=9_000.0, equity=9_040.0, margin=100.0, margin_level=9040.0, profit=40.0)
    now = utc(2025, 3, 24, 12)
    rep = compute_pnl(history, week, cal, positions=_positions_now(), account=acc, now=now)
    assert not rep.running
    assert rep.floating is None  # today's open positions are not that week's
    assert rep.open_positions == 0
    assert rep.equity is None
    assert rep.margin_level is None
    assert rep.total == pytest.approx(rep.realised)
    end_balance = 9_000.0 - 50.0 - 1_000.0  # the credit never was balance
    assert rep.balance == pytest.approx(end_balance)
    assert rep.balance_curve[-1][1] == pytest.approx(end_balance)
    start_balance = end_balance - (rep.realised + 10_000.0 - 500.0)  # credit is not balance
    assert rep.balance_curve[0][1] == pytest.approx(start_balance)


def test_running_week_has_floating_balance_and_equity_now() -> None:
    cal = TradingCalendar(UTC2, "00:00")
    week = cal.week(date(2025, 3, 12))
    acc = account(balance=9_000.0, equity=9_040.0, margin=100.0, margin_level=9040.0, profit=40.0)
    now = utc(2025, 3, 14, 12)
    rep = compute_pnl(_history(), week, cal, positions=_positions_now(), account=acc, now=now)
    assert rep.running
    assert rep.floating == pytest.approx(50.0 - 1.0 - 10.0)
    assert rep.open_positions == 2
    assert rep.total == pytest.approx(rep.realised + 39.0)
    assert rep.balance == 9_000.0
    assert rep.equity == 9_040.0
    assert rep.margin_level == 9040.0
    assert rep.balance_curve[-1][1] == pytest.approx(9_000.0)


@dataclass
class _Snap:
    time: datetime
    balance: float
    equity: float


def test_max_drawdown_from_equity_snapshots() -> None:
    cal = TradingCalendar(UTC, "00:00")
    snaps = [
        _Snap(utc(2025, 3, 3, h), 1000.0, eq)
        for h, eq in enumerate([1000, 1100, 1050, 900, 1200, 1150, 1180])
    ]
    snaps.append(_Snap(utc(2025, 3, 4, 1), 1000.0, 100.0))  # outside the day: ignored
    rep = compute_pnl([], cal.day(date(2025, 3, 3)), cal, snapshots=snaps)
    assert rep.max_drawdown == pytest.approx(200.0)
    assert rep.max_drawdown_pct == pytest.approx(200.0 / 1100.0 * 100)


def test_no_deals_is_an_honest_empty_report() -> None:
    cal = TradingCalendar(UTC, "00:00")
    rep = compute_pnl([], cal.month(date(2025, 2, 1)), cal, positions=[], account=account())
    assert rep.empty
    assert rep.trades == 0
    assert rep.realised == 0.0
    assert rep.win_rate is None
    assert rep.profit_factor is None
    assert rep.best is None
    assert len(rep.daily) == 28


def test_named_periods_resolve_in_the_report_zone() -> None:
    cal = TradingCalendar(ZoneInfo("Asia/Shanghai"), "00:00")
    now = utc(2025, 3, 31, 17)  # already April 1st in Shanghai
    assert cal.named("today", now).first_day == date(2025, 4, 1)
    assert cal.named("yesterday", now).first_day == date(2025, 3, 31)
    assert cal.named("month", now).key == "2025-04"
    assert cal.named("last_month", now).key == "2025-03"
    assert cal.named("week", now).first_day == date(2025, 3, 31)
    assert cal.named("last_week", now).first_day == date(2025, 3, 24)
    assert cal.named("year", now).key == "2025"
    with pytest.raises(PeriodError):
        cal.named("fortnight", now)


def test_impossible_date_gives_a_clear_message() -> None:
    with pytest.raises(PeriodError) as exc:
        parse_report_date("2025-02-30")
    assert "YYYY-MM-DD" in exc.value.text("en")
    assert "日期无效" in exc.value.text("zh")
    assert parse_report_date("2025/02/28") == date(2025, 2, 28)


def test_unknown_time_zone_is_a_period_error() -> None:
    with pytest.raises(PeriodError):
        make_zone("Mars/Olympus")
    assert make_zone("server", 3).utcoffset(None) == timedelta(hours=3)
    assert make_zone("server", None) is UTC


_deal_strategy = st.tuples(
    st.integers(0, 3 * 24 * 60),  # minutes after 2025-03-09 00:00 UTC
    st.sampled_from(["buy", "sell", "balance", "other"]),
    st.sampled_from(["in", "out", "out_by"]),
    st.sampled_from(["EURUSD", "XAUUSD", "USDJPY"]),
    st.integers(-50_000, 50_000),  # profit in cents
    st.integers(-500, 0),  # commission in cents
    st.integers(-300, 300),  # swap in cents
    st.sampled_from([1, 2]),  # magic
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_deal_strategy, max_size=40), st.randoms())
def test_totals_equal_naive_sums_in_any_order(rows, rnd) -> None:
    deals = [
        deal(
            utc(2025, 3, 9) + timedelta(minutes=m),
            typ,
            entry if typ in ("buy", "sell") else "in",
            sym,
            0.1,
            1.0,
            profit=p / 100,
            commission=c / 100 if typ in ("buy", "sell") else 0.0,
            swap=s / 100 if typ in ("buy", "sell") else 0.0,
            magic=mg,
            position_id=i + 1,
        )
        for i, (m, typ, entry, sym, p, c, s, mg) in enumerate(rows)
    ]
    cal = TradingCalendar(UTC2, "00:00")
    day = cal.day(date(2025, 3, 10))
    inside = [d for d in deals if day.start <= d.time < day.end]
    expected = sum(d.net for d in inside if d.type in ("buy", "sell", "other"))
    closes = [d for d in inside if d.type in ("buy", "sell") and d.entry != "in"]
    rnd.shuffle(deals)
    rep = compute_pnl(deals, day, cal)
    assert rep.realised == pytest.approx(expected, abs=1e-6)
    assert rep.trades == len(closes)
    assert rep.wins == len([d for d in closes if d.net > 0])
    trading = rep.realised - rep.other_ops
    assert sum(b.net for b in rep.by_symbol.values()) == pytest.approx(trading, abs=1e-6)
    assert sum(b.net for b in rep.by_magic.values()) == pytest.approx(trading, abs=1e-6)
    assert rep.deposits + rep.withdrawals == pytest.approx(
        sum(d.profit for d in inside if d.type == "balance"), abs=1e-6
    )
