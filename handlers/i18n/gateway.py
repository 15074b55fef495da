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
    # ---- the gateway's answers (bot/api/): programs read the English ---------------------
    "gw_api_terminal_away": (
        "交易终端暂时不可用（{reason}），请稍后重试。",
        "The trading terminal is away ({reason}); try again in a minute.",
    ),
    "gw_api_bad_request": ("请求有误：{problems}", "The request is not valid: {problems}."),
    "gw_api_not_found": ("没有这个地址。", "There is no such endpoint (see /docs)."),
    "gw_api_method_not_allowed": (
        "该地址不接受此方法。",
        "This endpoint does not take that method (see /docs).",
    ),
    "gw_api_http_error": ("请求无法处理。", "The request cannot be handled."),
    "gw_api_internal": (
        "网关内部出错；已记录日志，请稍后重试。",
        "The gateway failed on an internal error; it is logged. Try again later.",
    ),
    "gw_api_rate_limited": (
        "请求过于频繁；{seconds} 秒后再试。",
        "Too many requests for this token; try again in {seconds} s.",
    ),
    "gw_api_missing_scope": (
        "令牌「{name}」没有 {scope} 权限。",
        "Token “{name}” does not have the {scope} scope.",
    ),
    "gw_api_bad_timeframe": (
        "未知周期「{tf}」；可用：{known}。",
        "Unknown timeframe “{tf}”; known: {known}.",
    ),
    "gw_api_bad_range": ("结束时间必须晚于开始时间。", "The end must come after the start."),
    "gw_api_range_too_long": (
        "时间范围太长（最多 {max} 根 K 线）；请缩短范围或使用更大的周期。",
        "The range is too long (at most {max} bars); shorten it or use a longer timeframe.",
    ),
    "gw_api_deals_too_long": (
        "一次最多查询 {days} 天的成交。",
        "Ask for at most {days} days of deals at once.",
    ),
    "gw_api_bad_magic": (
        "本网关只以 magic {magic} 下单；请省略 magic 或使用 {magic}。",
        "This gateway opens orders under magic {magic} only; leave magic out or send {magic}.",
    ),
    "gw_api_bad_deviation": (
        "deviation 最多为 {max} 点（[broker] deviation_points）。",
        "deviation can be at most {max} points ([broker] deviation_points).",
    ),
    "gw_api_price_needed": ("{type} 订单需要 price。", "A {type} order needs a price."),
    "gw_api_price_not_taken": (
        "{type} 是市价单，不接受 price；挂单请用 buy_limit、sell_stop 等类型。",
        "A {type} order is a market order and takes no price; use buy_limit, sell_stop … "
        "for pending orders.",
    ),
    "gw_api_close_target": (
        "平仓需要 ticket，或 symbol / side / magic / selector 之一。",
        "A close needs a ticket, or one of symbol, side, magic, selector.",
    ),
    "gw_api_nothing_to_modify": ("修改需要 sl 或 tp。", "A modify needs sl or tp."),
    "gw_api_key_needed": (
        "下单请求必须带 Idempotency-Key 请求头（每个新请求一个新值，重试时沿用）。",
        "Order requests need an Idempotency-Key header: a new value for each new request, the "
        "same value when retrying it.",
    ),
    "gw_api_key_bad": (
        "Idempotency-Key 最长 {max} 个可打印字符。",
        "The Idempotency-Key must be at most {max} printable characters.",
    ),
    "gw_api_no_such_proposal": ("没有这个提议。", "There is no such proposal (for this token)."),
    "gw_api_no_such_job": ("没有这个任务。", "There is no such job (for this token)."),
    "gw_job_interrupted": (
        "任务运行时网关停止了；请重新提交。",
        "The gateway stopped while the job ran; start it again.",
    ),
    "gw_job_failed": (
        "任务因内部错误失败；已记录日志。",
        "The job failed on an internal error; it is logged.",
    ),
    "gw_ws_full": ("WebSocket 连接数已满。", "Too many WebSocket clients; try again later."),
    "gw_ws_bad_message": (
        '无法理解该消息；应为 JSON，如 {"action": "subscribe", …}。',
        'The message is not understood; send JSON such as {"action": "subscribe", …}.',
    ),
    "gw_ws_bad_symbols": ("symbols 必须是品种名列表。", "symbols must be a list of symbol names."),
    "gw_ws_bad_channel": (
        "未知频道；可用：ticks、account、trades。",
        "Unknown channel; known: ticks, account, trades.",
    ),
    # --- MCP (bot/mcp/): assistants read the English; zh for the chat side -----------------
    "mcp_bad_symbol": (
        "不认识的品种「{symbol}」。可用：{known}。",
        "{symbol!r} is not a symbol this bot knows. Known symbols: {known}.",
    ),
    "mcp_bad_side": ("side 只能是 buy 或 sell。", 'side must be "buy" or "sell".'),
    "mcp_bad_timeframe": (
        "不认识的周期「{tf}」。可用：{known}。",
        "{tf!r} is not a timeframe. Known: {known}.",
    ),
    "mcp_bad_count": ("K线数量须在 1 到 {max} 之间。", "count must be between 1 and {max}."),
    "mcp_bad_period": (
        "不认识的周期；可用：today、yesterday、week、last_week、month、last_month、year。",
        "Unknown period; use today, yesterday, week, last_week, month, last_month or year.",
    ),
    "mcp_bad_report_kind": (
        "报告类型只能是 daily、weekly、monthly、hedge 或 pnl。",
        "kind must be daily, weekly, monthly, hedge or pnl.",
    ),
    "mcp_no_job": (
        "没有这个任务（或它不是你的）。",
        "There is no such job (or it is not yours).",
    ),
    "mcp_no_proposal": (
        "没有这个提议（或它不是你的）。",
        "There is no such proposal (or it is not yours).",
    ),
    "mcp_read_only_token": (
        "令牌「{name}」没有 trade 权限或没有确认人，只能读取。",
        'The token {name!r} has no "trade" scope or no owner to confirm, so it can only read; '
        "proposals are refused.",
    ),
    "mcp_read_only_mode": (
        "机器人处于只读模式（/readonly），现在不接受交易提议。",
        "The bot is in read-only mode (/readonly): no trade proposals are taken now.",
    ),
    "mcp_bad_request": (
        "请求无效：{problems}",
        "The request is not valid: {problems}",
    ),
    "mcp_awaits_confirmation": (
        "提议 {id} 等待确认：预览已发到 {platform} 聊天 {chat}，在那里按 ✅ 之前不会执行任何交易。",
        "Proposal {id} awaits confirmation in chat: the preview was sent to the {platform} chat "
        "{chat}, and nothing executes until the owner presses ✅ there (❌ or expiry cancels it).",
    ),
    "mcp_awaits_confirmation_queued": (
        "提议 {id} 等待确认：预览已排队，由运行中的机器人（tradechat run）发到 {platform} 聊天 "
        "{chat}；在那里按 ✅ 之前不会执行任何交易。",
        "Proposal {id} awaits confirmation in chat: its preview is queued for the running bot "
        "(tradechat run) to deliver to the {platform} chat {chat}, and nothing executes until "
        "the owner presses ✅ there (❌ or expiry cancels it). If the bot is not running, the "
        "proposal expires unseen.",
    ),
    "mcp_internal_error": (
        "工具执行失败（已记录在日志中）。",
        "The tool failed on the server's side (the details are in the bot's log).",
    ),
    # --- remote broker (broker/remote/, bot/api/broker_routes.py) ---------------------------
    "rb_gateway_unreachable": (
        "网关 {url} 无应答：{error}",
        "the gateway at {url} does not answer: {error}",
    ),
    "rb_gateway_refused": (
        "网关拒绝了请求（{status} {code}：{message}）",
        "the gateway refused the request ({status} {code}: {message})",
    ),
    "rb_remote_terminal_away": (
        "网关那边的交易终端不可用：{health}",
        "the terminal behind the gateway is away: {health}",
    ),
    "rb_gw_signature_required": (
        "令牌「{name}」没有配置签名密钥（signing_secret_env），不能通过 broker 接口下单。",
        "The token {name!r} has no signing secret (signing_secret_env), so it may not send "
        "orders through the broker endpoints.",
    ),
    "rb_gw_signature_missing": (
        "请求没有签名（需要时间戳、nonce 和签名头）。",
        "The request is not signed (timestamp, nonce and signature headers are required).",
    ),
    "rb_gw_signature_stale": (
        "签名已过期：时间戳与网关时钟相差超过 {max_age} 秒（检查两台机器的时钟同步）。",
        "The signature is stale: its timestamp is more than {max_age} s from the gateway's "
        "clock (check that both machines keep time, e.g. NTP).",
    ),
    "rb_gw_signature_bad": (
        "签名不正确（签名密钥不一致，或请求在途中被改动）。",
        "The signature does not match (a different signing secret, or the request was altered).",
    ),
    "rb_gw_signature_replayed": (
        "这个签名已经用过（重放的请求被拒绝）。",
        "This signature was already used: a replayed request is refused.",
    ),
    "rb_gw_unknown_operation": (
        "没有 broker 操作「{name}」；可用的有：{known}",
        "There is no broker operation {name!r}; known: {known}",
    ),
}
