"""The short texts that are not trading requests: reply codes, bare confirmations, numbered
replies, chat commands (/readonly, /lang, subscriptions) and the answers to a follow-up question.

Every reader here is pure: it takes the text a user typed and returns a small typed value, or
None when the text is not that kind of message. Text is folded first (NFKC: full-width letters,
digits, slashes and spaces become ASCII; lower case; single spaces), so "确认　７Ｆ３Ｋ",
"／lang EN" and "ＯＫ！" read the same as their half-width forms. Deciding what a command does
(who may run it, which confirmation a code belongs to) is the handlers' job, not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from nlp.aliases import SymbolAliases
from nlp.numbers import normalize, parse_arabic, parse_chinese

# Only nlp.numbers and nlp.aliases are used here: the rule parser and the intent contract
# change on their own schedule, and these readers do not depend on either.
SideName = Literal["buy", "sell"]

# ----------------------------------------------------------------------------- confirmations

_CODE_REPLY = re.compile(r"^(确认|取消|confirm|cancel) ?([a-z0-9]{4})$")
_BARE = frozenset(
    {"确认", "取消", "确定", "yes", "no", "ok", "y", "n", "confirm", "cancel", "好", "是"}
)
_TRAILING = "!！。."
_NUMBERED = re.compile(r"^\[?(\d{1,2})\]?$")


@dataclass(frozen=True, slots=True)
class CodeReply:
    """ "确认 7F3K" / "cancel 7f3k": the typed form of a ✅/❌ button. `code` is upper case and
    only has the shape of a code (four letters or digits); whether it is one of ours is
    the confirmation store's call."""

    yes: bool
    code: str


@dataclass(frozen=True, slots=True)
class BareReply:
    """ "确认", "ok", "是" … without a code: never enough to confirm anything."""

    text: str


def read_code_reply(text: str) -> CodeReply | None:
    m = _CODE_REPLY.match(normalize(text))
    if m is None:
        return None
    return CodeReply(yes=m.group(1) in ("确认", "confirm"), code=m.group(2).upper())


_CHECK_REPLY = re.compile(r"^(查询|核实|核对|check|recheck) ?([a-z0-9]{4})$")


@dataclass(frozen=True, slots=True)
class CheckReply:
    """ "查询 7F3K" / "check 7f3k": the typed form of the "check again" button under an
    unknown outcome. It only ever looks an order up; it never confirms anything. `code` is
    upper case and only has the shape of a code ("查询 gold" is a quote request: the
    conversation lets it go on when the store says it is no code of ours)."""

    code: str


def read_check_reply(text: str) -> CheckReply | None:
    m = _CHECK_REPLY.match(normalize(text))
    return None if m is None else CheckReply(code=m.group(2).upper())


# "执行建议 123x0.01+124x0.01": the typed form of a hedge suggestion's one-tap button — the
# exact closes (ticket x lots), at most three, as the button's own callback data carries them.
_CLOSES = r"\d{1,20}x\d+(?:\.\d+)?(?:\+\d{1,20}x\d+(?:\.\d+)?){0,2}"
_SUGGESTION_REPLY = re.compile(rf"^(执行建议|apply) ?({_CLOSES})$")
_CLOSES_ONLY = re.compile(rf"^{_CLOSES}$")


@dataclass(frozen=True, slots=True)
class SuggestionReply:
    """A hedge suggestion taken up: close these (ticket, lots). It only builds a preview; the
    ✅ under it is still needed."""

    closes: tuple[tuple[int, float], ...]


def read_closes(payload: str) -> tuple[tuple[int, float], ...] | None:
    """ "123x0.01+124x0.01" → ((123, 0.01), (124, 0.01)); None when it is not that shape or a
    volume is not positive."""
    s = normalize(payload)
    if _CLOSES_ONLY.match(s) is None:
        return None
    out: list[tuple[int, float]] = []
    for part in s.split("+"):
        ticket, _, lots = part.partition("x")
        volume = float(lots)
        if volume <= 0:
            return None
        out.append((int(ticket), volume))
    return tuple(out)


