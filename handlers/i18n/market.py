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
    # --- indicators, charts, levels (handlers/market.py) -----------------------------------
    # bad input
    "mk_bad_timeframe": (
        "不支持的周期 {timeframe}（可用：{known}）",
        "unknown timeframe {timeframe} (use one of {known})",
    ),
    "mk_bad_count": (
        "K线数量须在 {low}–{high} 根之间（收到 {count}）",
        "the number of bars must be {low}–{high} (got {count})",
    ),
    "mk_unknown_symbol": (
        "终端上没有品种 {symbol}{hint}",
        "no symbol {symbol} on the terminal{hint}",
    ),
    "mk_did_you_mean": ("，是不是 {close}？", " — did you mean {close}?"),
    "mk_unknown_indicator": (
        "不支持的指标 {name}（可用：{known}）",
        "unknown indicator {name} (use one of {known})",
    ),
    "mk_bad_param": (
        "{name} 的参数 {param} 不在可用范围内（周期 2–500）",
        "{name}: parameter {param} is out of range (periods 2–500)",
    ),
    "mk_not_enough_bars": (
        "{symbol} {timeframe} 只有 {have} 根K线，{name} 至少需要 {need} 根",
        "{symbol} {timeframe} has only {have} bars; {name} needs at least {need}",
    ),
    "mk_no_bars": ("{symbol} {timeframe} 暂无K线数据", "no bars for {symbol} {timeframe} yet"),
    "mk_need_symbol": (
        "请说明品种，例如「黄金4小时支撑阻力」或 /levels XAUUSD H4",
        "Which symbol? For example “key levels for gold h4” or /levels XAUUSD H4",
    ),
    # indicator readings: what the values show, never what to do
    "mk_ind_head": ("📈 {symbol} {timeframe} · {label}", "📈 {symbol} {timeframe} · {label}"),
    "mk_ind_at": ("最新K线 {time} · 收盘 {close}", "last bar {time} · close {close}"),
    "mk_fact_value": ("{label} = {value}", "{label} = {value}"),
    "mk_fact_price_above_line": (
        "价格在 {label} 之上（高 {pct}%）",
        "price is above the {label} (by {pct}%)",
    ),
    "mk_fact_price_below_line": (
        "价格在 {label} 之下（低 {pct}%）",
        "price is below the {label} (by {pct}%)",
    ),
    "mk_fact_price_at_line": ("价格正好在 {label} 上", "price is exactly at the {label}"),
    "mk_fact_slope_up": ("{label} 向上", "the {label} is rising"),
    "mk_fact_slope_down": ("{label} 向下", "the {label} is falling"),
    "mk_fact_flat": ("{label} 持平", "the {label} is flat"),
    "mk_fact_rsi_overbought": (
        "RSI {value} — 超买区 (>{level})",
        "RSI {value} — overbought zone (>{level})",
    ),
    "mk_fact_rsi_oversold": (
        "RSI {value} — 超卖区 (<{level})",
        "RSI {value} — oversold zone (<{level})",
    ),
    "mk_fact_rsi_neutral": (
        "RSI {value} — 中性区间 ({low}–{high})",
        "RSI {value} — neutral range ({low}–{high})",
    ),
    "mk_fact_rsi_crossed_up": ("RSI 刚上穿 {level}", "RSI just crossed above {level}"),
    "mk_fact_rsi_crossed_down": ("RSI 刚下穿 {level}", "RSI just crossed below {level}"),
    "mk_fact_macd_values": (
        "MACD {macd} · 信号线 {signal} · 柱线 {hist}",
        "MACD {macd} · signal {signal} · histogram {hist}",
    ),
    "mk_fact_macd_hist_turned_positive": (
        "MACD 柱线由负转正",
        "the MACD histogram turned positive",
    ),
    "mk_fact_macd_hist_turned_negative": (
        "MACD 柱线由正转负",
        "the MACD histogram turned negative",
    ),
    "mk_fact_macd_hist_positive_growing": (
        "MACD 柱线为正，在放大",
        "the histogram is positive and growing",
    ),
    "mk_fact_macd_hist_positive_shrinking": (
        "MACD 柱线为正，在缩小",
        "the histogram is positive and shrinking",
    ),
    "mk_fact_macd_hist_negative_growing": (
        "MACD 柱线为负，在放大",
        "the histogram is negative and growing",
    ),
    "mk_fact_macd_hist_negative_shrinking": (
        "MACD 柱线为负，在缩小",
        "the histogram is negative and shrinking",
    ),
    "mk_fact_macd_hist_zero": ("MACD 柱线为零", "the histogram is at zero"),
    "mk_fact_macd_above_zero": ("MACD 线在零轴之上", "the MACD line is above zero"),
    "mk_fact_macd_below_zero": ("MACD 线在零轴之下", "the MACD line is below zero"),
    "mk_fact_boll_values": (
        "上轨 {upper} · 中轨 {middle} · 下轨 {lower}",
        "upper {upper} · middle {middle} · lower {lower}",
    ),
    "mk_fact_boll_above_upper": ("价格在布林上轨之上", "price is above the upper band"),
    "mk_fact_boll_below_lower": ("价格在布林下轨之下", "price is below the lower band"),
    "mk_fact_boll_inside": (
        "价格在布林带内（自下轨起 {pct}%）",
        "price is inside the bands ({pct}% of the way up from the lower band)",
    ),
    "mk_fact_boll_width_wider": ("带宽 {width}%，在扩大", "band width {width}%, widening"),
    "mk_fact_boll_width_narrower": ("带宽 {width}%，在收窄", "band width {width}%, narrowing"),
    "mk_fact_kdj_values": ("K {k} · D {d} · J {j}", "K {k} · D {d} · J {j}"),
    "mk_fact_kdj_high_zone": ("K 在 {level} 以上（高位区）", "K is above {level} (high zone)"),
    "mk_fact_kdj_low_zone": ("K 在 {level} 以下（低位区）", "K is below {level} (low zone)"),
    "mk_fact_kdj_k_crossed_up": ("K 线刚上穿 D 线", "K just crossed above D"),
    "mk_fact_kdj_k_crossed_down": ("K 线刚下穿 D 线", "K just crossed below D"),
    "mk_fact_atr_value": ("ATR {value}（收盘价的 {pct}%）", "ATR {value} ({pct}% of the close)"),
    "mk_fact_atr_rising": ("波动（ATR）在增大", "volatility (ATR) is rising"),
    "mk_fact_atr_falling": ("波动（ATR）在减小", "volatility (ATR) is falling"),
    "mk_facts_note": (
        "以上只描述指标数值，不构成交易建议。",
        "These lines describe the indicator's values; they are not trading advice.",
    ),
    # charts
    "mk_chart_title": ("{symbol} · {timeframe}", "{symbol} · {timeframe}"),
    "mk_chart_span": ("{start} – {end}{zone}", "{start} – {end}{zone}"),
    "mk_volume": ("成交量", "Volume"),
    "mk_profile": ("成交量分布", "Volume profile"),
    "mk_value_area": ("价值区", "Value area"),
    "mk_no_data": ("没有数据", "no data"),
    "mk_side_buy": ("多", "Long"),
    "mk_side_sell": ("空", "Short"),
    "mk_kind_limit": ("限价", "limit"),
    "mk_kind_stop": ("突破", "stop"),
    "mk_line_position": ("{side} {lots} @{price}", "{side} {lots} @{price}"),
    "mk_line_order": ("挂{kind}{side} {lots} @{price}", "{side} {kind} {lots} @{price}"),
    "mk_line_sl": ("SL", "SL"),
    "mk_line_tp": ("TP", "TP"),
    "mk_line_support": ("支撑 {price}", "Support {price}"),
    "mk_line_resistance": ("阻力 {price}", "Resistance {price}"),
    "mk_line_poc": ("POC {price}", "POC {price}"),
    "mk_line_bid": ("最大买单 {lots} 手", "largest bid {lots} lots"),
    "mk_line_ask": ("最大卖单 {lots} 手", "largest ask {lots} lots"),
    "mk_chart_text": (
        "📊 {symbol} {timeframe} K线图 · {count} 根 · 最新收盘 {close}",
        "📊 {symbol} {timeframe} candles · {count} bars · last close {close}",
    ),
    "mk_chart_with": ("图上指标：{names}", "indicators drawn: {names}"),
    "mk_chart_lines": (
        "图上标出本账户 {symbol} 的 {positions} 个持仓和 {orders} 个挂单（开仓价、SL、TP）",
        "the account's {positions} {symbol} positions and {orders} pending orders are drawn "
        "(entry, SL, TP)",
    ),
    "mk_chart_group": (
        "（群聊中不画持仓和挂单）",
        "(positions and orders are not drawn in a group chat)",
    ),
    "mk_chart_failed": (
        "图表生成失败，请稍后再试。",
        "The chart could not be drawn; please try again later.",
    ),
    # key levels
    "mk_levels_head": (
        "🧭 {symbol} {timeframe} 关键位 · {bars} 根K线 · {start} – {end}{zone}",
        "🧭 {symbol} {timeframe} key levels · {bars} bars · {start} – {end}{zone}",
    ),
    "mk_levels_price": ("最新收盘 {price}", "last close {price}"),
    "mk_levels_resistance": ("阻力（由近到远）：", "Resistance (nearest first):"),
    "mk_levels_support": ("支撑（由近到远）：", "Support (nearest first):"),
    "mk_levels_row": (
        "  {price}  触及 {touches} 次 · 距现价 {dist}",
        "  {price}  {touches} touches · {dist} away",
    ),
    "mk_levels_none_resistance": (
        "  没有（这段K线里现价之上没有摆动高低点）",
        "  none (no swing high or low above the price in these bars)",
    ),
    "mk_levels_none_support": (
        "  没有（这段K线里现价之下没有摆动高低点）",
        "  none (no swing high or low below the price in these bars)",
    ),
    "mk_profile_line": (
        "成交量分布：POC {poc} · 价值区 {low} – {high}（{share}% 的成交量）",
        "Volume profile: POC {poc} · value area {low} – {high} ({share}% of the volume)",
    ),
    "mk_profile_none": (
        "成交量分布：这些K线没有成交量数据",
        "Volume profile: these bars carry no volume",
    ),
    "mk_book_line": (
        "订单簿：买盘 {bids} 手 · 卖盘 {asks} 手 · 最大买单 {bid} · 最大卖单 {ask}",
        "Order book: bids {bids} lots · asks {asks} lots · largest bid {bid} · largest ask {ask}",
    ),
    "mk_book_level": ("{price}（{lots} 手）", "{price} ({lots} lots)"),
    "mk_book_none": (
        "订单簿：经纪商不提供 {symbol} 的市场深度",
        "Order book: the broker offers no market depth for {symbol}",
    ),
    "mk_levels_method": (
        "支撑/阻力来自摆动高低点（分形）的聚类；成交量为 tick 成交量。",
        "Support/resistance from clustered swing highs and lows (fractals); volumes are tick volumes.",
    ),
    "mk_ai_head": (
        "🤖 AI 生成，仅描述数据，不构成建议",
        "🤖 AI-generated, describes the data only, not advice",
    ),
    "mk_ai_prompt": (
        "用中文写两三句话，描述下面 {symbol} 的关键位数据显示了什么。只陈述数据中的事实，不要给出"
        "任何买卖建议或价格预测。\n\n{data}",
        "In two or three sentences of English, describe what the following {symbol} key-level "
        "data shows. State facts from the data only; give no trading advice and no price "
        "forecast.\n\n{data}",
    ),
}
