"""Report text: compact lines for chat (zh/en) and the same content as Markdown or HTML.
Every word comes from `reports/labels.py`, every amount from `reports/numbers.py`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime

from reports.clock import UserClock
from reports.hedge import HedgeRow, HedgeSummary
from reports.labels import LABELS, counted, label, magic_name, side_name
from reports.numbers import MISSING, money
from reports.pnl import Bucket, PnLReport

__all__ = [
    "hedge_markdown",
    "hedge_text",
    "magic_name",
    "markdown_to_html",
    "pct",
    "pnl_markdown",
    "pnl_text",
    "pnl_title",
]


def pct(x: float | None, digits: int = 0) -> str:
    return MISSING if x is None else f"{x:.{digits}f}%"


def _signed(x: float | None) -> str:
    return money(x, signed=True)


def _zone(zone_label: str, lang: str) -> str:
    return label(lang, "zone_suffix", zone=zone_label) if zone_label else ""


def _title(kind: str, lang: str) -> str:
    key = f"title_{kind}"
    return label(lang, key if key in LABELS else "title_pnl")


def pnl_title(
    rep: PnLReport, kind: str, lang: str, zone_label: str = "", own_magic: int | None = None
) -> str:
    what = []
    if rep.symbol:
        what.append(rep.symbol)
    if rep.magic is not None:
        what.append(magic_name(rep.magic, lang, own_magic))
    extra = f" {' '.join(what)}" if what else ""
    return f"{_title(kind, lang)}{extra} · {rep.period.label(lang)}{_zone(zone_label, lang)}"


def _account_line(lang: str, balance: float | None, equity: float | None, margin_level: str) -> str:
    return label(
        lang,
        "account_line",
        balance=money(balance),
        equity=money(equity),
        margin_level=margin_level,
    )


def _by_magic(rep: PnLReport, lang: str, own_magic: int | None) -> list[Bucket]:
    """The per-EA buckets keyed by the EA's name ("manual", "tradechat", "EA 5")."""
    return [
        Bucket(
            magic_name(k, lang, own_magic),
            b.profit,
            b.swap,
            b.commission,
            b.fee,
            b.trades,
            b.wins,
            b.losses,
            b.volume,
        )
        for k, b in rep.by_magic.items()
    ]


# -- P&L -------------------------------------------------------------------------------------
def _realised_lines(rep: PnLReport, lang: str, cur: str) -> list[str]:
    if rep.trading_deals == 0:
        return [label(lang, "no_trades")]
    parts = [
        label(lang, "part_gross", amount=_signed(rep.gross_profit)),
        label(lang, "part_commission", amount=_signed(rep.commission)),
        label(lang, "part_swap", amount=_signed(rep.swap)),
    ]
    if rep.fee:
        parts.append(label(lang, "part_fee", amount=_signed(rep.fee)))
    if rep.other_ops:
        parts.append(label(lang, "part_other", amount=_signed(rep.other_ops)))
    return [
        label(lang, "realised_line", amount=_signed(rep.realised) + cur),
        "  " + " · ".join(parts),
    ]


def _floating_lines(rep: PnLReport, lang: str, cur: str) -> list[str]:
    """Only while the period runs, and only when something is open: a period that has ended
    has no floating P&L of its own, and "+0.00 (0 open)" says nothing."""
    if rep.floating is None or not (rep.open_positions or rep.floating):
        return []
    positions = label(lang, "open_positions_note", count=rep.open_positions, lots=rep.open_volume)
    lines = [label(lang, "floating_line", amount=_signed(rep.floating) + cur, positions=positions)]
    if rep.trading_deals:
        lines.append(label(lang, "total_line", amount=_signed(rep.total) + cur))
    return lines


def _trade_lines(rep: PnLReport, lang: str) -> list[str]:
    if not rep.trades:
        return []
    lines = [
        label(
            lang,
            "trade_stats",
            trades=rep.trades,
            win_rate=pct((rep.win_rate or 0) * 100),
            avg_win=_signed(rep.avg_win),
            avg_loss=_signed(rep.avg_loss),
            pf=MISSING if rep.profit_factor is None else f"{rep.profit_factor:.2f}",
        )
    ]
    for key, t in (("best_trade", rep.best), ("worst_trade", rep.worst)):
        if t is not None:
            lines.append(
                label(
                    lang,
                    key,
                    ticket=t.ticket,
                    symbol=t.symbol,
                    side=side_name(t.side, lang),
                    volume=t.volume,
                    net=_signed(t.net),
                )
            )
    return lines