def read_suggestion_reply(text: str) -> SuggestionReply | None:
    m = _SUGGESTION_REPLY.match(normalize(text))
    closes = None if m is None else read_closes(m.group(2))
    return None if closes is None else SuggestionReply(closes)


# "移动止损-5点", "trailing stop 0 pips": a trailing distance that is no distance. The intent
# contract cannot carry it (trailing_pips > 0), so it is read here to be answered as what it is
# rather than as a message that was not understood.
_BAD_TRAIL = re.compile(
    r"(移动止损|追踪止损|跟踪止损|trailing stop|trailing|trail)[^\d\-−]*?"
    r"([-−] ?\d+(?:\.\d+)?|(?<![\d.])0+(?:\.0+)?(?![\d.])|零)"
    r" ?(点|pips?|points?)"
)


@dataclass(frozen=True, slots=True)
class BadTrailingDistance:
    """A trailing stop asked for at a distance ≤ 0; `said` is the distance as typed."""

    said: str


def read_bad_trailing(text: str) -> BadTrailingDistance | None:
    m = _BAD_TRAIL.search(normalize(text))
    return None if m is None else BadTrailingDistance(m.group(2).replace(" ", ""))


def read_bare_reply(text: str) -> BareReply | None:
    word = normalize(text).rstrip(_TRAILING)
    return BareReply(word) if word in _BARE else None


def is_bare_confirmation(text: str) -> bool:
    return read_bare_reply(text) is not None


def read_numbered_reply(text: str) -> int | None:
    """ "1", "[2]", "１": the number of a button on apps that show buttons as a numbered list."""
    m = _NUMBERED.match(normalize(text))
    return None if m is None else int(m.group(1))


# ----------------------------------------------------------------------------- chat commands


@dataclass(frozen=True, slots=True)
class ReadOnlyCommand:
    """/readonly → "show"; /readonly on|off → "on"/"off"; any other argument → "usage"."""

    action: Literal["show", "on", "off", "usage"]


@dataclass(frozen=True, slots=True)
class LangCommand:
    """/lang zh|en; `lang` None when the argument is neither (the answer is the usage)."""

    lang: Literal["zh", "en"] | None


@dataclass(frozen=True, slots=True)
class LogsCommand:
    """/logs [N]: the last N lines of the bot's log (admins, private chats)."""

    lines: int


LOGS_DEFAULT_LINES = 30
LOGS_MAX_LINES = 200  # a chat message is no log viewer; `tradechat logs --tail N` is


def read_logs_command(text: str) -> LogsCommand | None:
    arg = _slash_argument(text, "/logs")
    if arg is None or (arg and not normalize(text).startswith("/logs ")):
        return None  # "/logsomething" is not /logs
    n = int(arg) if arg.isdigit() else LOGS_DEFAULT_LINES
    return LogsCommand(max(1, min(n, LOGS_MAX_LINES)))


def is_slash_command(text: str) -> bool:
    return normalize(text).startswith("/")


def written_lang(text: str) -> Literal["zh", "en"] | None:
    """The language a message is written in: Chinese when it has any CJK character, English
    when it has ASCII letters only, None when it has neither ("0.02", "👍"). Full-width
    letters count as neither: on a Chinese keyboard they say nothing about the language."""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return "en"
    return None


def _slash_argument(text: str, command: str) -> str | None:
    """The text after `/command` (stripped), or None when `text` does not start with it."""
    s = normalize(text)
    return s.removeprefix(command).strip() if s.startswith(command) else None


def read_readonly_command(text: str) -> ReadOnlyCommand | None:
    arg = _slash_argument(text, "/readonly")
    if arg is None:
        return None
    if not arg:
        return ReadOnlyCommand("show")
    if arg == "on":
        return ReadOnlyCommand("on")
    if arg == "off":
        return ReadOnlyCommand("off")
    return ReadOnlyCommand("usage")


