"""User-facing strings of the market area, (zh, en) per key."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # --- contract info, history, alerts (handlers/market_info.py, handlers/alerts.py)
    "mk_info_title": ("📄 {symbol} · {description}", "📄 {symbol} · {description}"),
    "mk_info_price": (
        "买价 {bid} / 卖价 {ask} · 点差 {spread} 点",
        "Bid {bid} / Ask {ask} · spread {spread} pts",
    ),
    "mk_info_contract": ("小数位 {digits} · 合约大小 {size}", "Digits {digits} · contract {size}"),
    "mk_info_lots": (
        "手数：最小 {min} · 步长 {step} · 最大 {max}",
        "Lots: min {min} · step {step} · max {max}",
    ),
    "mk_info_swap": (
        "隔夜利息：多 {long} / 空 {short} {unit}（{triple}三倍）",
        "Swap: long {long} / short {short} {unit} (triple on {triple})",
    ),
    "mk_info_swap_none": ("隔夜利息：无", "Swap: none"),
    "mk_swap_unit_points": ("点/手", "pts/lot"),
    "mk_swap_unit_currency_symbol": ("（品种货币）/手", "(symbol currency)/lot"),
    "mk_swap_unit_currency_margin": ("（保证金货币）/手", "(margin currency)/lot"),
    "mk_swap_unit_currency_deposit": ("（账户货币）/手", "(account currency)/lot"),
    "mk_swap_unit_interest_current": ("%/年（按现价）", "%/year (current price)"),
    "mk_swap_unit_interest_open": ("%/年（按开仓价）", "%/year (open price)"),
    "mk_swap_unit_reopen_current": ("点（按收盘价重开）", "pts (reopen at close)"),
    "mk_swap_unit_reopen_bid": ("点（按买价重开）", "pts (reopen at bid)"),
    "mk_swap_unit_other": ("", ""),
    "mk_swap_unit_disabled": ("", ""),
    "mk_day_sun": ("周日", "Sunday"),
    "mk_day_mon": ("周一", "Monday"),
    "mk_day_tue": ("周二", "Tuesday"),
    "mk_day_wed": ("周三", "Wednesday"),
    "mk_day_thu": ("周四", "Thursday"),
    "mk_day_fri": ("周五", "Friday"),
    "mk_day_sat": ("周六", "Saturday"),
    "mk_info_margin": ("1手保证金：{margin} {currency}", "Margin for 1 lot: {margin} {currency}"),
    "mk_info_margin_unknown": ("1手保证金：终端暂未给出", "Margin for 1 lot: not given now"),
    "mk_info_stops": ("止损/止盈最小距离：{points} 点", "Min SL/TP distance: {points} pts"),
    "mk_info_market": ("交易：{mode} · {quoting}", "Trading: {mode} · {quoting}"),
    "mk_trade_mode_full": ("可买可卖", "open"),
    "mk_trade_mode_long_only": ("只能做多", "long only"),
    "mk_trade_mode_short_only": ("只能做空", "short only"),
    "mk_trade_mode_close_only": ("只能平仓", "close only"),
    "mk_trade_mode_disabled": ("禁止交易", "disabled"),
    "mk_quoting": ("报价中，最新 {time}", "quoting, last tick {time}"),
    "mk_not_quoting": (
        "休市中，最后报价 {stamp}",
        "market closed, last tick {stamp}",
    ),
    "mk_no_quote": ("暂无报价", "no quote"),
    "mk_info_sessions": (
        "交易时段：MT5 接口不提供，以报价状态为准",
        "Sessions: not given by the MT5 API; see the quote state",
    ),
    "mk_period_today": ("今日", "Today"),
    "mk_period_yesterday": ("昨日", "Yesterday"),
    "mk_period_week": ("本周", "This week"),
    "mk_period_last_week": ("上周", "Last week"),
    "mk_period_month": ("本月", "This month"),
    "mk_period_last_month": ("上月", "Last month"),
    "mk_period_year": ("今年", "This year"),
    "mk_magic": ("EA {magic}", "EA {magic}"),
    "mk_history_title": (
        "📜 {what}平仓记录 {label}{zone}",
        "📜 {what}: closed trades {label}{zone}",
    ),
    "mk_history_none": ("这段时间没有平仓的交易。", "No trades were closed in this period."),
    "mk_history_more": (
        "（只列出最近的交易，另有 {n} 笔更早的）",
        "(latest trades only; {n} earlier)",
    ),
    "mk_history_total": (
        "合计 {n} 笔 · {lots} 手 · 净盈亏 {net}",
        "Total {n} trades · {lots} lots · net {net}",
    ),
    "mk_history_entry_costs": (
        "（净盈亏含开仓手续费 {costs}）",
        "(net includes entry commissions {costs})",
    ),
    "mk_col_time": ("时间", "Time"),
    "mk_col_net": ("盈亏", "Net"),
    "mk_alert_rises_to": ("涨到", "rises to"),
    "mk_alert_falls_to": ("跌到", "falls to"),
    "mk_alert_set": (
        "⏰ 提醒 #{n} 已设置：{symbol} {direction} {price} 时通知你（现价 {now}）。/alerts 查看全部",
        "⏰ Alert #{n} set: I'll tell you when {symbol} {direction} {price} (now {now}). "
        "/alerts lists them",
    ),
    "mk_alert_fired": (
        "🔔 价格提醒：{symbol} 已{direction} {price}（现价 {now}，{at}）。这条提醒已删除。",
        "🔔 Price alert: {symbol} {direction} {price} (now {now}, {at}). The alert is removed.",
    ),
    "mk_alert_not_positive": (
        "提醒价格必须大于 0，例如「黄金到2700提醒我」。",
        'An alert price must be above zero, e.g. "alert me when gold hits 2700".',
    ),
    "mk_alert_too_far": (
        "{symbol} 现价 {now}，{price} 离现价超过 {pct}%，是不是输错了？",
        "{symbol} is at {now}; {price} is more than {pct}% away. A typo?",
    ),
    "mk_alert_already_there": (
        "{symbol} 现价已经是 {now}，不用提醒了。",
        "{symbol} is already at {now}: nothing to wait for.",
    ),
    "mk_alert_unknown_symbol": (
        "无法为 {symbol} 设置提醒：{why}",
        "Cannot set an alert on {symbol}: {why}",
    ),
    "mk_alert_no_quote": (
        "{symbol} 现在没有报价，无法判断提醒方向，请稍后再试。",
        "{symbol} has no quote now, so the alert's direction is unknown; try again later.",
    ),
    "mk_alert_limit": (
        "你已有 {n} 个提醒（上限）。用 /alerts 查看，/alerts del 编号 删除。",
        "You have {n} alerts (the limit). /alerts lists them, /alerts del N removes one.",
    ),
    "mk_alerts_none": (
        "你还没有价格提醒。例如：「黄金到2700提醒我」或 /alert XAUUSD 2700",
        'You have no price alerts. E.g. "alert me when gold hits 2700" or /alert XAUUSD 2700',
    ),
    "mk_alerts_title": ("⏰ 你的价格提醒（{n}/{limit}）", "⏰ Your price alerts ({n}/{limit})"),
    "mk_alerts_row": (
        "{n}. {symbol} {direction} {price} · {since}",
        "{n}. {symbol} {direction} {price} · {since}",
    ),
    "mk_alerts_hint": ("删除：/alerts del 编号", "Remove one: /alerts del N"),
    "mk_alert_no_such": (
        "没有第 {n} 个提醒（你有 {count} 个）。/alerts 查看编号。",
        "There is no alert #{n} (you have {count}). /alerts shows the numbers.",
    ),
    "mk_alert_deleted": (
        "🗑 已删除提醒 #{n}：{symbol} {direction} {price}",
        "🗑 Removed alert #{n}: {symbol} {direction} {price}",
    ),
    # /help (handlers/help.py): the market-data lines
    "mk_help": (
        "📈 行情\n"
        "  黄金合约信息 · 欧美点差多少 · 本周平仓记录\n"
        "  黄金到2700提醒我 · 我的提醒\n"
        "  /chart XAUUSD H1 · /rsi EURUSD H4 · /levels XAUUSD H4\n"
        "  /info XAUUSD · /history week · /alert XAUUSD 2700 · /alerts\n",
        "📈 Market\n"
        "  contract specs for gold · closed trades this week\n"
        "  alert me when gold hits 2700 · /alerts\n"
        "  /chart XAUUSD H1 · /rsi EURUSD H4 · /levels XAUUSD H4\n"
        "  /info XAUUSD · /history week · /alert XAUUSD 2700\n",
    ),
    # the Telegram command menu (bot/platforms/telegram.py MENU)
    "tg_menu_chart": ("K线图，例如 /chart XAUUSD H1", "Candle chart, e.g. /chart XAUUSD H1"),
    "tg_menu_rsi": (
        "指标，例如 /rsi EURUSD H4（还有 /macd /ma /ema /boll /kdj /atr）",
        "Indicator, e.g. /rsi EURUSD H4 (also /macd /ma /ema /boll /kdj /atr)",
    ),
    "tg_menu_levels": ("支撑阻力，例如 /levels XAUUSD H4", "Key levels, e.g. /levels XAUUSD H4"),
    "tg_menu_info": (
        "合约信息：点差、隔夜利息、保证金，例如 /info XAUUSD",
        "Contract: spread, swaps, margin, e.g. /info XAUUSD",
    ),
    "tg_menu_history": ("平仓记录，例如 /history week", "Closed trades, e.g. /history week"),
    "tg_menu_alert": ("价格提醒，例如 /alert XAUUSD 2700", "Price alert, e.g. /alert XAUUSD 2700"),
    "tg_menu_alerts": (
        "我的价格提醒（/alerts del 2 删除）",
        "My price alerts (/alerts del 2 removes)",
    ),
    "mk_alert_button": ("🗑 删除 #{n}", "🗑 Remove #{n}"),
    "mk_alert_gone": (
        "这个提醒已经不在了（已触发或已删除）。/alerts 查看当前的提醒。",
        "That alert is gone (it fired or was removed). /alerts shows the current ones.",
    ),
    "mk_alerts_off": ("这个机器人没有开启价格提醒。", "Price alerts are not enabled on this bot."),
}
