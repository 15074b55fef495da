"""User-facing strings of the gateway area, (zh, en) per key: trading for programs
(handlers/trading_service.py), proposals confirmed in chat (handlers/proposals.py) and the
gateway's answers (bot/api/). A program's language is not known, so what the gateway answers
is the English entry; what reaches a person's chat is in that person's language."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # ---- trading for programs -------------------------------------------------------------
    "gw_not_a_trade": ("「{intent}」不是交易请求。", "“{intent}” is not a trade request."),
    "gw_missing": ("交易请求缺少 {what}。", "The trade request has no {what}."),
    "gw_key_conflict": (
        "这个 Idempotency-Key 已用于另一个不同的请求；新请求请用新的 key。",
        "This Idempotency-Key was used before for a different request; use a new key for a "
        "new request.",
    ),
    "gw_key_in_progress": (
        "使用这个 Idempotency-Key 的第一个请求仍在处理中；稍后用同一个 key 再问一次。",
        "The first request with this Idempotency-Key is still being processed; ask again with "
        "the same key in a moment.",
    ),
    "gw_terminal_away_unsent": (
        "交易终端暂时不可用，订单没有发送。请稍后重试。",
        "The trading terminal is away; the order was not sent. Try again in a minute.",
    ),
    "gw_state_done": ("已执行。", "Executed."),
    "gw_state_failed": (
        "经纪商拒绝了订单，什么也没有发生。",
        "The broker refused the order; nothing happened.",
    ),
    "gw_state_unknown": (
        "订单可能已到达服务器，结果未知：再次发送前请先查看持仓。",
        "The order may have reached the server and its outcome is not known: look at the "
        "positions before sending anything again.",
    ),
    "gw_state_blocked": (
        "风控限制拒绝了该请求，什么也没有发送。",
        "A risk limit refused it; nothing was sent.",
    ),
    "gw_state_no_plan": ("该请求无法形成交易计划。", "The request cannot become a trade plan."),
    "gw_state_drifted": (
        "价格在计划与发送之间偏移超过上限，什么也没有发送。",
        "The price moved past the drift limit between the plan and the send; nothing was sent.",
    ),
    "gw_state_terminal_away": (
        "交易终端暂时不可用，什么也没有发送。",
        "The trading terminal is away; nothing was sent.",
    ),
    "gw_state_in_progress": ("仍在处理中。", "Still being processed."),
    "gw_state_conflict": ("Idempotency-Key 冲突。", "Idempotency-Key conflict."),
    # ---- proposals confirmed in chat -------------------------------------------------------
    "gw_proposal_head": (
        "🤖 {source} 客户端「{name}」提议以下交易，需要你确认：",
        "🤖 The {source} client “{name}” proposes this trade; it needs your confirmation:",
    ),
    "gw_owner_cannot_trade": (
        "确认人 {platform}:{id} 不在 [[users]] 中或没有交易权限。",
        "The owner {platform}:{id} is not in [[users]] with the trader or admin role, so "
        "nobody could confirm this.",
    ),
    "gw_owner_unreachable": (
        "无法把确认消息送到 {platform} 上的确认人（该平台没有在本进程运行或发送失败）。",
        "The confirmation could not be delivered to the owner on {platform} (the platform is "
        "not running in this process, or the send failed); nothing was proposed.",
    ),
    "gw_proposal_no_preview": (
        "市场在两次查看之间变化，未生成确认；请再试一次。",
        "The market changed between the two looks and no preview was made; try again.",
    ),
    "gw_proposal_pending": (
        "等待 {platform}:{id} 在聊天中确认（{minutes} 分钟内有效）。",
        "Awaiting confirmation by {platform}:{id} in their {platform} chat (valid for "
        "{minutes} min). Nothing executes until they press ✅.",
    ),
    "gw_proposal_executing": ("已确认，正在执行。", "Confirmed; executing now."),
    "gw_proposal_executed": (
        "已由 {platform}:{id} 确认并执行。",
        "Confirmed by {platform}:{id} and executed.",
    ),
    "gw_proposal_refused": (
        "没有执行：被取消、被风控拦截、价格偏移或经纪商拒绝。",
        "Not executed: cancelled, blocked by a risk limit, drifted, or refused by the broker.",
    ),
    "gw_proposal_expired": (
        "确认已过期，没有执行。",
        "The confirmation expired; nothing was executed.",
    ),
    "gw_proposal_unknown": (
        "已发送，结果未知：请先查看持仓。",
        "Sent, but the outcome is not known: look at the positions.",
    ),
}
