"""K-line charts: valid phone-width PNGs with candles, volume, indicator overlays and panels,
and labelled position/level lines in both languages — read from the drawn Figure's artists
(by gid) and texts, not from pixels."""

from __future__ import annotations

import itertools
from datetime import timedelta, timezone

import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from reports.charts import chart_lang
from reports.indicators import compute
from reports.kline import ChartLine, KlineSpec, KlineText, kline_chart, kline_figure
from reports.levels import volume_profile
from tests.fakes.report_fixtures import png_size
from tests.reports.test_indicators import walk

BARS = walk(100, start=2650.0)
LAST = BARS[-1].close
ZH = KlineText(
    "XAUUSD · H1", "03-02 – 03-06（北京时间）", "成交量", "成交量分布", "价值区", "没有数据"
)
EN = KlineText("XAUUSD · H1", "03-02 – 03-06 (UTC+8)", "Volume", "Volume profile", "Value area")
UTC8 = timezone(timedelta(hours=8))


def spec(**kw: object) -> KlineSpec:
    base: dict[str, object] = {"bars": BARS, "text": EN, "digits": 2, "zone": UTC8}
    base.update(kw)
    return KlineSpec(**base)  # type: ignore[arg-type]


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def by_gid(fig: Figure, gid: str) -> list:
    return fig.findobj(lambda a: a.get_gid() == gid)


def test_the_chart_is_a_phone_width_png() -> None:
    w, h = png_size(kline_chart(spec()))
    assert w == 1000
    assert 800 <= h <= 1100


def test_every_bar_is_a_candle_and_the_volume_has_its_own_panel() -> None:
    fig = kline_figure(spec())
    price_ax, vol_ax = fig.axes[0], fig.axes[1]
    bodies = [c for c in price_ax.collections if isinstance(c, PolyCollection)]
    assert max(len(c.get_paths()) for c in bodies) == len(BARS)
    (volume,) = by_gid(fig, "volume")
    assert volume.axes is vol_ax
    assert len(volume.get_paths()) == len(BARS)  # one volume bar per candle
    assert "Volume" in texts(fig)
    assert "XAUUSD · H1" in texts(fig)


def test_overlays_sit_on_the_price_panel_and_oscillators_get_panels_below() -> None:
    inds = [compute("MA", BARS, 20), compute("BOLL", BARS), compute("MACD", BARS),
            compute("RSI", BARS)]  # fmt: skip
    fig = kline_figure(spec(indicators=inds))
    assert len(fig.axes) == 4  # price, volume, MACD, RSI
    price_ax = fig.axes[0]
    assert by_gid(fig, "overlay:MA:ma")[0].axes is price_ax
    assert by_gid(fig, "overlay:BOLL:upper")[0].axes is price_ax
    assert by_gid(fig, "panel:MACD:macd")[0].axes is fig.axes[2]
    assert by_gid(fig, "panel:RSI:rsi")[0].axes is fig.axes[3]
    assert fig.axes[3].get_ylim() == (0, 100)
    legend = [t.get_text() for t in price_ax.get_legend().get_texts()]
    assert legend == [f"MA(20) {inds[0].last('ma'):,.2f}", "BOLL(20,2)"]
    assert any(t.startswith("MACD(12,26,9)") for t in texts(fig))
    # the whole band is on the scale
    lo, hi = price_ax.get_ylim()
    upper = [v for v in inds[1].lines["upper"] if v == v]
    assert lo <= min(inds[1].lines["lower"][-1], *upper)
    assert max(upper) <= hi


def test_positions_and_orders_are_labelled_lines_at_their_prices() -> None:
    lines = [
        ChartLine(LAST - 10, f"多 0.10 @{LAST - 10:.2f}", "buy"),
        ChartLine(LAST - 20, "SL", "sl"),
        ChartLine(LAST + 12, "TP", "tp"),
        ChartLine(LAST + 5, f"挂单 卖 0.05 @{LAST + 5:.2f}", "order"),
    ]
    fig = kline_figure(spec(text=ZH, lang="zh", lines=lines))
    for ln in lines:
        (drawn,) = by_gid(fig, f"line:{ln.kind}")
        assert drawn.get_ydata()[0] == pytest.approx(ln.price)
        (label,) = by_gid(fig, f"label:{ln.kind}")
        assert label.get_text() == ln.label
    assert "成交量" in texts(fig)


def test_labels_of_nearby_lines_never_cover_each_other() -> None:
    lines = [ChartLine(LAST + i * 0.01, f"L{i}", "order") for i in range(5)]
    fig = kline_figure(spec(lines=lines))
    ys = sorted(t.get_position()[1] for t in by_gid(fig, "label:order"))
    assert all(b - a >= 0.05 for a, b in itertools.pairwise(ys))


def test_a_line_far_off_the_candles_is_an_edge_label_with_its_price() -> None:
    far = LAST - 500
    fig = kline_figure(spec(lines=[ChartLine(far, "SL", "sl")]))
    assert by_gid(fig, "line:sl") == []  # the candles keep their scale
    (label,) = by_gid(fig, "label:sl")
    assert label.get_text() == f"↓ SL {far:,.2f}"


def test_the_volume_profile_is_drawn_along_the_price_axis_with_its_value_area() -> None:
    prof = volume_profile(BARS, bins=30)
    assert prof is not None
    fig = kline_figure(spec(profile=prof, lines=[ChartLine(prof.poc, "POC", "poc")]))
    assert len(by_gid(fig, "profile")) == 30  # one bar per price slice
    assert by_gid(fig, "value_area")
    assert "Value area" in texts(fig)


@pytest.mark.parametrize(("text", "lang"), [(ZH, "zh"), (EN, "en")])
def test_both_languages_render(text: KlineText, lang: str) -> None:
    fig = kline_figure(spec(text=text, lang=lang))
    assert text.volume in texts(fig)
    if lang == "zh" and chart_lang("zh") == "zh":  # a CJK font is installed: it is used
        assert any(
            "Noto" in f or "CJK" in f or "Hei" in f
            for f in fig.axes[1].yaxis.label.get_fontfamily()
        )
    assert png_size(kline_chart(spec(text=text, lang=lang)))[0] == 1000


def test_no_bars_says_so_instead_of_failing() -> None:
    fig = kline_figure(spec(bars=[], text=ZH, lang="zh"))
    assert "没有数据" in texts(fig)
