"""Market data for every mouth (chats, the gateway, MCP): bars, indicators with their plain
reading, K-line charts with the account's positions and orders, key levels — and the texts.

    market = MarketData(broker, MarketConfig(), commentary=TextCompletion(...), clock=clock)
    bars = await market.bars("XAUUSD", "H4", 200)
    reading = await market.indicator("XAUUSD", "RSI", "H1")      # IndicatorReading
    png = await market.chart("XAUUSD", "H1", 100, ["MACD"], "zh", positions=..., orders=...)
    levels = await market.levels("XAUUSD", "H4")                  # reports.levels.Levels

Input is checked here, once, for every caller: an unknown symbol, timeframe or indicator, a
bar count outside `min_bars..max_bars`, too few bars for an indicator — each raises
`MarketError`, whose `text(lang)` says so in the user's language (never a stack trace).
Numbers come only from the broker's bars; what they show is stated as facts, never as
advice; the optional AI paragraph is marked as generated and absent without an LLM.

The work that blocks (TA-Lib, the levels over many bars, drawing) runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from broker.base import Broker
from broker.errors import SymbolNotFound
from broker.models import Bar, PendingOrder, Position, SymbolSpec, Timeframe
from handlers.format import UserClock, lots
from handlers.i18n import t
from handlers.messages import Image, Lang, Outgoing
from nlp.intent import Intent
from reports.indicators import INDICATORS, Fact, IndicatorError, IndicatorResult
from reports.kline import ChartLine, KlineSpec, KlineText
from reports.levels import Levels, LevelsError

log = logging.getLogger(__name__)

Commentary = Callable[[str], Awaitable[str | None]]
TIMEFRAMES: tuple[str, ...] = get_args(Timeframe)


@dataclass(frozen=True, slots=True)
class MarketConfig:
    default_timeframe: Timeframe = "H1"
    default_bars: int = 100  # a chart when the user names no count
    levels_bars: int = 200  # the history key levels are read from (and drawn)
    min_bars: int = 10
    max_bars: int = 1000
    commentary_timeout_s: float = 20.0


class MarketError(Exception):
    """Input the market service cannot answer: `key` names the i18n entry, `facts` fill it."""

    def __init__(self, key: str, **facts: Any) -> None:
        super().__init__(f"{key}: {facts}")
        self.key = key
        self.facts = facts

    def text(self, lang: Lang) -> str:
        facts = dict(self.facts)
        if self.key == "mk_unknown_symbol":
            close = facts.pop("close", None) or []
            facts["hint"] = t(lang, "mk_did_you_mean", close=", ".join(close)) if close else ""
        return t(lang, self.key, **facts)


@dataclass(frozen=True, slots=True)
class IndicatorReading:
    """An indicator over one symbol's bars: the values (`result.lines`), the facts the last
    values show, and the bars they came from."""

    symbol: str
    timeframe: str
    result: IndicatorResult
    bars: tuple[Bar, ...] = field(repr=False)
    digits: int = 5


def _num(v: Any, digits: int) -> str:
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def fact_text(fact: Fact, lang: Lang, label: str, digits: int) -> str:
    """One fact in words: prices with the symbol's digits, oscillators and percentages with
    one or two decimals."""
    # prices, and differences of prices (MACD, ATR), carry the symbol's digits
    price_keys = {"upper", "middle", "lower", "macd", "signal", "hist"}
    values: dict[str, str] = {}
    for k, v in fact.values.items():
        if k in price_keys or (k == "value" and label.startswith(("MA(", "EMA(", "ATR("))):
            values[k] = _num(float(v), digits)
        elif k in ("pct", "width"):
            values[k] = f"{float(v):.2f}"
        elif k == "level" or k in ("low", "high"):
            values[k] = f"{float(v):g}"
        else:
            values[k] = _num(float(v), 2) if isinstance(v, float) else str(v)
    return t(lang, f"mk_fact_{fact.key}", label=label, **values)


def indicator_text(reading: IndicatorReading, lang: Lang, clock: UserClock) -> str:
    r = reading.result
    last = reading.bars[-1]
    lines = [
        t(lang, "mk_ind_head", symbol=reading.symbol, timeframe=reading.timeframe, label=r.label),
        t(
            lang,
            "mk_ind_at",
            time=clock.stamp(last.time, lang),
            close=_num(last.close, reading.digits),
        ),
    ]
    lines += ["• " + fact_text(f, lang, r.label, reading.digits) for f in r.facts]
    lines.append(t(lang, "mk_facts_note"))
    return "\n".join(lines)


def indicator_summary(
    reading: IndicatorReading, clock: UserClock, *, points: int = 20
) -> dict[str, Any]:
    """An indicator as programs read it (the gateway's /indicators, MCP's get_indicator):
    its label and parameters, the latest value of each line, the last `points` values with
    their bar times (None where a line is not defined yet: JSON has no NaN), and what the
    latest values show, in words (facts, never advice)."""
    r = reading.result
    bars = reading.bars[-points:] if points > 0 else ()

    def finite(v: float) -> float | None:
        return None if v != v or v in (float("inf"), float("-inf")) else round(v, 8)

    series = [
        {"time": b.time.isoformat(), **{k: finite(vals[i]) for k, vals in r.lines.items()}}
        for i, b in zip(range(len(reading.bars) - len(bars), len(reading.bars)), bars, strict=True)
    ]
    return {
        "symbol": reading.symbol,
        "timeframe": reading.timeframe,
        "name": r.name,
        "label": r.label,
        "params": dict(r.params),
        "close": r.close,
        "last": {k: finite(r.last(k)) for k in r.lines},
        "series": series,
        "reading": {lang: indicator_text(reading, lang, clock) for lang in ("en", "zh")},
    }


def _dist(a: float, b: float, digits: int) -> str:
    return f"{abs(a - b):,.{digits}f}"


def levels_text(lv: Levels, lang: Lang, clock: UserClock, commentary: str | None = None) -> str:
    d = lv.digits
    zone = clock.suffix(lang, lv.end)
    out = [
        t(
            lang,
            "mk_levels_head",
            symbol=lv.symbol,
            timeframe=lv.timeframe,
            bars=lv.bars,
            start=clock.bare(lv.start, "%m-%d %H:%M"),
            end=clock.bare(lv.end, "%m-%d %H:%M"),
            zone=zone,
        ),
        t(lang, "mk_levels_price", price=_num(lv.price, d)),
    ]
    for kind, levels in (("resistance", lv.resistances), ("support", lv.supports)):
        out.append(t(lang, f"mk_levels_{kind}"))
        out += [
            t(
                lang,
                "mk_levels_row",
                price=_num(x.price, d),
                touches=x.touches,
                dist=_dist(x.price, lv.price, d),
            )
            for x in levels
        ] or [t(lang, f"mk_levels_none_{kind}")]
    p = lv.profile
    if p is None:
        out.append(t(lang, "mk_profile_none"))
    else:
        out.append(
            t(
                lang,
                "mk_profile_line",
                poc=_num(p.poc, d),
                low=_num(p.value_low, d),
                high=_num(p.value_high, d),
                share=f"{p.value_share * 100:.0f}",
            )
        )
    out.append(_book_text(lv, lang))
    out.append(t(lang, "mk_levels_method"))
    if commentary:
        out += ["", t(lang, "mk_ai_head"), commentary]
    return "\n".join(out)


def _book_text(lv: Levels, lang: Lang) -> str:
    b = lv.book
    if b is None:
        return t(lang, "mk_book_none", symbol=lv.symbol)

    def level(x: Any) -> str:
        if x is None:
            return "-"
        return t(lang, "mk_book_level", price=_num(x.price, lv.digits), lots=lots(x.volume))

    return t(
        lang,
        "mk_book_line",
        bids=lots(b.bid_volume),
        asks=lots(b.ask_volume),
        bid=level(b.top_bid),
        ask=level(b.top_ask),
    )


def _levels_data(lv: Levels) -> str:
    """The numbers the AI paragraph may talk about, as plain lines (no wording to copy)."""
    d = lv.digits
    rows = [
        f"symbol {lv.symbol}, timeframe {lv.timeframe}, {lv.bars} bars",
        f"last close {lv.price:.{d}f}",
    ]
    rows += [f"resistance {x.price:.{d}f} ({x.touches} swing highs/lows)" for x in lv.resistances]
    rows += [f"support {x.price:.{d}f} ({x.touches} swing highs/lows)" for x in lv.supports]
    if lv.profile is not None:
        p = lv.profile
        rows.append(
            f"volume profile POC {p.poc:.{d}f}, value area {p.value_low:.{d}f}-{p.value_high:.{d}f}"
        )
    if lv.book is None:
        rows.append("no order book depth offered by the broker")
    else:
        rows.append(f"order book: bids {lv.book.bid_volume:g} lots, asks {lv.book.ask_volume:g}")
    return "\n".join(rows)


def position_lines(
    positions: Sequence[Position], orders: Sequence[PendingOrder], lang: Lang, digits: int
) -> list[ChartLine]:
    """Entry, SL and TP lines of the positions and orders: "多 0.10 @2650.50", "SL", "TP"."""
    out: list[ChartLine] = []
    for p in positions:
        side = t(lang, f"mk_side_{p.side}")
        label = t(
            lang,
            "mk_line_position",
            side=side,
            lots=lots(p.volume),
            price=_num(p.price_open, digits),
        )
        out.append(ChartLine(p.price_open, label, p.side))
        out += _stops(p.sl, p.tp, lang)
    for o in orders:
        label = t(
            lang,
            "mk_line_order",
            side=t(lang, f"mk_side_{o.side}"),
            kind=t(lang, f"mk_kind_{o.kind}"),
            lots=lots(o.volume),
            price=_num(o.price, digits),
        )
        out.append(ChartLine(o.price, label, "order"))
        out += _stops(o.sl, o.tp, lang)
    return out


def _stops(sl: float | None, tp: float | None, lang: Lang) -> list[ChartLine]:
    out = []
    if sl:
        out.append(ChartLine(sl, t(lang, "mk_line_sl"), "sl"))
    if tp:
        out.append(ChartLine(tp, t(lang, "mk_line_tp"), "tp"))
    return out


def level_lines(lv: Levels, lang: Lang) -> list[ChartLine]:
    d = lv.digits
    out = [
        ChartLine(x.price, t(lang, "mk_line_support", price=_num(x.price, d)), "support")
        for x in lv.supports
    ]
    out += [
        ChartLine(x.price, t(lang, "mk_line_resistance", price=_num(x.price, d)), "resistance")
        for x in lv.resistances
    ]
    if lv.profile is not None:
        poc = lv.profile.poc
        out.append(ChartLine(poc, t(lang, "mk_line_poc", price=_num(poc, d)), "poc"))
    if lv.book is not None:  # the order book's largest bid and ask, where the broker has one
        bid, ask = lv.book.top_bid, lv.book.top_ask
        if bid is not None:
            out.append(ChartLine(bid.price, t(lang, "mk_line_bid", lots=lots(bid.volume)), "bid"))
        if ask is not None:
            out.append(ChartLine(ask.price, t(lang, "mk_line_ask", lots=lots(ask.volume)), "ask"))
    return out


class MarketData:
    """The market-data service. `commentary`: the LLM text function (None: no AI paragraph);
    `clock`: the user clock chart axes and texts are written in."""

    def __init__(
        self,
        broker: Broker,
        config: MarketConfig | None = None,
        *,
        commentary: Commentary | None = None,
        clock: UserClock | None = None,
    ) -> None:
        self.broker = broker
        self.config = config or MarketConfig()
        self.commentary = commentary
        self.clock = clock or UserClock()

    # ------------------------------------------------------------------ checks
    def timeframe(self, timeframe: str | None) -> Timeframe:
        tf = (timeframe or self.config.default_timeframe).upper()
        if tf not in TIMEFRAMES:
            raise MarketError("mk_bad_timeframe", timeframe=timeframe, known=", ".join(TIMEFRAMES))
        return tf  # type: ignore[return-value]

    def count(self, count: int | None) -> int:
        n = self.config.default_bars if count is None else count
        c = self.config
        if isinstance(n, bool) or not isinstance(n, int) or not c.min_bars <= n <= c.max_bars:
            raise MarketError("mk_bad_count", low=c.min_bars, high=c.max_bars, count=count)
        return n

    async def spec(self, symbol: str) -> SymbolSpec:
        try:
            return await self.broker.symbol_spec(symbol)
        except SymbolNotFound as exc:
            close = exc.note.facts.get("close") or []
            raise MarketError("mk_unknown_symbol", symbol=symbol, close=list(close)) from None

    # ------------------------------------------------------------------ data
    async def bars(
        self, symbol: str, timeframe: str | None = None, count: int | None = None
    ) -> list[Bar]:
        """The last `count` bars (oldest first, the current one last)."""
        tf, n = self.timeframe(timeframe), self.count(count)
        spec = await self.spec(symbol)
        return await self._bars(spec, tf, n)

    async def _bars(self, spec: SymbolSpec, tf: Timeframe, n: int) -> list[Bar]:
        bars = await self.broker.rates(spec.symbol, tf, n)
        if not bars:
            raise MarketError("mk_no_bars", symbol=spec.symbol, timeframe=tf)
        return bars

    async def indicator(
        self,
        symbol: str,
        name: str,
        timeframe: str | None = None,
        period: int | None = None,
        count: int | None = None,
        **params: float,
    ) -> IndicatorReading:
        """One indicator with its defaults (`period` = its main window) over `count` bars."""
        from reports.indicators import compute, lookback, parameters

        tf = self.timeframe(timeframe)
        key = name.upper()
        try:
            p = parameters(key, period, **params)
        except IndicatorError as exc:
            raise _indicator_error(exc) from None
        # the bars asked for (a chart's worth by default) and, before them, enough history
        # for the indicator to be defined and settled on the first of them
        n = self.count(count) if count is not None else self.config.default_bars
        n = min(n + lookback(key, p) * 3, self.config.max_bars)
        spec = await self.spec(symbol)
        bars = await self._bars(spec, tf, n)
        try:
            result = await asyncio.to_thread(compute, key, bars, period, spec.digits, **params)
        except IndicatorError as exc:
            raise _indicator_error(exc, symbol=spec.symbol, timeframe=tf) from None
        return IndicatorReading(spec.symbol, tf, result, tuple(bars), spec.digits)

    async def levels(
        self, symbol: str, timeframe: str | None = None, count: int | None = None
    ) -> Levels:
        """Support/resistance, the volume profile and the order book (where offered)."""
        tf = self.timeframe(timeframe)
        n = self.count(count) if count is not None else self.config.levels_bars
        lv, _ = await self._levels(await self.spec(symbol), tf, n)
        return lv

    async def _levels(self, spec: SymbolSpec, tf: Timeframe, n: int) -> tuple[Levels, list[Bar]]:
        from reports.levels import find_levels

        bars = await self._bars(spec, tf, n)
        book = await self.broker.market_book(spec.symbol)
        try:
            lv = await asyncio.to_thread(
                find_levels, spec.symbol, tf, bars, book=book, digits=spec.digits
            )
        except LevelsError as exc:
            raise MarketError(
                "mk_not_enough_bars", symbol=spec.symbol, timeframe=tf, name="levels", **exc.facts
            ) from None
        return lv, bars

    async def levels_commentary(self, lv: Levels, lang: Lang) -> str | None:
        """The AI paragraph on the levels, or None (no LLM, a failure, a timeout)."""
        if self.commentary is None:
            return None
        prompt = t(lang, "mk_ai_prompt", symbol=lv.symbol, data=_levels_data(lv))
        try:
            out = await asyncio.wait_for(self.commentary(prompt), self.config.commentary_timeout_s)
        except Exception as exc:  # an LLM failure only drops the paragraph
            log.warning("levels commentary failed: %s", exc)
            return None
        return out.strip()[:800] if out and out.strip() else None

    # ------------------------------------------------------------------ charts
    async def chart(
        self,
        symbol: str,
        timeframe: str | None = None,
        count: int | None = None,
        indicators: Sequence[str] = (),
        lang: Lang = "zh",
        *,
        positions: Sequence[Position] = (),
        orders: Sequence[PendingOrder] = (),
        levels: Levels | None = None,
    ) -> bytes:
        """A K-line chart (PNG): `count` bars, the named indicators (overlaid or in panels),
        the given positions' and orders' entry/SL/TP lines, and `levels` when given."""
        tf, n = self.timeframe(timeframe), self.count(count)
        unknown = [i for i in indicators if i.upper() not in INDICATORS]
        if unknown:
            raise MarketError("mk_unknown_indicator", name=unknown[0], known=", ".join(INDICATORS))
        spec = await self.spec(symbol)
        bars = await self._bars(spec, tf, n)
        draw = Drawing(spec.symbol, spec.digits, tf, bars, lang, positions, orders, levels)
        return await asyncio.to_thread(self._draw, draw, indicators)

    def _draw(
        self, d: Drawing, indicators: Sequence[str] = (), results: Sequence[IndicatorResult] = ()
    ) -> bytes:
        """Blocking: compute the named indicators over the drawing's bars, draw, PNG."""
        from reports.indicators import compute
        from reports.kline import kline_chart

        done = list(results)
        for name in indicators:
            try:
                done.append(compute(name, d.bars, digits=d.digits))
            except IndicatorError:  # too few bars for this one: the chart goes without it
                log.info("chart %s %s: not enough bars for %s", d.symbol, d.timeframe, name)
        return kline_chart(self._spec(d, done))

    def _spec(self, d: Drawing, results: Sequence[IndicatorResult]) -> KlineSpec:
        """What the chart draws, worded in the language it can be drawn in (English where no
        CJK font is installed: words, not boxes)."""
        from reports.charts import chart_lang

        lang: Lang = "zh" if chart_lang(d.lang) == "zh" else "en"
        c, bars = self.clock, d.bars
        span = t(
            lang,
            "mk_chart_span",
            start=c.bare(bars[0].time, "%m-%d %H:%M"),
            end=c.bare(bars[-1].time, "%m-%d %H:%M"),
            zone=c.suffix(lang, bars[-1].time),
        )
        text = KlineText(
            title=t(lang, "mk_chart_title", symbol=d.symbol, timeframe=d.timeframe),
            subtitle=span,
            volume=t(lang, "mk_volume"),
            profile=t(lang, "mk_profile"),
            value_area=t(lang, "mk_value_area"),
            no_data=t(lang, "mk_no_data"),
        )
        lines = position_lines(d.positions, d.orders, lang, d.digits)
        if d.levels is not None:
            lines += level_lines(d.levels, lang)
        return KlineSpec(
            bars=bars,
            text=text,
            lang=lang,
            digits=d.digits,
            zone=c.zone,
            indicators=results,
            lines=lines,
            profile=d.levels.profile if d.levels is not None else None,
        )

    async def _picture(self, d: Drawing, name: str, caption: str, **what: Any) -> list[Image]:
        """The drawing as the answer's image; none when drawing fails (the text still goes)."""
        try:
            data = await asyncio.to_thread(self._draw, d, **what)
        except Exception:  # a chart that fails never takes the text down with it
            log.exception("chart %s failed", name)
            return []
        return [Image(data=data, name=name, caption=caption)]

    # ------------------------------------------------------------------ chat answers
    async def answer(self, intent: Intent, lang: Lang, *, show_account: bool) -> list[Outgoing]:
        """The chat answer to a `chart`, `indicator` or `levels` intent: text and a chart.
        `show_account`: draw the account's positions and orders (not in a group that is no
        trading room). Bad input → one message saying what is wrong."""
        try:
            if intent.symbol is None:
                return [Outgoing(t(lang, "mk_need_symbol"), lang=lang, kind="error")]
            spec = await self.spec(intent.symbol)
            tf = self.timeframe(intent.timeframe)
            if intent.intent == "indicator":
                return await self._answer_indicator(spec, tf, intent, lang, show_account)
            if intent.intent == "levels":
                return await self._answer_levels(spec, tf, lang)
            return await self._answer_chart(spec, tf, lang, show_account)
        except MarketError as exc:
            return [Outgoing(exc.text(lang), lang=lang, kind="error")]

    async def _account_lines(
        self, symbol: str, show: bool
    ) -> tuple[list[Position], list[PendingOrder]]:
        if not show:
            return [], []
        return await self.broker.positions(symbol), await self.broker.pending_orders(symbol)

    async def _answer_chart(
        self, spec: SymbolSpec, tf: Timeframe, lang: Lang, show: bool
    ) -> list[Outgoing]:
        bars = await self._bars(spec, tf, self.config.default_bars)
        positions, orders = await self._account_lines(spec.symbol, show)
        d = Drawing(spec.symbol, spec.digits, tf, bars, lang, positions, orders)
        images = await self._picture(d, f"{spec.symbol}_{tf}.png", f"{spec.symbol} {tf}")
        lines = [
            t(
                lang,
                "mk_chart_text",
                symbol=spec.symbol,
                timeframe=tf,
                count=len(bars),
                close=_num(bars[-1].close, spec.digits),
            ),
            _lines_note(spec.symbol, positions, orders, show, lang),
            "" if images else t(lang, "mk_chart_failed"),
        ]
        return [Outgoing("\n".join(x for x in lines if x), images=images, lang=lang)]

    async def _answer_indicator(
        self, spec: SymbolSpec, tf: Timeframe, intent: Intent, lang: Lang, show: bool
    ) -> list[Outgoing]:
        name = intent.indicator or "MA"
        reading = await self.indicator(spec.symbol, name, tf, intent.length)
        positions, orders = await self._account_lines(spec.symbol, show)
        text = indicator_text(reading, lang, self.clock)
        # the last `default_bars` of the reading's own bars and values are drawn
        n = min(self.config.default_bars, len(reading.bars))
        r = reading.result
        shown = IndicatorResult(
            r.name, r.params, {k: v[-n:] for k, v in r.lines.items()}, r.facts, r.close, r.digits
        )
        d = Drawing(spec.symbol, spec.digits, tf, list(reading.bars[-n:]), lang, positions, orders)
        images = await self._picture(
            d, f"{spec.symbol}_{tf}_{r.name}.png", f"{spec.symbol} {tf} {r.label}", results=[shown]
        )
        if not images:
            text += "\n" + t(lang, "mk_chart_failed")
        return [Outgoing(text, images=images, lang=lang)]

    async def _answer_levels(self, spec: SymbolSpec, tf: Timeframe, lang: Lang) -> list[Outgoing]:
        lv, bars = await self._levels(spec, tf, self.config.levels_bars)
        note = await self.levels_commentary(lv, lang)
        text = levels_text(lv, lang, self.clock, note)
        d = Drawing(spec.symbol, spec.digits, tf, bars, lang, levels=lv)
        images = await self._picture(d, f"{spec.symbol}_{tf}_levels.png", f"{spec.symbol} {tf}")
        if not images:
            text += "\n" + t(lang, "mk_chart_failed")
        return [Outgoing(text, images=images, lang=lang)]


@dataclass(frozen=True, slots=True)
class Drawing:
    """What one chart draws, fetched on the event loop, drawn in a thread."""

    symbol: str
    digits: int
    timeframe: str
    bars: Sequence[Bar]
    lang: Lang
    positions: Sequence[Position] = ()
    orders: Sequence[PendingOrder] = ()
    levels: Levels | None = None


def _lines_note(
    symbol: str,
    positions: Sequence[Position],
    orders: Sequence[PendingOrder],
    show: bool,
    lang: Lang,
) -> str:
    if not show:
        return t(lang, "mk_chart_group")
    if not positions and not orders:
        return ""
    return t(lang, "mk_chart_lines", symbol=symbol, positions=len(positions), orders=len(orders))


def _indicator_error(exc: IndicatorError, **where: Any) -> MarketError:
    f = exc.facts
    if exc.key == "unknown":
        return MarketError("mk_unknown_indicator", name=f.get("name"), known=", ".join(INDICATORS))
    if exc.key == "not_enough_bars":
        return MarketError(
            "mk_not_enough_bars",
            name=f.get("name"),
            need=f.get("need"),
            have=f.get("have"),
            **where,
        )
    return MarketError("mk_bad_param", name=f.get("name"), param=f.get("param"))
