"""The chat platforms' and the command line's own words (Telegram's /start and menu, button
toasts, the console, the report and demo-history commands)."""

STRINGS: dict[str, tuple[str, str]] = {
    # ==== chat platforms and the command line (bot/) ================================================
    # Words the platforms and the CLI show to people: Telegram's /start for strangers, its command
    # menu, button toasts, the console's greeting, and the `tradechat` commands' own messages.
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
    # --- tradechat run / chat ---------------------------------------------------------
    "cli_paper_demo": (
        "【模拟演示】模拟终端、虚构价格；不启动任何聊天平台，不连接大模型，不向外发送任何内容。"
        "数据：{data}。正式使用请先运行 `tradechat init` 生成配置文件。",
        "[PAPER DEMO] the paper terminal with made-up prices; no chat platform and no LLM "
        "start, nothing leaves this machine. Data: {data}. For real use, write a settings "
        "file with `tradechat init`.",
    ),
    "cli_where": (
        "配置文件：{settings}；数据目录：{data}",
        "settings: {settings}; data folder: {data}",
    ),
    "cli_where_no_file": ("无（模拟演示）", "none (paper demo)"),
}
