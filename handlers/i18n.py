"""Every user-facing string of the conversation, in Chinese and English, in one place.

`t(lang, key, **values)` formats one entry; a missing key is a programming error (KeyError in
tests), never a half-translated answer.
"""

from __future__ import annotations

from handlers.messages import Lang

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
    "result_ok_close": (
        "✅ 已平仓 #{ticket} {lots} 手 @ {price}",
        "✅ Closed #{ticket} {lots} lots @ {price}",
    ),
    "result_ok_modify": ("✅ 已修改 #{ticket}", "✅ Modified #{ticket}"),
    "result_ok_cancel": ("✅ 已撤销 #{ticket}", "✅ Cancelled #{ticket}"),
    "result_fail": ("❌ #{what} 未执行：{reason}", "❌ #{what} not executed: {reason}"),
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
        "⚙️ 管理\n  /readonly on|off 只读模式 · /lang zh|en 语言\n",
        "⚙️ Admin\n  /readonly on|off read-only mode · /lang zh|en language\n",
    ),
    "help_footer": (
        "也可以用命令：/buy XAUUSD 0.01 · /close 123456 · /pnl month",
        "Slash commands work too: /buy XAUUSD 0.01 · /close 123456 · /pnl month",
    ),
}


def t(lang: Lang | str, key: str, **values: object) -> str:
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


# --- subscriptions in chat (handlers/subscriptions.py) ------------------------------------------
# Appended as its own section so that parallel edits of STRINGS above merge cleanly.
STRINGS.update(
    {
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
    }
)


# ==== pushes and reports (handlers/pushes.py, handlers/report_service.py) ==================
# Alerts, new-deal notices and the report service's own sentences. Amounts arrive already
# formatted by `reports.numbers.money`; percentages are formatted here.
STRINGS.update(
    {
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
    }
)


# ==== chat platforms and the command line (bot/) ================================================
# Words the platforms and the CLI show to people: Telegram's /start for strangers, its command
# menu, button toasts, the console's greeting, and the `tradechat` commands' own messages.

STRINGS.update(
    {
        # --- Telegram ---------------------------------------------------------------------
        "tg_start_unknown": (
            "你的 Telegram 用户 ID 是 {uid}。\n"
            "请让机器人的管理员在 settings.toml 中加入：\n"
            '[[users]]\nplatform = "telegram"\nid = "{uid}"',
            "Your Telegram user id is {uid}.\n"
            "Ask the bot's owner to add this to settings.toml:\n"
            '[[users]]\nplatform = "telegram"\nid = "{uid}"',
        ),
        "tg_not_for_you": ("这个按钮不是给你的。", "This button is not for you."),
        "tg_gone": ("这条确认已失效。", "This confirmation is no longer valid."),
        "tg_menu_positions": ("当前持仓", "Open positions"),
        "tg_menu_orders": ("挂单列表", "Pending orders"),
        "tg_menu_account": ("余额、净值、保证金", "Balance, equity and margin"),
        "tg_menu_pnl": ("盈亏：今日、本周、本月", "Profit and loss: today, week, month"),
        "tg_menu_report": (
            "带图表的报告：日报、周报、月报、对冲汇总",
            "Report with charts: daily, weekly, monthly, hedge",
        ),
        "tg_menu_subscribe": (
            "订阅推送到本聊天，例如 /subscribe daily",
            "Have a report pushed here, e.g. /subscribe daily",
        ),
        "tg_menu_quote": ("报价，例如 /quote XAUUSD", "Price of a symbol, e.g. /quote XAUUSD"),
        "tg_menu_buy": ("买入，例如 /buy XAUUSD 0.01", "Buy, e.g. /buy XAUUSD 0.01"),
        "tg_menu_sell": ("卖出，例如 /sell EURUSD 0.1", "Sell, e.g. /sell EURUSD 0.1"),
        "tg_menu_close": ("平仓：/close 单号、品种或 all", "Close: /close TICKET, SYMBOL or all"),
        "tg_menu_help": ("我能做什么", "What I can do"),
        # --- console ----------------------------------------------------------------------
        "console_greeting": (
            "tradechat — 直接输入消息，“帮助”查看示例，exit 退出。",
            "tradechat — type a message, “help” for examples, exit to leave.",
        ),
        "console_prompt": ("你> ", "you> "),
        # --- tradechat demo-history -------------------------------------------------------
        "cli_demo_exists": (
            "模拟账户 {path} 已有交易记录，演示历史只能写入新账户。删除该文件即可重新开始。",
            "The paper account at {path} already has trading history; demo history is only "
            "added to a fresh account. Delete that file to start over.",
        ),
        "cli_demo_days": ("--days 必须在 1 到 3650 之间。", "--days must be between 1 and 3650."),
        "cli_demo_done": (
            "模拟账户 {path}：{days} 天内 {deals} 笔成交，持仓 {positions} 笔，"
            "余额 {balance:.2f} USD，净值 {equity:.2f} USD。",
            "Paper account {path}: {deals} deals over {days} days, {positions} open "
            "positions, balance {balance:.2f} USD, equity {equity:.2f} USD.",
        ),
        # --- tradechat report -------------------------------------------------------------
        "cli_report_hedge_date": (
            "（对冲汇报只反映当前持仓，--date 已忽略）",
            "(the hedge summary shows what is open now; --date is ignored)",
        ),
        "cli_report_written": ("已写入：{paths}", "Written: {paths}"),
    }
)


