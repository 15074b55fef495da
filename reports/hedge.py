"""The hedging-EA summary: open exposure per symbol (and per EA), locked hedges, break-even,
and rule-based suggestions. A suggestion is text for a person and, where it proposes closing
something, the exact closes it means (`HedgeAction`: these tickets, these volumes) — which the
handlers offer as a one-tap plan that still goes through the preview and ✅. Nothing here
trades."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from broker.models import Account, Deal, Position, Side, SymbolSpec
from reports.labels import label, side_name
from reports.numbers import money
from reports.pnl import CLOSING


@dataclass(frozen=True, slots=True)
class HedgeRules:
    lock_ratio: float = 0.8  # both sides open and smaller/larger side ≥ this → locked hedge
    exposure_move_pct: float = 1.0  # a move of this many percent …
    exposure_equity_pct: float = 5.0  # … costing at least this share of equity is "large"
    swap_bleed_min: float = 1.0  # locked hedge whose swap so far is below -this bleeds
    margin_warn_level: float = 150.0  # percent; also warned within 2x of the stop-out level
    far_from_be_pct: float = 2.0  # break-even further than this many percent of the price


@dataclass(slots=True)
class SideStats:
    count: int = 0
    lots: float = 0.0
    _price_x_lots: float = 0.0
    profit: float = 0.0
    swap: float = 0.0

    @property
    def avg_price(self) -> float | None:
        return self._price_x_lots / self.lots if self.lots else None

    @property
    def floating(self) -> float:
        return self.profit + self.swap

    def add(self, p: Position) -> None:
        self.count += 1
        self.lots += p.volume
        self._price_x_lots += p.price_open * p.volume
        self.profit += p.profit
        self.swap += p.swap


@dataclass(slots=True)
class HedgeRow:
    symbol: str
    magic: int | None = None  # None: all EAs together
    buy: SideStats = field(default_factory=SideStats)
    sell: SideStats = field(default_factory=SideStats)
    realised_today: float = 0.0
    largest_loss: float | None = None  # most negative profit+swap of one open position
    largest_loss_ticket: int | None = None
    price: float | None = None  # current price (bid of a buy position, else ask of a sell)
    digits: int = 5
    value_per_price: float | None = None  # account currency per 1.0 price move per lot
    locked: bool = False

    @property
    def net_lots(self) -> float:
        return self.buy.lots - self.sell.lots

    @property
    def floating(self) -> float:
        return self.buy.floating + self.sell.floating

    @property
    def locked_lots(self) -> float:
        return min(self.buy.lots, self.sell.lots)

    @property
    def break_even(self) -> float | None:
        """Price at which the floating P&L of the whole net position (swap included) is 0;
        None when there is no net exposure or the value of a price move is unknown."""
        net = round(self.net_lots, 8)
        if not net or self.price is None or not self.value_per_price:
            return None
        return self.price - self.floating / (self.value_per_price * net)

    @property
    def break_even_distance_pct(self) -> float | None:
        be = self.break_even
        if be is None or not self.price:
            return None
        return abs(be - self.price) / self.price * 100.0


# At most this many closes in one suggested action: its one-tap button carries them in its
# callback data, which chat apps cap at 64 bytes.
MAX_ACTION_CLOSES = 3


@dataclass(frozen=True, slots=True)
class CloseStep:
    """Close `volume` lots of position `ticket` (all of it when volume is its whole volume)."""

    ticket: int
    volume: float
    side: Side
    whole: bool  # the whole position


@dataclass(frozen=True, slots=True)
class HedgeAction:
    """What a suggestion proposes, exactly: close these tickets by these volumes."""

    symbol: str
    closes: tuple[CloseStep, ...]

    @property
    def lots(self) -> float:
        return round(sum(c.volume for c in self.closes), 8)


@dataclass(frozen=True, slots=True)
class Suggestion:
    code: str  # net_exposure, locked_swap, margin, far_from_break_even
    symbol: str
    text_en: str
    text_zh: str
    action: HedgeAction | None = None  # the closes it proposes; None: advice only

    def text(self, lang: str) -> str:
        return self.text_zh if lang == "zh" else self.text_en


@dataclass(slots=True)
class HedgeSummary:
    rows: list[HedgeRow]  # one per symbol, largest exposure first
    magic_rows: list[HedgeRow]  # one per (symbol, magic) when asked for
    currency: str = ""
    balance: float | None = None
    equity: float | None = None
    margin_level: float | None = None
    margin_so_so: float = 0.0
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def floating(self) -> float:
        return sum(r.floating for r in self.rows)

    @property
    def realised_today(self) -> float:
        return sum(r.realised_today for r in self.rows)

    @property
    def empty(self) -> bool:
        return not self.rows


def _key(x: Position | Deal) -> str:
    return x.symbol or x.broker_symbol or "?"


def _value_per_price(spec: SymbolSpec | None, positions: Iterable[Position]) -> float | None:
    if spec is not None and spec.tick_size > 0 and spec.tick_value > 0:
        return spec.tick_value / spec.tick_size
    # derive from the positions' own P&L: profit = (pc - po) * lots * value (sign by side)
    for p in positions:
        move = (p.price_current - p.price_open) * (1 if p.side == "buy" else -1)
        if move and p.volume:
            return p.profit / (move * p.volume)
    return None


def _add_position(row: HedgeRow, p: Position) -> None:
    (row.buy if p.side == "buy" else row.sell).add(p)
    loss = p.profit + p.swap
    if loss < 0 and (row.largest_loss is None or loss < row.largest_loss):
        row.largest_loss = loss
        row.largest_loss_ticket = p.ticket
    if row.price is None or p.side == "buy":
        row.price = p.price_current


def _open_rows(
    positions: Sequence[Position], by_magic: bool
) -> tuple[dict[str, HedgeRow], dict[tuple[str, int], HedgeRow], dict[str, list[Position]]]:
    """Rows per symbol (and per symbol and EA) from the open positions."""
    rows: dict[str, HedgeRow] = {}
    mrows: dict[tuple[str, int], HedgeRow] = {}
    by_symbol_positions: dict[str, list[Position]] = {}
    for p in positions:
        sym = _key(p)
        by_symbol_positions.setdefault(sym, []).append(p)
        _add_position(rows.setdefault(sym, HedgeRow(sym)), p)
        if by_magic:
            _add_position(mrows.setdefault((sym, p.magic), HedgeRow(sym, p.magic)), p)
    return rows, mrows, by_symbol_positions


def _add_realised_today(
    rows: dict[str, HedgeRow],
    mrows: dict[tuple[str, int], HedgeRow],
    deals_today: Iterable[Deal],
    by_magic: bool,
) -> None:
    deal_list = list(deals_today)
    open_magic = {d.position_id: d.magic for d in deal_list if d.entry == "in"}
    for d in deal_list:
        if d.type not in ("buy", "sell"):
            continue
        sym = _key(d)
        if sym not in rows:  # closed everything today: still worth a line
            rows[sym] = HedgeRow(sym)
        rows[sym].realised_today += d.net
        if by_magic:
            m = open_magic.get(d.position_id, d.magic) if d.entry in CLOSING else d.magic
            mrow = mrows.get((sym, m))
            if mrow is None:
                mrow = mrows[(sym, m)] = HedgeRow(sym, m)
            mrow.realised_today += d.net


def _exposure(r: HedgeRow) -> tuple[float, float]:
    """Sort key: the largest exposure first, then the worst floating P&L."""
    return (-(abs(r.net_lots) + r.buy.lots + r.sell.lots), r.floating)


def compute_hedge(
    positions: Sequence[Position],
    deals_today: Iterable[Deal],
    account: Account | None,
    specs: dict[str, SymbolSpec] | None = None,
    *,
    by_magic: bool = False,
    rules: HedgeRules | None = None,
) -> HedgeSummary:
    rules = rules or HedgeRules()
    specs = specs or {}
    rows, mrows, by_symbol_positions = _open_rows(positions, by_magic)
    _add_realised_today(rows, mrows, deals_today, by_magic)
    for sym, row in rows.items():
        spec = specs.get(sym)
        if spec is not None:
            row.digits = spec.digits
        row.value_per_price = _value_per_price(spec, by_symbol_positions.get(sym, ()))
        row.locked = _is_locked(row, rules)
    for (sym, _m), row in mrows.items():
        row.digits = rows[sym].digits
        row.value_per_price = rows[sym].value_per_price
        row.locked = _is_locked(row, rules)
    summary = HedgeSummary(
        rows=sorted(rows.values(), key=_exposure),
        magic_rows=sorted(mrows.values(), key=lambda r: (r.symbol, r.magic or 0)),
    )
    if account is not None:
        summary.currency = account.currency
        summary.balance = account.balance
        summary.equity = account.equity
        summary.margin_level = account.margin_level
        summary.margin_so_so = account.margin_so_so
    step = {sym: spec.volume_step for sym, spec in specs.items() if spec.volume_step > 0}
    summary.suggestions = suggest(summary, rules, by_symbol_positions, step)
    return summary


def _is_locked(row: HedgeRow, rules: HedgeRules) -> bool:
    big = max(row.buy.lots, row.sell.lots)
    return bool(
        row.buy.count and row.sell.count and big and row.locked_lots / big >= rules.lock_ratio
    )


def _suggestion(
    code: str,
    symbol: str,
    key: str,
    action: HedgeAction | None = None,
    do: str | None = None,
    **values: object,
) -> Suggestion:
    """A suggestion about `symbol` in both languages from label `key` (which may use
    `{symbol}`); a `side` value is itself a label key and is translated too. With an `action`,
    label `do` says in the same text exactly what its one-tap plan closes."""

    def text(lang: str) -> str:
        side = values.get("side")
        extra = {"side": label(lang, str(side))} if side else {}
        said = label(lang, key, symbol=symbol, **{**values, **extra})
        if action is None or do is None:
            return said
        return f"{said}{label(lang, do, closes=_closes_text(lang, action), lots=action.lots)}"

    return Suggestion(code, symbol, text("en"), text("zh"), action)


def _closes_text(lang: str, action: HedgeAction) -> str:
    """ "最早的多单 #123 0.01 手、最早的空单 #124 0.01 手"."""
    parts = [
        label(
            lang, "suggest_close_step", side=side_name(c.side, lang), ticket=c.ticket, lots=c.volume
        )
        for c in action.closes
    ]
    return label(lang, "suggest_close_sep").join(parts)


def _oldest(positions: Sequence[Position], side: Side) -> list[Position]:
    return sorted((p for p in positions if p.side == side), key=lambda p: (p.time, p.ticket))


def _step_down(volume: float, step: float) -> float:
    """`volume` rounded down to the lot step (a close of a part must be a valid volume)."""
    return round(math.floor(volume / step + 1e-9) * step, 8) if step > 0 else volume


def _close(p: Position, volume: float) -> CloseStep:
    return CloseStep(p.ticket, volume, p.side, whole=volume >= p.volume - 1e-9)


def _margin_action(positions: dict[str, list[Position]]) -> HedgeAction | None:
    """Free margin where it costs most to keep: the position with the largest floating loss."""
    every = [p for ps in positions.values() for p in ps if p.profit + p.swap < 0]
    if not every:
        return None
    worst = min(every, key=lambda p: (p.profit + p.swap, p.time, p.ticket))
    return HedgeAction(worst.symbol, (_close(worst, worst.volume),))


def _margin_suggestion(
    summary: HedgeSummary, rules: HedgeRules, positions: dict[str, list[Position]]
) -> list[Suggestion]:
    ml = summary.margin_level
    if ml is None:
        return []
    near_so = summary.margin_so_so > 0 and ml < summary.margin_so_so * 2
    if not (ml < rules.margin_warn_level or near_so):
        return []
    so = f"{summary.margin_so_so:.0f}%" if summary.margin_so_so else "?"
    action = _margin_action(positions)
    return [
        _suggestion(
            "margin", "", "suggest_margin", action, "suggest_do_margin", level=ml, stop_out=so
        )
    ]


def _exposure_action(r: HedgeRow, positions: Sequence[Position], step: float) -> HedgeAction | None:
    """Reduce the net exposure: the oldest positions on the net side, up to the net lots."""
    net = round(r.net_lots, 8)
    left = abs(net)
    closes: list[CloseStep] = []
    for p in _oldest(positions, "buy" if net > 0 else "sell"):
        if left <= 1e-9 or len(closes) == MAX_ACTION_CLOSES:
            break
        take = _step_down(min(left, p.volume), step)
        if take <= 0:
            break
        closes.append(_close(p, take))
        left = round(left - take, 8)
    return HedgeAction(r.symbol, tuple(closes)) if closes else None


def _exposure_suggestion(
    r: HedgeRow,
    summary: HedgeSummary,
    rules: HedgeRules,
    positions: Sequence[Position],
    step: float,
) -> list[Suggestion]:
    net = round(r.net_lots, 8)
    eq = summary.equity
    if not (net and eq and eq > 0 and r.value_per_price and r.price):
        return []
    cost = abs(net) * r.value_per_price * r.price * rules.exposure_move_pct / 100.0
    share = cost / eq * 100.0
    if share < rules.exposure_equity_pct:
        return []
    return [
        _suggestion(
            "net_exposure",
            r.symbol,
            "suggest_net_exposure",
            _exposure_action(r, positions, step),
            "suggest_do_reduce",
            side="suggest_net_long" if net > 0 else "suggest_net_short",
            lots=abs(net),
            move=rules.exposure_move_pct,
            cost=money(cost, currency=summary.currency),
            share=share,
        )
    ]


def _unlock_action(r: HedgeRow, positions: Sequence[Position]) -> HedgeAction | None:
    """Unlock one step: the oldest buy and the oldest sell, by the smaller of their volumes —
    the net exposure stays as it is and that part of the lock stops paying swap."""
    buys, sells = _oldest(positions, "buy"), _oldest(positions, "sell")
    if not buys or not sells:
        return None
    b, s = buys[0], sells[0]
    v = min(b.volume, s.volume)
    return HedgeAction(r.symbol, (_close(b, v), _close(s, v)))


def _locked_swap_suggestion(
    r: HedgeRow, currency: str, rules: HedgeRules, positions: Sequence[Position]
) -> list[Suggestion]:
    swap = r.buy.swap + r.sell.swap
    if not (r.locked and swap <= -rules.swap_bleed_min):
        return []
    return [
        _suggestion(
            "locked_swap",
            r.symbol,
            "suggest_locked_swap",
            _unlock_action(r, positions),
            "suggest_do_unlock",
            locked=r.locked_lots,
            buy=r.buy.lots,
            sell=r.sell.lots,
            swap=money(swap, currency=currency),
        )
    ]


def _break_even_suggestion(r: HedgeRow, currency: str, rules: HedgeRules) -> list[Suggestion]:
    dist = r.break_even_distance_pct
    be = r.break_even
    if dist is None or be is None or not r.price or r.floating >= 0:
        return []
    if dist < rules.far_from_be_pct:
        return []
    return [
        _suggestion(
            "far_from_break_even",
            r.symbol,
            "suggest_far_from_break_even",
            break_even=f"{be:.{r.digits}f}",
            price=f"{r.price:.{r.digits}f}",
            distance=dist,
            floating=money(r.floating, currency=currency),
        )
    ]


def suggest(
    summary: HedgeSummary,
    rules: HedgeRules,
    positions: dict[str, list[Position]] | None = None,
    lot_steps: dict[str, float] | None = None,
) -> list[Suggestion]:
    """Every suggestion the summary calls for; `positions` (by symbol) give the closing ones
    their exact tickets, `lot_steps` the lot step a partial close rounds down to."""
    positions = positions or {}
    steps = lot_steps or {}
    out = _margin_suggestion(summary, rules, positions)
    for r in summary.rows:
        held = positions.get(r.symbol, [])
        out += _exposure_suggestion(r, summary, rules, held, steps.get(r.symbol, 0.01))
        out += _locked_swap_suggestion(r, summary.currency, rules, held)
        out += _break_even_suggestion(r, summary.currency, rules)
    return out
