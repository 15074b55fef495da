"""What goes out without being asked, and the report service's sentences: alerts, deal
notices, report texts, snapshot ages."""

STRINGS: dict[str, tuple[str, str]] = {
    # ==== pushes and reports (handlers/pushes.py, handlers/report_service.py) ==================
    # Alerts, new-deal notices and the report service's own sentences. Amounts arrive already
    # formatted by `reports.numbers.money`; percentages are formatted here.
    # --- alerts -------------------------------------------------------------------------
    "alert_margin": (
        "⚠️ 保证金比例 {level:.0f}%，低于提醒线 {threshold:.0f}%（强平线 {stop_out}）。"
        "净值 {equity}，已用保证金 {margin}。",
        "⚠️ Margin level {level:.0f}% is below {threshold:.0f}% (stop-out {stop_out}). "
        "Equity {equity}, margin {margin}.",
    ),
    "alert_drawdown": (
        "⚠️ 净值较今日开始下跌 {down:.1f}%：{start} → {now}（提醒线 {threshold:g}%）。",
        "⚠️ Equity is down {down:.1f}% since the day began: {start} → {now} "
        "(threshold {threshold:g}%).",
    ),
    "alert_terminal_down": (
        "🔌 交易终端连接中断{why}，正在自动重连；期间暂停交易。",
        "🔌 Lost the trading terminal{why}; reconnecting. Trading is paused meanwhile.",
    ),
    "alert_terminal_down_why": ("（{reason}）", " ({reason})"),
    "alert_terminal_up": (
        "✅ 交易终端已重新连接，恢复交易。",
        "✅ The trading terminal is connected again; trading resumed.",
    ),
    # --- new deals ----------------------------------------------------------------------
    "deals_head": ("🔔 {n} 笔新成交：", "🔔 {n} new deal(s):"),
    "deals_side_buy": ("多", "buy"),
    "deals_side_sell": ("空", "sell"),
    "deals_entry_in": ("开仓", "open"),
    "deals_entry_out": ("平仓", "close"),
    "deals_entry_inout": ("反手", "inout"),
    "deals_entry_out_by": ("对冲平仓", "out_by"),
    "deals_more": ("  …另有 {n} 笔，合计 {net}", "  …and {n} more, net {net}"),
    "deals_total": ("合计已实现：{net}", "Net realised: {net}"),
    # --- report service -----------------------------------------------------------------
    "report_internal_error": ("内部错误，已记录日志", "internal error, logged"),
    "report_history_failed": (
        "⚠️ 无法生成报告：读取交易历史失败（{reason}）。没有给出任何数字，以免出错，请稍后再试。",
        "⚠️ No report: the trade history could not be read ({reason}). No numbers are "
        "shown rather than wrong ones; please try again later.",
    ),
    "report_not_started": (
        "{period} 还没有开始，暂无数据。",
        "{period} has not started yet: there is nothing to report.",
    ),
    "report_no_such_kind": (
        "没有这种报告：{kind}（可用：日报、周报、月报、对冲汇报）",
        "No such report: {kind} (daily, weekly, monthly or hedge)",
    ),
    # not shown to a person: the request to the commentary model, in the reader's language
    "report_commentary_prompt": (
        "请用中文用不超过三句话点评下面这份交易报告，不要给出新的数字：\n{report}",
        "In English, comment on this trading report in at most three sentences; "
        "add no numbers:\n{report}",
    ),
    "report_ai_commentary_head": ("🤖 AI 点评（数字以上方为准）：", "🤖 AI commentary:"),
    "report_ai_commentary_md": ("AI 点评", "AI commentary"),
    "chart_caption_balance": ("余额与净值", "Balance and equity"),
    "chart_caption_daily": ("每日盈亏", "Daily P&L"),
    "chart_caption_symbols": ("各品种盈亏", "P&L by symbol"),
    "chart_caption_hedge": ("各品种持仓与浮动盈亏", "Open lots and floating P&L"),
    # --- answers from the terminal snapshot (issue 12 item 5: one hung call freezes nobody) ---------
    # Appended as its own section so that parallel edits of STRINGS above merge cleanly.
    "snapshot_age": (
        "⚠️ 交易终端正忙（可能有一笔交易未返回），以上是 {age}前的数据，可能已变化。",
        "⚠️ The trading terminal is busy (a trade may not have returned yet); these "
        "figures are from {age} ago and may have changed.",
    ),
    "snapshot_age_s": ("{n} 秒", "{n} s"),
    "snapshot_age_min": ("{n} 分钟", "{n} min"),
    # the broker's notes for a stuck or busy terminal (broker/mt5/broker.py)
    "broker_call_stuck": (
        "交易终端的调用超过 {seconds} 秒未返回",
        "A call to the trading terminal did not return within {seconds} s",
    ),
    "broker_busy": (
        "交易终端正忙，未能及时处理这个请求",
        "The trading terminal is busy and did not get to this request in time",
    ),
    # --- issue 13, builds 2 and 6 (reports): a running period's time names its clock ------------
    "report_running_as_of": (
        "\n（本期尚未结束，数据截至 {as_of}，{zone}）",
        "\n(period still running; figures as of {as_of}, {zone})",
    ),
}