# ==== the broker's notes in words (handlers/broker_text.py) ==================================
# The broker reports codes and facts (`broker.models.Note`, `BrokerError.note`, `Health.note`);
# these are its words. Retcode and `last_error()` explanations say what each MT5 code means and
# what to do; the rest word lookups that failed, the terminal's health and the volume, stops and
# pending-price checks. Appended as its own section so that parallel edits above merge cleanly.

STRINGS.update(
    {
        # --- MT5 trade-server retcodes (MqlTradeResult.retcode) ----------------------------
        "mt5_retcode_10004": (
            "重新报价：成交前价格已变动",
            "Requote: the price moved before the order was filled",
        ),
        "mt5_retcode_10006": ("交易商拒绝了该请求", "The broker rejected the request"),
        "mt5_retcode_10007": ("请求已被交易者取消", "The request was canceled by the trader"),
        "mt5_retcode_10008": ("挂单已提交", "Order placed"),
        "mt5_retcode_10009": ("已完成", "Done"),
        "mt5_retcode_10010": ("仅部分成交", "Only part of the volume was filled"),
        "mt5_retcode_10011": (
            "交易服务器处理请求出错",
            "The trade server could not process the request",
        ),
        "mt5_retcode_10012": (
            "请求超时，可能已执行也可能未执行——请查看持仓和挂单",
            "The request timed out; it may or may not have been executed — check your positions and orders",
        ),
        "mt5_retcode_10013": ("无效的交易请求", "Invalid request"),
        "mt5_retcode_10014": ("手数无效", "Invalid volume"),
        "mt5_retcode_10015": ("价格无效", "Invalid price"),
        "mt5_retcode_10016": (
            "止损/止盈无效：方向错误或离当前价太近",
            "Invalid stops: the stop loss or take profit is on the wrong side or too close to the price",
        ),
        "mt5_retcode_10017": (
            "该品种或账户已禁止交易",
            "Trading is disabled for this symbol or account",
        ),
        "mt5_retcode_10018": ("市场已休市", "The market is closed"),
        "mt5_retcode_10019": ("可用保证金不足，无法下单", "Not enough free margin for this order"),
        "mt5_retcode_10020": ("价格已变动", "The price changed"),
        "mt5_retcode_10021": (
            "该品种当前没有报价",
            "There are no prices for this symbol right now",
        ),
        "mt5_retcode_10022": ("挂单到期时间无效", "Invalid order expiration"),
        "mt5_retcode_10023": ("订单状态已改变", "The order changed in the meantime"),
        "mt5_retcode_10024": (
            "请求过于频繁，请稍后再试",
            "Too many requests; try again in a moment",
        ),
        "mt5_retcode_10025": (
            "没有需要修改的内容",
            "Nothing to change: the request equals the current values",
        ),
        "mt5_retcode_10026": (
            "交易服务器禁止了自动交易",
            "Automated trading is disabled by the broker's server",
        ),
        "mt5_retcode_10027": (
            "MT5 终端未开启自动交易：请点击“算法交易”按钮",
            "AutoTrading is disabled in the MT5 terminal: press the 'Algo Trading' button",
        ),
        "mt5_retcode_10028": ("请求正在处理中，已被锁定", "The request is locked for processing"),
        "mt5_retcode_10029": (
            "订单或持仓已冻结（离市价太近，无法修改）",
            "The order or position is frozen (too close to the price to change)",
        ),
        "mt5_retcode_10030": (
            "交易商不支持该成交方式（filling mode）",
            "The broker does not support this order filling mode",
        ),
        "mt5_retcode_10031": (
            "终端与交易服务器断开连接",
            "The terminal has no connection to the trade server",
        ),
        "mt5_retcode_10032": (
            "该操作仅限真实账户",
            "This operation is allowed only on live accounts",
        ),
        "mt5_retcode_10033": (
            "挂单数量已达上限",
            "The limit on the number of pending orders has been reached",
        ),
        "mt5_retcode_10034": (
            "该品种的持仓和挂单总手数已达上限",
            "The volume limit of orders and positions for this symbol has been reached",
        ),
        "mt5_retcode_10035": ("订单类型错误或被禁止", "Incorrect or prohibited order type"),
        "mt5_retcode_10036": ("该持仓已经平仓", "The position is already closed"),
        "mt5_retcode_10038": (
            "平仓手数超过持仓手数",
            "The close volume exceeds the position's volume",
        ),
        "mt5_retcode_10039": (
            "该持仓已有平仓订单",
            "A close order already exists for this position",
        ),
        "mt5_retcode_10040": (
            "持仓数量已达上限",
            "The limit on the number of open positions has been reached",
        ),
        "mt5_retcode_10041": (
            "挂单触发被拒绝，订单已取消",
            "The pending order activation was rejected and the order canceled",
        ),
        "mt5_retcode_10042": ("该品种只允许做多", "Only buy positions are allowed for this symbol"),
        "mt5_retcode_10043": (
            "该品种只允许做空",
            "Only sell positions are allowed for this symbol",
        ),
        "mt5_retcode_10044": (
            "该品种只允许平仓",
            "Only closing positions is allowed for this symbol",
        ),
        "mt5_retcode_10045": (
            "只能按先进先出（FIFO）顺序平仓，请先平最早的持仓",
            "Positions can only be closed in FIFO order (oldest first)",
        ),
        "mt5_retcode_10046": (
            "不允许开反向仓位（禁止对冲）",
            "Opening an opposite position is not allowed (hedging prohibited)",
        ),
        "mt5_retcode_unknown": (
            "交易服务器返回代码 {code}{extra}",
            "The trade server answered with code {code}{extra}",
        ),
        # --- last_error() codes of the MetaTrader5 package (client side) -----------------
        "mt5_last_error_1": ("成功", "Success"),
        "mt5_last_error_-1": ("终端出现一般性错误", "Generic failure in the terminal"),
        "mt5_last_error_-2": ("参数无效", "Invalid arguments"),
        "mt5_last_error_-3": ("终端内存不足", "The terminal ran out of memory"),
        "mt5_last_error_-4": ("未找到", "Not found"),
        "mt5_last_error_-5": ("终端版本不受支持", "Unsupported terminal version"),
        "mt5_last_error_-6": (
            "登录失败：请检查账号、密码和服务器",
            "Login failed: check the account number, password and server",
        ),
        "mt5_last_error_-7": ("不支持的操作", "Unsupported method"),
        "mt5_last_error_-8": (
            "MT5 终端未开启自动交易：请点击“算法交易”按钮",
            "AutoTrading is disabled in the MT5 terminal: press the 'Algo Trading' button",
        ),
        "mt5_last_error_-10000": ("终端内部错误", "Internal terminal error"),
        "mt5_last_error_-10001": (
            "无法将请求发送到终端",
            "Could not send the request to the terminal",
        ),
        "mt5_last_error_-10002": ("未收到终端的回复", "No reply from the terminal"),
        "mt5_last_error_-10003": (
            "无法启动或初始化交易终端",
            "The terminal could not be started or initialised",
        ),
        "mt5_last_error_-10004": (
            "未连接到 MT5 交易终端（终端未运行或未初始化）",
            "No connection to the MT5 terminal (not running or not initialised)",
        ),
        "mt5_last_error_-10005": ("交易终端响应超时", "The terminal did not answer in time"),
        "mt5_last_error_unknown": ("终端错误 {code}：{text}", "Terminal error {code}: {text}"),
        "mt5_last_error_unknown_bare": ("终端错误 {code}", "Terminal error {code}"),
        "mt5_last_error_text": ("{what}（{text}）", "{what} ({text})"),
        # --- the terminal away or failing -------------------------------------------------
        "broker_not_connected_why": ("{head}（{reason}）", "{head} ({reason})"),
        "broker_connection_lost": (
            "与交易终端的连接已断开",
            "Lost the connection to the trading terminal",
        ),
        "broker_connection_lost_why": (
            "与交易终端的连接已断开",
            "Lost the connection to the trading terminal ({error})",
        ),
        "broker_call_failed": (
            "终端调用 {call} 失败：{error}",
            "The terminal call {call} failed: {error}",
        ),
        "broker_connect_failed": (
            "无法连接 MT5 交易终端：{reason}",
            "Could not connect to the MT5 terminal: {reason}",
        ),
        "broker_unreachable": (
            "无法连接交易终端：{error}",
            "Cannot reach the trading terminal: {error}",
        ),
        "broker_not_on_server": (
            "交易终端在运行，但未连接到交易服务器",
            "The terminal is running but not connected to the trade server",
        ),
        "broker_stopped_answering": ("交易终端无响应", "The trading terminal stopped answering"),
        "broker_timeout": ("交易终端响应超时", "The trading terminal did not answer in time"),
        # --- a lookup that failed: "{what}: {reason}" --------------------------------------
        "broker_lookup_failed": ("{what}：{reason}", "{what}: {reason}"),
        "lookup_read_symbols": ("无法读取品种列表", "Could not read the symbol list"),
        "lookup_terminal_silent": ("交易终端没有响应", "The terminal did not answer"),
        "lookup_read_symbol": ("无法读取 {symbol}", "Could not read {symbol}"),
        "lookup_select_symbol": (
            "无法将 {name} 加入市场报价",
            "Could not add {name} to Market Watch",
        ),
        "lookup_no_quote": ("{symbol} 没有报价", "No quote for {symbol}"),
        "lookup_no_history": ("{symbol} 没有历史行情", "No price history for {symbol}"),
        "lookup_read_account": ("无法读取账户信息", "Could not read the account"),
        "lookup_read_positions": ("无法读取持仓", "Could not read the positions"),
        "lookup_read_orders": ("无法读取挂单", "Could not read the pending orders"),
        "lookup_read_deals": ("无法读取成交历史", "Could not read the deal history"),
        "lookup_no_price": ("{symbol} 无法取得报价", "No price for {symbol}"),
        "lookup_read_position": ("无法读取持仓 #{ticket}", "Could not read position #{ticket}"),
        "lookup_read_order": ("无法读取挂单 #{ticket}", "Could not read order #{ticket}"),
        # --- what was asked for does not exist ---------------------------------------------
        "broker_unknown_symbol": (
            "未找到品种 {symbol}：交易终端没有这个品种{hint}",
            "Unknown symbol {symbol}: the terminal has no such symbol{hint}",
        ),
        "broker_unknown_symbol_hint": ("；是否要找 {names}？", "; did you mean {names}?"),
        "broker_quote_missing": (
            "{symbol} 当前没有报价",
            "There are no prices for {symbol} right now",
        ),
        "broker_unknown_timeframe": (
            "未知周期 {timeframe}（可用：{known}）",
            "Unknown timeframe {timeframe} (use one of {known})",
        ),
        # --- the terminal's health (the supervisor's alerts) --------------------------------
        "health_connected": (
            "已连接 {server}，延迟 {ping_ms:.0f} 毫秒",
            "Connected to {server}, ping {ping_ms:.0f} ms",
        ),
        "health_autotrading_off": (
            "已连接 {server}，但终端未开启自动交易（算法交易），下单会被拒绝",
            "Connected to {server}, but AutoTrading is off in the terminal: orders will be rejected",
        ),
        "health_account_cannot_trade": (
            "已连接 {server}，但该账户不允许交易（可能是只读密码登录）",
            "Connected to {server}, but this account may not trade (investor login?)",
        ),
        # the account names no server: said in English in both languages, as it always was
        "health_unnamed_server": ("the trade server", "the trade server"),
        "health_terminal_lost": ("{head}，正在重连", "{head}; reconnecting"),
        "health_terminal_lost_why": (
            "{head}：{reason}，正在重连",
            "{head}; {reason}; reconnecting",
        ),
        "health_terminal_back": (
            "交易终端已重新连接，恢复交易。{health}",
            "The trading terminal is connected again; trading resumed. {health}",
        ),
        # --- the volume check (broker.symbols.normalize_volume) -----------------------------
        "volume_not_positive": (
            "手数 {volume} 无效：必须是大于 0 的手数",
            "Volume {volume} is not valid: it must be a positive number of lots",
        ),
        "volume_below_min": (
            "{symbol} 最小手数为 {min}，{volume} 手无法下单",
            "Volume {volume} is below the minimum {min} for {symbol}",
        ),
        "volume_above_max": (
            "{symbol} 单笔最大手数为 {max}，{volume} 手无法下单",
            "Volume {volume} is above the maximum {max} for {symbol}",
        ),
        # --- the stops and pending-price checks (broker.validation) -------------------------
        "stop_wrong_side": (
            "{symbol} {position}的{label} {value} 必须{where}{ref} {at}",
            "{label} {value} must be {where} {ref} {at} for {position} on {symbol}",
        ),
        "stop_too_close": (
            "{symbol} {label} {value} 离{ref} {at} 太近，至少要 {points} 个点",
            "{label} {value} is too close to {ref} {at}: {symbol} needs at least {points} points",
        ),
        "pending_wrong_side": (
            "{symbol} {kind}单的价格 {price} 必须{where}当前{ref} {at}",
            "The price {price} of a {kind} order must be {where} the current {ref} {at} on {symbol}",
        ),
        "pending_too_close": (
            "{symbol} 挂单价 {price} 离当前{ref} {at} 太近，至少要 {points} 个点",
            "The price {price} is too close to the current {ref} {at}: {symbol} needs at least "
            "{points} points",
        ),
        "stop_label_sl": ("止损", "SL"),
        "stop_label_tp": ("止盈", "TP"),
        "stop_position_buy": ("多单", "a buy"),
        "stop_position_sell": ("空单", "a sell"),
        "price_below": ("低于", "below"),
        "price_above": ("高于", "above"),
        "stops_ref_bid": ("当前 Bid 价", "the current bid"),
        "stops_ref_ask": ("当前 Ask 价", "the current ask"),
        "stops_ref_order_price": ("挂单价", "the order price"),
        "pending_ref_bid": ("Bid 价", "bid"),
        "pending_ref_ask": ("Ask 价", "ask"),
        "pending_kind_buy_limit": ("买入限价", "buy limit"),
        "pending_kind_sell_limit": ("卖出限价", "sell limit"),
        "pending_kind_buy_stop": ("买入止损", "buy stop"),
        "pending_kind_sell_stop": ("卖出止损", "sell stop"),
    }
)


