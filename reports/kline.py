"""K-line (candlestick) charts as PNG bytes, for a phone: candles with volume, indicator
overlays (MA/EMA/BOLL) and panels (RSI/MACD/KDJ/ATR), and horizontal lines with a label at
the right edge — the user's own positions and pending orders (entry, SL, TP), key levels — and
the volume profile as a histogram along the price axis.

Drawn by mplfinance in its external-axes mode on our own `Figure` with the Agg canvas (the
`reports/charts.py` conventions: no pyplot figure, the process-wide rc lock, the CJK font,
profit green / loss red — here: rising candles green, falling red, in both languages).
Every word on the chart comes in with `KlineText` (handlers/ words it); this module draws.

matplotlib, mplfinance, numpy and pandas are imported inside the functions: start-up never
pays for them. Blocking: call `kline_chart` off the event loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, Literal

from broker.models import Bar
from reports.indicators import OVERLAYS, IndicatorResult
from reports.levels import VolumeProfile

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH_IN, DPI = 10.0, 100  # 1000 px wide
PRICE_IN, VOLUME_IN, PANEL_IN, HEAD_IN = 6.2, 1.5, 2.3, 1.1
MAX_PANELS = 3
LineKind = Literal["buy", "sell", "sl", "tp", "order", "support", "resistance", "poc", "bid", "ask"]
LINE_STYLES: dict[str, tuple[str, Any, float]] = {  # colour, dash, width
    "buy": ("#1a9850", "-", 2.2),
    "sell": ("#d73027", "-", 2.2),
    "order": ("#2166ac", "-.", 1.8),
    "sl": ("#d73027", "--", 1.8),
    "tp": ("#1a9850", "--", 1.8),
    "support": ("#1a9850", ":", 2.0),
    "resistance": ("#d73027", ":", 2.0),
    "poc": ("#e67e00", "-", 2.0),
    "bid": ("#1a9850", (0, (1, 3)), 3.0),  # the order book's largest bid and ask
    "ask": ("#d73027", (0, (1, 3)), 3.0),
}
# line colours of the indicators, in drawing order
_PALETTE = ("#2166ac", "#e67e00", "#7b3294", "#008080", "#8c510a")
_MIN_LABEL_GAP = 0.055  # of the price axis' height: labels closer than this are pushed apart
_REACH = 0.35  # a line up to this share of the bars' range outside it widens the axis


@dataclass(frozen=True, slots=True)
class ChartLine:
    price: float
    label: str  # "多 0.10 @2650.50", "SL", "TP 2700.00", "支撑 2631.2"
    kind: LineKind


@dataclass(frozen=True, slots=True)
class KlineText:
    """The words of one chart, in the user's language (the caller words them)."""

    title: str  # "XAUUSD · H1"
    subtitle: str  # the time span and zone
    volume: str  # "成交量" / "Volume"
    profile: str = ""  # "成交量分布" / "Volume profile"
    value_area: str = ""  # "价值区" / "Value area"
    no_data: str = ""


@dataclass(frozen=True, slots=True)
class KlineSpec:
    """What one chart shows: the bars (oldest first) and what is drawn on them."""

    bars: Sequence[Bar]
    text: KlineText
    lang: str = "en"
    digits: int = 2
    zone: tzinfo | None = None  # bar times are shown in this zone (UTC when None)
    indicators: Sequence[IndicatorResult] = ()
    lines: Sequence[ChartLine] = ()
    profile: VolumeProfile | None = None


def kline_chart(spec: KlineSpec) -> bytes:
    """The chart as PNG bytes. The report charts' lock, rc and PNG writer are shared: rc
    contexts are process-wide, so every chart in the process draws under the one lock."""
    from matplotlib import rc_context

    from reports.charts import _LOCK, _png, _rc, chart_lang

    lang = chart_lang(spec.lang)
    with _LOCK, rc_context(_rc(lang) | _RC):
        return _png(_figure(spec))


