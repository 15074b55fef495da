"""Charts as PNG bytes, sized to read on a phone (1080 px wide, large type).

Only `matplotlib.figure.Figure` with the Agg canvas (never pyplot, which keeps global state and
wants a GUI). The functions are blocking: call them through `asyncio.to_thread`.

Chinese labels need a CJK font. We look for one among the system fonts and the
`pylopdf-fonts-zh-cn` package (Noto Sans SC); without one, Chinese reports get English chart
labels rather than boxes of tofu.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from functools import lru_cache
from typing import Any

from matplotlib import dates as mdates
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.hedge import HedgeSummary
from reports.pnl import PnLReport

WIDTH_IN, HEIGHT_IN, DPI = 10.8, 7.2, 100  # 1080 × 720 px
GREEN, RED, BLUE, ORANGE, GREY = "#1a9850", "#d73027", "#2166ac", "#f39c12", "#888888"
_NO_OFFSET = ["", "", "", "", "", ""]  # the title already names the period
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
    except Exception:  # the font package is optional: fall back to English labels
        pass
    return None


def chart_lang(lang: str) -> str:
    """The language chart labels can be drawn in."""
    return "zh" if lang == "zh" and cjk_font_family() else "en"


_L = {
    "balance": {"zh": "余额", "en": "Balance"},
    "equity": {"zh": "净值", "en": "Equity"},
    "bal_title": {"zh": "余额与净值", "en": "Balance and equity"},
    "by_symbol": {"zh": "各品种已实现盈亏", "en": "Realised P&L by symbol"},
    "daily": {"zh": "每日已实现盈亏", "en": "Daily realised P&L"},
    "hedge": {"zh": "各品种持仓（手）与浮动盈亏", "en": "Open lots and floating P&L by symbol"},
    "buy": {"zh": "多单", "en": "Buy"},
    "sell": {"zh": "空单", "en": "Sell"},
    "lots": {"zh": "手数", "en": "Lots"},
    "none": {"zh": "本期没有数据", "en": "No data for this period"},
}


def _t(key: str, lang: str) -> str:
    return _L[key][lang]


def _rc(lang: str) -> dict[Any, Any]:
    fam = cjk_font_family()
    families = ["DejaVu Sans", fam] if fam and lang == "zh" else ["DejaVu Sans"]
    return {
        "font.family": families,
        "font.size": 20,
        "axes.titlesize": 26,
        "axes.labelsize": 20,
        "xtick.labelsize": 18,
        "ytick.labelsize": 18,
        "legend.fontsize": 18,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _money_fmt(cur: str) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def _empty(ax: Axes, lang: str) -> None:
    ax.text(
        0.5, 0.5, _t("none", lang), ha="center", va="center", color=GREY, transform=ax.transAxes
    )


def balance_chart(rep: PnLReport, zone: tzinfo, lang: str, title_suffix: str = "") -> bytes:
    """Balance (steps) and equity (from snapshots) over the period."""
    lang = chart_lang(lang)
    with _LOCK, rc_context(_rc(lang)):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        ax = fig.add_subplot()
        has = False
        if len(rep.balance_curve) > 1:
            xs: Any = [t for t, _ in rep.balance_curve]
            ys = [v for _, v in rep.balance_curve]
            if rep.period.kind == "day":  # one point per deal: the balance after it
                ax.step(xs, ys, where="post", color=BLUE, linewidth=3, label=_t("balance", lang))
            else:  # one point per trading day: the balance at its close
                ax.plot(
                    xs,
                    ys,
                    color=BLUE,
                    linewidth=3,
                    marker="o",
                    markersize=7,
                    label=_t("balance", lang),
                )
            has = True
        if rep.equity_curve:
            xs2: Any = [t for t, _ in rep.equity_curve]
            ys2 = [v for _, v in rep.equity_curve]
            ax.plot(xs2, ys2, color=ORANGE, linewidth=2.5, label=_t("equity", lang))
            has = True
        if has:
            loc = mdates.AutoDateLocator(tz=zone, minticks=3, maxticks=6)
            ax.xaxis.set_major_locator(loc)
            ax.xaxis.set_major_formatter(
                mdates.ConciseDateFormatter(loc, tz=zone, offset_formats=_NO_OFFSET)
            )
            ax.yaxis.set_major_formatter(_money_fmt(rep.currency))
            ax.legend(loc="best")
            ax.grid(True, alpha=0.3)
        else:
            _empty(ax, lang)
        title = _t("bal_title", lang) + (f" · {title_suffix}" if title_suffix else "")
        ax.set_title(title + (f" ({rep.currency})" if rep.currency else ""))
        return _png(fig)


def pnl_by_symbol_chart(rep: PnLReport, lang: str, title_suffix: str = "", top: int = 12) -> bytes:
    lang = chart_lang(lang)
    items = sorted(rep.by_symbol.items(), key=lambda kv: abs(kv[1].net), reverse=True)[:top]
    items.sort(key=lambda kv: kv[1].net)
    with _LOCK, rc_context(_rc(lang)):
        fig = Figure(
            figsize=(WIDTH_IN, max(HEIGHT_IN, 1.6 + 0.7 * len(items))), layout="constrained"
        )
        ax = fig.add_subplot()
        if items:
            names = [k for k, _ in items]
            vals = [b.net for _, b in items]
            bars = ax.barh(names, vals, color=[GREEN if v >= 0 else RED for v in vals])
            ax.bar_label(bars, labels=[f"{v:+,.2f}" for v in vals], padding=6, fontsize=18)
            ax.axvline(0, color=GREY, linewidth=1)
            lo, hi = min([*vals, 0.0]), max([*vals, 0.0])
            span = (hi - lo) or 1.0
            ax.set_xlim(lo - span * 0.28 if lo < 0 else 0, hi + span * 0.28 if hi > 0 else 0)
            ax.xaxis.set_major_formatter(_money_fmt(rep.currency))
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.grid(True, axis="x", alpha=0.3)
        else:
            _empty(ax, lang)
        title = _t("by_symbol", lang) + (f" · {title_suffix}" if title_suffix else "")
        ax.set_title(title)
        return _png(fig)


def daily_pnl_chart(rep: PnLReport, lang: str, title_suffix: str = "") -> bytes:
    lang = chart_lang(lang)
    days: Sequence[tuple[date, float]] = rep.daily
    with _LOCK, rc_context(_rc(lang)):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        ax = fig.add_subplot()
        if days and any(v for _, v in days):
            xs: Any = [datetime(d.year, d.month, d.day) for d, _ in days]  # noqa: DTZ001 - a calendar day
            vals = [v for _, v in days]
            ax.bar(xs, vals, width=0.8, color=[GREEN if v >= 0 else RED for v in vals])
            ax.axhline(0, color=GREY, linewidth=1)
            loc = mdates.AutoDateLocator(minticks=3, maxticks=8)
            ax.xaxis.set_major_locator(loc)
            ax.xaxis.set_major_formatter(
                mdates.ConciseDateFormatter(loc, offset_formats=_NO_OFFSET)
            )
            ax.yaxis.set_major_formatter(_money_fmt(rep.currency))
            ax.grid(True, axis="y", alpha=0.3)
        else:
            _empty(ax, lang)
        title = _t("daily", lang) + (f" · {title_suffix}" if title_suffix else "")
        ax.set_title(title + (f" ({rep.currency})" if rep.currency else ""))
        return _png(fig)


def hedge_chart(summary: HedgeSummary, lang: str, top: int = 10) -> bytes:
    """Buy lots to the right, sell lots to the left, floating P&L written on each row."""
    lang = chart_lang(lang)
    rows = summary.rows[:top][::-1]
    with _LOCK, rc_context(_rc(lang)):
        fig = Figure(
            figsize=(WIDTH_IN, max(HEIGHT_IN, 1.8 + 0.8 * len(rows))), layout="constrained"
        )
        ax = fig.add_subplot()
        if rows:
            names = [r.symbol for r in rows]
            buys = [r.buy.lots for r in rows]
            sells = [-r.sell.lots for r in rows]
            ax.barh(names, buys, color=BLUE, label=_t("buy", lang))
            ax.barh(names, sells, color=ORANGE, label=_t("sell", lang))
            span = max([*buys, *(-s for s in sells), 0.01])
            ax.set_xlim(-span * 1.9, span * 1.9)
            for i, r in enumerate(rows):
                ax.text(
                    span * 1.85,
                    i,
                    f"{r.floating:+,.0f}",
                    va="center",
                    ha="right",
                    color=GREEN if r.floating >= 0 else RED,
                    fontsize=18,
                )
            ax.axvline(0, color=GREY, linewidth=1)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{abs(v):g}"))
            ax.set_xlabel(_t("lots", lang))
            ax.legend(loc="lower left")
            ax.grid(True, axis="x", alpha=0.3)
        else:
            _empty(ax, lang)
        ax.set_title(_t("hedge", lang))
        return _png(fig)