def read_lang_command(text: str) -> LangCommand | None:
    arg = _slash_argument(text, "/lang")
    if arg is None:
        return None
    if arg == "zh":
        return LangCommand("zh")
    if arg == "en":
        return LangCommand("en")
    return LangCommand(None)


# ----------------------------------------------------------------------------- subscriptions

SubscriptionAction = Literal["subscribe", "unsubscribe", "list"]
SubscriptionKind = Literal["daily", "weekly", "monthly", "hedge", "alerts", "deals", "all"]


class SubscriptionCommand(NamedTuple):
    """(action, kind). `kind` None on subscribe/unsubscribe means it was missing or unknown
    (the answer is the usage); "all" means every kind; always None for "list"."""

    action: SubscriptionAction
    kind: SubscriptionKind | None = None


# Chinese words for each kind (longest first when matching)
_ZH_KIND: tuple[tuple[str, SubscriptionKind], ...] = (
    ("对冲ea分品种汇报", "hedge"),
    ("对冲ea汇报", "hedge"),
    ("对冲汇报", "hedge"),
    ("对冲报告", "hedge"),
    ("对冲", "hedge"),
    ("日报", "daily"),
    ("每日报告", "daily"),
    ("周报", "weekly"),
    ("每周报告", "weekly"),
    ("月报", "monthly"),
    ("每月报告", "monthly"),
    ("风险提醒", "alerts"),
    ("提醒", "alerts"),
    ("警报", "alerts"),
    ("预警", "alerts"),
    ("告警", "alerts"),
    ("成交推送", "deals"),
    ("成交", "deals"),
)
_EN_KIND: dict[str, SubscriptionKind] = {
    "daily": "daily",
    "day": "daily",
    "weekly": "weekly",
    "week": "weekly",
    "monthly": "monthly",
    "month": "monthly",
    "hedge": "hedge",
    "hedging": "hedge",
    "alerts": "alerts",
    "alert": "alerts",
    "deals": "deals",
    "deal": "deals",
    "all": "all",
}
_SUB_SLASH = re.compile(r"^/(subscribe|unsubscribe|subscriptions)(?:@\w+)?(?: (.*))?$")
_SUB_EN = re.compile(r"^(subscribe|unsubscribe) (?:to )?(?:the )?(\w+)(?: reports?)?$")
_SUB_ZH = re.compile(r"^(取消订阅|退订|订阅) ?(.*)$")
_LIST_WORDS = frozenset(
    {"my subscriptions", "list subscriptions", "我的订阅", "查看订阅", "订阅列表", "订阅了什么"}
    # what this chat receives, defaults included (handlers/subscriptions.py)
    | {"/notifications", "notifications", "my notifications", "我的推送", "推送设置", "通知设置"}
)


def _zh_kind(rest: str) -> SubscriptionKind | None:
    r = rest.replace(" ", "")
    if r in ("", "全部", "所有", "全部报告"):
        return "all" if r else None
    for word, kind in _ZH_KIND:
        if r == word or r == word + "报告" or r.startswith(word):
            return kind
    return None


def _slash_subscription(verb: str, arg: str) -> SubscriptionCommand:
    if verb == "subscriptions":
        return SubscriptionCommand("list")
    action: SubscriptionAction = "subscribe" if verb == "subscribe" else "unsubscribe"
    words = arg.split()
    if not words:
        return SubscriptionCommand(action)
    kind = _EN_KIND.get(words[0])
    return SubscriptionCommand(action, kind if kind is not None else _zh_kind(words[0]))


def _zh_subscription(verb: str, rest: str) -> SubscriptionCommand | None:
    action: SubscriptionAction = "subscribe" if verb == "订阅" else "unsubscribe"
    kind = _zh_kind(rest)
    if kind is None and rest.strip() and action == "subscribe":
        return None  # "订阅" followed by something else ("订阅号是什么") is not ours
    return SubscriptionCommand(action, kind)