# --- recovery and re-checkable outcomes (handlers/recovery.py, handlers/confirm.py) ---------
STRINGS.update(
    {
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
            "🔁 The order with code {code} was interrupted while executing; checked in the "
            "terminal:",
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
    }
)


# --- answers from the terminal snapshot (issue 12 item 5: one hung call freezes nobody) ---------
# Appended as its own section so that parallel edits of STRINGS above merge cleanly.
STRINGS.update(
    {
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
    }
)


# --- issue 13, builds 2 and 6 (reports): a running period's time names its clock ------------
STRINGS.update(
    {
        "report_running_as_of": (
            "\n（本期尚未结束，数据截至 {as_of}，{zone}）",
            "\n(period still running; figures as of {as_of}, {zone})",
        ),
    }
)


# ==== previews that name what they touch; answers when the terminal is away =====================
# (handlers/plans.py previews, handlers/conversation.py's guard.) Every line about a ticket fits
# a phone's ~32 monospace columns (CJK characters count double): "#ticket symbol side lots" on
# one line, the entry price and floating P&L indented on the next. Appended as its own section
# so that parallel edits above merge cleanly.

STRINGS.update(
    {
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
    }
)


# ==== notifications, help examples, previews' last line (the audience helper) ===============
# handlers/subscriptions.py (who receives what, /subscriptions), handlers/help.py, the first
# message of a newly listed user, the ⛔ summary and the one line that says what ✅ does.
STRINGS.update(
    {
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
    }
)