def _account_lines(rep: PnLReport, lang: str, brief: bool = False) -> list[str]:
    """The account now (running period) or its balance at the period's end; the drawdown, or
    "not enough data" (`brief` answers leave an unknown drawdown out)."""
    lines = []
    if rep.balance is not None and rep.running:
        ml = pct(rep.margin_level) if rep.margin_level is not None else MISSING
        lines.append(_account_line(lang, rep.balance, rep.equity, ml))
    elif rep.balance is not None:
        lines.append(label(lang, "closing_balance_line", balance=money(rep.balance)))
    if not rep.drawdown_shown:
        return lines
    if rep.max_drawdown is not None:
        lines.append(
            label(
                lang,
                "max_drawdown_line",
                amount=money(rep.max_drawdown),
                pct=pct(rep.max_drawdown_pct, 1),
            )
        )
    elif not brief:
        lines.append(label(lang, "max_drawdown_unknown"))
    return lines


def _breakdown_lines(rep: PnLReport, lang: str, top: int, own_magic: int | None) -> list[str]:
    lines = []
    if len(rep.by_symbol) > 1 or (rep.by_symbol and rep.symbol is None):
        lines.append(label(lang, "by_symbol_head"))
        lines.extend(_bucket_lines(rep.by_symbol.values(), lang, top))
    if rep.magic is None and (len(rep.by_magic) > 1):
        lines.append(label(lang, "by_magic_head"))
        lines.extend(_bucket_lines(_by_magic(rep, lang, own_magic), lang, top))
    if len(rep.by_side) > 1:
        sides = " · ".join(
            f"{side_name(k, lang)} {_signed(b.net)}"
            for k, b in sorted(rep.by_side.items())
            if k in ("buy", "sell")
        )
        lines.append(label(lang, "by_side_line", parts=sides))
    return lines


def _balance_ops_lines(rep: PnLReport, lang: str) -> list[str]:
    if not rep.balance_ops:
        return []
    parts = []
    if rep.deposits:
        parts.append(label(lang, "part_deposits", amount=_signed(rep.deposits)))
    if rep.withdrawals:
        parts.append(label(lang, "part_withdrawals", amount=_signed(rep.withdrawals)))
    if rep.credit:
        parts.append(label(lang, "part_credit", amount=_signed(rep.credit)))
    return [label(lang, "balance_ops_line", parts=" · ".join(parts))]


def pnl_text(
    rep: PnLReport,
    kind: str,
    lang: str,
    zone_label: str = "",
    top: int = 8,
    own_magic: int | None = None,
) -> str:
    """The chat text; `own_magic` is the bot's own (`[broker] magic`), named as such."""
    cur = f" {rep.currency}" if rep.currency else ""
    lines = [
        pnl_title(rep, kind, lang, zone_label, own_magic),
        *_realised_lines(rep, lang, cur),
        *_floating_lines(rep, lang, cur),
        *_trade_lines(rep, lang),
        *_account_lines(rep, lang, brief=kind == "pnl"),
        *_breakdown_lines(rep, lang, top, own_magic),
        *_balance_ops_lines(rep, lang),
    ]
    return "\n".join(lines)


def _bucket_lines(buckets: Iterable[Bucket], lang: str, top: int) -> list[str]:
    items = sorted(buckets, key=lambda b: -abs(b.net))
    out = [
        f"  {b.key} {_signed(b.net)}{counted(lang, 'bucket_trades', b.trades, trades=b.trades)}"
        for b in items[:top]
    ]
    if len(items) > top:
        rest = sum(b.net for b in items[top:])
        out.append(label(lang, "bucket_more", count=len(items) - top, net=_signed(rest)))
    return out


def _account_rows(rep: PnLReport, lang: str) -> list[tuple[str, str]]:
    """Floating, total and the account now while the period runs; its closing balance after."""
    if not rep.running:
        return [("md_balance_end", money(rep.balance))]
    return [
        ("md_floating", _signed(rep.floating)),
        ("md_total", _signed(rep.total)),
        ("md_balance_now", money(rep.balance)),
        ("md_equity_now", money(rep.equity)),
        ("md_margin_level_now", pct(rep.margin_level)),
    ]