def kline_figure(spec: KlineSpec) -> Figure:
    """The drawn `Figure` (for tests that read its artists and labels)."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from reports.charts import _LOCK, _rc, chart_lang

    lang = chart_lang(spec.lang)
    with _LOCK, rc_context(_rc(lang) | _RC):
        fig = _figure(spec)
        FigureCanvasAgg(fig)
        fig.canvas.draw()
        return fig


# on top of the report charts' rc: a boxed plot (candles need their frame), price ticks a
# little smaller (they carry the symbol's digits)
_RC = {
    "axes.spines.top": True,
    "axes.spines.right": True,
    "font.size": 20,
    "xtick.labelsize": 19,
    "ytick.labelsize": 19,
}


def _figure(spec: KlineSpec) -> Figure:
    from matplotlib.figure import Figure

    panels = [r for r in spec.indicators if r.name not in OVERLAYS][:MAX_PANELS]
    heights = [PRICE_IN, VOLUME_IN] + [PANEL_IN] * len(panels)
    fig = Figure(figsize=(WIDTH_IN, sum(heights) + HEAD_IN), dpi=DPI, layout="constrained")
    fig.suptitle(spec.text.title, fontsize=30)
    axes = fig.subplots(len(heights), 1, sharex=True, height_ratios=heights)
    price_ax, vol_ax = axes[0], axes[1]
    price_ax.set_title(spec.text.subtitle, color="#444444", fontsize=19, pad=10)
    if len(spec.bars) == 0:
        price_ax.text(0.5, 0.5, spec.text.no_data, ha="center", va="center",
                      transform=price_ax.transAxes)  # fmt: skip
        return fig
    _candles(spec, price_ax, vol_ax)
    overlays = [r for r in spec.indicators if r.name in OVERLAYS]
    _overlays(price_ax, overlays, spec.digits)
    if spec.profile is not None:
        _profile(price_ax, spec.profile, spec.text)
    _lines(price_ax, spec)
    for ax, result in zip(axes[2:], panels, strict=True):
        _panel(ax, result)
    _time_axis(axes[-1], spec)
    vol_ax.set_ylabel(spec.text.volume, fontsize=17)
    return fig


def _frame(spec: KlineSpec) -> Any:
    import pandas as pd

    zone = spec.zone
    index = pd.DatetimeIndex(
        [(b.time.astimezone(zone) if zone else b.time).replace(tzinfo=None) for b in spec.bars]
    )
    return pd.DataFrame(
        {
            "Open": [b.open for b in spec.bars],
            "High": [b.high for b in spec.bars],
            "Low": [b.low for b in spec.bars],
            "Close": [b.close for b in spec.bars],
            "Volume": [float(b.tick_volume) for b in spec.bars],
        },
        index=index,
    )


def _candles(spec: KlineSpec, price_ax: Axes, vol_ax: Axes) -> None:
    import mplfinance as mpf

    from reports.charts import LOSS, PROFIT

    colours = mpf.make_marketcolors(
        up=PROFIT, down=LOSS, edge="inherit", wick="inherit", volume="inherit"
    )
    style = mpf.make_mpf_style(
        marketcolors=colours, gridstyle=":", gridcolor="#cccccc", y_on_right=True
    )
    mpf.plot(
        _frame(spec),
        type="candle",
        ax=price_ax,
        style=style,
        show_nontrading=False,
        warn_too_much_data=len(spec.bars) + 1,  # 1,000 bars are what we asked for
        xrotation=0,
    )
    price_ax.yaxis.tick_right()
    price_ax.yaxis.set_label_position("right")
    price_ax.set_ylabel("")
    _volume(vol_ax, spec.bars)
    vol_ax.yaxis.tick_right()
    vol_ax.yaxis.set_major_locator(_few(3))
    vol_ax.yaxis.set_major_formatter(_compact())
    lo = min(b.low for b in spec.bars)
    hi = max(b.high for b in spec.bars)
    pad = (hi - lo) * 0.06 or abs(hi) * 0.001 or 1.0
    price_ax.set_ylim(lo - pad, hi + pad)
    price_ax.set_xlim(-1, len(spec.bars) + _right_room(spec))
    price_ax.yaxis.set_major_locator(_few(6))
    price_ax.yaxis.set_major_formatter(_price_formatter(spec.digits))


def _columns(ax: Axes, heights: Sequence[float], colours: Sequence[str], gid: str,
             alpha: float = 1.0) -> None:  # fmt: skip
    """Bars from zero, one per candle, as one collection. (`Axes.bar` — and mplfinance's
    volume — make one Rectangle patch per bar: 1,000 of them cost seconds to add and draw,
    one collection milliseconds.)"""
    from matplotlib.collections import PolyCollection

    half = 0.4
    verts = [[(i - half, 0.0), (i - half, h), (i + half, h), (i + half, 0.0)]
             for i, h in enumerate(heights)]  # fmt: skip
    ax.add_collection(PolyCollection(verts, facecolors=colours, edgecolors=colours,
                                     linewidths=0.3, alpha=alpha, gid=gid))  # fmt: skip
    ax.autoscale_view()


def _volume(ax: Axes, bars: Sequence[Bar]) -> None:
    """Tick volume in the candles' colours."""
    from reports.charts import LOSS, PROFIT

    colours = [PROFIT if b.close >= b.open else LOSS for b in bars]
    _columns(ax, [float(b.tick_volume) for b in bars], colours, "volume")
    top = max((b.tick_volume for b in bars), default=0)
    ax.set_ylim(0, top * 1.1 if top > 0 else 1)
    ax.grid(True, axis="y", ls=":", color="#cccccc")


