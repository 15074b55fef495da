"""Plans → preview text: what will be done to which tickets, the price, the margin and every
risk check's line; the labels the result of an execution reuses (handlers/execute.py)."""

from __future__ import annotations

from collections.abc import Callable

from broker.models import Side
from handlers.format import lots as fmt_lots
from handlers.format import money, signed, table
from handlers.format import price as fmt_price
from handlers.i18n import t
from handlers.messages import Lang
from handlers.plans import Check, Leg, Plan, PlanAction, skip_lines
from nlp.intent import Intent
from nlp.management import OutOfRange

# --- rendering -------------------------------------------------------------------------------
# A preview names everything it touches: each ticket with its symbol, side, volume, entry price
# and floating P&L, and the totals per symbol when it touches more than one ticket. Every line
# about a ticket fits a phone (`TICKET_WIDTH` display cells, CJK counting double): a ticket's
# head line starts with "#", its details follow on indented lines, and the platform renderer
# never splits a message between a head line and its indented lines (bot/platforms/render.py).

TICKET_WIDTH = 32  # monospace columns a phone shows on one line
MAX_NAMED_SYMBOLS = 3  # more symbols than this: the head line counts them, the totals name them


def _side(lang: Lang, side: Side | None) -> str:
    return t(lang, side) if side else ""


def opt_price(lang: Lang, v: float | None, digits: int) -> str:
    """A stop or limit price, or the word for "none" when it is unset or removed (0)."""
    return t(lang, "none_value") if not v else fmt_price(v, digits)


def _count(lang: Lang, n: int, what: str) -> str:
    """ "3 单" / "3 positions", "1 position" (English has a singular)."""
    return t(lang, f"pv_{what}_one" if n == 1 else f"pv_{what}_many", n=n)


def _symbols(lang: Lang, legs: list[Leg]) -> str:
    """The symbols a plan touches, in the order of its legs, for the head line."""
    names = list(dict.fromkeys(leg.symbol for leg in legs))
    if len(names) > MAX_NAMED_SYMBOLS:
        return t(lang, "pv_n_symbols", n=len(names))
    return t(lang, "pv_symbol_sep").join(names)


def _ticket_line(lang: Lang, leg: Leg, lots: str, key: str = "pv_ticket") -> str:
    return t(lang, key, ticket=leg.ticket, symbol=leg.symbol, side=_side(lang, leg.side), lots=lots)


def leg_label(lang: Lang, leg: Leg, lots: float | None = None) -> str:
    """A leg named as its preview names it — `#123 XAUUSD 买 0.05 手`, a pending order's
    `#124 EURUSD 买限价 0.10 手`, a new order's `买入 XAUUSD 0.01 手` — for the result that
    replaces the preview (handlers/execute.py). `lots`: what was done, when it differs."""
    vol = fmt_lots(_leg_lots(leg) if lots is None else lots)
    if leg.ticket is None:
        side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
        if leg.action == "pending":
            side = _order_kind(lang, leg)
        return t(lang, "pv_new_order", side=side, symbol=leg.symbol, lots=vol)
    if leg.action in ("modify_order", "cancel"):
        kind = _order_kind(lang, leg)
        return t(lang, "pv_order", ticket=leg.ticket, symbol=leg.symbol, kind=kind, lots=vol)
    return _ticket_line(lang, leg, vol)


def _held_line(lang: Lang, leg: Leg) -> str:
    """The entry price and floating P&L of the position a leg acts on."""
    return t(
        lang, "pv_entry_pnl", price=fmt_price(leg.price, leg.digits), pnl=signed(leg.pnl or 0.0)
    )


def _leg_lots(leg: Leg) -> float:
    """The lots a leg touches: what it closes or cancels, the whole position it modifies."""
    return leg.volume if leg.volume else leg.total_volume or 0.0


