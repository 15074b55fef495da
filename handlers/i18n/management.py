"""User-facing strings of the management area, (zh, en) per key: partial closes by fraction,
break-even and moves in pips, risk sizing, the hedged-book side question, EA baskets."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # --- the hedged-book side question (handlers/plans.py SideQuestion) -------------------
    # {symbol}: the symbols; {buys}/{sells}: how many positions, {buy_lots}/{sell_lots}: lots
    "tm_ask_held_side": (
        "{symbol} 多空都有持仓（多 {buys} 单 {buy_lots} 手，空 {sells} 单 {sell_lots} 手）："
        "多单还是空单？",
        "{symbol} is held both ways ({buys} buy, {buy_lots} lots; {sells} sell, {sell_lots} "
        "lots): the buys or the sells?",
    ),
    "tm_btn_longs": ("多单", "Buys"),
    # an open sized by risk without a stop-loss (handlers/slots.py slot "sl")
    "tm_ask_sl": (
        "按风险算手数要知道止损：止损放在哪个价格？（例如 2630）",
        "Sizing by risk needs the stop-loss: at what price? (e.g. 2630)",
    ),
    "tm_btn_shorts": ("空单", "Sells"),
    # --- positions a plan leaves alone -----------------------------------------------------
    "tm_skip": (
        "⚠️ #{ticket} {symbol} {side} {lots} 手 不动：{why}",
        "⚠️ #{ticket} {symbol} {side} {lots} lots untouched: {why}",
    ),
    "tm_skip_fraction_small": (
        "这一份 {share} 手不足最小手数 {min}",
        "its share, {share} lots, is below the minimum of {min}",
    ),
    "tm_skip_be_loss_buy": (
        "尚未盈利，保本止损 {level} 会在买价 {market} 之上",
        "not in profit: a break-even SL at {level} would be above the bid {market}",
    ),
    "tm_skip_be_loss_sell": (
        "尚未盈利，保本止损 {level} 会在卖价 {market} 之下",
        "not in profit: a break-even SL at {level} would be below the ask {market}",
    ),
    "tm_skip_be_order": ("挂单还没有开仓价可保本", "a pending order has no entry to break even at"),
    "tm_skip_no_sl": ("没有止损可移动", "it has no SL to move"),
    "tm_skip_no_tp": ("没有止盈可移动", "it has no TP to move"),
    "tm_nothing_to_do": (
        "符合条件的 {n} 单都做不了，没有生成预览：",
        "None of the {n} matching positions can be changed; no preview:",
    ),
    # --- what a preview adds ---------------------------------------------------------------
    "tm_fraction_line": (
        "每单平 {pct}%（按手数步长向下取整）",
        "{pct}% of each position (rounded down to the lot step)",
    ),
    # appended to "  止损 2645.00 → 2647.00"
    "tm_moved_pips": ("（{pips} 点 = {dist}）", " ({pips} pips = {dist})"),
    "tm_breakeven_note": (
        "（保本：开仓价 {entry} ± {pips} 点）",
        " (break-even: entry {entry} ± {pips} pips)",
    ),
    "tm_risk_line": (
        "按 {pct}% 风险：止损距离 {dist}，打到止损亏 {money} {ccy}（权益的 {share}%）",
        "Risk {pct}%: SL distance {dist}, loss at the SL {money} {ccy} ({share}% of equity)",
    ),
    # --- risk sizing refused ---------------------------------------------------------------
    "tm_risk_and_volume": (
        "手数和风险百分比只能给一个：要按风险算手数就别写手数。",
        "Give either lots or a risk percentage, not both.",
    ),
    "tm_risk_over_cap": (
        "按 {pct}% 风险下单超过了上限 {cap}%（设置 [trade] max_risk_percent），没有生成预览。",
        "A {pct}% risk is above the cap of {cap}% ([trade] max_risk_percent); no preview.",
    ),
    "tm_risk_needs_sl": (
        "按风险算手数需要止损价：请连止损一起说，例如「按{pct}%风险买 {symbol} 止损 <价格>」。",
        "Sizing by risk needs a stop-loss: say it with the SL, e.g. "
        '"buy {symbol} risk {pct}% sl <price>".',
    ),
    "tm_risk_sl_side_buy": (
        "买单的止损 {sl} 必须低于开仓价 {price}，没有生成预览。",
        "A buy's SL {sl} must be below the entry {price}; no preview.",
    ),
    "tm_risk_sl_side_sell": (
        "卖单的止损 {sl} 必须高于开仓价 {price}，没有生成预览。",
        "A sell's SL {sl} must be above the entry {price}; no preview.",
    ),
    "tm_risk_no_value": (
        "{symbol} 的每手价值未知，不能按风险算手数。",
        "The value per lot of {symbol} is unknown; cannot size by risk.",
    ),
    "tm_risk_below_min": (
        "按 {pct}% 风险只能亏 {budget}，而最小手数 {min} 打到止损就亏 {per_min}："
        "算出 {raw} 手，向下取整为 0，没有生成预览。",
        "A {pct}% risk allows a loss of {budget}, but the minimum {min} lots lose {per_min} at "
        "the SL: {raw} lots round down to 0; no preview.",
    ),
    "tm_risk_above_max": (
        "按 {pct}% 风险算出 {raw} 手，超过了该品种的最大手数 {max}，没有生成预览。",
        "A {pct}% risk gives {raw} lots, above the symbol's maximum of {max}; no preview.",
    ),
    "tm_fraction_and_volume": (
        "手数和比例只能给一个：「平仓0.02手黄金」或「黄金平一半」。没有生成预览。",
        'Give either lots or a part to close: "close 0.02 lots of gold" or "close half of gold". '
        "No preview.",
    ),
    "tm_conflicting_levels": (
        "同一个止损/止盈给了两种改法（价格、保本、移动点数只能选一种）。没有生成预览。",
        "One SL/TP was given two ways (a price, break-even or a move in pips: pick one). "
        "No preview.",
    ),
    # --- the per-EA view (handlers/ea_view.py) ---------------------------------------------
    "tm_ea_head": (
        "🤖 EA {magic}：{n} 单持仓，浮动 {pnl}",
        "🤖 EA {magic}: {n} open position(s), floating {pnl}",
    ),
    "tm_ea_today": (
        "今日已实现 {realised} {ccy}（{trades} 笔平仓）",
        "Realised today {realised} {ccy} ({trades} closed trade(s))",
    ),
    # --- requests read but out of range (nlp.management.OutOfRange) ------------------------
    "tm_bad_fraction": (
        "读到了平掉 {pct}%，但平仓比例要在 0% 和 100% 之间（不含）：「平一半」「平掉30%」；"
        "全部平仓请说「平仓」。",
        "I read {pct}%, but a part to close is between 0% and 100% (exclusive): "
        '"close half", "close 30%"; to close it all, say "close".',
    ),
    "tm_bad_risk": (
        "读到了按 {pct}% 风险，但风险百分比要大于 0%、不超过 100%，"
        "例如「按1%风险买黄金 止损2630」。",
        "I read a risk of {pct}%, but it must be above 0% and at most 100%, e.g. "
        '"buy gold risk 1% sl 2630".',
    ),
    "tm_bad_shift": (
        "读到了把{level}移动 -{pips} 点：方向请用上/下说，不用负号——"
        "「{level}上移{pips}点」或「{level}下移{pips}点」。没有生成预览。",
        "I read a move of the {level} by -{pips} pips: say the direction with up or down, "
        'not a minus — "move {level} up {pips} pips" or "move {level} down {pips} pips". '
        "No preview.",
    ),
    "tm_bad_trailing": (
        "读到了「移动止损 -{pips} 点」，方向不清楚：要设 {pips} 点的跟踪止损，请说「移动止损{pips}点」；"
        "要把止损挪动 {pips} 点，请说「止损上移{pips}点」或「止损下移{pips}点」。没有生成预览。",
        'I read "trail/move the SL by -{pips} pips", but not its direction: for a trailing stop '
        'of {pips} pips say "trail {pips} pips"; to move the SL say "move sl up {pips} pips" or '
        '"move sl down {pips} pips". No preview.',
    ),
    "tm_level_sl": ("止损", "SL"),
    "tm_level_tp": ("止盈", "TP"),
}

# --- trailing stops, close reasons, hedge suggestions
STRINGS.update(
    {
        # the preview of a trailing plan (handlers/trailing.py)
        "tr_pv_head": ("📈 移动止损（{n} 单）：{symbols}", "📈 Trailing stop ({n}): {symbols}"),
        "tr_pv_head_off": (
            "📈 取消移动止损（{n} 单）：{symbols}",
            "📈 Stop trailing ({n}): {symbols}",
        ),
        "tr_pv_distance": (
            "  追踪距离 {pips} 点 = {distance}（1 点 = {pip}），步长 {step} 点 = {step_price}",
            "  distance {pips} pips = {distance} (1 pip = {pip}), step {step} pips = {step_price}",
        ),
        "tr_pv_activation": (
            "  盈利达到 {pips} 点后开始跟随",
            "  starts to follow once {pips} pips in profit",
        ),
        "tr_pv_moves_now": (
            "  止损 {old} → 按现价立即移到 {new}",
            "  SL {old} → moves to {new} at once at the current price",
        ),
        "tr_pv_stays_now": (
            "  止损 {old}：按现价暂不移动，价格向有利方向走时才跟随",
            "  SL {old}: stays for now; it follows when the price moves your way",
        ),
        "tr_pv_remove": (
            "  停止追踪（原 {pips} 点），止损保持 {sl}",
            "  stop trailing (was {pips} pips); SL stays at {sl}",
        ),
        "tr_pv_rule": (
            "ℹ️ 止损只向有利方向移动，绝不放宽；持仓平掉后自动停止。",
            "ℹ️ The stop only moves in your favour, never loosens, and stops when the position "
            "closes.",
        ),
        "tr_then_set": ("为 {n} 单开启移动止损", "start trailing {n} position(s)"),
        "tr_then_off": ("停止 {n} 单的移动止损", "stop trailing {n} position(s)"),
        # what cannot become a trailing plan
        "tr_bad_distance": (
            "移动止损的距离要大于 0 点（止损与现价之间的点数），例如「黄金移动止损30点」。",
            "A trailing distance must be more than 0 pips (the distance between the stop and the "
            "price), e.g. “trailing stop 30 pips on gold”.",
        ),
        "tr_inside_stops_level": (
            "{symbol} 的追踪距离 {distance} 小于平台的最小止损距离 {level}（约 {level_pips} 点），"
            "止损会被拒绝。请用更大的距离。",
            "A trailing distance of {distance} on {symbol} is inside the broker's minimum stop "
            "distance {level} (about {level_pips} pips); the stop would be refused. Use a larger "
            "distance.",
        ),
        "tr_none_to_remove": (
            "这些持仓没有移动止损，无需取消。",
            "None of these positions has a trailing stop to stop.",
        ),
        # the result that replaces the preview
        "tr_result_set": (
            "✅ {what}：移动止损 {pips} 点已开启，止损 {sl}",
            "✅ {what}: trailing stop of {pips} pips on, SL {sl}",
        ),
        "tr_result_set_moved": (
            "✅ {what}：移动止损 {pips} 点已开启，止损已移到 {sl}",
            "✅ {what}: trailing stop of {pips} pips on; SL moved to {sl}",
        ),
        "tr_result_set_move_later": (
            "✅ {what}：移动止损 {pips} 点已开启（止损 {sl}）；这次移动未被平台接受，下次价格更新时再试",
            "✅ {what}: trailing stop of {pips} pips on (SL {sl}); the terminal did not take this "
            "move, it is tried again on the next price update",
        ),
        "tr_result_removed": (
            "✅ {what}：已停止移动止损，止损保持原位",
            "✅ {what}: trailing stopped; the SL stays where it is",
        ),
        "tr_result_was_not_trailed": (
            "✅ {what}：本来就没有移动止损",
            "✅ {what}: it had no trailing stop",
        ),
        "tr_result_position_gone": ("持仓已不存在", "the position is gone"),
        "tr_result_bad_leg": ("计划不完整", "the plan is incomplete"),
        "tr_result_not_kept": ("本进程不管理移动止损", "this process keeps no trailing stops"),
        # why a position closed, in the new-deal notice (handlers/pushes.py: close_reason)
        "tr_reason_sl": ("止损触发", "stop loss hit"),
        "tr_reason_tp": ("止盈触发", "take profit hit"),
        "tr_reason_so": ("保证金不足被强平", "stop-out (margin too low)"),
        "tr_reason_bot": ("本机器人平仓", "closed by this bot"),
        "tr_reason_ea": ("EA 平仓（magic {magic}）", "closed by the EA (magic {magic})"),
        "tr_reason_program": ("程序平仓", "closed by a program"),
        "tr_reason_hand": ("手动平仓（电脑端）", "closed by hand (desktop)"),
        "tr_reason_hand_mobile": ("手动平仓（手机端）", "closed by hand (mobile)"),
        "tr_reason_hand_web": ("手动平仓（网页端）", "closed by hand (web)"),
        # hedge suggestions as one-tap plans (handlers/hedge_actions.py)
        "tr_btn_suggestion": ("▶ {symbol} 平 {what}", "▶ {symbol} close {what}"),
        "tr_btn_close": ("#{ticket} {lots}手", "#{ticket} {lots}"),
        "tr_btn_sep": (" + ", " + "),
        "tr_code_suggestion": ("执行建议 {closes}", "apply {closes}"),
        "tr_suggestion_stale": (
            "这条建议已过时：{tickets} 已平仓或手数已变。请重新查看对冲汇报（发送「对冲报告」）。",
            "This suggestion is out of date: {tickets} was closed or changed since. Ask for a "
            "fresh hedge summary (“hedge report”).",
        ),
        # the positions answer and the job's notice
        "tr_positions_note": (
            "📈 #{ticket} {symbol} 追踪止损 {pips} 点",
            "📈 #{ticket} {symbol} trailing stop {pips} pips",
        ),
        "tr_ended_closed": (
            "📈 #{ticket} {symbol} 已平仓，移动止损（{pips} 点）已停止。",
            "📈 #{ticket} {symbol} closed; its trailing stop ({pips} pips) has ended.",
        ),
    }
)