def _pnl_rows(rep: PnLReport, lang: str) -> list[tuple[str, str]]:
    drawdown = (
        label(lang, "md_not_enough_data")
        if rep.max_drawdown is None
        else f"{money(rep.max_drawdown)} ({pct(rep.max_drawdown_pct, 1)})"
    )
    win_rate = pct(None if rep.win_rate is None else rep.win_rate * 100)
    pf = MISSING if rep.profit_factor is None else f"{rep.profit_factor:.2f}"
    values: list[tuple[str, str]] = [
        ("md_realised", _signed(rep.realised)),
        ("md_gross", _signed(rep.gross_profit)),
        ("md_commission", _signed(rep.commission)),
        ("md_swap", _signed(rep.swap)),
        ("md_fee", _signed(rep.fee)),
        ("md_other", _signed(rep.other_ops)),
        ("md_trades", str(rep.trades)),
        ("md_win_rate", win_rate),
        ("md_avg_win", _signed(rep.avg_win)),
        ("md_avg_loss", _signed(rep.avg_loss)),
        ("md_profit_factor", pf),
        *_account_rows(rep, lang),
        *([("md_max_drawdown", drawdown)] if rep.drawdown_shown else []),
        ("md_deposits", _signed(rep.deposits)),
        ("md_withdrawals", _signed(rep.withdrawals)),
    ]
    return [(label(lang, k), v) for k, v in values]


