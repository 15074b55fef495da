"""The broker's notes in words: `handlers/broker_text.py` turns `broker.models.Note` keys and
facts into these sentences."""

STRINGS: dict[str, tuple[str, str]] = {
    # ==== the broker's notes in words (handlers/broker_text.py) ==================================
    # The broker reports codes and facts (`broker.models.Note`, `BrokerError.note`, `Health.note`);
    # these are its words. Retcode and `last_error()` explanations say what each MT5 code means and
    # what to do; the rest word lookups that failed, the terminal's health and the volume, stops and
    # pending-price checks. Appended as its own section so that parallel edits above merge cleanly.
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
