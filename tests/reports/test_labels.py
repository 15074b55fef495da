"""Report words in both languages: counts that agree with their number, a hedge line that
says trades and lots apart, the bot's own orders named as such, a running period's numbers
labelled "now" and a finished one's balance "at period end", and a chart legend that lists
only what is drawn."""

from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest
from matplotlib.lines import Line2D

from reports import charts
from reports.hedge import compute_hedge
from reports.labels import magic_name
from reports.periods import TradingCalendar
from reports.pnl import compute_pnl
from reports.render import hedge_markdown, hedge_text, pnl_markdown, pnl_text
from store.snapshots import Snapshot
from tests.fakes.report_fixtures import account, deal, position, utc

UTC2 = timezone(timedelta(hours=2))
CAL = TradingCalendar(UTC2)
OWN = 20260001


def _hedge():
    positions = [
        position(1, "XAUUSD", "buy", 0.02, 2900, 2890, -20.0, magic=OWN),
        position(2, "XAUUSD", "buy", 0.02, 2905, 2890, -30.0, magic=OWN),
        position(3, "XAUUSD", "buy", 0.03, 2910, 2890, -60.0, magic=OWN),
        position(4, "XAUUSD", "sell", 0.01, 2880, 2890.3, -10.3, magic=5),
    ]
    return compute_hedge(positions, [], account(), by_magic=True)


def test_english_hedge_line_counts_trades_and_totals_lots() -> None:
    text = hedge_text(_hedge(), "en", utc(2025, 3, 3, 10), "UTC+2")
    assert "buy 3 trades, 0.07 lots" in text
    assert "sell 1 trade, 0.01 lots" in text
    assert "3 × 0.07" not in text


def test_chinese_hedge_line_counts_trades_and_totals_lots() -> None:
    text = hedge_text(_hedge(), "zh", utc(2025, 3, 3, 10), "UTC+2")
    assert "多 3 笔 0.07 手" in text
    assert "空 1 笔 0.01 手" in text


@pytest.mark.parametrize(("lang", "own"), [("en", "tradechat"), ("zh", "本机器人")])
def test_the_bots_own_orders_are_named_as_such(lang: str, own: str) -> None:
    assert f"{own} +50.00" in pnl_text(_month(), "monthly", lang, own_magic=OWN)
    s = _hedge()
    text = hedge_text(s, lang, utc(2025, 3, 3, 10), by_magic=True, own_magic=OWN)
    assert f"└ {own}" in text
    assert "EA 20260001" not in text
    assert "EA 5" in text
    assert f"| XAUUSD | {own} |" in hedge_markdown(s, lang, utc(2025, 3, 3, 10), own_magic=OWN)
    assert magic_name(0, lang, OWN) in ("manual", "手动")
    assert magic_name(OWN, lang) == "EA 20260001"  # without the setting, nothing is assumed


def _month(now_day: int = 40):
    deals = [
        deal(utc(2025, 3, 3, 10), "sell", "out", "EURUSD", profit=50.0, position_id=1, magic=OWN),
        deal(utc(2025, 3, 4, 10), "sell", "out", "XAUUSD", profit=-20.0, position_id=2),
        deal(utc(2025, 3, 5, 10), "sell", "out", "XAUUSD", profit=30.0, position_id=3),
    ]
    open_now = [position(9, "XAUUSD", "buy", 0.1, 2900, 2890, -100.0)]
    now = utc(2025, 3, 1) + timedelta(days=now_day)
    return compute_pnl(
        deals,
        CAL.month(date(2025, 3, 1)),
        CAL,
        positions=open_now,
        account=account(10_060.0, equity=9_960.0, margin_level=900.0),
        now=now,
    )


@pytest.mark.parametrize(
    ("lang", "one", "two"), [("en", " (1 trade)", " (2 trades)"), ("zh", "（1 笔）", "（2 笔）")]
)
def test_bucket_counts_agree_with_their_number(lang: str, one: str, two: str) -> None:
    text = pnl_text(_month(), "monthly", lang, own_magic=OWN)
    assert f"EURUSD +50.00{one}" in text
    assert f"XAUUSD +10.00{two}" in text
    assert "(1 trades)" not in text


@pytest.mark.parametrize(
    ("lang", "end", "floating"),
    [("en", "Balance at period end 10,060.00", "Floating"), ("zh", "期末余额 10,060.00", "浮动")],
)
def test_a_finished_month_states_its_closing_balance_and_no_floating(
    lang: str, end: str, floating: str
) -> None:
    rep = _month(now_day=40)
    text = pnl_text(rep, "monthly", lang)
    assert end in text
    assert floating not in text
    assert "9,960.00" not in text  # today's equity
    assert floating not in pnl_markdown(rep, "monthly", lang)


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "en",
            [
                "Floating P&L now: -100.00 USD (1 open, 0.10 lots)",
                "Total (realised + floating now): -40.00 USD",
                "Now: balance 10,060.00 · equity 9,960.00 · margin level 900%",
            ],
        ),
        (
            "zh",
            [
                "当前浮动盈亏：-100.00 USD（1 笔持仓，0.10 手）",
                "合计（已实现 + 当前浮动）：-40.00 USD",
                "当前余额 10,060.00 · 净值 9,960.00 · 保证金比例 900%",
            ],
        ),
    ],
)
def test_a_running_month_labels_floating_and_account_now(lang: str, lines: list[str]) -> None:
    text = pnl_text(_month(now_day=10), "monthly", lang)
    for line in lines:
        assert line in text


def _drawn_labels(fig) -> tuple[list[str], list[str]]:
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    drawn = []
    for line in ax.get_lines():
        n = len(line.get_xdata())
        visible_line = line.get_linestyle() not in ("None", "none", "") and n > 1
        visible_marker = line.get_marker() not in ("None", "none", "", None) and n > 0
        if (visible_line or visible_marker) and not line.get_label().startswith("_"):
            drawn.append(line.get_label())
    return legend, drawn


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_daily_chart_legend_lists_only_what_is_drawn(lang: str) -> None:
    day = CAL.day(date(2025, 3, 3))
    close = deal(utc(2025, 3, 3, 9), "sell", "out", profit=-50.0, position_id=1)
    one_snapshot = [Snapshot(utc(2025, 3, 3, 10), 9_950.0, 9_900.0, None)]
    for snaps in ([], one_snapshot):
        rep = compute_pnl(
            [close], day, CAL, account=account(9_950.0), snapshots=snaps, now=utc(2025, 3, 5)
        )
        fig = charts.balance_figure(rep, UTC2, lang, "2025-03-03")
        legend, drawn = _drawn_labels(fig)
        assert legend == drawn
        equity = [x for x in fig.axes[0].get_lines() if x.get_gid() == "equity"]
        if snaps:  # one reading: a point, not a line of one point that draws nothing
            (line,) = equity
            assert isinstance(line, Line2D)
            assert line.get_marker() == "o"
        else:
            assert equity == []
