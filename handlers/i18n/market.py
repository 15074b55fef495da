"""User-facing strings of the market area, (zh, en) per key."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
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
