"""Report text: compact lines for chat (zh/en) and the same content as Markdown or HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime

from reports.hedge import HedgeRow, HedgeSummary
from reports.numbers import money
from reports.pnl import Bucket, PnLReport

TITLES = {
    "daily": {"zh": "📊 日报", "en": "📊 Daily report"},
    "weekly": {"zh": "📊 周报", "en": "📊 Weekly report"},
    "monthly": {"zh": "📊 月报", "en": "📊 Monthly report"},
    "pnl": {"zh": "💰 盈亏", "en": "💰 P&L"},
    "hedge": {"zh": "🧮 对冲EA分品种汇报", "en": "🧮 Hedging EA summary by symbol"},
}
SIDE = {"buy": {"zh": "多", "en": "buy"}, "sell": {"zh": "空", "en": "sell"}}


def pct(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{x:.{digits}f}%"


def magic_name(m: int | str | None, lang: str) -> str:
    if m in (0, "0"):
        return "手动" if lang == "zh" else "manual"
    return f"EA {m}"


def _zone_name(zone_label: str) -> str:
    return f"（{zone_label}）" if zone_label else ""


def pnl_title(rep: PnLReport, kind: str, lang: str, zone_label: str = "") -> str:
    head = TITLES.get(kind, TITLES["pnl"])[lang]
    what = []
    if rep.symbol:
        what.append(rep.symbol)
    if rep.magic is not None:
        what.append(magic_name(rep.magic, lang))
    label = rep.period.label(lang)
    extra = f" {' '.join(what)}" if what else ""
    zone = f" ({zone_label})" if zone_label and lang == "en" else _zone_name(zone_label)
    return f"{head}{extra} · {label}{zone}"


# -- P&L -------------------------------------------------------------------------------------
def pnl_text(rep: PnLReport, kind: str, lang: str, zone_label: str = "", top: int = 8) -> str:
    zh = lang == "zh"
    cur = f" {rep.currency}" if rep.currency else ""
    lines = [pnl_title(rep, kind, lang, zone_label)]
    if rep.trading_deals == 0:
        lines.append("本期没有成交。" if zh else "No trades in this period.")
    else:
        lines.append(
            ("已实现盈亏：" if zh else "Realised P&L: ") + money(rep.realised, signed=True) + cur
        )
        parts = [
            ("毛利 " if zh else "gross ") + money(rep.gross_profit, signed=True),
            ("手续费 " if zh else "commission ") + money(rep.commission, signed=True),
            ("库存费 " if zh else "swap ") + money(rep.swap, signed=True),
        ]
        if rep.fee:
            parts.append(("费用 " if zh else "fees ") + money(rep.fee, signed=True))
        if rep.other_ops:
            parts.append(
                ("其他扣费 " if zh else "other charges ") + money(rep.other_ops, signed=True)
            )
        lines.append("  " + " · ".join(parts))
    if rep.floating is not None:
        pos = (
            f"（{rep.open_positions} 笔持仓，{rep.open_volume:.2f} 手）"
            if zh
            else f" ({rep.open_positions} open, {rep.open_volume:.2f} lots)"
        )
        lines.append(
            ("浮动盈亏：" if zh else "Floating P&L: ")
            + money(rep.floating, signed=True)
            + cur
            + pos
        )
        if rep.trading_deals:
            lines.append(("合计：" if zh else "Total: ") + money(rep.total, signed=True) + cur)
    if rep.trades:
        pf = "—" if rep.profit_factor is None else f"{rep.profit_factor:.2f}"
        if zh:
            lines.append(
                f"平仓 {rep.trades} 笔 · 胜率 {pct((rep.win_rate or 0) * 100)} · "
                f"均盈 {money(rep.avg_win, signed=True)} / 均亏 {money(rep.avg_loss, signed=True)} · 盈亏比 {pf}"
            )
        else:
            lines.append(
                f"{rep.trades} closed · win rate {pct((rep.win_rate or 0) * 100)} · "
                f"avg win {money(rep.avg_win, signed=True)} / avg loss {money(rep.avg_loss, signed=True)} · "
                f"profit factor {pf}"
            )
        for label_zh, label_en, t in (("最佳", "Best", rep.best), ("最差", "Worst", rep.worst)):
            if t is not None:
                side = SIDE.get(t.side, {}).get(lang, t.side)
                lines.append(
                    f"{label_zh if zh else label_en}：#{t.ticket} {t.symbol} {side} "
                    f"{t.volume:.2f}{'手' if zh else ' lots'} {money(t.net, signed=True)}"
                    if zh
                    else f"{label_en}: #{t.ticket} {t.symbol} {side} {t.volume:.2f} lots "
                    f"{money(t.net, signed=True)}"
                )
    if rep.balance is not None:
        ml = pct(rep.margin_level) if rep.margin_level is not None else "—"
        lines.append(
            f"余额 {money(rep.balance)} · 净值 {money(rep.equity)} · 保证金比例 {ml}"
            if zh
            else f"Balance {money(rep.balance)} · equity {money(rep.equity)} · margin level {ml}"
        )
    if rep.max_drawdown is not None:
        lines.append(
            ("最大回撤 " if zh else "Max drawdown ")
            + f"{money(rep.max_drawdown)} ({pct(rep.max_drawdown_pct, 1)})"
        )
    if len(rep.by_symbol) > 1 or (rep.by_symbol and rep.symbol is None):
        lines.append("按品种：" if zh else "By symbol:")
        lines.extend(_bucket_lines(rep.by_symbol.values(), lang, top))
    if rep.magic is None and (len(rep.by_magic) > 1):
        lines.append("按EA（magic）：" if zh else "By EA (magic):")
        buckets = [
            Bucket(
                magic_name(k, lang),
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
        lines.extend(_bucket_lines(buckets, lang, top))
    if len(rep.by_side) > 1:
        lines.append(
            ("多/空：" if zh else "Buy/sell: ")
            + " · ".join(
                f"{SIDE[k][lang]} {money(b.net, signed=True)}"
                for k, b in sorted(rep.by_side.items())
                if k in SIDE
            )
        )
    if rep.balance_ops:
        parts = []
        if rep.deposits:
            parts.append(("入金 " if zh else "deposits ") + money(rep.deposits, signed=True))
        if rep.withdrawals:
            parts.append(("出金 " if zh else "withdrawals ") + money(rep.withdrawals, signed=True))
        if rep.credit:
            parts.append(("信用 " if zh else "credit ") + money(rep.credit, signed=True))
        lines.append(
            ("出入金（不计入盈亏）：" if zh else "Deposits/withdrawals (not P&L): ")
            + " · ".join(parts)
        )
    return "\n".join(lines)


def _bucket_lines(buckets: Iterable[Bucket], lang: str, top: int) -> list[str]:
    items = sorted(buckets, key=lambda b: -abs(b.net))
    out = []
    for b in items[:top]:
        n = f"（{b.trades} 笔）" if lang == "zh" else f" ({b.trades} trades)"
        out.append(f"  {b.key} {money(b.net, signed=True)}{n}")
    if len(items) > top:
        rest = sum(b.net for b in items[top:])
        out.append(
            f"  其他 {len(items) - top} 个 {money(rest, signed=True)}"
            if lang == "zh"
            else f"  {len(items) - top} more {money(rest, signed=True)}"
        )
    return out


def pnl_markdown(rep: PnLReport, kind: str, lang: str, zone_label: str = "") -> str:
    zh = lang == "zh"
    t = pnl_title(rep, kind, lang, zone_label)
    rows: list[tuple[str, str]] = [
        ("已实现盈亏" if zh else "Realised P&L", money(rep.realised, signed=True)),
        ("毛利" if zh else "Gross profit", money(rep.gross_profit, signed=True)),
        ("手续费" if zh else "Commission", money(rep.commission, signed=True)),
        ("库存费" if zh else "Swap", money(rep.swap, signed=True)),
        ("费用" if zh else "Fees", money(rep.fee, signed=True)),
        ("其他扣费" if zh else "Other charges", money(rep.other_ops, signed=True)),
        ("浮动盈亏" if zh else "Floating P&L", money(rep.floating, signed=True)),
        ("平仓笔数" if zh else "Closed trades", str(rep.trades)),
        ("胜率" if zh else "Win rate", pct(None if rep.win_rate is None else rep.win_rate * 100)),
        ("平均盈利" if zh else "Average win", money(rep.avg_win, signed=True)),
        ("平均亏损" if zh else "Average loss", money(rep.avg_loss, signed=True)),
        (
            "盈亏比" if zh else "Profit factor",
            "—" if rep.profit_factor is None else f"{rep.profit_factor:.2f}",
        ),
        ("余额" if zh else "Balance", money(rep.balance)),
        ("净值" if zh else "Equity", money(rep.equity)),
        ("保证金比例" if zh else "Margin level", pct(rep.margin_level)),
        (
            "最大回撤" if zh else "Max drawdown",
            "—"
            if rep.max_drawdown is None
            else f"{money(rep.max_drawdown)} ({pct(rep.max_drawdown_pct, 1)})",
        ),
        ("入金" if zh else "Deposits", money(rep.deposits, signed=True)),
        ("出金" if zh else "Withdrawals", money(rep.withdrawals, signed=True)),
    ]
    out = [f"# {t}", ""]
    if rep.trading_deals == 0:
        out += ["本期没有成交。" if zh else "No trades in this period.", ""]
    out += [f"| {'项目' if zh else 'Item'} | {rep.currency or ''} |", "|---|---:|"]
    out += [f"| {k} | {v} |" for k, v in rows]
    for title, buckets in (
        ("按品种" if zh else "By symbol", list(rep.by_symbol.values())),
        (
            "按EA" if zh else "By EA",
            [
                Bucket(
                    magic_name(k, lang),
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
            ],
        ),
        ("按方向" if zh else "By side", list(rep.by_side.values())),
    ):
        if not buckets:
            continue
        out += ["", f"## {title}", ""]
        out += [
            "| | 净盈亏 | 毛利 | 手续费 | 库存费 | 笔数 | 胜率 | 手数 |"
            if zh
            else "| | Net | Gross | Commission | Swap | Trades | Win rate | Lots |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for b in sorted(buckets, key=lambda b: -b.net):
            wr = pct(None if b.win_rate is None else b.win_rate * 100)
            out.append(
                f"| {b.key} | {money(b.net, signed=True)} | {money(b.profit, signed=True)} | {money(b.commission, signed=True)} | "
                f"{money(b.swap, signed=True)} | {b.trades} | {wr} | {b.volume:.2f} |"
            )
    if len(rep.daily) > 1:
        out += ["", "## 每日" if zh else "## Daily", ""]
        out += ["| 日期 | 已实现 |" if zh else "| Day | Realised |", "|---|---:|"]
        out += [f"| {d.isoformat()} | {money(v, signed=True)} |" for d, v in rep.daily]
    if rep.balance_ops:
        out += ["", "## 出入金（不计入盈亏）" if zh else "## Balance operations (not P&L)", ""]
        out += [
            "| 时间 (UTC) | 类型 | 金额 | 备注 |"
            if zh
            else "| Time (UTC) | Kind | Amount | Comment |",
            "|---|---|---:|---|",
        ]
        out += [
            f"| {op.time:%Y-%m-%d %H:%M} | {op.kind} | {money(op.amount, signed=True)} | {_md(op.comment)} |"
            for op in rep.balance_ops
        ]
    return "\n".join(out) + "\n"


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


# -- hedge -----------------------------------------------------------------------------------
def _row_lines(r: HedgeRow, lang: str) -> list[str]:
    zh = lang == "zh"
    d = r.digits
    head = r.symbol if r.magic is None else f"{r.symbol} · {magic_name(r.magic, lang)}"
    if r.locked:
        head += " 🔒锁仓" if zh else " 🔒 locked"
    out = [head]
    for side, st in (("buy", r.buy), ("sell", r.sell)):
        if not st.count:
            continue
        avg = "—" if st.avg_price is None else f"{st.avg_price:.{d}f}"
        out.append(
            f"  {SIDE[side]['zh']} {st.count} 笔 {st.lots:.2f} 手 均价 {avg} 浮动 {money(st.floating, signed=True)}"
            if zh
            else f"  {side} {st.count} × {st.lots:.2f} lots avg {avg} floating {money(st.floating, signed=True)}"
        )
    if r.buy.count or r.sell.count:
        out.append(
            f"  净 {r.net_lots:+.2f} 手 · 浮动合计 {money(r.floating, signed=True)} · 今日已实现 {money(r.realised_today, signed=True)}"
            if zh
            else f"  net {r.net_lots:+.2f} lots · floating {money(r.floating, signed=True)} · "
            f"realised today {money(r.realised_today, signed=True)}"
        )
    else:
        out.append(
            f"  无持仓 · 今日已实现 {money(r.realised_today, signed=True)}"
            if zh
            else f"  no open positions · realised today {money(r.realised_today, signed=True)}"
        )
    extra = []
    if r.largest_loss is not None:
        extra.append(
            f"最大单笔浮亏 #{r.largest_loss_ticket} {money(r.largest_loss, signed=True)}"
            if zh
            else f"largest open loss #{r.largest_loss_ticket} {money(r.largest_loss, signed=True)}"
        )
    be = r.break_even
    if be is not None and be > 0:
        extra.append(f"保本价 {be:.{d}f}" if zh else f"break-even {be:.{d}f}")
    if extra:
        out.append("  " + " · ".join(extra))
    return out


def _ea_line(r: HedgeRow, lang: str) -> str:
    lock = " 🔒" if r.locked else ""
    if lang == "zh":
        return (
            f"  └ {magic_name(r.magic, lang)}：多 {r.buy.lots:.2f} / 空 {r.sell.lots:.2f} 手"
            f" · 浮动 {money(r.floating, signed=True)}{lock}"
        )
    return (
        f"  └ {magic_name(r.magic, lang)}: buy {r.buy.lots:.2f} / sell {r.sell.lots:.2f} lots"
        f" · floating {money(r.floating, signed=True)}{lock}"
    )


def hedge_text(
    s: HedgeSummary,
    lang: str,
    at: datetime,
    zone_label: str = "",
    by_magic: bool = False,
    commentary: str | None = None,
) -> str:
    zh = lang == "zh"
    lines = [
        f"{TITLES['hedge'][lang]} · {at:%Y-%m-%d %H:%M}{_zone_name(zone_label) if zh else f' ({zone_label})' if zone_label else ''}"
    ]
    if s.empty:
        lines.append(
            "当前没有持仓，今日也没有成交。" if zh else "No open positions and no deals today."
        )
    for r in s.rows:
        lines.extend(_row_lines(r, lang))
        eas = [m for m in s.magic_rows if m.symbol == r.symbol and (m.buy.count or m.sell.count)]
        if by_magic or len(eas) > 1:
            lines.extend(_ea_line(m, lang) for m in eas)
    if not s.empty:
        lines.append(
            f"合计：浮动 {money(s.floating, signed=True)} · 今日已实现 {money(s.realised_today, signed=True)}"
            if zh
            else f"Total: floating {money(s.floating, signed=True)} · realised today {money(s.realised_today, signed=True)}"
        )
    if s.balance is not None:
        ml = pct(s.margin_level)
        lines.append(
            f"余额 {money(s.balance)} · 净值 {money(s.equity)} · 保证金比例 {ml}"
            if zh
            else f"Balance {money(s.balance)} · equity {money(s.equity)} · margin level {ml}"
        )
    if s.suggestions:
        lines.append(
            "💡 建议（仅供参考，不会自动执行）："
            if zh
            else "💡 Suggestions (for you to decide; nothing is done automatically):"
        )
        lines.extend(f"- {x.text(lang)}" for x in s.suggestions)
    if commentary:
        lines.append(
            "🤖 AI 点评（数字以上方为准）：" if zh else "🤖 AI commentary (the numbers above rule):"
        )
        lines.append(commentary.strip())
    return "\n".join(lines)


def hedge_markdown(
    s: HedgeSummary, lang: str, at: datetime, zone_label: str = "", commentary: str | None = None
) -> str:
    zh = lang == "zh"
    out = [f"# {TITLES['hedge'][lang]} · {at:%Y-%m-%d %H:%M} {zone_label}".rstrip(), ""]
    if s.empty:
        out.append(
            "当前没有持仓，今日也没有成交。" if zh else "No open positions and no deals today."
        )
        return "\n".join(out) + "\n"
    head = (
        "| 品种 | EA | 多单 | 多手数 | 多均价 | 空单 | 空手数 | 空均价 | 净手数 | 多浮动 | 空浮动 | 浮动合计 | 今日已实现 | 最大浮亏 | 保本价 | 锁仓 |"
        if zh
        else "| Symbol | EA | Buys | Buy lots | Buy avg | Sells | Sell lots | Sell avg | Net lots | Buy float | Sell float | Floating | Realised today | Largest loss | Break-even | Locked |"
    )
    out += [head, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in [*s.rows, *s.magic_rows]:
        d = r.digits
        be = r.break_even
        out.append(
            "| "
            + " | ".join(
                [
                    r.symbol,
                    "*" if r.magic is None else magic_name(r.magic, lang),
                    str(r.buy.count),
                    f"{r.buy.lots:.2f}",
                    "—" if r.buy.avg_price is None else f"{r.buy.avg_price:.{d}f}",
                    str(r.sell.count),
                    f"{r.sell.lots:.2f}",
                    "—" if r.sell.avg_price is None else f"{r.sell.avg_price:.{d}f}",
                    f"{r.net_lots:+.2f}",
                    money(r.buy.floating, signed=True),
                    money(r.sell.floating, signed=True),
                    money(r.floating, signed=True),
                    money(r.realised_today, signed=True),
                    money(r.largest_loss, signed=True),
                    "—" if be is None or be <= 0 else f"{be:.{d}f}",
                    "🔒" if r.locked else "",
                ]
            )
            + " |"
        )
    out += [
        "",
        f"**{'浮动合计' if zh else 'Floating'}**: {money(s.floating, signed=True)} · "
        f"**{'今日已实现' if zh else 'Realised today'}**: {money(s.realised_today, signed=True)} · "
        f"**{'余额' if zh else 'Balance'}**: {money(s.balance)} · "
        f"**{'净值' if zh else 'Equity'}**: {money(s.equity)} · "
        f"**{'保证金比例' if zh else 'Margin level'}**: {pct(s.margin_level)}",
    ]
    if s.suggestions:
        out += [
            "",
            "## 建议（仅供参考，不会自动执行）" if zh else "## Suggestions (never executed)",
            "",
        ]
        out += [f"- {x.text(lang)}" for x in s.suggestions]
    if commentary:
        out += ["", "## AI 点评" if zh else "## AI commentary", "", commentary.strip()]
    return "\n".join(out) + "\n"


_IMG = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)$")


def markdown_to_html(md: str, title: str = "tradechat report") -> str:
    """A small renderer for the Markdown these functions write: headings, tables, lists,
    paragraphs. Everything is escaped."""
    body: list[str] = []
    table: list[list[str]] = []

    def flush_table() -> None:
        if not table:
            return
        body.append("<table>")
        for i, cells in enumerate(table):
            tag = "th" if i == 0 else "td"
            body.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
        body.append("</table>")
        table.clear()

    in_list = False
    for raw in md.splitlines():
        line = raw.rstrip()
        if line.startswith("|"):
            cells = [
                html.escape(c.strip().replace("\\|", "|")) for c in line.strip("|").split(" | ")
            ]
            if all(set(c) <= set("-:") for c in cells):
                continue
            table.append(cells)
            continue
        flush_table()
        if line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        img = _IMG.match(line)
        if img:
            alt, src = (html.escape(x, quote=True) for x in img.groups())
            body.append(f'<p><img src="{src}" alt="{alt}" style="max-width:100%"></p>')
        elif line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line:
            esc = html.escape(line)
            parts = esc.split("**")
            esc = "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
            body.append(f"<p>{esc}</p>")
    flush_table()
    if in_list:
        body.append("</ul>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}"
        "td{text-align:right}td:first-child{text-align:left}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
