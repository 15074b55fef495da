"""Charts a trader reads on a phone: every defect fixed in the readability pass is pinned here
by inspecting the drawn Figure (tick labels, artists by gid), not by comparing pixels."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from reports import charts
from reports.hedge import compute_hedge
from reports.numbers import money
from reports.periods import Period, TradingCalendar
from reports.pnl import PnLReport, compute_pnl
from store.snapshots import Snapshot
from tests.fakes.report_fixtures import account, deal, png_size, position, utc

UTC2 = timezone(timedelta(hours=2))
CAL = TradingCalendar(UTC2)


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _by_gid(fig: Figure, gid: str) -> list:
    return fig.findobj(lambda a: a.get_gid() == gid)


def _quiet_day(
    snapshots: tuple[Snapshot, ...] = (),
    balance: float = 10_574.0,
    now: datetime | None = None,
) -> PnLReport:
    """A day on a 10,574 account whose only change is 35 cents of commission; finished unless
    `now` falls inside it."""
    day = CAL.day(date(2025, 3, 3))
    fee = deal(utc(2025, 3, 3, 10), "buy", "in", "USDJPY", 0.1, 150.0, commission=-0.35)
    return compute_pnl(
        [fee],
        day,
        CAL,
        account=account(balance=balance, equity=9_600.0),
        snapshots=snapshots,
        now=now or utc(2025, 3, 10),
    )


def test_narrow_balance_range_has_distinct_tick_labels() -> None:
    fig = charts.balance_figure(_quiet_day(), UTC2, "en", "2025-03-03")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert len(labels) >= 3
    assert len(set(labels)) == len(labels), labels


def test_narrow_balance_range_is_widened_so_cents_do_not_look_like_a_crash() -> None:
    rep = _quiet_day()
    lo, hi = charts.balance_figure(rep, UTC2, "en").axes[0].get_ylim()
    assert hi - lo >= 10_574.0 * charts.MIN_RELATIVE_RANGE * 0.99
    ys = [v for _, v in rep.balance_curve]
    assert lo < min(ys)  # the data sits inside, centred
    assert max(ys) < hi
    assert abs((lo + hi) / 2 - (min(ys) + max(ys)) / 2) < 1e-6


def test_money_formatter_adds_decimals_only_when_ticks_need_them() -> None:
    assert charts.tick_decimals([10_574.0, 10_574.2, 10_574.4]) == 1
    assert charts.tick_decimals([10_574.0, 10_574.25, 10_574.5]) == 2
    assert charts.tick_decimals([9_800.0, 10_000.0, 10_200.0]) == 0
    assert charts.tick_decimals([0.5, 1.0, 1.5]) == 1  # "0, 1, 2" would be wrong, not just alike
    assert money(-0.001, decimals=2) == "0.00"  # never "-0.00"
    assert money(-0.4, decimals=0) == "0"  # never "-0"
    assert money(1234.5, decimals=2, signed=True, plus_zero=False) == "+1,234.50"
    assert money(0.0, signed=True, plus_zero=False) == "0.00"  # a zero bar carries no sign


def test_finished_period_without_snapshots_says_so_and_invents_no_equity() -> None:
    fig = charts.balance_figure(_quiet_day(), UTC2, "zh", "2025-03-03")
    assert "暂无净值快照" in _texts(fig)
    assert not _by_gid(fig, "equity-now")  # today's equity is not that day's equity
    assert not _by_gid(fig, "equity")


def test_running_period_without_snapshots_marks_the_current_equity() -> None:
    now = utc(2025, 3, 3, 12)
    rep = _quiet_day(now=now)
    fig = charts.balance_figure(rep, UTC2, "en", "2025-03-03", as_of=now)
    (point,) = _by_gid(fig, "equity-now")
    assert isinstance(point, Line2D)
    assert list(point.get_ydata()) == [9_600.0]
    lo, hi = fig.axes[0].get_ylim()
    assert lo < 9_600.0 < hi
    assert any("Equity now 9,600.00" in t for t in _texts(fig))
    assert "No equity snapshots yet" in _texts(fig)


def test_snapshots_draw_an_equity_line_and_no_note() -> None:
    snaps = tuple(
        Snapshot(utc(2025, 3, 3, h), 10_574.0, 10_574.0 + 10 * h, None) for h in range(0, 20, 2)
    )
    fig = charts.balance_figure(_quiet_day(snaps), UTC2, "en", "2025-03-03")
    (line,) = _by_gid(fig, "equity")
    assert len(line.get_ydata()) == len(snaps)
    assert "No equity snapshots yet" not in _texts(fig)


def _month(symbols: list[str], days: range, period: Period | None = None) -> PnLReport:
    deals = [
        deal(
            utc(2025, 3, d, 10),
            "sell",
            "out",
            symbols[(d + i) % len(symbols)],
            profit=(-1) ** d * (37.5 * d + i),
            position_id=d * 100 + i,
        )
        for d in days
        for i in range(2)
    ]
    return compute_pnl(deals, period or CAL.month(date(2025, 3, 1)), CAL, account=account())


def test_headings_name_the_period_and_the_currency() -> None:
    rep = _month(["EURUSD", "XAUUSD"], range(3, 8))
    for fig in (
        charts.balance_figure(rep, UTC2, "en", "March 2025"),
        charts.daily_pnl_figure(rep, "en", "March 2025"),
        charts.pnl_by_symbol_figure(rep, "en", "March 2025"),
    ):
        sub = fig.axes[0].get_title()
        assert "March 2025" in sub
        assert "USD" in sub


def test_small_amounts_on_the_symbol_axis_never_read_minus_zero() -> None:
    rep = compute_pnl(
        [deal(utc(2025, 3, 3, 10), "buy", "in", "USDJPY", commission=-0.35)],
        CAL.day(date(2025, 3, 3)),
        CAL,
        account=account(),
    )
    fig = charts.pnl_by_symbol_figure(rep, "en", "2025-03-03")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert "-0" not in labels
    assert len(set(labels)) == len(labels) >= 3
    assert "-0.35" in _texts(fig)


def test_symbols_beyond_the_top_are_one_others_bar_so_bars_add_up() -> None:
    symbols = [f"SYM{i:02d}" for i in range(16)]
    rep = _month(symbols, range(3, 27))
    fig = charts.pnl_by_symbol_figure(rep, "en", top=12)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert len(names) == 13
    assert names[0] == "4 others"
    bars = _by_gid(fig, "bars")
    assert len(bars) == 13
    assert sum(p.get_width() for p in bars) == pytest.approx(rep.realised)


def test_daily_bars_carry_signed_amounts_and_the_legend_states_the_colours() -> None:
    rep = _month(["EURUSD"], range(3, 8))
    fig = charts.daily_pnl_figure(rep, "en", "March 2025")
    texts = _texts(fig)
    for d, v in rep.daily:
        if v:  # a month of standing labels: whole units
            assert money(v, decimals=0, signed=True, plus_zero=False) in texts, (d, v)
    week = _month(["EURUSD"], range(3, 8), CAL.for_kind("weekly", date(2025, 3, 3)))
    week_texts = _texts(charts.daily_pnl_figure(week, "en"))
    assert len(week.daily) == 7
    for d, v in week.daily:
        if v:  # a week: cents
            assert money(v, decimals=2, signed=True, plus_zero=False) in week_texts, (d, v)
    assert "Profit (+)" in texts
    assert "Loss (-)" in texts
    colours = {p.get_facecolor()[:3] for p in _by_gid(fig, "bars")}
    assert colours == {to_rgb(charts.PROFIT), to_rgb(charts.LOSS)}


def test_month_of_daily_bars_is_ticked_weekly_to_the_end_without_next_month() -> None:
    rep = _month(["EURUSD"], range(3, 30))
    fig = charts.daily_pnl_figure(rep, "zh", "2025年3月")
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["03-01", "03-08", "03-15", "03-22", "03-29"]


def test_hedge_chart_writes_lots_and_floating_with_its_currency() -> None:
    summary = compute_hedge(
        [
            position(1, "XAUUSD", "buy", 0.02, 2900, 2890, -20.0),
            position(2, "XAUUSD", "sell", 0.03, 2910, 2890, 60.0),
            position(3, "EURUSD", "buy", 0.6, 1.10, 1.09, -600.0),
        ],
        [],
        account(),
    )
    fig = charts.hedge_figure(summary, "en", title_suffix="2025-03-03 10:00 (UTC+2)")
    lots = sorted(t.get_text() for t in _by_gid(fig, "lots"))
    assert lots == ["0.02", "0.03", "0.60"]
    floating = {t.get_text() for t in _by_gid(fig, "floating")}
    assert floating == {"+40.00", "-600.00"}
    assert "2025-03-03 10:00 (UTC+2) · USD" in fig.axes[0].get_title()
    assert "Floating USD" in _texts(fig)


def test_hedge_chart_says_when_symbols_are_left_out() -> None:
    positions = [
        position(i, f"SYM{i:02d}", "buy", 0.1 * (i + 1), 1.0, 1.0, float(i)) for i in range(12)
    ]
    fig = charts.hedge_figure(compute_hedge(positions, [], account()), "en", top=10)
    assert "top 10 of 12 symbols" in fig.axes[0].get_title()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tall_and_narrow_range_charts_are_valid_phone_width_pngs(lang: str) -> None:
    symbols = [f"SYM{i:02d}" for i in range(16)]
    rep = _month(symbols, range(1, 32))
    for data in (
        charts.balance_chart(_quiet_day(), UTC2, lang, "2025-03-03"),
        charts.pnl_by_symbol_chart(rep, lang, "2025-03"),
        charts.daily_pnl_chart(rep, lang, "2025-03"),
    ):
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        w, h = png_size(data)
        assert w == 1080
        assert 720 <= h <= 2000
