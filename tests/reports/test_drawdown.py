"""Drawdown from the curve a report can build (balance after deals, equity snapshots, equity
now), against curves whose falls are worked out here by hand."""

from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest

from reports.drawdown import BalanceEvents, CurvePoint, Snap, account_curve, max_drawdown
from reports.periods import TradingCalendar
from reports.pnl import compute_pnl
from reports.render import pnl_markdown, pnl_text
from store.snapshots import Snapshot
from tests.fakes.report_fixtures import account, balance_op, deal, utc

UTC2 = timezone(timedelta(hours=2))
CAL = TradingCalendar(UTC2)
AFTER_MARCH = utc(2025, 4, 10)  # "now": March has ended


def _closes(results: list[float], day: int = 3) -> list:
    """One closing deal per result, an hour apart, on March `day`."""
    return [
        deal(utc(2025, 3, day, 8 + i), "sell", "out", profit=r, position_id=i + 1)
        for i, r in enumerate(results)
    ]


def test_drawdown_of_a_known_balance_curve() -> None:
    # 10 000 → 10 200 → 9 700 → 9 800 → 9 500 → 10 300: the worst fall is 10 200 → 9 500
    deals = _closes([200.0, -500.0, 100.0, -300.0, 800.0])
    rep = compute_pnl(
        deals, CAL.month(date(2025, 3, 1)), CAL, account=account(10_300.0), now=AFTER_MARCH
    )
    assert rep.max_drawdown == pytest.approx(700.0)
    assert rep.max_drawdown_pct == pytest.approx(700.0 / 10_200.0 * 100)
    assert rep.drawdown_points == 6  # the opening balance and one point per deal


def test_a_withdrawal_is_not_a_drawdown_and_a_deposit_is_not_a_peak() -> None:
    deals = [
        *_closes([100.0, -50.0]),
        balance_op(utc(2025, 3, 4, 9), -2_000.0, "withdrawal"),
        balance_op(utc(2025, 3, 5, 9), 5_000.0, "deposit"),
        *_closes([-30.0], day=6),
    ]
    rep = compute_pnl(
        deals, CAL.month(date(2025, 3, 1)), CAL, account=account(13_020.0), now=AFTER_MARCH
    )
    # trading alone: +100, -50, -30 → the fall from the +100 peak is 80
    assert rep.max_drawdown == pytest.approx(80.0)


def test_equity_snapshots_stand_for_the_account_where_they_cover_the_time() -> None:
    # a position closed at 12:00 for -300 had been showing it in the equity since 10:00:
    # the loss is counted once, from the snapshots, not again at the close
    snaps = [
        Snapshot(utc(2025, 3, 3, 10) + timedelta(minutes=5 * i), 10_000.0, eq, None)
        for i, eq in enumerate([10_000.0, 9_900.0, 9_800.0, 9_700.0])
    ]
    snaps += [
        Snapshot(utc(2025, 3, 3, 12) + timedelta(minutes=5 * i), 9_700.0, 9_700.0 + 50 * i, None)
        for i in range(4)
    ]
    close = deal(utc(2025, 3, 3, 12, 1), "sell", "out", profit=-300.0, position_id=1)
    rep = compute_pnl(
        [close],
        CAL.day(date(2025, 3, 3)),
        CAL,
        account=account(9_700.0),
        snapshots=snaps,
        now=AFTER_MARCH,
    )
    assert rep.max_drawdown == pytest.approx(300.0)
    assert rep.max_drawdown_pct == pytest.approx(3.0)


def test_the_running_period_ends_its_curve_at_the_equity_now() -> None:
    now = utc(2025, 3, 3, 15)
    rep = compute_pnl(
        _closes([100.0]),
        CAL.day(date(2025, 3, 3)),
        CAL,
        account=account(10_100.0, equity=9_600.0),
        now=now,
    )
    assert rep.running
    assert rep.max_drawdown == pytest.approx(500.0)  # 10 100 after the close, 9 600 now


@pytest.mark.parametrize(
    ("lang", "line", "md"),
    [
        ("en", "Max drawdown: not enough data", "| Max drawdown | not enough data |"),
        ("zh", "最大回撤：数据不足", "| 最大回撤 | 数据不足 |"),
    ],
)
def test_one_point_is_not_enough_data_never_zero(lang: str, line: str, md: str) -> None:
    # a month that ended with no deals and one snapshot, no account: one point
    snap = Snapshot(utc(2025, 3, 20, 10), 10_000.0, 8_735.0, None)
    rep = compute_pnl([], CAL.month(date(2025, 3, 1)), CAL, snapshots=[snap], now=AFTER_MARCH)
    assert rep.drawdown_points == 1
    assert rep.max_drawdown is None
    text = pnl_text(rep, "monthly", lang)
    assert line in text
    assert "0.00 (0.0%)" not in text
    assert md in pnl_markdown(rep, "monthly", lang)


def test_one_snapshot_and_a_losing_month_draw_the_fall_from_the_deals() -> None:
    # the case seen on main: "Max drawdown 0.00 (0.0%)" on a month that lost 1,265
    deals = _closes([-465.0, -800.0])
    snap = Snapshot(utc(2025, 3, 31, 20), 8_735.0, 8_735.0, None)
    rep = compute_pnl(
        deals,
        CAL.month(date(2025, 3, 1)),
        CAL,
        account=account(8_735.0),
        snapshots=[snap],
        now=AFTER_MARCH,
    )
    assert rep.realised == pytest.approx(-1_265.0)
    assert rep.max_drawdown == pytest.approx(1_265.0)
    assert rep.max_drawdown_pct == pytest.approx(12.65)


def test_the_drawdown_is_left_out_of_a_symbol_or_ea_report() -> None:
    rep = compute_pnl(
        _closes([-100.0]),
        CAL.day(date(2025, 3, 3)),
        CAL,
        account=account(),
        symbol="EURUSD",
        now=AFTER_MARCH,
    )
    assert not rep.drawdown_shown
    assert "drawdown" not in pnl_text(rep, "daily", "en").lower()


def test_curve_and_fall_on_points_given_directly() -> None:
    t0 = utc(2025, 3, 3)
    events = BalanceEvents()
    events.add(t0 + timedelta(hours=2), -40.0, False)
    events.add(t0 + timedelta(hours=1), 100.0, False)  # out of order on purpose
    pts = account_curve(t0, 1_000.0, events, [], Snap(t0 + timedelta(hours=3), 1_010.0))
    assert [p.value for p in pts] == [1_000.0, 1_100.0, 1_060.0, 1_010.0]
    assert max_drawdown(pts).amount == pytest.approx(90.0)
    assert max_drawdown(pts).points == 4
    assert max_drawdown([CurvePoint(t0, 1_000.0, 0.0)]).amount is None
    assert max_drawdown([]).amount is None


def test_a_peak_worth_next_to_nothing_is_no_base_for_a_percentage() -> None:
    # before the first deposit the account is worth a float sum's crumb; the fall after the
    # deposit is measured from the first real peak, not divided by 0.00000001
    t0 = utc(2026, 12, 1)
    points = [
        CurvePoint(t0, 3e-10, 0.0),
        CurvePoint(t0 + timedelta(hours=1), 10_000.0, 10_000.0),
        CurvePoint(t0 + timedelta(hours=2), 9_500.0, 10_000.0),
    ]
    dd = max_drawdown(points)
    assert dd.amount == pytest.approx(500.0)
    assert dd.pct is not None
    assert dd.pct < 100.0