def _right_room(spec: KlineSpec) -> float:
    """Empty bars' worth of room right of the last candle, for the line labels."""
    return max(4.0, len(spec.bars) * 0.16) if spec.lines else 1.0


def _few(n: int) -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=n, min_n_ticks=2)


def _price_formatter(digits: int) -> Any:
    """Thousands separators and the fewest decimals (up to the symbol's) that tell the
    visible ticks apart: "2,640" rather than "2,640.00", "1.0850" for EURUSD."""
    from matplotlib.ticker import Formatter

    from reports.charts import tick_decimals

    class PriceFormatter(Formatter):
        decimals = 0

        def set_locs(self, locs: list[float]) -> None:
            super().set_locs(locs)
            self.decimals = tick_decimals(list(locs), max(0, digits))

        def __call__(self, x: float, pos: int | None = None) -> str:
            return f"{x:,.{self.decimals}f}"

    return PriceFormatter()


def _compact() -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: int | None) -> str:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(v) >= size:
                return f"{v / size:g}{suffix}"
        return f"{v:g}"

    return FuncFormatter(fmt)


def _overlays(ax: Axes, results: Sequence[IndicatorResult], digits: int) -> None:
    """MA/EMA lines and the Bollinger bands over the candles (the bands in one colour, their
    middle thin and dashed so an MA of the same length still shows), the price axis widened
    to hold them, a legend with each line's last value."""
    colours = iter(_PALETTE)
    handles = []
    lo, hi = ax.get_ylim()
    for r in results:
        colour = next(colours)
        for name, values in r.lines.items():
            middle = r.name == "BOLL" and name == "middle"
            (h,) = ax.plot(range(len(values)), values, color=colour, lw=1.2 if middle else 2.2,
                           ls="--" if middle else "-", gid=f"overlay:{r.name}:{name}")  # fmt: skip
            finite = [v for v in values if not math.isnan(v)]
            if finite:
                lo, hi = min(lo, min(finite)), max(hi, max(finite))
            if name in ("ma", "ema", "upper"):
                last = r.last(name)
                h.set_label(r.label if r.name == "BOLL" else f"{r.label} {last:,.{digits}f}")
                handles.append(h)
    ax.set_ylim(lo, hi)
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=16, frameon=True, framealpha=0.8)


def _profile(ax: Axes, prof: VolumeProfile, text: KlineText) -> None:
    """The volume profile as horizontal bars from the left edge (at most a fifth of the
    width), the value area shaded, the POC drawn by `_lines` when the caller asks for it."""
    twin = ax.twiny()
    top = max(b.volume for b in prof.bins) or 1.0
    twin.barh([b.mid for b in prof.bins], [b.volume for b in prof.bins],
              height=(prof.bins[0].high - prof.bins[0].low) * 0.9, color="#9e9ac8",
              alpha=0.35, gid="profile")  # fmt: skip
    twin.set_xlim(0, top * 5)
    twin.set_xticks([])  # twiny shares the price axis: later limits apply to both
    ax.axhspan(prof.value_low, prof.value_high, color="#e67e00", alpha=0.07, gid="value_area")
    if text.value_area:  # beside the histogram, not on it
        ax.text(0.22, prof.value_high, text.value_area, transform=ax.get_yaxis_transform(),
                va="bottom", fontsize=15, color="#b35806",
                bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})  # fmt: skip


def _lines(ax: Axes, spec: KlineSpec) -> None:
    lo, hi = ax.get_ylim()
    span = hi - lo
    inside = [ln for ln in spec.lines if lo - span * _REACH <= ln.price <= hi + span * _REACH]
    if inside:
        lo = min([lo] + [ln.price - span * 0.03 for ln in inside])
        hi = max([hi] + [ln.price + span * 0.03 for ln in inside])
        ax.set_ylim(lo, hi)
    placed: list[tuple[float, ChartLine, bool]] = []
    for ln in spec.lines:
        colour, dash, width = LINE_STYLES[ln.kind]
        visible = lo <= ln.price <= hi
        if visible:
            ax.axhline(ln.price, color=colour, ls=dash, lw=width, gid=f"line:{ln.kind}")
        y = (min(max(ln.price, lo), hi) - lo) / (hi - lo)
        placed.append((y, ln, visible))
    _labels(ax, placed, spec.digits)


