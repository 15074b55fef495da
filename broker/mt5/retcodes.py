"""Every MT5 trade-server retcode and `last_error()` code, explained in plain English and Chinese.

`explain_retcode(10016)` → ("Invalid stops: …", "止损/止盈价位无效…"). The adapter adds the symbol,
volume or ticket to these messages; the tables only say what the code means and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from broker.errors import (
    BrokerError,
    InsufficientFunds,
    InvalidOrder,
    MarketClosed,
    SymbolNotFound,
    TemporaryBrokerError,
)
from broker.models import TradeState


@dataclass(frozen=True, slots=True)
class Code:
    name: str  # the MT5 constant, e.g. TRADE_RETCODE_REQUOTE
    en: str
    zh: str


# Trade server return codes (MqlTradeResult.retcode).
RETCODES: dict[int, Code] = {
    10004: Code(
        "TRADE_RETCODE_REQUOTE",
        "Requote: the price moved before the order was filled",
        "重新报价：成交前价格已变动",
    ),
    10006: Code(
        "TRADE_RETCODE_REJECT",
        "The broker rejected the request",
        "交易商拒绝了该请求",
    ),
    10007: Code(
        "TRADE_RETCODE_CANCEL",
        "The request was canceled by the trader",
        "请求已被交易者取消",
    ),
    10008: Code("TRADE_RETCODE_PLACED", "Order placed", "挂单已提交"),
    10009: Code("TRADE_RETCODE_DONE", "Done", "已完成"),
    10010: Code(
        "TRADE_RETCODE_DONE_PARTIAL",
        "Only part of the volume was filled",
        "仅部分成交",
    ),
    10011: Code(
        "TRADE_RETCODE_ERROR",
        "The trade server could not process the request",
        "交易服务器处理请求出错",
    ),
    10012: Code(
        "TRADE_RETCODE_TIMEOUT",
        "The request timed out; it may or may not have been executed — check your positions and orders",
        "请求超时，可能已执行也可能未执行——请查看持仓和挂单",
    ),
    10013: Code(
        "TRADE_RETCODE_INVALID",
        "Invalid request",
        "无效的交易请求",
    ),
    10014: Code(
        "TRADE_RETCODE_INVALID_VOLUME",
        "Invalid volume",
        "手数无效",
    ),
    10015: Code(
        "TRADE_RETCODE_INVALID_PRICE",
        "Invalid price",
        "价格无效",
    ),
    10016: Code(
        "TRADE_RETCODE_INVALID_STOPS",
        "Invalid stops: the stop loss or take profit is on the wrong side or too close to the price",
        "止损/止盈无效：方向错误或离当前价太近",
    ),
    10017: Code(
        "TRADE_RETCODE_TRADE_DISABLED",
        "Trading is disabled for this symbol or account",
        "该品种或账户已禁止交易",
    ),
    10018: Code(
        "TRADE_RETCODE_MARKET_CLOSED",
        "The market is closed",
        "市场已休市",
    ),
    10019: Code(
        "TRADE_RETCODE_NO_MONEY",
        "Not enough free margin for this order",
        "可用保证金不足，无法下单",
    ),
    10020: Code(
        "TRADE_RETCODE_PRICE_CHANGED",
        "The price changed",
        "价格已变动",
    ),
    10021: Code(
        "TRADE_RETCODE_PRICE_OFF",
        "There are no prices for this symbol right now",
        "该品种当前没有报价",
    ),
    10022: Code(
        "TRADE_RETCODE_INVALID_EXPIRATION",
        "Invalid order expiration",
        "挂单到期时间无效",
    ),
    10023: Code(
        "TRADE_RETCODE_ORDER_CHANGED",
        "The order changed in the meantime",
        "订单状态已改变",
    ),
    10024: Code(
        "TRADE_RETCODE_TOO_MANY_REQUESTS",
        "Too many requests; try again in a moment",
        "请求过于频繁，请稍后再试",
    ),
    10025: Code(
        "TRADE_RETCODE_NO_CHANGES",
        "Nothing to change: the request equals the current values",
        "没有需要修改的内容",
    ),
    10026: Code(
        "TRADE_RETCODE_SERVER_DISABLES_AT",
        "Automated trading is disabled by the broker's server",
        "交易服务器禁止了自动交易",
    ),
    10027: Code(
        "TRADE_RETCODE_CLIENT_DISABLES_AT",
        "AutoTrading is disabled in the MT5 terminal: press the 'Algo Trading' button",
        "MT5 终端未开启自动交易：请点击“算法交易”按钮",
    ),
    10028: Code(
        "TRADE_RETCODE_LOCKED",
        "The request is locked for processing",
        "请求正在处理中，已被锁定",
    ),
    10029: Code(
        "TRADE_RETCODE_FROZEN",
        "The order or position is frozen (too close to the price to change)",
        "订单或持仓已冻结（离市价太近，无法修改）",
    ),
    10030: Code(
        "TRADE_RETCODE_INVALID_FILL",
        "The broker does not support this order filling mode",
        "交易商不支持该成交方式（filling mode）",
    ),
    10031: Code(
        "TRADE_RETCODE_CONNECTION",
        "The terminal has no connection to the trade server",
        "终端与交易服务器断开连接",
    ),
    10032: Code(
        "TRADE_RETCODE_ONLY_REAL",
        "This operation is allowed only on live accounts",
        "该操作仅限真实账户",
    ),
    10033: Code(
        "TRADE_RETCODE_LIMIT_ORDERS",
        "The limit on the number of pending orders has been reached",
        "挂单数量已达上限",
    ),
    10034: Code(
        "TRADE_RETCODE_LIMIT_VOLUME",
        "The volume limit of orders and positions for this symbol has been reached",
        "该品种的持仓和挂单总手数已达上限",
    ),
    10035: Code(
        "TRADE_RETCODE_INVALID_ORDER",
        "Incorrect or prohibited order type",
        "订单类型错误或被禁止",
    ),
    10036: Code(
        "TRADE_RETCODE_POSITION_CLOSED",
        "The position is already closed",
        "该持仓已经平仓",
    ),
    10038: Code(
        "TRADE_RETCODE_INVALID_CLOSE_VOLUME",
        "The close volume exceeds the position's volume",
        "平仓手数超过持仓手数",
    ),
    10039: Code(
        "TRADE_RETCODE_CLOSE_ORDER_EXIST",
        "A close order already exists for this position",
        "该持仓已有平仓订单",
    ),
    10040: Code(
        "TRADE_RETCODE_LIMIT_POSITIONS",
        "The limit on the number of open positions has been reached",
        "持仓数量已达上限",
    ),
    10041: Code(
        "TRADE_RETCODE_REJECT_CANCEL",
        "The pending order activation was rejected and the order canceled",
        "挂单触发被拒绝，订单已取消",
    ),
    10042: Code(
        "TRADE_RETCODE_LONG_ONLY",
        "Only buy positions are allowed for this symbol",
        "该品种只允许做多",
    ),
    10043: Code(
        "TRADE_RETCODE_SHORT_ONLY",
        "Only sell positions are allowed for this symbol",
        "该品种只允许做空",
    ),
    10044: Code(
        "TRADE_RETCODE_CLOSE_ONLY",
        "Only closing positions is allowed for this symbol",
        "该品种只允许平仓",
    ),
    10045: Code(
        "TRADE_RETCODE_FIFO_CLOSE",
        "Positions can only be closed in FIFO order (oldest first)",
        "只能按先进先出（FIFO）顺序平仓，请先平最早的持仓",
    ),
    10046: Code(
        "TRADE_RETCODE_HEDGE_PROHIBITED",
        "Opening an opposite position is not allowed (hedging prohibited)",
        "不允许开反向仓位（禁止对冲）",
    ),
}

# `last_error()` codes of the MetaTrader5 Python package (client side, before the server).
LAST_ERRORS: dict[int, Code] = {
    1: Code("RES_S_OK", "Success", "成功"),
    -1: Code("RES_E_FAIL", "Generic failure in the terminal", "终端出现一般性错误"),
    -2: Code("RES_E_INVALID_PARAMS", "Invalid arguments", "参数无效"),
    -3: Code("RES_E_NO_MEMORY", "The terminal ran out of memory", "终端内存不足"),
    -4: Code("RES_E_NOT_FOUND", "Not found", "未找到"),
    -5: Code("RES_E_INVALID_VERSION", "Unsupported terminal version", "终端版本不受支持"),
    -6: Code(
        "RES_E_AUTH_FAILED",
        "Login failed: check the account number, password and server",
        "登录失败：请检查账号、密码和服务器",
    ),
    -7: Code("RES_E_UNSUPPORTED", "Unsupported method", "不支持的操作"),
    -8: Code(
        "RES_E_AUTO_TRADING_DISABLED",
        "AutoTrading is disabled in the MT5 terminal: press the 'Algo Trading' button",
        "MT5 终端未开启自动交易：请点击“算法交易”按钮",
    ),
    -10000: Code("RES_E_INTERNAL_FAIL", "Internal terminal error", "终端内部错误"),
    -10001: Code(
        "RES_E_INTERNAL_FAIL_SEND",
        "Could not send the request to the terminal",
        "无法将请求发送到终端",
    ),
    -10002: Code(
        "RES_E_INTERNAL_FAIL_RECEIVE",
        "No reply from the terminal",
        "未收到终端的回复",
    ),
    -10003: Code(
        "RES_E_INTERNAL_FAIL_INIT",
        "The terminal could not be started or initialised",
        "无法启动或初始化交易终端",
    ),
    -10004: Code(
        "RES_E_INTERNAL_FAIL_CONNECT",
        "No connection to the MT5 terminal (not running or not initialised)",
        "未连接到 MT5 交易终端（终端未运行或未初始化）",
    ),
    -10005: Code(
        "RES_E_INTERNAL_FAIL_TIMEOUT",
        "The terminal did not answer in time",
        "交易终端响应超时",
    ),
}

SUCCESS = frozenset({10008, 10009, 10010})
# Answered with a fresh price, a bounded number of times.
RETRY_WITH_FRESH_PRICE = frozenset({10004, 10020, 10021})
# The request may have reached the server: the outcome is unknown until positions are checked.
OUTCOME_UNKNOWN = frozenset({10012, -10002, -10005})
# The terminal itself is away: the supervisor should reconnect.
CONNECTION_LOST = frozenset({-10001, -10002, -10003, -10004, -10005})
# Worth trying again later (back-off), as opposed to telling the user to change the order.
TEMPORARY = frozenset({10012, 10024, 10028, 10031, *CONNECTION_LOST})

# Trade-server answers (MqlTradeResult.retcode) are 10004 … 10099; the adapter's own checks
# before sending use the same codes.
_SERVER_RETCODES = range(10004, 10100)


def failure_state(retcode: int) -> TradeState:
    """What a failed order operation with `retcode` means for the order: "refused" when the
    trade server (or the check before sending) answered with a definite no, so nothing was
    executed; "unknown" for a timeout, a lost reply or a client-side error, after which the
    request may still have reached the server."""
    if retcode in _SERVER_RETCODES and retcode not in OUTCOME_UNKNOWN:
        return "refused"
    return "unknown"


NOT_CONNECTED_EN = "The trading terminal is not connected; trading is paused until it is back"
NOT_CONNECTED_ZH = "交易终端未连接，恢复连接前暂停交易"


def explain_retcode(retcode: int, comment: str = "") -> tuple[str, str]:
    """(English, Chinese) for a trade-server retcode; unknown codes quote the server's comment."""
    code = RETCODES.get(retcode)
    if code is None:
        extra = f": {comment}" if comment else ""
        return (
            f"The trade server answered with code {retcode}{extra}",
            f"交易服务器返回代码 {retcode}{extra}",
        )
    return code.en, code.zh