def read_subscription_command(text: str) -> SubscriptionCommand | None:
    """ "订阅日报", "取消订阅月报", "我的订阅", "/subscribe daily", "/unsubscribe all",
    "/subscriptions", "subscribe to alerts"; None when the text is none of these."""
    s = normalize(text)
    if not s:
        return None
    m = _SUB_SLASH.match(s)
    if m:
        return _slash_subscription(m.group(1), m.group(2) or "")
    m = _SUB_EN.match(s)
    if m:
        kind = _EN_KIND.get(m.group(2))
        if kind is not None:
            action: SubscriptionAction = "subscribe" if m.group(1) == "subscribe" else "unsubscribe"
            return SubscriptionCommand(action, kind)
    if s in _LIST_WORDS:
        return SubscriptionCommand("list")
    m = _SUB_ZH.match(s)
    return _zh_subscription(m.group(1), m.group(2)) if m else None


# ----------------------------------------------------------------------------- price alerts

_ALERTS_SLASH = re.compile(r"^/(?:alerts|myalerts)(?:@[\w.]+)?(?: (.*))?$", re.ASCII)
_ALERTS_DELETE = re.compile(r"^(?:del|delete|rm|remove|cancel|-) ?#?(\d{1,3})$")
_ALERTS_ZH = frozenset({"我的提醒", "提醒列表", "价格提醒列表", "我的价格提醒", "查看提醒"})
_ALERTS_ZH_DELETE = re.compile(r"^(?:删除|取消|删)(?:价格)?提醒 ?#?(\d{1,3})$")
# A minus sign or a lone zero as the price of an alert ("黄金到-5提醒我", "/alert xauusd 0"):
# the intent contract has no such price, so the parser answers unknown; this names why.
_ALERT_WORDS = re.compile(r"^/alert\b|提醒|\balert\b|\bnotify\b|\bremind\b")
_NOT_POSITIVE = re.compile(r"(?:(?<![0-9a-z.])[-−]|负) ?\d|(?<![0-9.])0+(?:\.0+)?(?![0-9.])")


@dataclass(frozen=True, slots=True)
class AlertsCommand:
    """/alerts → list; /alerts del 2 (我的提醒, 删除提醒 2) → delete number 2; any other
    argument → usage."""

    action: Literal["list", "delete", "usage"]
    number: int | None = None


def read_alerts_command(text: str) -> AlertsCommand | None:
    s = normalize(text)
    if s in _ALERTS_ZH:
        return AlertsCommand("list")
    m = _ALERTS_ZH_DELETE.match(s)
    if m:
        return AlertsCommand("delete", int(m.group(1)))
    m = _ALERTS_SLASH.match(s)
    if m is None:
        return None
    arg = (m.group(1) or "").strip()
    if not arg or arg in ("list", "ls"):
        return AlertsCommand("list")
    d = _ALERTS_DELETE.match(arg)
    return AlertsCommand("delete", int(d.group(1))) if d else AlertsCommand("usage")


def alert_price_not_positive(text: str) -> bool:
    """True for an alert request whose price is zero or negative (which no intent carries)."""
    s = normalize(text)
    return _ALERT_WORDS.search(s) is not None and _NOT_POSITIVE.search(s) is not None


# ----------------------------------------------------------------------------- all commands

Command = (
    CodeReply
    | CheckReply
    | SuggestionReply
    | BadTrailingDistance
    | BareReply
    | ReadOnlyCommand
    | LangCommand
    | LogsCommand
    | SubscriptionCommand
    | AlertsCommand
)


def read_command(text: str) -> Command | None:
    """The first command `text` is, in the order the conversation gives them precedence:
    reply code, check code, bare confirmation, /readonly, /lang, subscription; None for
    anything else."""
    for reader in _COMMAND_READERS:
        command = reader(text)
        if command is not None:
            return command
    return None


