"""Charts: valid PNGs, phone-sized, and never a missing glyph (tofu) in Chinese."""

from __future__ import annotations

import warnings
from datetime import date, timedelta, timezone

import pytest

from reports import charts
from reports.hedge import compute_hedge
from reports.periods import TradingCalendar
from reports.pnl import compute_pnl
from tests.fakes.report_fixtures import account, deal, png_size, position, utc

UTC2 = timezone(timedelta(hours=2))


def _report():
    cal = TradingCalendar(UTC2)
    deals = [
        deal(utc(2025, 3, d, 10), "sell", "out", sym, 0.1, 1.0, profit=p, position_id=d)
        for d, sym, p in [(3, "EURUSD", 50.0), (4, "XAUUSD", -80.0), (6, "USDJPY", 20.0)]
    ]
    return compute_pnl(deals, cal.month(date(2025, 3, 1)), cal, account=account())


def _all_charts(lang: str) -> list[bytes]:
    rep = _report()
    hedge = compute_hedge(
        [
            position(1, "XAUUSD", "buy", 0.1, 2900, 2890, -100.0),
            position(2, "XAUUSD", "sell", 0.1, 2910, 2890.3, 197.0),
        ],
        [],
        account(),
    )
    return [
        charts.balance_chart(rep, UTC2, lang, "2025-03"),
        charts.daily_pnl_chart(rep, lang, "2025-03"),
        charts.pnl_by_symbol_chart(rep, lang, "2025-03"),
        charts.hedge_chart(hedge, lang),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_chart_renders_without_missing_glyphs(lang: str) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        pngs = _all_charts(lang)
    for data in pngs:
        w, h = png_size(data)
        assert w == 1080
        assert h >= 720


def test_without_a_chinese_font_chinese_charts_use_english_labels(monkeypatch) -> None:
    monkeypatch.setattr(charts, "cjk_font_family", lambda: None)
    assert charts.chart_lang("zh") == "en"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        pngs = _all_charts("zh")
    assert all(png_size(p)[0] == 1080 for p in pngs)


def test_empty_period_draws_a_no_data_chart() -> None:
    cal = TradingCalendar(UTC2)
    rep = compute_pnl([], cal.day(date(2025, 3, 3)), cal)
    w, _h = png_size(charts.pnl_by_symbol_chart(rep, "en"))
    assert w == 1080