def explain_last_error(error: tuple[int, str] | None) -> tuple[str, str]:
    """(English, Chinese) for a `last_error()` tuple; the package's own text is appended when it
    adds something (e.g. 'Invalid "comment" argument')."""
    if not error:
        return "The terminal returned no result", "交易终端没有返回结果"
    code_no, text = int(error[0]), str(error[1] or "")
    code = LAST_ERRORS.get(code_no)
    if code is None:
        return (
            f"Terminal error {code_no}: {text}" if text else f"Terminal error {code_no}",
            f"终端错误 {code_no}：{text}" if text else f"终端错误 {code_no}",
        )
    if text and text.lower() != code.en.lower() and code_no != 1:
        return f"{code.en} ({text})", f"{code.zh}（{text}）"
    return code.en, code.zh


def retcode_name(retcode: int) -> str:
    code = RETCODES.get(retcode) or LAST_ERRORS.get(retcode)
    return code.name if code else str(retcode)


def error_for_retcode(retcode: int, comment: str = "") -> BrokerError:
    """The exception a lookup raises for a code (trade retcode or last_error code)."""
    if retcode in RETCODES or retcode > 0:
        en, zh = explain_retcode(retcode, comment)
    else:
        en, zh = explain_last_error((retcode, comment))
    if retcode in TEMPORARY:
        return TemporaryBrokerError(en, zh, retcode)
    if retcode == 10019:
        return InsufficientFunds(en, zh, retcode)
    if retcode in (10018, 10017, 10044):
        return MarketClosed(en, zh, retcode)
    if retcode == -4:
        return SymbolNotFound(en, zh, retcode)
    if retcode in (10013, 10014, 10015, 10016, 10022, 10030, 10035, 10036, 10038):
        return InvalidOrder(en, zh, retcode)
    return BrokerError(en, zh, retcode)