def _totals(plan: Plan, lang: Lang, *, count: str, with_pnl: bool) -> list[str]:
    """The totals of a plan over several legs, between blank lines: a small aligned table of
    tickets, lots and floating P&L per symbol when it touches several symbols, then the overall
    total. Nothing for a single leg (its ticket lines say it all)."""
    if len(plan.legs) < 2:
        return []
    groups: dict[str, list[Leg]] = {}
    for leg in plan.legs:
        groups.setdefault(leg.symbol, []).append(leg)
    lines = [""]
    if len(groups) > 1:
        header = [t(lang, "col_symbol"), t(lang, f"pv_col_{count}"), t(lang, "col_lots")]
        rows = [[symbol, str(len(legs)), _lots_of(legs)] for symbol, legs in groups.items()]
        if with_pnl:
            header.append(t(lang, "col_pnl"))
            for row, legs in zip(rows, groups.values(), strict=True):
                row.append(_pnl_of(legs))
        lines.append(table(rows, "lrrr", header=header))
    n, lots = len(plan.legs), _lots_of(plan.legs)
    if with_pnl:
        lines.append(t(lang, "pv_total_pnl", n=n, lots=lots, pnl=_pnl_of(plan.legs)))
    else:
        lines.append(t(lang, "pv_total", n=n, lots=lots))
    return [*lines, ""]


def _lots_of(legs: list[Leg]) -> str:
    return fmt_lots(sum(_leg_lots(leg) for leg in legs))


def _pnl_of(legs: list[Leg]) -> str:
    return signed(sum(leg.pnl or 0.0 for leg in legs))


def _open_lines(plan: Plan, lang: Lang) -> list[str]:
    lines: list[str] = []
    leg = plan.legs[0]
    side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
    if leg.action == "pending":
        lines.append(
            t(
                lang,
                "preview_pending",
                side=side,
                kind=t(lang, leg.kind or "limit"),
                symbol=leg.symbol,
                lots=fmt_lots(leg.volume),
                price=fmt_price(leg.price, leg.digits),
            )
        )
    else:
        lines.append(
            t(lang, "preview_open", side=side, symbol=leg.symbol, lots=fmt_lots(leg.volume))
        )
    if plan.sizing is not None:
        z = plan.sizing
        lines.append(
            t(
                lang,
                "tm_risk_line",
                pct=f"{z['percent']:g}",
                dist=fmt_price(z["distance"], leg.digits),
                money=money(z["money"]),
                ccy=plan.currency,
                share=f"{z['share']:.2f}",
            )
        )
    if leg.sl or leg.tp:
        lines.append(
            t(
                lang,
                "preview_sltp",
                sl=opt_price(lang, leg.sl, leg.digits),
                tp=opt_price(lang, leg.tp, leg.digits),
            )
        )
    return lines


def _close_leg_lines(lang: Lang, leg: Leg) -> list[str]:
    total = leg.total_volume
    if total is None or leg.volume >= total - 1e-9:
        return [_ticket_line(lang, leg, fmt_lots(leg.volume)), _held_line(lang, leg)]
    part = f"{fmt_lots(leg.volume)}/{fmt_lots(total)}"
    keep = fmt_lots(round(total - leg.volume, 8))
    return [
        _ticket_line(lang, leg, part, "pv_ticket_part"),
        t(lang, "pv_partial", lots=fmt_lots(leg.volume), keep=keep),
        _held_line(lang, leg),
    ]


def _close_lines(plan: Plan, lang: Lang) -> list[str]:
    head = t(
        lang,
        "pv_close",
        symbols=_symbols(lang, plan.legs),
        count=_count(lang, len(plan.legs), "positions"),
        lots=fmt_lots(plan.total_volume),
    )
    lines = [head]
    if plan.intent.fraction is not None:
        pct = f"{plan.intent.fraction * 100:.4g}"
        lines.append(t(lang, "tm_fraction_line", pct=pct))
    lines.extend(_totals(plan, lang, count="positions", with_pnl=True))
    for leg in plan.legs:
        lines.extend(_close_leg_lines(lang, leg))
    lines.extend(skip_lines(lang, plan.skipped))
    return [*lines, ""]