def _bucket_tables(rep: PnLReport, lang: str, own_magic: int | None) -> list[str]:
    out: list[str] = []
    for title, buckets in (
        (label(lang, "md_by_symbol"), list(rep.by_symbol.values())),
        (label(lang, "md_by_magic"), _by_magic(rep, lang, own_magic)),
        (label(lang, "md_by_side"), list(rep.by_side.values())),
    ):
        if not buckets:
            continue
        out += ["", f"## {title}", ""]
        out += [label(lang, "md_bucket_header"), "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for b in sorted(buckets, key=lambda b: -b.net):
            wr = pct(None if b.win_rate is None else b.win_rate * 100)
            out.append(
                f"| {b.key} | {_signed(b.net)} | {_signed(b.profit)} | {_signed(b.commission)} | "
                f"{_signed(b.swap)} | {b.trades} | {wr} | {b.volume:.2f} |"
            )
    return out


def _daily_and_ops_tables(rep: PnLReport, lang: str, clock: UserClock) -> list[str]:
    out: list[str] = []
    if len(rep.daily) > 1:
        out += ["", label(lang, "md_daily"), ""]
        out += [label(lang, "md_daily_header"), "|---|---:|"]
        out += [f"| {d.isoformat()} | {_signed(v)} |" for d, v in rep.daily]
    if rep.balance_ops:
        out += ["", label(lang, "md_balance_ops"), ""]
        zone = clock.zone_name(lang, rep.period.start)
        out += [label(lang, "md_balance_ops_header", zone=zone), "|---|---|---:|---|"]
        out += [
            f"| {clock.bare(op.time)} | {op.kind} | {_signed(op.amount)} | {_md(op.comment)} |"
            for op in rep.balance_ops
        ]
    return out


def pnl_markdown(
    rep: PnLReport,
    kind: str,
    lang: str,
    zone_label: str = "",
    own_magic: int | None = None,
    clock: UserClock | None = None,
) -> str:
    """The report as Markdown; times of balance operations in `clock` (default UTC)."""
    out = [f"# {pnl_title(rep, kind, lang, zone_label, own_magic)}", ""]
    if rep.trading_deals == 0:
        out += [label(lang, "no_trades"), ""]
    out += [f"| {label(lang, 'md_item')} | {rep.currency or ''} |", "|---|---:|"]
    out += [f"| {k} | {v} |" for k, v in _pnl_rows(rep, lang)]
    out += _bucket_tables(rep, lang, own_magic)
    out += _daily_and_ops_tables(rep, lang, clock or UserClock())
    return "\n".join(out) + "\n"


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


# -- hedge -----------------------------------------------------------------------------------
def _row_extra(r: HedgeRow, lang: str) -> list[str]:
    extra = []
    if r.largest_loss is not None:
        extra.append(
            label(
                lang,
                "hedge_largest_loss",
                ticket=r.largest_loss_ticket,
                amount=_signed(r.largest_loss),
            )
        )
    be = r.break_even
    if be is not None and be > 0:
        extra.append(label(lang, "hedge_break_even", price=f"{be:.{r.digits}f}"))
    return ["  " + " · ".join(extra)] if extra else []


def _row_lines(r: HedgeRow, lang: str, own_magic: int | None) -> list[str]:
    head = r.symbol if r.magic is None else f"{r.symbol} · {magic_name(r.magic, lang, own_magic)}"
    if r.locked:
        head += label(lang, "hedge_locked")
    out = [head]
    for side, st in (("buy", r.buy), ("sell", r.sell)):
        if not st.count:
            continue
        avg = MISSING if st.avg_price is None else f"{st.avg_price:.{r.digits}f}"
        out.append(
            counted(
                lang,
                "hedge_side_line",
                st.count,
                side=side_name(side, lang),
                count=st.count,
                lots=st.lots,
                avg=avg,
                floating=_signed(st.floating),
            )
        )
    realised = _signed(r.realised_today)
    if r.buy.count or r.sell.count:
        out.append(
            label(
                lang,
                "hedge_net_line",
                net=r.net_lots,
                floating=_signed(r.floating),
                realised=realised,
            )
        )
    else:
        out.append(label(lang, "hedge_flat_line", realised=realised))
    return out + _row_extra(r, lang)


def _ea_line(r: HedgeRow, lang: str, own_magic: int | None) -> str:
    return label(
        lang,
        "hedge_ea_line",
        ea=magic_name(r.magic, lang, own_magic),
        buy=r.buy.lots,
        sell=r.sell.lots,
        floating=_signed(r.floating),
        lock=" 🔒" if r.locked else "",
    )


def _hedge_tail(s: HedgeSummary, lang: str, commentary: str | None) -> list[str]:
    lines = []
    if s.balance is not None:
        lines.append(_account_line(lang, s.balance, s.equity, pct(s.margin_level)))
    if s.suggestions:
        lines.append(label(lang, "suggestions_head"))
        lines.extend(f"- {x.text(lang)}" for x in s.suggestions)
    if commentary:
        lines.append(label(lang, "commentary_head"))
        lines.append(commentary.strip())
    return lines


def hedge_text(
    s: HedgeSummary,
    lang: str,
    at: datetime,
    zone_label: str = "",
    by_magic: bool = False,
    commentary: str | None = None,
    own_magic: int | None = None,
) -> str:
    lines = [f"{label(lang, 'title_hedge')} · {at:%Y-%m-%d %H:%M}{_zone(zone_label, lang)}"]
    if s.empty:
        lines.append(label(lang, "hedge_empty"))
    for r in s.rows:
        lines.extend(_row_lines(r, lang, own_magic))
        eas = [m for m in s.magic_rows if m.symbol == r.symbol and (m.buy.count or m.sell.count)]
        if by_magic or len(eas) > 1:
            lines.extend(_ea_line(m, lang, own_magic) for m in eas)
    if not s.empty:
        lines.append(
            label(
                lang,
                "hedge_total",
                floating=_signed(s.floating),
                realised=_signed(s.realised_today),
            )
        )
    lines += _hedge_tail(s, lang, commentary)
    return "\n".join(lines)


def _hedge_md_row(r: HedgeRow, lang: str, own_magic: int | None) -> str:
    d = r.digits
    be = r.break_even
    cells = [
        r.symbol,
        "*" if r.magic is None else magic_name(r.magic, lang, own_magic),
        str(r.buy.count),
        f"{r.buy.lots:.2f}",
        MISSING if r.buy.avg_price is None else f"{r.buy.avg_price:.{d}f}",
        str(r.sell.count),
        f"{r.sell.lots:.2f}",
        MISSING if r.sell.avg_price is None else f"{r.sell.avg_price:.{d}f}",
        f"{r.net_lots:+.2f}",
        _signed(r.buy.floating),
        _signed(r.sell.floating),
        _signed(r.floating),
        _signed(r.realised_today),
        _signed(r.largest_loss),
        MISSING if be is None or be <= 0 else f"{be:.{d}f}",
        "🔒" if r.locked else "",
    ]
    return "| " + " | ".join(cells) + " |"


def hedge_markdown(
    s: HedgeSummary,
    lang: str,
    at: datetime,
    zone_label: str = "",
    commentary: str | None = None,
    own_magic: int | None = None,
) -> str:
    out = [f"# {label(lang, 'title_hedge')} · {at:%Y-%m-%d %H:%M}{_zone(zone_label, lang)}", ""]
    if s.empty:
        out.append(label(lang, "hedge_empty"))
        return "\n".join(out) + "\n"
    out += [
        label(lang, "md_hedge_header"),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    out += [_hedge_md_row(r, lang, own_magic) for r in [*s.rows, *s.magic_rows]]
    out += [
        "",
        f"**{label(lang, 'md_hedge_floating')}**: {_signed(s.floating)} · "
        f"**{label(lang, 'md_hedge_realised')}**: {_signed(s.realised_today)} · "
        f"**{label(lang, 'md_balance')}**: {money(s.balance)} · "
        f"**{label(lang, 'md_equity')}**: {money(s.equity)} · "
        f"**{label(lang, 'md_margin_level')}**: {pct(s.margin_level)}",
    ]
    if s.suggestions:
        out += ["", label(lang, "md_suggestions"), ""]
        out += [f"- {x.text(lang)}" for x in s.suggestions]
    if commentary:
        out += ["", label(lang, "md_commentary"), "", commentary.strip()]
    return "\n".join(out) + "\n"


_IMG = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)$")
_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
    "td{text-align:right}td:first-child{text-align:left}"
)


