"""The conversation's words: access, commands, parsing, questions, queries, previews, risk
checks, confirmation, results, help, subscriptions, recovery, notifications."""

STRINGS: dict[str, tuple[str, str]] = {
    # --- access ---------------------------------------------------------------------------
    "denied": ("抱歉，你没有使用权限。", "Sorry, you are not authorised."),
    "rate_limited": (
        "消息有点多，请稍等一分钟再发。🙏",
        "That's a lot of messages — please wait a minute and try again. 🙏",
    ),
    "need_trader": (
        "你的权限是只读查看，不能交易。",
        "Your role is viewer: you can look, not trade.",
    ),
    "need_admin": ("只有管理员可以修改设置。", "Only an admin can change settings."),
    # --- admin commands -------------------------------------------------------------------
    "readonly_on": (
        "🔒 只读模式已开启：不会执行任何交易。",
        "🔒 Read-only mode is on: no trades will be executed.",
    ),
    "readonly_off": (
        "🔓 只读模式已关闭：可以交易。",
        "🔓 Read-only mode is off: trading is allowed.",
    ),
    "readonly_state_on": (
        "当前：只读模式（/readonly off 关闭）",
        "Now: read-only (/readonly off to end)",
    ),
    "readonly_state_off": (
        "当前：可交易（/readonly on 开启只读）",
        "Now: trading allowed (/readonly on for read-only)",
    ),
    "readonly_usage": (
        "用法：/readonly on 或 /readonly off",
        "Usage: /readonly on or /readonly off",
    ),
    "lang_set": ("好的，以后用中文回复。", "OK, I'll answer in English from now on."),
    "logs_head": ("📜 日志最后 {n} 行：", "📜 The last {n} log lines:"),
    "logs_empty": ("日志里还没有内容。", "The log is empty so far."),
    "logs_private_only": (
        "日志只在私聊里发给管理员（里面有用户和聊天的信息）。",
        "The log is sent to admins in a private chat only (it names users and chats).",
    ),
    "lang_usage": ("用法：/lang zh 或 /lang en", "Usage: /lang zh or /lang en"),
    # --- parsing / generic ----------------------------------------------------------------
    "unknown": (
        "没听懂这句话。试试“持仓”“余额”“下单0.01手黄金”，或发“帮助”。",
        "I didn't understand that. Try “positions”, “balance”, “buy 0.01 gold”, or “help”.",
    ),
    "intent_not_yet": (
        "明白，你要{what}，但这个版本还不能提供，会在后续版本加入。",
        "Understood: {what}. This version cannot provide it yet.",
    ),
    "intent_name_chart": ("看K线图", "a price chart"),
    "intent_name_indicator": ("看技术指标", "an indicator reading"),
    "intent_name_symbol_info": ("看合约信息（点差、隔夜利息、交易时间）", "contract details"),
    "intent_name_history": ("看历史成交", "the deal history"),
    "intent_name_alert": ("设置价格提醒", "a price alert"),
    "unknown_suggest": (
        "没听懂这句话。你是想说“{example}”吗？也可以发“帮助”。",
        "I didn't understand that. Did you mean “{example}”? Or send “help”.",
    ),
    "broker_error": (
        "交易终端暂时无法回答：{reason}",
        "The trading terminal could not answer: {reason}",
    ),
    "internal_error": (
        "出错了，这条消息没有处理。请稍后再试。",
        "Something went wrong; that message was not handled. Please try again later.",
    ),
    "too_long": (
        "这条消息太长了（超过 {max} 个字），没有处理。请发短一点，例如“买入黄金 0.1 手”。",
        "That message is too long (over {max} characters) and was not read. Please send a "
        "shorter one, e.g. “buy 0.1 lot gold”.",
    ),
    "not_available": (
        "这个功能暂时不可用（报表服务未启动）。",
        "That isn't available right now (the report service is not running).",
    ),
    "symbol_unknown": ("交易终端里没有 {symbol}。", "The terminal has no symbol {symbol}."),
    # --- account data asked in a group that is no trading room ----------------------------
    "sent_privately": (
        "🔒 {name}，账户信息已私信发给你。",
        "🔒 {name}, I sent the account details to you privately.",
    ),
    "ask_privately": (
        "🔒 {name}，账户信息不在群里发，请私聊我再问一次。",
        "🔒 {name}, account details are not shown in this group: please ask me in a private chat.",
    ),
    # --- slot filling ---------------------------------------------------------------------
    "ask_symbol": ("哪个品种？（例如 黄金、欧美）", "Which symbol? (e.g. gold, EURUSD)"),
    "ask_side": ("买还是卖？", "Buy or sell?"),
    "ask_volume": ("多少手？", "How many lots?"),
    "ask_close_target": (
        "平哪个？请说品种或订单号（例如“黄金”“123456”），或“全部”。",
        "Close what? Give a symbol or ticket (e.g. “gold”, “123456”) or “all”.",
    ),
    "ask_modify_values": (
        "改成多少？例如“止损2300”或“sl 2300 tp 2400”。",
        "Change to what? e.g. “sl 2300” or “sl 2300 tp 2400”.",
    ),
    "ask_cancel_target": (
        "撤销哪个挂单？请说订单号，或“全部”。",
        "Cancel which order? Give a ticket, or “all”.",
    ),
    "question_expired": (
        "这个问题已过期，请重新发送指令。",
        "That question has expired; please send the request again.",
    ),
    # --- queries --------------------------------------------------------------------------
    "no_positions": ("没有持仓。", "No open positions."),
    "no_positions_symbol": ("{symbol} 没有持仓。", "No open positions in {symbol}."),
    "positions_title": ("📊 持仓（{n} 单）", "📊 Positions ({n})"),
    "positions_total": ("合计 {lots} 手  浮动 {pnl}", "Total {lots} lots  floating {pnl}"),
    "no_orders": ("没有挂单。", "No pending orders."),
    "orders_title": ("⏳ 挂单（{n} 个）", "⏳ Pending orders ({n})"),
    "account_title": ("💰 账户 {login}（{currency}）", "💰 Account {login} ({currency})"),
    "quote_title": ("💱 {symbol}", "💱 {symbol}"),
    "more_rows": ("… 另有 {n} 行", "… {n} more rows"),
    "col_symbol": ("品种", "Symbol"),
    "col_side": ("方向", "Side"),
    "col_lots": ("手数", "Lots"),
    "col_avg": ("均价", "Avg"),
    "col_pnl": ("浮动", "P&L"),
    "col_ticket": ("单号", "Ticket"),
    "col_type": ("类型", "Type"),
    "col_price": ("价格", "Price"),
    "col_open": ("开仓价", "Open"),
    "acc_balance": ("余额", "Balance"),
    "acc_equity": ("净值", "Equity"),
    "acc_margin": ("已用保证金", "Margin"),
    "acc_free": ("可用保证金", "Free margin"),
    "acc_level": ("保证金比例", "Margin level"),
    "acc_leverage": ("杠杆", "Leverage"),
    "acc_server": ("服务器", "Server"),
    "acc_floating": ("浮动盈亏", "Floating P&L"),
    "q_bid": ("卖价", "Bid"),
    "q_ask": ("买价", "Ask"),
    "q_spread": ("点差", "Spread"),
    "q_points": ("{n} 点", "{n} points"),
    "q_change": ("今日涨跌", "Day change"),
    "q_time": ("时间", "Time"),
    "buy": ("买", "buy"),
    "sell": ("卖", "sell"),
    "buy_long": ("买入", "Buy"),
    "sell_short": ("卖出", "Sell"),
    "limit": ("限价", "limit"),
    "stop": ("突破", "stop"),
    # --- plans & previews -----------------------------------------------------------------
    "preview_open": (
        "📝 {side} {symbol} {lots} 手（市价）",
        "📝 {side} {lots} lots {symbol} at market",
    ),
    "preview_pending": (
        "📝 挂单 {side}{kind} {symbol} {lots} 手 @ {price}",
        "📝 Pending {side} {kind} {lots} lots {symbol} @ {price}",
    ),
    "preview_price": (
        "现价 买{ask} / 卖{bid}",
        "Price ask {ask} / bid {bid}",
    ),
    "preview_margin": ("预计保证金 ≈ {margin} {ccy}", "Estimated margin ≈ {margin} {ccy}"),
    "preview_sltp": ("止损 {sl}  止盈 {tp}", "SL {sl}  TP {tp}"),
    "preview_expires": ("⏳ {ttl} 秒内有效，请确认。", "⏳ Valid for {ttl} s — please confirm."),
    "preview_blocked": ("⛔ 不能执行：", "⛔ Cannot be executed:"),
    "none_value": ("无", "none"),
    "btn_confirm": ("✅ 确认", "✅ Confirm"),
    "btn_cancel": ("❌ 取消", "❌ Cancel"),
    "code_confirm": ("确认 {code}", "confirm {code}"),
    "code_cancel": ("取消 {code}", "cancel {code}"),
    # plan problems (answered instead of a preview)
    "no_match_positions": ("没有符合条件的持仓。", "No open position matches."),
    "no_match_orders": ("没有符合条件的挂单。", "No pending order matches."),
    "ticket_not_found": ("找不到订单 #{ticket}。", "Ticket #{ticket} was not found."),
    "volume_exceeds": (
        "要平 {want} 手，但符合条件的持仓只有 {have} 手。",
        "You asked to close {want} lots but only {have} lots match.",
    ),
    "volume_invalid": ("{reason}", "{reason}"),
    "price_needed": ("挂单需要价格。", "A pending order needs a price."),
    "modify_nothing": (
        "要改什么？请给出止损或止盈价格。",
        "Change what? Give a stop-loss or take-profit price.",
    ),
    # --- risk check lines -----------------------------------------------------------------
    "risk_read_only_ok": ("✅ 非只读模式", "✅ Not in read-only mode"),
    "risk_read_only_fail": ("❌ 只读模式开启，暂停所有交易", "❌ Read-only mode is on: no trading"),
    "risk_symbol_ok": ("✅ {symbol} 允许交易", "✅ {symbol} may be traded"),
    "risk_symbol_fail": (
        "❌ {symbol} 不在允许交易的品种中",
        "❌ {symbol} is not an allowed symbol",
    ),
    "risk_lots_ok": ("✅ 单笔 {lots} ≤ {max} 手", "✅ Order {lots} ≤ {max} lots"),
    "risk_lots_fail": (
        "❌ 单笔 {lots} 手超过上限 {max} 手",
        "❌ Order of {lots} lots exceeds {max}",
    ),
    "risk_symbol_total_ok": (
        "✅ {symbol} 总手数 {total} ≤ {max}",
        "✅ {symbol} total {total} ≤ {max} lots",
    ),
    "risk_symbol_total_fail": (
        "❌ {symbol} 总手数将达 {total}，超过上限 {max}",
        "❌ {symbol} total would be {total} lots, above {max}",
    ),
    "risk_positions_ok": ("✅ 持仓数 {n} ≤ {max}", "✅ Positions {n} ≤ {max}"),
    "risk_positions_fail": (
        "❌ 持仓数将达 {n}，超过上限 {max}",
        "❌ Open positions would be {n}, above {max}",
    ),
    "risk_daily_ok": (
        "✅ 今日净值变化 {pnl}（不含往日浮亏），亏损上限 {max}",
        "✅ Equity change today {pnl} (excl. earlier days' floating), loss limit {max}",
    ),
    "risk_daily_fail": (
        "❌ 今日净值亏损 {pnl} 已达上限 {max}，暂停开新仓（平仓不受影响）",
        "❌ Today's equity loss {pnl} reached the limit {max}: no new positions (closing still works)",
    ),
    "risk_daily_unknown": (
        "❌ 无法计算今日盈亏，暂停开新仓",
        "❌ Today's P&L is unavailable: no new positions",
    ),
    "risk_stops_ok": (
        "✅ 止损/止盈/挂单价位置有效",
        "✅ SL/TP and order prices are valid",
    ),
    "risk_stops_fail": ("❌ {zh}", "❌ {en}"),
    "risk_stops_ticket_fail": ("❌ #{ticket}：{zh}", "❌ #{ticket}: {en}"),
    "risk_margin_ok": (
        "✅ 可用保证金 {free} ≥ {need}",
        "✅ Free margin {free} ≥ {need}",
    ),
    "risk_margin_fail": (
        "❌ 可用保证金 {free} 不足（需要约 {need}）",
        "❌ Free margin {free} is not enough (about {need} needed)",
    ),
    "risk_volume_fail": ("❌ {reason}", "❌ {reason}"),
    # --- confirmation ---------------------------------------------------------------------
    "confirm_not_found": (
        "这个确认已失效（找不到）。请重新下达指令。",
        "That confirmation is no longer valid. Please send the request again.",
    ),
    "confirm_not_owner": (
        "这是别人的交易确认，只有发起人可以确认。",
        "This confirmation belongs to someone else; only its requester can confirm it.",
    ),
    "confirm_expired": (
        "⌛ 确认已过期（{ttl} 秒内有效），未执行。请重新下达指令。",
        "⌛ The confirmation expired ({ttl} s); nothing was executed. Please send the request again.",
    ),
    "confirm_terminal_away": (
        "🔌 交易终端暂时连不上（{reason}）：未执行，什么都没有发送。预览在过期前仍然有效，"
        "终端恢复后再按 ✅ 即可。",
        "🔌 The trading terminal is away ({reason}): nothing was sent. The preview stays valid "
        "until it expires — press ✅ again when it is back.",
    ),
    "confirm_terminal_away_code": (
        "🔌 交易终端暂时连不上（{reason}）：未执行，什么都没有发送。预览在过期前仍然有效，"
        "终端恢复后再回复“{confirm}”即可。",
        "🔌 The trading terminal is away ({reason}): nothing was sent. The preview stays valid "
        "until it expires — reply “{confirm}” again when it is back.",
    ),
    "confirm_used": (
        "这个确认已经处理过了（{state}），不会重复执行。",
        "That confirmation was already handled ({state}); nothing is sent twice.",
    ),
    "confirm_wrong_code": (
        "确认码 {code} 不对或已失效，未执行任何操作。",
        "Code {code} is wrong or no longer valid; nothing was done.",
    ),
    "confirm_bare": (
        "请回复完整的确认码，例如“确认 7F3K”（见预览消息）。",
        "Please reply with the full code from the preview, e.g. “confirm 7F3K”.",
    ),
    "cancelled": ("❌ 已取消，未执行。", "❌ Cancelled; nothing was executed."),
    "state_pending": ("待确认", "pending"),
    "state_executing": ("执行中", "executing"),
    "state_done": ("已执行", "done"),
    "state_failed": ("已失败", "failed"),
    "state_unknown": ("结果未知", "result unknown"),
    "state_blocked": ("被风控拦截", "blocked by risk limits"),
    "state_drifted": ("价格变动已重新预览", "re-previewed after a price move"),
    "state_cancelled": ("已取消", "cancelled"),
    "state_expired": ("已过期", "expired"),
    "drifted": (
        "⚠️ 价格变动了 {points} 点（上限 {max} 点），未执行。请看新的预览：",
        "⚠️ The price moved {points} points (limit {max}); nothing was sent. Here is a fresh preview:",
    ),
    "blocked_now": (
        "⛔ 确认时风控检查未通过，未执行：",
        "⛔ Risk checks failed at confirmation; nothing was sent:",
    ),
    # --- execution results ----------------------------------------------------------------
    "result_ok_open": (
        "✅ 已成交：{side} {symbol} {lots} 手 @ {price}，订单 #{ticket}",
        "✅ Filled: {side} {lots} lots {symbol} @ {price}, ticket #{ticket}",
    ),
    "result_ok_pending": (
        "✅ 挂单已下：{side}{kind} {symbol} {lots} 手 @ {price}，订单 #{ticket}",
        "✅ Order placed: {side} {kind} {lots} lots {symbol} @ {price}, ticket #{ticket}",
    ),
    # {what}: the ticket as its preview names it (handlers.plan_text.leg_label)
    "result_ok_close": ("✅ 已平仓 {what} @ {price}", "✅ Closed {what} @ {price}"),
    "result_ok_modify": (
        "✅ 已修改 {what} {at}：止损 {sl}，止盈 {tp}",
        "✅ Modified {what} {at}: SL {sl}, TP {tp}",
    ),
    "result_ok_cancel": ("✅ 已撤销 {what} @ {price}", "✅ Cancelled {what} @ {price}"),
    "result_fail_leg": ("❌ 未执行 {what}：{reason}", "❌ Not executed: {what} — {reason}"),
    "result_leg": ("  {what}", "  {what}"),  # under an unknown outcome: the leg it is about
    "result_at_open": ("开仓价 {price}", "open {price}"),
    "result_at_market": ("市价约 {price}", "market ~{price}"),
    "result_at_order": ("@ {price}", "@ {price}"),
    "result_fail_plain": ("❌ 未执行：{reason}", "❌ Not executed: {reason}"),
    "result_unknown": (
        "⚠️ 订单已发出，但没有收到交易终端的回复，无法确定是否成交。"
        "不会自动重发。请发“持仓”查看，确认码 {cid}。",
        "⚠️ The order was sent but the terminal did not answer, so it is unknown whether it "
        "went through. It will NOT be resent. Check with “positions” (ref {cid}).",
    ),
    "result_found_later": (
        "✅ 已核实：订单已成交（订单号 #{ticket}）。",
        "✅ Checked: the order did go through (ticket #{ticket}).",
    ),
    "result_skipped": ("（后续 {n} 笔未执行）", "({n} remaining not executed)"),
    # --- help -----------------------------------------------------------------------------
    "help": (
        "🤖 我能做这些（直接打字即可）：\n"
        "📊 查询\n"
        "  持仓 · 看看黄金的单子\n"
        "  挂单列表\n"
        "  余额 · 账户信息\n"
        "  黄金现在多少\n"
        "  本月盈亏 · 今天黄金赚了多少\n"
        "  日报 · 月报 · 对冲EA分品种汇报\n",
        "🤖 Here's what I can do (just type):\n"
        "📊 Queries\n"
        "  positions · show my gold trades\n"
        "  pending orders\n"
        "  balance · account info\n"
        "  price of gold\n"
        "  P&L this month · how much did I make today\n"
        "  daily report · monthly report · hedge report\n",
    ),
    "help_trade": (
        "💹 交易（每笔都要你确认 ✅）\n"
        "  下单0.01手黄金 · 卖出0.1手欧美 止损{eur_sl}\n"
        "  {eur_limit}挂单买入欧美0.1手\n"
        "  对最早的黄金订单平仓 · 平仓0.02手黄金 · 全部平仓\n"
        "  黄金多单止损改到{gold_sl} · 撤销所有挂单\n",
        "💹 Trading (every trade needs your ✅)\n"
        "  buy 0.01 gold · sell 0.1 EURUSD sl {eur_sl}\n"
        "  buy EURUSD 0.1 at {eur_limit}\n"
        "  close my oldest gold trade · close 0.02 lots gold · close all\n"
        "  move gold buy sl to {gold_sl} · cancel all pending orders\n",
    ),
    "help_admin": (
        "⚙️ 管理\n  /readonly on|off 只读模式 · /lang zh|en 语言 · /logs 最近日志（私聊）\n",
        "⚙️ Admin\n  /readonly on|off read-only mode · /lang zh|en language · /logs recent log "
        "(private chat)\n",
    ),
    "help_footer": (
        "也可以用命令：/buy XAUUSD 0.01 · /close 123456 · /pnl month",
        "Slash commands work too: /buy XAUUSD 0.01 · /close 123456 · /pnl month",
    ),
    # --- subscriptions in chat (handlers/subscriptions.py) ------------------------------------------
    # Appended as its own section so that parallel edits of STRINGS above merge cleanly.
    "sub_name_daily": ("日报", "daily report"),
    "sub_name_weekly": ("周报", "weekly report"),
    "sub_name_monthly": ("月报", "monthly report"),
    "sub_name_hedge": ("对冲EA汇报", "hedging EA summary"),
    "sub_name_alerts": ("风险提醒", "alerts"),
    "sub_name_deals": ("成交推送", "new-deal pushes"),
    "sub_kinds": (
        "日报、周报、月报、对冲汇报、提醒、成交",
        "daily, weekly, monthly, hedge, alerts, deals",
    ),
    "sub_everything": ("全部订阅", "all subscriptions"),
    "sub_none": (
        "本聊天还没有订阅。可发送“订阅日报”等（可选：{kinds}）。",
        "This chat has no subscriptions. Send e.g. /subscribe daily ({kinds}).",
    ),
    "sub_usage_subscribe": (
        "请说明要订阅哪一项：{kinds}。例如“订阅日报”。",
        "Which one? /subscribe daily|weekly|monthly|hedge|alerts|deals",
    ),
    "sub_usage_unsubscribe": (
        "请说明要取消哪一项：{kinds}。例如“取消订阅日报”。",
        "Which one? /unsubscribe daily|weekly|monthly|hedge|alerts|deals (or all)",
    ),
    "sub_already": ("本聊天已订阅{names}。", "This chat already gets the {names}."),
    "sub_added": (
        "✅ 已订阅{names}。发送“取消订阅{first_zh}”可退订。",
        "✅ Subscribed to the {names}. Send /unsubscribe {first} to stop.",
    ),
    "sub_not_subscribed": (
        "本聊天没有订阅{what}。",
        "This chat was not subscribed to {what}.",
    ),
    "sub_removed": ("✅ 已取消{what}。", "✅ Unsubscribed from {what}."),
    # --- recovery and re-checkable outcomes (handlers/recovery.py, handlers/confirm.py) ---------
    "btn_recheck": ("🔄 再次查询", "🔄 Check again"),
    "code_check": ("查询 {code}", "check {code}"),
    "result_unknown_recheck": (
        "⚠️ 订单已发出，但没有收到交易终端的回复，无法确定是否成交。不会自动重发。"
        "按“🔄 再次查询”或回复“{check}”核实。",
        "⚠️ The order was sent but the terminal did not answer, so it is unknown whether it "
        "went through. It will NOT be resent. Press “🔄 Check again” or reply “{check}” to "
        "look it up.",
    ),
    "recheck_not_found": (
        "核实：终端的持仓、挂单和近期成交里都没有这笔订单，它没有成交。"
        "稍后仍可再次查询；如仍需要，请重新下达指令。",
        "Checked: the order is in none of the terminal's positions, orders or recent deals, "
        "so it did not go through. You can check again later, or send the request again.",
    ),
    "recheck_done": (
        "这笔订单已经核实过：已成交（订单号 {tickets}）。",
        "This order was already checked: it went through (ticket {tickets}).",
    ),
    "recheck_settled": (
        "这笔订单已经有结果（{state}），无需再查询。",
        "This order already has its outcome ({state}); there is nothing to check.",
    ),
    "recheck_pending": (
        "确认码 {code} 的订单还没有确认，没有发出；查询只用于结果未知的订单。",
        "The order with code {code} has not been confirmed, so nothing was sent; checking "
        "is only for orders whose outcome is unknown.",
    ),
    "recheck_executing": (
        "这笔订单正在执行或核对中，结果出来后会告诉你。",
        "This order is being executed or checked; you will be told its outcome.",
    ),
    "recheck_wrong_code": (
        "确认码 {code} 不对，没有可以查询的订单。",
        "Code {code} matches no order to check.",
    ),
    "recheck_not_owner": (
        "这是别人的订单，只有发起人可以查询。",
        "This order belongs to someone else; only its requester can check it.",
    ),
    "recovery_head": (
        "🔁 确认码 {code} 的订单在执行时程序中断，已在交易终端核对：",
        "🔁 The order with code {code} was interrupted while executing; checked in the terminal:",
    ),
    "recovery_head_unknown": (
        "🔁 确认码 {code} 的订单之前结果未知，交易终端恢复后已核对：",
        "🔁 The order with code {code}, whose outcome was unknown, was checked once the "
        "terminal was back:",
    ),
    "recovery_what_trade": ("{side} {symbol} {lots} 手", "{side} {lots} lots {symbol}"),
    "recovery_leg_missing": (
        "❌ {what}：终端里没有找到，未执行。",
        "❌ {what}: not found in the terminal; not executed.",
    ),
    "recovery_failed_tail": (
        "不会自动重发。如仍需要，请重新下达指令。",
        "It will NOT be resent. Send the request again if you still want it.",
    ),
    "recovery_unreadable": (
        "⚠️ 无法核对这笔订单（记录无法读取），请发“持仓”查看。",
        "⚠️ This order could not be checked (its record is unreadable); check with “positions”.",
    ),
    # ==== previews that name what they touch; answers when the terminal is away =====================
    # (handlers/plans.py previews, handlers/conversation.py's guard.) Every line about a ticket fits
    # a phone's ~32 monospace columns (CJK characters count double): "#ticket symbol side lots" on
    # one line, the entry price and floating P&L indented on the next. Appended as its own section
    # so that parallel edits above merge cleanly.
    # --- head lines -------------------------------------------------------------------
    "pv_close": (
        "📝 平仓 {symbols}（{count}，{lots} 手）",
        "📝 Close {symbols} ({count}, {lots} lots)",
    ),
    "pv_modify": ("📝 修改止损/止盈（{n} 单）：{symbols}", "📝 Modify SL/TP ({n}): {symbols}"),
    "pv_cancel": (
        "📝 撤销挂单（{n} 个）：{symbols}，{lots} 手",
        "📝 Cancel pending orders ({n}): {symbols}, {lots} lots",
    ),
    "pv_positions_one": ("{n} 单", "{n} position"),
    "pv_positions_many": ("{n} 单", "{n} positions"),
    "pv_symbol_sep": ("、", ", "),
    "pv_n_symbols": ("{n} 个品种", "{n} symbols"),
    # --- totals per symbol ------------------------------------------------------------
    "pv_col_positions": ("单数", "Pos."),
    "pv_col_orders": ("挂单", "Orders"),
    "pv_total_pnl": (
        "合计 {n} 单 {lots} 手 浮动 {pnl}",
        "Total {n}, {lots} lots, P&L {pnl}",
    ),
    "pv_total": ("合计 {n} 个 {lots} 手", "Total {n}, {lots} lots"),
    # --- one ticket -------------------------------------------------------------------
    "pv_ticket": (
        "#{ticket} {symbol} {side} {lots} 手",
        "#{ticket} {symbol} {side} {lots} lots",
    ),
    "pv_ticket_part": (
        "#{ticket} {symbol} {side} {lots} 手",
        "#{ticket} {symbol} {side} {lots}",
    ),
    "pv_partial": (
        "  部分平仓：平 {lots}，留 {keep} 手",
        "  partial: close {lots}, keep {keep}",
    ),
    "pv_entry_pnl": ("  开仓价 {price} 浮动 {pnl}", "  open {price} P&L {pnl}"),
    "pv_order": ("#{ticket} {symbol} {kind} {lots} 手", "#{ticket} {symbol} {kind} {lots}"),
    "pv_new_order": ("{side} {symbol} {lots} 手", "{side} {lots} lots {symbol}"),
    "pv_order_kind": ("{side}{kind}", "{side} {kind}"),
    "pv_order_price": ("  挂单价 {price}", "  order price {price}"),
    "pv_sl_change": ("  止损 {old} → {new}", "  SL {old} → {new}"),
    "pv_tp_change": ("  止盈 {old} → {new}", "  TP {old} → {new}"),
    # --- the conversation's guard: the terminal away while answering ------------------
    "guard_terminal_away": (
        "🔌 交易终端暂时连不上（{reason}），正在自动重连。没有执行任何操作，请稍后再试。",
        "🔌 The trading terminal is away right now ({reason}); reconnecting. Nothing was "
        "done — please try again in a minute.",
    ),
    # ==== notifications, help examples, previews' last line (the audience helper) ===============
    # handlers/subscriptions.py (who receives what, /subscriptions), handlers/help.py, the first
    # message of a newly listed user, the ⛔ summary and the one line that says what ✅ does.
    # --- /subscriptions: one line per kind the chat receives or refused ----------------
    "sub_state_head": ("🔔 本聊天的推送：", "🔔 What this chat receives:"),
    "sub_state_subscribed": (
        "✅ {name}：已订阅（“取消订阅{name}”可退订）",
        "✅ {name}: subscribed (/unsubscribe {kind} to stop)",
    ),
    "sub_state_default": (
        "✅ {name}：默认开启（“取消订阅{name}”可关闭）",
        "✅ {name}: on by default (/unsubscribe {kind} to stop)",
    ),
    "sub_state_unsubscribed": (
        "🚫 {name}：已退订（“订阅{name}”可恢复）",
        "🚫 {name}: unsubscribed (/subscribe {kind} to resume)",
    ),
    "sub_state_rest": (
        "未订阅：{names}（发送“订阅日报”等开启）",
        "Not subscribed: {names} (/subscribe daily etc.)",
    ),
    # --- the first message of a newly listed user: one line ----------------------------
    "notice_alerts": (
        "🔔 风险提醒（保证金、回撤、终端断线）会默认私聊发给你；"
        "发“取消订阅提醒”关闭，“我的订阅”查看。",
        "🔔 Alerts (margin level, drawdown, terminal lost) come to your private chat by "
        "default; /unsubscribe alerts to stop, /subscriptions to see.",
    ),
    "notice_alerts_reports": (
        "🔔 风险提醒和日报、周报、月报会默认私聊发给你；"
        "发“取消订阅提醒”“取消订阅日报”等关闭，“我的订阅”查看。",
        "🔔 Alerts and the daily, weekly and monthly reports come to your private chat by "
        "default; /unsubscribe alerts or /unsubscribe daily etc. to stop, /subscriptions "
        "to see.",
    ),
    "notice_reports": (
        "🔔 日报、周报、月报会默认私聊发给你；发“取消订阅日报”等关闭，“我的订阅”查看。",
        "🔔 The daily, weekly and monthly reports come to your private chat by default; "
        "/unsubscribe daily etc. to stop, /subscriptions to see.",
    ),
    "notice_nothing": (
        "🔔 默认不会给你推送；发“订阅提醒”或“订阅日报”开启，“我的订阅”查看。",
        "🔔 Nothing is pushed to you by default; /subscribe alerts or /subscribe daily to "
        "get them, /subscriptions to see.",
    ),
    # --- help ---------------------------------------------------------------------------
    "help_notify": ("🔔 推送\n  {you}\n", "🔔 Pushes\n  {you}\n"),
    "help_notify_plain": (
        "🔔 推送\n  订阅日报 · 取消订阅提醒 · 我的订阅\n",
        "🔔 Pushes\n  /subscribe daily · /unsubscribe alerts · /subscriptions\n",
    ),
    "help_price_placeholder": ("<价格>", "<price>"),
    # --- a refused preview: the header says how many checks failed ---------------------
    "preview_blocked_n": (
        "⛔ 不能执行：{n} 项检查未通过",
        "⛔ Cannot be executed: {n} check(s) failed",
    ),
    "preview_checks_passed": (
        "✅ 其余 {n} 项检查通过",
        "✅ The other {n} check(s) passed",
    ),
    # --- the one line under a preview: what ✅ does, and until when ---------------------
    "preview_then": (
        "⏳ 按 ✅ 即{what}；{ttl} 秒内有效，过期作废。",
        "⏳ ✅ will {what}; valid for {ttl} s, then it expires.",
    ),
    "then_open": ("市价{side} {lots} 手 {symbol}", "{side} {lots} lots {symbol} at market"),
    "then_pending": (
        "挂{side}{kind}单 {lots} 手 {symbol} @ {price}",
        "place a {side} {kind} order, {lots} lots {symbol} @ {price}",
    ),
    "then_close": ("平仓 {n} 单，共 {lots} 手", "close {n} position(s), {lots} lots"),
    "then_modify": ("修改 {n} 单的止损/止盈", "change SL/TP on {n} ticket(s)"),
    "then_cancel": ("撤销 {n} 个挂单", "cancel {n} pending order(s)"),
    # --- the side question ("下单0.01手黄金"): what happens next, and for how long ------
    "ask_side_of": (
        "买还是卖 {what}？选好后先给你看预览，按 ✅ 才下单；{minutes} 分钟内回答有效。",
        "Buy or sell {what}? You get a preview first; nothing is sent before ✅. "
        "Answer within {minutes} min.",
    ),
    "ask_side_lots": ("{symbol} {lots} 手", "{lots} lots {symbol}"),
    # --- the database refused a step's write (handlers/audit_trail.py: StepNotStoredError)
    "step_not_stored": (
        "⚠️ 这一步没能保存（数据库暂时不可用），什么都没有执行。请稍后再发一次。",
        "⚠️ This step could not be saved (the database is unavailable); nothing was done. "
        "Please send it again in a moment.",
    ),
}