def _moved(lang: Lang, old: float | None, new: float | None, pips: float | None, leg: Leg) -> str:
    """ "（+20 点 = 2.00）": what a move in pips was, next to the price it gives."""
    if pips is None or not old or new is None or not leg.pip:
        return ""
    dist = fmt_price(abs(new - old), leg.digits)
    return t(lang, "tm_moved_pips", pips=f"{pips:+g}", dist=dist)


def _stop_lines(lang: Lang, leg: Leg, intent: Intent) -> list[str]:
    """The SL and TP lines of a modify leg: old → new, always the absolute price, with the
    pips a shift meant and the entry a break-even is measured from."""
    old_sl = opt_price(lang, leg.old_sl, leg.digits)
    old_tp = opt_price(lang, leg.old_tp, leg.digits)
    sl = opt_price(lang, leg.old_sl if leg.sl is None else leg.sl, leg.digits)
    tp = opt_price(lang, leg.old_tp if leg.tp is None else leg.tp, leg.digits)
    sl_line = t(lang, "pv_sl_change", old=old_sl, new=sl)
    sl_line += _moved(lang, leg.old_sl, leg.sl, intent.sl_shift_pips, leg)
    if intent.breakeven and leg.sl is not None and leg.price is not None:
        buffer = round(abs(leg.sl - leg.price) / leg.pip, 1) if leg.pip else 0.0
        sl_line += t(
            lang, "tm_breakeven_note", entry=fmt_price(leg.price, leg.digits), pips=f"{buffer:g}"
        )
    tp_line = t(lang, "pv_tp_change", old=old_tp, new=tp)
    tp_line += _moved(lang, leg.old_tp, leg.tp, intent.tp_shift_pips, leg)
    return [sl_line, tp_line]


def _modify_leg_lines(lang: Lang, leg: Leg, intent: Intent) -> list[str]:
    lots = fmt_lots(leg.total_volume or 0.0)
    if leg.action == "modify_order":  # a pending order: its price, no P&L yet
        head = t(
            lang,
            "pv_order",
            ticket=leg.ticket,
            symbol=leg.symbol,
            kind=_order_kind(lang, leg),
            lots=lots,
        )
        held = t(lang, "pv_order_price", price=fmt_price(leg.price, leg.digits))
    else:
        head, held = _ticket_line(lang, leg, lots), _held_line(lang, leg)
    return [head, held, *_stop_lines(lang, leg, intent)]


def _modify_lines(plan: Plan, lang: Lang) -> list[str]:
    head = t(lang, "pv_modify", n=len(plan.legs), symbols=_symbols(lang, plan.legs))
    with_pnl = all(leg.action == "modify" for leg in plan.legs)
    lines = [head, *_totals(plan, lang, count="positions", with_pnl=with_pnl)]
    for leg in plan.legs:
        lines.extend(_modify_leg_lines(lang, leg, plan.intent))
    lines.extend(skip_lines(lang, plan.skipped))
    return [*lines, ""]


def _order_kind(lang: Lang, leg: Leg) -> str:
    """ "买限价" / "buy limit": the side and kind of a pending order."""
    return t(lang, "pv_order_kind", side=_side(lang, leg.side), kind=t(lang, leg.kind or "limit"))


def _cancel_lines(plan: Plan, lang: Lang) -> list[str]:
    head = t(
        lang,
        "pv_cancel",
        n=len(plan.legs),
        symbols=_symbols(lang, plan.legs),
        lots=fmt_lots(plan.total_volume),
    )
    lines = [head, *_totals(plan, lang, count="orders", with_pnl=False)]
    for leg in plan.legs:
        lines.append(
            t(
                lang,
                "pv_order",
                ticket=leg.ticket,
                symbol=leg.symbol,
                kind=_order_kind(lang, leg),
                lots=fmt_lots(leg.volume),
            )
        )
        lines.append(t(lang, "pv_order_price", price=fmt_price(leg.price, leg.digits)))
    return [*lines, ""]