_COMMAND_READERS: tuple[Callable[[str], Command | None], ...] = (
    read_code_reply,
    read_check_reply,
    read_suggestion_reply,
    read_bare_reply,
    read_bad_trailing,
    read_readonly_command,
    read_lang_command,
    read_logs_command,
    read_alerts_command,
    read_subscription_command,
)


# ----------------------------------------------------------------------------- slot answers

_SIDE_WORDS: dict[str, SideName] = {
    "buy": "buy",
    "long": "buy",
    "b": "buy",
    "买": "buy",
    "买入": "buy",
    "买进": "buy",
    "多": "buy",
    "做多": "buy",
    "开多": "buy",
    "多单": "buy",
    "买涨": "buy",
    "sell": "sell",
    "short": "sell",
    "s": "sell",
    "卖": "sell",
    "卖出": "sell",
    "空": "sell",
    "做空": "sell",
    "开空": "sell",
    "空单": "sell",
    "买跌": "sell",
}
_ALL_WORDS = frozenset({"all", "全部", "所有", "全部平仓", "全平", "一键", "清仓", "everything"})
_VOLUME = re.compile(r"^(\d+(?:\.\d+)?|\.\d+) ?(?:手|lots?|lot)?$")
_CN_VOLUME = re.compile(r"^([零〇一二两三四五六七八九十百点半]+) ?手?$")
_TICKET = re.compile(r"^#?(\d{3,20})$")
# the answer to "止损放在哪？": a price, optionally after the word for it ("止损2630", "sl 1.075")
_STOP_PRICE = re.compile(r"^(?:止损|止损价|sl|stop loss|stop)? ?(?:在|at|=)? ?(\d+(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class TargetAnswer:
    """The answer to "which position / order?": every one, one ticket, or one symbol."""

    selector: Literal["all"] | None = None
    ticket: int | None = None
    symbol: str | None = None


def read_volume(text: str) -> float | None:
    """ "0.02", "0.02手", "2 lots", "两手", "零点五手" → lots (> 0); None for anything else."""
    s = normalize(text)
    m = _VOLUME.match(s)
    v: float | None = None
    if m:
        v = parse_arabic(m.group(1))
    else:
        m2 = _CN_VOLUME.match(s)
        if m2:
            v = parse_chinese(m2.group(1))
    return v if v is not None and v > 0 else None


def read_stop_price(text: str) -> float | None:
    """ "2630", "止损2630", "sl 1.0750" → the price (> 0); None for anything else."""
    m = _STOP_PRICE.match(normalize(text).strip())
    v = parse_arabic(m.group(1)) if m else None
    return v if v is not None and v > 0 else None


def read_side(text: str) -> SideName | None:
    """ "买", "做空", "long", "S" → buy/sell; None for anything else."""
    return _SIDE_WORDS.get(normalize(text).rstrip(_TRAILING))


def read_symbol(text: str, aliases: SymbolAliases) -> str | None:
    """The one symbol a short answer names ("黄金", "gold", "黄金的"); None when it names none,
    several, or says more than a symbol."""
    s = normalize(text)
    found = aliases.find(s)
    if len(found) == 1:
        start, end, sym = found[0]
        rest = (s[:start] + s[end:]).strip()
        if len(rest) <= 2:
            return sym
    return None


def read_ticket(text: str) -> int | None:
    """ "123456" or "#123456" (three digits or more)."""
    m = _TICKET.match(normalize(text))
    return None if m is None else int(m.group(1))


def read_target(text: str, aliases: SymbolAliases) -> TargetAnswer | None:
    """ "全部"/"all" → every one; "#123456" → that ticket; "黄金" → that symbol."""
    if normalize(text) in _ALL_WORDS:
        return TargetAnswer(selector="all")
    ticket = read_ticket(text)
    if ticket is not None:
        return TargetAnswer(ticket=ticket)
    symbol = read_symbol(text, aliases)
    return None if symbol is None else TargetAnswer(symbol=symbol)