def _labels(ax: Axes, placed: list[tuple[float, ChartLine, bool]], digits: int) -> None:
    """Each line's label at the right edge, inside the plot, pushed apart so none covers
    another; a line off the scale gets its label at the edge with an arrow and its price."""
    order = sorted(placed, key=lambda p: p[0])
    ys = [min(max(p[0], 0.03), 0.97) for p in order]
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + _MIN_LABEL_GAP)
    if ys and ys[-1] > 0.97:  # pushed off the top: shift the stack down
        shift = ys[-1] - 0.97
        ys = [max(0.03, y - shift) for y in ys]
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - _MIN_LABEL_GAP)
    for y, (_, ln, visible) in zip(ys, order, strict=True):
        colour, _, _ = LINE_STYLES[ln.kind]
        text = ln.label
        if not visible:
            arrow = "↑" if ln.price > ax.get_ylim()[1] else "↓"
            text = f"{arrow} {ln.label} {ln.price:,.{digits}f}"
        ax.text(0.995, y, text, transform=ax.transAxes, ha="right", va="center", fontsize=16,
                color="white", gid=f"label:{ln.kind}",
                bbox={"boxstyle": "round,pad=0.25", "fc": colour, "ec": "none", "alpha": 0.9},
                )  # fmt: skip


def _panel(ax: Axes, r: IndicatorResult) -> None:
    x = range(len(next(iter(r.lines.values()))))
    colours = iter(_PALETTE)
    if r.name == "MACD":
        hist = r.lines["hist"]
        from reports.charts import LOSS, PROFIT

        heights = [0.0 if math.isnan(h) else h for h in hist]
        _columns(ax, heights, [PROFIT if h >= 0 else LOSS for h in heights], "macd:hist", 0.6)
        ax.axhline(0, color="#999999", lw=1)
        names: tuple[str, ...] = ("macd", "signal")
    else:
        names = tuple(r.lines)
    handles = [
        ax.plot(x, r.lines[name], color=next(colours), lw=2.0, gid=f"panel:{r.name}:{name}",
                label=f"{name.upper()} {_short(r.last(name))}")[0]
        for name in names
    ]  # fmt: skip
    bands = {"RSI": (70, 30), "KDJ": (80, 20)}.get(r.name, ())
    for level in bands:
        ax.axhline(level, color="#999999", ls="--", lw=1.2)
    # the name top left; several lines get a legend in their colours, one line its value
    head = r.label if len(names) > 1 else f"{r.label}  {_short(r.last(names[0]))}"
    ax.text(0.01, 0.95, head, transform=ax.transAxes, va="top", fontsize=16,
            bbox={"fc": "white", "ec": "none", "alpha": 0.8})  # fmt: skip
    if len(names) > 1:
        ax.legend(handles=handles, loc="upper right", ncols=len(handles), fontsize=15,
                  frameon=True, framealpha=0.8, handlelength=1.2, columnspacing=1.0)  # fmt: skip
    ax.yaxis.tick_right()
    ax.grid(True, ls=":", color="#cccccc")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + (hi - lo) * 0.3)  # headroom: the name and legend sit above the lines
    if r.name == "RSI":  # the whole 0–100 scale, ticks at the zones' edges
        ax.set_ylim(0, 100)
        ax.set_yticks([30, 50, 70])
    elif bands:
        ax.set_yticks(list(bands))
    else:
        ax.yaxis.set_major_locator(_few(3))


def _short(v: float) -> str:
    if math.isnan(v):
        return "–"
    return f"{v:.2f}" if abs(v) < 1000 else f"{v:,.0f}"


def _time_axis(ax: Axes, spec: KlineSpec) -> None:
    """A few ticks on the bottom panel: times within a day, dates across days."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    times = [(b.time.astimezone(spec.zone) if spec.zone else b.time) for b in spec.bars]
    spans_days = times[-1].date() != times[0].date()
    short = len({t.date() for t in times}) == len(times)  # daily or longer bars

    def fmt(v: float, _pos: int | None) -> str:
        i = round(v)
        if not 0 <= i < len(times):
            return ""
        t = times[i]
        if short:
            return f"{t:%Y-%m-%d}" if t.year != times[-1].year else f"{t:%m-%d}"
        return f"{t:%m-%d}\n{t:%H:%M}" if spans_days else f"{t:%H:%M}"

    ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    for other in ax.figure.axes:
        other.tick_params(axis="x", labelrotation=0)
