"""User-facing strings of the management area, (zh, en) per key."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {}

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
