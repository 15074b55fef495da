"""Every word a report shows — chat text, Markdown, chart labels, hedge suggestions — in
Chinese and English, in one table.

Why here and not in `handlers/i18n/`: `reports/` may not import `handlers/` (the arrow points
the other way), and the renderers are called with a report, not by a conversation — by the
report service, the `tradechat report` export, the benchmarks and the tests. Passing every label
in would make each caller assemble some hundred words. So `reports/` keeps its own table, in
the same shape as `handlers/i18n/` (`label(lang, key, **values)`, key → (zh, en)), and
nothing else in `reports/` writes a sentence.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # --- titles and names -----------------------------------------------------------------
    "title_daily": ("📊 日报", "📊 Daily report"),
    "title_weekly": ("📊 周报", "📊 Weekly report"),
    "title_monthly": ("📊 月报", "📊 Monthly report"),
    "title_pnl": ("💰 盈亏", "💰 P&L"),
    "title_hedge": ("🧮 对冲EA分品种汇报", "🧮 Hedging EA summary by symbol"),
    "side_buy": ("多", "buy"),
    "side_sell": ("空", "sell"),
    "magic_manual": ("手动", "manual"),
    "magic_ea": ("EA {magic}", "EA {magic}"),
    "magic_own": ("本机器人", "tradechat"),
    "zone_suffix": ("（{zone}）", " ({zone})"),
    "clock_server": ("服务器时间 {offset}", "server time {offset}"),
    # --- periods ---------------------------------------------------------------------------
    "period_month": ("{day.year}年{day.month}月", "{day:%B %Y}"),
    "period_year": ("{day.year}年", "{day.year}"),
    "error_time_zone": (
        "[reports] timezone 中的时区 {name!r} 无效",
        "unknown time zone {name!r} in [reports] timezone",
    ),
    "error_period": ("无法识别的时段 {period!r}", "unknown period {period!r}"),
    "error_report_kind": ("无法识别的报告类型 {kind!r}", "unknown report kind {kind!r}"),
    "error_date": (
        "日期无效：{text!r}（格式 YYYY-MM-DD，例如 2025-03-14）",
        "not a valid date: {text!r} (use YYYY-MM-DD, e.g. 2025-03-14)",
    ),
    # --- P&L text ---------------------------------------------------------------------------
    "no_trades": ("本期没有成交。", "No trades in this period."),
    "realised_line": ("已实现盈亏：{amount}", "Realised P&L: {amount}"),
    "part_gross": ("毛利 {amount}", "gross {amount}"),
    "part_commission": ("手续费 {amount}", "commission {amount}"),
    "part_swap": ("库存费 {amount}", "swap {amount}"),
    "part_fee": ("费用 {amount}", "fees {amount}"),
    "part_other": ("其他扣费 {amount}", "other charges {amount}"),
    "open_positions_note": (
        "（{count} 笔持仓，{lots:.2f} 手）",
        " ({count} open, {lots:.2f} lots)",
    ),
    "floating_line": ("当前浮动盈亏：{amount}{positions}", "Floating P&L now: {amount}{positions}"),
    "total_line": (
        "合计（已实现 + 当前浮动）：{amount}",
        "Total (realised + floating now): {amount}",
    ),
    "trade_stats": (
        "平仓 {trades} 笔 · 胜率 {win_rate} · 均盈 {avg_win} / 均亏 {avg_loss} · 盈亏比 {pf}",
        "{trades} closed · win rate {win_rate} · avg win {avg_win} / avg loss {avg_loss} · "
        "profit factor {pf}",
    ),
    "best_trade": (
        "最佳：#{ticket} {symbol} {side} {volume:.2f}手 {net}",
        "Best: #{ticket} {symbol} {side} {volume:.2f} lots {net}",
    ),
    "worst_trade": (
        "最差：#{ticket} {symbol} {side} {volume:.2f}手 {net}",
        "Worst: #{ticket} {symbol} {side} {volume:.2f} lots {net}",
    ),
    "account_line": (
        "当前余额 {balance} · 净值 {equity} · 保证金比例 {margin_level}",
        "Now: balance {balance} · equity {equity} · margin level {margin_level}",
    ),
    "closing_balance_line": ("期末余额 {balance}", "Balance at period end {balance}"),
    "max_drawdown_line": ("最大回撤 {amount} ({pct})", "Max drawdown {amount} ({pct})"),
    "max_drawdown_unknown": ("最大回撤：数据不足", "Max drawdown: not enough data"),
    "by_symbol_head": ("按品种：", "By symbol:"),
    "by_magic_head": ("按EA（magic）：", "By EA (magic):"),
    "by_side_line": ("多/空：{parts}", "Buy/sell: {parts}"),
    "part_deposits": ("入金 {amount}", "deposits {amount}"),
    "part_withdrawals": ("出金 {amount}", "withdrawals {amount}"),
    "part_credit": ("信用 {amount}", "credit {amount}"),
    "balance_ops_line": (
        "出入金（不计入盈亏）：{parts}",
        "Deposits/withdrawals (not P&L): {parts}",
    ),
    "bucket_trades": ("（{trades} 笔）", " ({trades} trades)"),
    "bucket_trades_one": ("（{trades} 笔）", " ({trades} trade)"),
    "bucket_more": ("  其他 {count} 个 {net}", "  {count} more {net}"),
    # --- P&L Markdown -----------------------------------------------------------------------
    "md_realised": ("已实现盈亏", "Realised P&L"),
    "md_gross": ("毛利", "Gross profit"),
    "md_commission": ("手续费", "Commission"),
    "md_swap": ("库存费", "Swap"),
    "md_fee": ("费用", "Fees"),
    "md_other": ("其他扣费", "Other charges"),
    "md_floating": ("当前浮动盈亏", "Floating P&L (now)"),
    "md_total": ("合计（已实现 + 当前浮动）", "Total (realised + floating now)"),
    "md_trades": ("平仓笔数", "Closed trades"),
    "md_win_rate": ("胜率", "Win rate"),
    "md_avg_win": ("平均盈利", "Average win"),
    "md_avg_loss": ("平均亏损", "Average loss"),
    "md_profit_factor": ("盈亏比", "Profit factor"),
    "md_balance": ("余额", "Balance"),
    "md_equity": ("净值", "Equity"),
    "md_margin_level": ("保证金比例", "Margin level"),
    "md_balance_now": ("当前余额", "Balance (now)"),
    "md_equity_now": ("当前净值", "Equity (now)"),
    "md_margin_level_now": ("当前保证金比例", "Margin level (now)"),
    "md_balance_end": ("期末余额", "Balance at period end"),
    "md_max_drawdown": ("最大回撤", "Max drawdown"),
    "md_not_enough_data": ("数据不足", "not enough data"),
    "md_deposits": ("入金", "Deposits"),
    "md_withdrawals": ("出金", "Withdrawals"),
    "md_item": ("项目", "Item"),
    "md_by_symbol": ("按品种", "By symbol"),
    "md_by_magic": ("按EA", "By EA"),
    "md_by_side": ("按方向", "By side"),
    "md_bucket_header": (
        "| | 净盈亏 | 毛利 | 手续费 | 库存费 | 笔数 | 胜率 | 手数 |",
        "| | Net | Gross | Commission | Swap | Trades | Win rate | Lots |",
    ),
    "md_daily": ("## 每日", "## Daily"),
    "md_daily_header": ("| 日期 | 已实现 |", "| Day | Realised |"),
    "md_balance_ops": ("## 出入金（不计入盈亏）", "## Balance operations (not P&L)"),
    "md_balance_ops_header": (
        "| 时间（{zone}） | 类型 | 金额 | 备注 |",
        "| Time ({zone}) | Kind | Amount | Comment |",
    ),
    # --- hedge text -------------------------------------------------------------------------
    "hedge_locked": (" 🔒锁仓", " 🔒 locked"),
    "hedge_side_line": (
        "  {side} {count} 笔 {lots:.2f} 手 均价 {avg} 浮动 {floating}",
        "  {side} {count} trades, {lots:.2f} lots · avg {avg} · floating {floating}",
    ),
    "hedge_side_line_one": (
        "  {side} {count} 笔 {lots:.2f} 手 均价 {avg} 浮动 {floating}",
        "  {side} {count} trade, {lots:.2f} lots · avg {avg} · floating {floating}",
    ),
    "hedge_net_line": (
        "  净 {net:+.2f} 手 · 浮动合计 {floating} · 今日已实现 {realised}",
        "  net {net:+.2f} lots · floating {floating} · realised today {realised}",
    ),
    "hedge_flat_line": (
        "  无持仓 · 今日已实现 {realised}",
        "  no open positions · realised today {realised}",
    ),
    "hedge_largest_loss": (
        "最大单笔浮亏 #{ticket} {amount}",
        "largest open loss #{ticket} {amount}",
    ),
    "hedge_break_even": ("保本价 {price}", "break-even {price}"),
    "hedge_ea_line": (
        "  └ {ea}：多 {buy:.2f} / 空 {sell:.2f} 手 · 浮动 {floating}{lock}",
        "  └ {ea}: buy {buy:.2f} / sell {sell:.2f} lots · floating {floating}{lock}",
    ),
    "hedge_empty": ("当前没有持仓，今日也没有成交。", "No open positions and no deals today."),
    "hedge_total": (
        "合计：浮动 {floating} · 今日已实现 {realised}",
        "Total: floating {floating} · realised today {realised}",
    ),
    "suggestions_head": (
        "💡 建议（仅供参考，不会自动执行）：",
        "💡 Suggestions (for you to decide; nothing is done automatically):",
    ),
    "commentary_head": (
        "🤖 AI 点评（数字以上方为准）：",
        "🤖 AI commentary (the numbers above rule):",
    ),
    # --- hedge Markdown ---------------------------------------------------------------------
    "md_hedge_header": (
        "| 品种 | EA | 多单 | 多手数 | 多均价 | 空单 | 空手数 | 空均价 | 净手数 | 多浮动 | 空浮动 "
        "| 浮动合计 | 今日已实现 | 最大浮亏 | 保本价 | 锁仓 |",
        "| Symbol | EA | Buys | Buy lots | Buy avg | Sells | Sell lots | Sell avg | Net lots "
        "| Buy float | Sell float | Floating | Realised today | Largest loss | Break-even "
        "| Locked |",
    ),
    "md_hedge_floating": ("浮动合计", "Floating"),
    "md_hedge_realised": ("今日已实现", "Realised today"),
    "md_suggestions": ("## 建议（仅供参考，不会自动执行）", "## Suggestions (never executed)"),
    "md_commentary": ("## AI 点评", "## AI commentary"),
    # --- hedge suggestions ------------------------------------------------------------------
    "suggest_margin": (
        "保证金比例 {level:.0f}% 已接近强平线（{stop_out}）：可考虑减仓或入金。",
        "Margin level {level:.0f}% is close to the stop-out level ({stop_out}): consider "
        "reducing positions or adding funds.",
    ),
    "suggest_net_long": ("净多", "long"),
    "suggest_net_short": ("净空", "short"),
    "suggest_net_exposure": (
        "{symbol}：{side} {lots:.2f} 手，价格反向波动 {move:g}% 约亏 {cost}（占净值 "
        "{share:.1f}%），可考虑降低净敞口。",
        "{symbol}: net {side} {lots:.2f} lots — a {move:g}% move against it costs about "
        "{cost} ({share:.1f}% of equity). Consider reducing the net exposure.",
    ),
    "suggest_locked_swap": (
        "{symbol}：锁仓 {locked:.2f} 手（多 {buy:.2f} / 空 {sell:.2f}），已付隔夜利息 {swap}，"
        "锁仓无法从价格波动中获利，可考虑分步解锁。",
        "{symbol}: {locked:.2f} lots locked (buy {buy:.2f} / sell {sell:.2f}); swap so far "
        "{swap} and a lock cannot gain from price moves. Consider unlocking in steps.",
    ),
    "suggest_far_from_break_even": (
        "{symbol}：保本价 {break_even}，距现价 {price} 还差 {distance:.1f}%（浮动 {floating}），"
        "请评估是否继续加仓。",
        "{symbol}: break-even at {break_even}, {distance:.1f}% away from {price} (floating "
        "{floating}). Consider whether to keep averaging in.",
    ),
    # --- what a suggestion's one-tap plan closes (reports/hedge.py: HedgeAction) ------------
    "suggest_do_unlock": (
        " 一键解锁：平掉{closes}（净敞口不变）。",
        " One tap unlocks it: close {closes} (the net exposure stays).",
    ),
    "suggest_do_reduce": (
        " 一键减仓：平掉{closes}（共 {lots:.2f} 手）。",
        " One tap reduces it: close {closes} ({lots:.2f} lots in all).",
    ),
    "suggest_do_margin": (
        " 一键平掉浮亏最大的单：{closes}。",
        " One tap closes the largest loser: {closes}.",
    ),
    "suggest_close_step": ("{side}单 #{ticket} {lots:.2f} 手", "{side} #{ticket} {lots:.2f} lots"),
    "suggest_close_sep": ("、", ", "),
    # --- charts -----------------------------------------------------------------------------
    "chart_balance": ("余额", "Balance"),
    "chart_equity": ("净值", "Equity"),
    "chart_equity_now": ("当前净值", "Equity now"),
    "chart_no_snaps": ("暂无净值快照", "No equity snapshots yet"),
    "chart_bal_title": ("余额与净值", "Balance and equity"),
    "chart_by_symbol": ("各品种已实现盈亏", "Realised P&L by symbol"),
    "chart_daily": ("每日已实现盈亏", "Daily realised P&L"),
    "chart_hedge": ("各品种持仓与浮动盈亏", "Open lots and floating P&L by symbol"),
    "chart_buy": ("多单", "Buy"),
    "chart_sell": ("空单", "Sell"),
    "chart_lots_axis": ("← 空单   手数   多单 →", "← Sell   lots   Buy →"),
    "chart_floating": ("浮动盈亏", "Floating"),
    "chart_profit": ("盈利", "Profit"),
    "chart_loss": ("亏损", "Loss"),
    "chart_total": ("合计", "total"),
    "chart_others": ("其他 {n} 个品种", "{n} others"),
    "chart_top_n": ("前 {n} / 共 {total} 个品种", "top {n} of {total} symbols"),
    "chart_none": ("本期没有数据", "No data for this period"),
}


def label(lang: str, key: str, **values: object) -> str:
    """Entry `key` in `lang` ("zh", else English), formatted with `values`. A missing key is
    a programming error (KeyError), never a half-translated report."""
    zh, en = LABELS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def side_name(side: str, lang: str) -> str:
    """多/空 or buy/sell; anything else as it is."""
    key = f"side_{side}"
    return label(lang, key) if key in LABELS else side


def counted(lang: str, key: str, n: int, **values: object) -> str:
    """Entry `key` for a count of `n`: its "<key>_one" twin when n is 1 (English "1 trade")."""
    one = f"{key}_one"
    return label(lang, one if n == 1 and one in LABELS else key, **values)


def magic_name(m: int | str | None, lang: str, own_magic: int | None = None) -> str:
    """手动/manual for magic 0, 本机器人/tradechat for the bot's own (`[broker] magic`), else
    "EA <magic>"."""
    if m in (0, "0"):
        return label(lang, "magic_manual")
    if own_magic is not None and m is not None and str(m) == str(own_magic):
        return label(lang, "magic_own")
    return label(lang, "magic_ea", magic=m)