_ACTION_LINES: dict[PlanAction, Callable[[Plan, Lang], list[str]]] = {
    "open": _open_lines,
    "close": _close_lines,
    "modify": _modify_lines,
    "cancel": _cancel_lines,
}


def render_plan(plan: Plan, lang: Lang, ttl_s: float | None = None, code: str | None = None) -> str:
    """The preview text: what will be done to which tickets, the price, margin, and every
    check's line."""
    from handlers import trailing  # lazily: handlers.trailing builds on this module

    trail = trailing.is_trail_plan(plan)
    lines = trailing.trail_lines(plan, lang) if trail else _ACTION_LINES[plan.action](plan, lang)
    if plan.bid is not None and plan.ask is not None:
        lines.append(
            t(
                lang,
                "preview_price",
                bid=fmt_price(plan.bid, plan.digits),
                ask=fmt_price(plan.ask, plan.digits),
            )
        )
    if plan.margin is not None:
        lines.append(t(lang, "preview_margin", margin=f"{plan.margin:,.2f}", ccy=plan.currency))
    lines.extend(check_lines(plan.checks, lang))
    if plan.ok and ttl_s is not None and code is not None:
        what = trailing.trail_then(plan, lang) if trail else None
        lines.append(then_line(plan, lang, ttl_s) if what is None else _then(lang, what, ttl_s))
    return "\n".join(lines)


def check_lines(checks: list[Check], lang: Lang) -> list[str]:
    """Every check's line when all passed. When some failed, the ⛔ header counts them and
    only they follow it (a ⛔ above ✅ lines would say the wrong thing); the passed ones
    are one summary line."""
    failed = [c for c in checks if not c.ok]
    if not failed:
        return [c.line(lang) for c in checks]
    lines = [t(lang, "preview_blocked_n", n=len(failed))]
    lines.extend(c.line(lang) for c in failed)
    if len(checks) > len(failed):
        lines.append(t(lang, "preview_checks_passed", n=len(checks) - len(failed)))
    return lines


def then_line(plan: Plan, lang: Lang, ttl_s: float) -> str:
    """The preview's last line: what ✅ will do, and how long it may be pressed."""
    return t(lang, "preview_then", what=_what_happens(plan, lang), ttl=int(ttl_s))


def _then(lang: Lang, what: str, ttl_s: float) -> str:
    return t(lang, "preview_then", what=what, ttl=int(ttl_s))


def _what_happens(plan: Plan, lang: Lang) -> str:
    n = len(plan.legs)
    if plan.action != "open" or not plan.legs:
        if plan.action == "close":
            return t(lang, "then_close", n=n, lots=fmt_lots(plan.total_volume))
        return t(lang, f"then_{plan.action}", n=n)
    leg = plan.legs[0]
    side = t(lang, "buy_long" if leg.side == "buy" else "sell_short")
    side = side if lang == "zh" else side.lower()
    if leg.action == "pending":
        return t(
            lang,
            "then_pending",
            side=side,
            kind=t(lang, leg.kind or "limit"),
            symbol=leg.symbol,
            lots=fmt_lots(leg.volume),
            price=fmt_price(leg.price, leg.digits),
        )
    return t(lang, "then_open", side=side, symbol=leg.symbol, lots=fmt_lots(leg.volume))


def out_of_range_text(trouble: OutOfRange, lang: Lang) -> str:
    """The answer to a management request read exactly but out of range: what was understood
    and what is allowed ("平掉150%", "按0%风险", "止损上移-5点")."""
    if trouble.what == "fraction":
        return t(lang, "tm_bad_fraction", pct=f"{trouble.facts.get('pct', 0):g}")
    if trouble.what == "risk":
        return t(lang, "tm_bad_risk", pct=f"{trouble.facts.get('pct', 0):g}")
    pips = f"{trouble.facts.get('pips', 0):g}"
    if trouble.what == "trailing":
        return t(lang, "tm_bad_trailing", pips=pips)
    level = "tp" if trouble.facts.get("level") == "tp" else "sl"
    return t(lang, "tm_bad_shift", pips=pips, level=t(lang, f"tm_level_{level}"))