def _html_block(line: str) -> str | None:
    """One line that is neither a table row nor a list item, as HTML (None: blank)."""
    img = _IMG.match(line)
    if img:
        alt, src = (html.escape(x, quote=True) for x in img.groups())
        return f'<p><img src="{src}" alt="{alt}" style="max-width:100%"></p>'
    if line.startswith("## "):
        return f"<h2>{html.escape(line[3:])}</h2>"
    if line.startswith("# "):
        return f"<h1>{html.escape(line[2:])}</h1>"
    if not line:
        return None
    parts = html.escape(line).split("**")
    return "<p>" + "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts)) + "</p>"


class _HtmlBody:
    """The body being written: rows of the table being read are held until it ends; a list
    stays open until a line that is neither a list item nor a table row."""

    def __init__(self) -> None:
        self.body: list[str] = []
        self.table: list[list[str]] = []
        self.in_list = False

    def table_row(self, line: str) -> None:
        cells = [html.escape(c.strip().replace("\\|", "|")) for c in line.strip("|").split(" | ")]
        if not all(set(c) <= set("-:") for c in cells):  # not the |---|---:| separator
            self.table.append(cells)

    def flush_table(self) -> None:
        if not self.table:
            return
        self.body.append("<table>")
        for i, cells in enumerate(self.table):
            tag = "th" if i == 0 else "td"
            self.body.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
        self.body.append("</table>")
        self.table.clear()

    def list_item(self, text: str) -> None:
        if not self.in_list:
            self.body.append("<ul>")
            self.in_list = True
        self.body.append(f"<li>{html.escape(text)}</li>")

    def close_list(self) -> None:
        if self.in_list:
            self.body.append("</ul>")
            self.in_list = False

    def line(self, line: str) -> None:
        if line.startswith("|"):
            self.table_row(line)
            return
        self.flush_table()
        if line.startswith("- "):
            self.list_item(line[2:])
            return
        self.close_list()
        block = _html_block(line)
        if block is not None:
            self.body.append(block)


def markdown_to_html(md: str, title: str = "tradechat report") -> str:
    """A small renderer for the Markdown these functions write: headings, tables, lists,
    paragraphs. Everything is escaped."""
    doc = _HtmlBody()
    for raw in md.splitlines():
        doc.line(raw.rstrip())
    doc.flush_table()
    doc.close_list()
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>\n" + "\n".join(doc.body) + "\n</body></html>\n"
    )
