"""Charts as PNG bytes, sized to read on a phone (1080 px wide, large type).

Only `matplotlib.figure.Figure` with the Agg canvas (never pyplot, which keeps global state and
wants a GUI). The functions are blocking: call them through `asyncio.to_thread`.

Conventions every chart follows:
- a two-line heading: what the chart shows, then the period (or time) and the currency;
- money ticks carry thousands separators and as many decimals as it takes for neighbouring
  ticks to differ (never "10,574" five times over, never "-0"), and no offset text;
- profit is green and loss is red in both languages, every amount carries its sign, and the
  legend says so (red-for-up, as on Chinese stock screens, would flip the meaning of a chart
  forwarded from a Chinese chat to an English one).

Chinese labels need a CJK font. We look for one among the system fonts and the
`pylopdf-fonts-zh-cn` package (Noto Sans SC); without one, Chinese reports get English chart
labels rather than boxes of tofu.

Each `*_chart` function has a `*_figure` twin returning the drawn `Figure`, so that tests can
read tick labels and find artists (by gid) instead of comparing pixels.
"""

from __future__ import annotations

import io
import logging
import math
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from matplotlib import dates as mdates
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, MaxNLocator

from reports.hedge import HedgeSummary
from reports.labels import label
from reports.numbers import money
from reports.pnl import Bucket, PnLReport

log = logging.getLogger(__name__)

WIDTH_IN, HEIGHT_IN, DPI = 10.8, 7.2, 100  # 1080 × 720 px
GREEN, RED, BLUE, ORANGE, GREY = "#1a9850", "#d73027", "#2166ac", "#e67e00", "#777777"
PROFIT, LOSS = GREEN, RED
# a balance range narrower than this share of the balance is widened to it, so that a day
# with a few cents of commission does not look like a crash
MIN_RELATIVE_RANGE = 0.01
VALUE_LABELS_MAX_BARS = 31  # daily bars get their amount written on them up to a month
_LOCK = threading.Lock()  # rc_context is process-global

_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Droid Sans Fallback",
)
# tick formats by the locator's unit (years, months, days, hours, minutes, seconds): numeric
# in both languages ("11-08" reads the same to everyone, "Nov" does not belong on a zh chart)
_DATE_FORMATS = ["%Y", "%Y-%m", "%m-%d", "%H:%M", "%H:%M", "%H:%M:%S"]
_DATE_ZERO_FORMATS = ["%Y", "%Y-%m", "%m-%d", "%m-%d", "%H:%M", "%H:%M"]
_NO_OFFSET = ["", "", "", "", "", ""]  # the heading already names the period


@lru_cache(maxsize=1)
def cjk_font_family() -> str | None:
    """Name of a font family with Chinese glyphs, registered with matplotlib; None if none."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for fam in _CJK_FAMILIES:
        if fam in installed:
            return fam
    try:
        import pylopdf_fonts_zh_cn

        path = pylopdf_fonts_zh_cn.sans_path()
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            return str(font_manager.FontProperties(fname=str(path)).get_name())
    except Exception as exc:  # the font package is optional: fall back to English labels
        log.info("no CJK font for charts (%s): Chinese reports get English chart labels", exc)
    return None


def chart_lang(lang: str) -> str:
    """The language chart labels can be drawn in."""
    return "zh" if lang == "zh" and cjk_font_family() else "en"


def _t(key: str, lang: str) -> str:
    """A chart word from `reports/labels.py` (entries "chart_<key>")."""
    return label(lang, f"chart_{key}")


def _rc(lang: str) -> dict[Any, Any]:
    fam = cjk_font_family()
    families = ["DejaVu Sans", fam] if fam and lang == "zh" else ["DejaVu Sans"]
    return {
        "font.family": families,
        "font.size": 22,
        "axes.titlesize": 22,
        "figure.titlesize": 28,
        "axes.labelsize": 22,
        "xtick.labelsize": 22,
        "ytick.labelsize": 22,
        "legend.fontsize": 20,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.formatter.useoffset": False,
        "figure.constrained_layout.h_pad": 0.08,
        "figure.constrained_layout.w_pad": 0.08,
    }


# -- number formatting -------------------------------------------------------------------------
def tick_decimals(values: Sequence[float], max_decimals: int = 4) -> int:
    """Fewest decimals (0..max_decimals) showing every value exactly and each one differently."""
    finite = sorted({round(v, 9) for v in values if math.isfinite(v)})
    for d in range(max_decimals + 1):
        exact = all(abs(v - round(v, d)) <= 1e-9 * max(1.0, abs(v)) for v in finite)
        if exact and len({f"{v:.{d}f}" for v in finite}) == len(finite):
            return d
    return max_decimals


def amount_decimals(values: Sequence[float]) -> int:
    """Decimals for amounts written on bars: cents unless every amount is at least 100."""
    nonzero = [abs(v) for v in values if v]
    return 0 if nonzero and min(nonzero) >= 100 else 2


class MoneyFormatter(Formatter):
    """Axis labels with thousands separators and the decimals the visible ticks need.

    `absolute` writes |v| (the lots axis of the hedge chart grows both ways from zero)."""

    def __init__(self, absolute: bool = False) -> None:
        self.absolute = absolute
        self.decimals = 0

    def set_locs(self, locs: list[float]) -> None:
        super().set_locs(locs)
        lo, hi = self.axis.get_view_interval() if self.axis is not None else (-math.inf, math.inf)
        lo, hi = min(lo, hi), max(lo, hi)
        visible = [v for v in locs if lo - 1e-9 * abs(lo) <= v <= hi + 1e-9 * abs(hi)]
        self.decimals = tick_decimals(visible or list(locs))

    def __call__(self, x: float, pos: int | None = None) -> str:
        return money(abs(x) if self.absolute else x, decimals=self.decimals)


# -- plumbing ----------------------------------------------------------------------------------
def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _render(build: Callable[[str], Figure], lang: str) -> bytes:
    lang = chart_lang(lang)
    with _LOCK, rc_context(_rc(lang)):
        return _png(build(lang))


def _drawn(build: Callable[[str], Figure], lang: str) -> Figure:
    lang = chart_lang(lang)
    with _LOCK, rc_context(_rc(lang)):
        fig = build(lang)
        FigureCanvasAgg(fig)
        fig.canvas.draw()
        return fig


def _heading(fig: Figure, ax: Axes, title: str, *details: str) -> None:
    fig.suptitle(title)
    sub = " · ".join(d for d in details if d)
    if sub:
        ax.set_title(sub, color="#444444", pad=12)


def _empty(ax: Axes, lang: str) -> None:
    ax.text(
        0.5, 0.5, _t("none", lang), ha="center", va="center", color=GREY, transform=ax.transAxes
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _sign_legend(fig: Figure, lang: str) -> None:
    """Which colour is which, under the x axis: never on top of a bar or its label."""
    handles = [
        Patch(color=PROFIT, label=f"{_t('profit', lang)} (+)"),
        Patch(color=LOSS, label=f"{_t('loss', lang)} (-)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)


def _date_axis(ax: Axes, zone: tzinfo | None, maxticks: int) -> None:
    loc = mdates.AutoDateLocator(tz=zone, minticks=3, maxticks=maxticks)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(
            loc,
            tz=zone,
            formats=_DATE_FORMATS,
            zero_formats=_DATE_ZERO_FORMATS,
            offset_formats=_NO_OFFSET,
        )
    )


def _widen(ax: Axes, lo: float, hi: float) -> None:
    """At least MIN_RELATIVE_RANGE of the level (and 1 unit) tall, centred on the data."""
    mid = (lo + hi) / 2
    need = max(abs(mid) * MIN_RELATIVE_RANGE, 1.0)
    if hi - lo < need:
        ax.set_ylim(mid - need / 2, mid + need / 2)
    else:
        pad = (hi - lo) * 0.08
        ax.set_ylim(lo - pad, hi + pad)


# -- balance and equity ------------------------------------------------------------------------
def _balance_fig(
    rep: PnLReport, zone: tzinfo, lang: str, title_suffix: str, as_of: datetime | None
) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
    ax = fig.add_subplot()
    _heading(fig, ax, _t("bal_title", lang), title_suffix, rep.currency)
    curve = rep.balance_curve
    ys_all: list[float] = []
    if len(curve) > 1:
        xs: Any = [t for t, _ in curve]
        ys = [v for _, v in curve]
        ys_all += ys
        label = f"{_t('balance', lang)} {money(ys[-1])}"
        if rep.period.kind == "day":  # one point per deal: the balance after it
            ax.step(xs, ys, where="post", color=BLUE, linewidth=3, label=label)
        else:  # one point per trading day: the balance at its close
            ax.plot(xs, ys, color=BLUE, linewidth=3, marker="o", markersize=7, label=label)
    if rep.equity_curve:
        xs2: Any = [t for t, _ in rep.equity_curve]
        ys2 = [v for _, v in rep.equity_curve]
        ys_all += ys2
        # a line needs two points: fewer are drawn as markers, so that the legend's entry is
        # something on the chart
        ax.plot(
            xs2,
            ys2,
            color=ORANGE,
            linewidth=2.5,
            linestyle="-" if len(xs2) > 1 else "none",
            marker="o" if len(xs2) < 2 else "None",
            markersize=11,
            label=_t("equity", lang),
            gid="equity",
        )
    # the equity read with the report belongs on the chart only while the period is running
    now = as_of if as_of is not None else rep.as_of
    running = rep.running and now is not None and rep.period.start <= now < rep.period.end
    if rep.equity is not None and running and ys_all:
        ys_all.append(rep.equity)
        at: Any = [now]
        ax.plot(
            at,
            [rep.equity],
            linestyle="none",
            marker="D",
            markersize=13,
            color=ORANGE,
            markeredgecolor="black",
            label=f"{_t('equity_now', lang)} {money(rep.equity)}",
            gid="equity-now",
        )
    if not ys_all:
        _empty(ax, lang)
        return fig
    if not rep.equity_curve:
        ax.text(
            0.02,
            0.03,
            _t("no_snaps", lang),
            transform=ax.transAxes,
            ha="left",
            va="bottom",
            color=GREY,
            fontsize=20,
            gid="no-snapshots",
        )
    _widen(ax, min(ys_all), max(ys_all))
    _date_axis(ax, zone, maxticks=6)
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_formatter(MoneyFormatter())
    ax.legend(loc="best")
    ax.grid(True, alpha=0.3)
    return fig


def balance_figure(
    rep: PnLReport, zone: tzinfo, lang: str, title_suffix: str = "", as_of: datetime | None = None
) -> Figure:
    """The drawn balance chart (for inspection); see `balance_chart`."""
    return _drawn(lambda lg: _balance_fig(rep, zone, lg, title_suffix, as_of), lang)


def balance_chart(
    rep: PnLReport, zone: tzinfo, lang: str, title_suffix: str = "", as_of: datetime | None = None
) -> bytes:
    """Balance (steps) and equity (from snapshots) over the period.

    `as_of` is when `rep.equity` was read (default: the end of the balance curve, which the
    report service stops at "now" for a running period). While the period runs, the current
    equity is drawn as a marked point; without snapshots a note says there is no equity line."""
    return _render(lambda lg: _balance_fig(rep, zone, lg, title_suffix, as_of), lang)


# -- realised P&L by symbol --------------------------------------------------------------------
def _symbol_items(rep: PnLReport, lang: str, top: int) -> list[tuple[str, float]]:
    ranked = sorted(rep.by_symbol.items(), key=lambda kv: abs(kv[1].net), reverse=True)
    items = [(k, b.net) for k, b in ranked[:top]]
    rest: list[Bucket] = [b for _, b in ranked[top:]]
    items.sort(key=lambda kv: kv[1])
    if rest:  # the bars still add up to the period's total
        items.insert(0, (_t("others", lang).format(n=len(rest)), sum(b.net for b in rest)))
    return items


def _by_symbol_fig(rep: PnLReport, lang: str, title_suffix: str, top: int) -> Figure:
    items = _symbol_items(rep, lang, top)
    fig = Figure(figsize=(WIDTH_IN, max(HEIGHT_IN, 2.4 + 0.75 * len(items))), layout="constrained")
    ax = fig.add_subplot()
    total = sum(v for _, v in items)
    dec = amount_decimals([v for _, v in items])
    _heading(
        fig,
        ax,
        _t("by_symbol", lang),
        title_suffix,
        rep.currency,
        f"{_t('total', lang)} {money(total, signed=True, plus_zero=False)}" if items else "",
    )
    if not items:
        _empty(ax, lang)
        return fig
    names = [k for k, _ in items]
    vals = [v for _, v in items]
    bars = ax.barh(
        names, vals, height=0.65, color=[PROFIT if v >= 0 else LOSS for v in vals], gid="bars"
    )
    ax.bar_label(
        bars,
        labels=[money(v, decimals=dec, signed=True, plus_zero=False) for v in vals],
        padding=8,
        fontsize=22,
    )
    ax.axvline(0, color=GREY, linewidth=1)
    lo, hi = min([*vals, 0.0]), max([*vals, 0.0])
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - span * 0.35 if lo < 0 else 0, hi + span * 0.35 if hi > 0 else span * 0.05)
    if len(items) < 4:  # a lone bar is not a wall of colour
        gap = (4 - len(items)) / 2
        ax.set_ylim(-0.5 - gap, len(items) - 0.5 + gap)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(MoneyFormatter())
    ax.grid(True, axis="x", alpha=0.3)
    _sign_legend(fig, lang)
    return fig


def pnl_by_symbol_figure(
    rep: PnLReport, lang: str, title_suffix: str = "", top: int = 12
) -> Figure:
    """The drawn by-symbol chart (for inspection); see `pnl_by_symbol_chart`."""
    return _drawn(lambda lg: _by_symbol_fig(rep, lg, title_suffix, top), lang)


def pnl_by_symbol_chart(rep: PnLReport, lang: str, title_suffix: str = "", top: int = 12) -> bytes:
    """Net realised P&L per symbol, the `top` largest by size; the rest as one "others" bar."""
    return _render(lambda lg: _by_symbol_fig(rep, lg, title_suffix, top), lang)


# -- daily realised P&L ------------------------------------------------------------------------
def _daily_fig(rep: PnLReport, lang: str, title_suffix: str) -> Figure:
    days: Sequence[tuple[date, float]] = rep.daily
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
    ax = fig.add_subplot()
    total = sum(v for _, v in days)
    has = bool(days) and any(v for _, v in days)
    _heading(
        fig,
        ax,
        _t("daily", lang),
        title_suffix,
        rep.currency,
        f"{_t('total', lang)} {money(total, signed=True, plus_zero=False)}" if has else "",
    )
    if not has:
        _empty(ax, lang)
        return fig
    xs: Any = [datetime(d.year, d.month, d.day) for d, _ in days]  # noqa: DTZ001 - a calendar day
    vals = [v for _, v in days]
    bars = ax.bar(
        xs, vals, width=0.75, color=[PROFIT if v >= 0 else LOSS for v in vals], gid="bars"
    )
    ax.axhline(0, color=GREY, linewidth=1)
    lo, hi = min([*vals, 0.0]), max([*vals, 0.0])
    span = (hi - lo) or 1.0
    n = len(days)
    if n <= VALUE_LABELS_MAX_BARS:
        few = n <= 10
        # standing labels of a month of bars: whole units unless the amount is small
        labels = [
            money(v, decimals=2 if few or abs(v) < 10 else 0, signed=True, plus_zero=False)
            if v
            else ""
            for v in vals
        ]
        ax.bar_label(
            bars,
            labels=labels,
            padding=5,
            fontsize=20 if few else 16,
            rotation=0 if few else 90,
            gid="value-labels",
        )
        room = 0.12 if few else 0.3  # vertical labels need more headroom
    else:
        room = 0.06
    ax.set_ylim(lo - span * room if lo < 0 else 0, hi + span * room if hi > 0 else span * 0.05)
    first, last = xs[0], xs[-1]
    ax.set_xlim(first - timedelta(days=0.7), last + timedelta(days=0.7))
    if n <= 62:  # every day of a week, every 7th day of a month, from the first day
        ax.set_xticks(xs[:: 1 if n <= 10 else 7])
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    else:
        _date_axis(ax, None, maxticks=8)
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_formatter(MoneyFormatter())
    ax.grid(True, axis="y", alpha=0.3)
    _sign_legend(fig, lang)
    return fig


def daily_pnl_figure(rep: PnLReport, lang: str, title_suffix: str = "") -> Figure:
    """The drawn daily P&L chart (for inspection); see `daily_pnl_chart`."""
    return _drawn(lambda lg: _daily_fig(rep, lg, title_suffix), lang)


def daily_pnl_chart(rep: PnLReport, lang: str, title_suffix: str = "") -> bytes:
    """Realised P&L per trading day, the amount written on each bar up to a month of days."""
    return _render(lambda lg: _daily_fig(rep, lg, title_suffix), lang)


# -- hedge -------------------------------------------------------------------------------------
def _hedge_fig(summary: HedgeSummary, lang: str, title_suffix: str, top: int) -> Figure:
    rows = summary.rows[:top][::-1]
    n = len(rows)
    fig = Figure(figsize=(WIDTH_IN, max(HEIGHT_IN, 2.6 + 0.8 * (n + 1))), layout="constrained")
    ax = fig.add_subplot()
    hidden = len(summary.rows) - n
    shown = _t("top_n", lang).format(n=n, total=len(summary.rows)) if hidden > 0 else ""
    _heading(fig, ax, _t("hedge", lang), title_suffix, summary.currency, shown)
    if not rows:
        _empty(ax, lang)
        return fig
    names = [r.symbol for r in rows]
    buys = [r.buy.lots for r in rows]
    sells = [-r.sell.lots for r in rows]
    ax.barh(names, buys, height=0.6, color=BLUE, label=_t("buy", lang))
    ax.barh(names, sells, height=0.6, color=ORANGE, label=_t("sell", lang))
    span = max([*buys, *(-s for s in sells), 0.01])
    ax.set_xlim(-span * 1.6, span * 2.2)
    ax.set_ylim(-0.6, n + 0.4)  # an empty row on top for the legend and the column heading
    for i, (b, s) in enumerate(zip(buys, sells, strict=True)):
        if b:
            ax.text(b + span * 0.03, i, f"{b:.2f}", va="center", ha="left", fontsize=20, gid="lots")
        if s:
            ax.text(
                s - span * 0.03, i, f"{-s:.2f}", va="center", ha="right", fontsize=20, gid="lots"
            )
    dec = amount_decimals([r.floating for r in rows])
    for i, r in enumerate(rows):
        ax.text(
            span * 2.15,
            i,
            money(r.floating, decimals=dec, signed=True, plus_zero=False),
            va="center",
            ha="right",
            color=PROFIT if r.floating >= 0 else LOSS,
            fontsize=22,
            gid="floating",
        )
    ax.text(
        span * 2.15,
        n - 0.1,
        f"{_t('floating', lang)} {summary.currency}".strip(),
        va="center",
        ha="right",
        color="#444444",
        fontsize=20,
    )
    ax.axvline(0, color=GREY, linewidth=1)
    # lot ticks only under the bars, not under the floating column
    ticks = [v for v in MaxNLocator(3).tick_values(-span, span) if abs(v) <= span * 1.3]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(MoneyFormatter(absolute=True))
    ax.set_xlabel(_t("lots_axis", lang))
    ax.legend(loc="upper left", ncols=2, frameon=False)
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def hedge_figure(summary: HedgeSummary, lang: str, top: int = 10, title_suffix: str = "") -> Figure:
    """The drawn hedge chart (for inspection); see `hedge_chart`."""
    return _drawn(lambda lg: _hedge_fig(summary, lg, title_suffix, top), lang)


def hedge_chart(summary: HedgeSummary, lang: str, top: int = 10, title_suffix: str = "") -> bytes:
    """Buy lots to the right, sell lots to the left, each with its size; the floating P&L of
    each symbol in a column on the right. `title_suffix`: when the positions were read."""
    return _render(lambda lg: _hedge_fig(summary, lg, title_suffix, top), lang)
