"""The rule parser's slot grammar: one message's tokens (nlp/tokens.py) → an Intent.

1. `decide`: the intent from which kinds of words are present (verbs beat nouns; a question
   or an opinion is never an order).
2. `_bind`: each number gets a role from its neighbours (…手 = volume, 止损… = sl, 单号… =
   ticket, 魔术号… = magic, …单 = count, @/在/limit… = price); numbers left over are judged
   by size (a 6-digit integer in a close is a ticket; 2320 next to gold is a price).
3. Anything contradictory or not expressible → `unknown` (or the slot left out). The grammar
   never invents a side, a symbol or a volume: each comes from a word in the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from nlp.intent import ALLOWED_KEYS, Intent
from nlp.management import read_fraction, read_pips, read_risk
from nlp.number_roles import PRICE_RANGE, NumberBinder
from nlp.query_intents import bind_query, decide_query
from nlp.scope import check_scope
from nlp.speech_acts import not_a_request
from nlp.tokens import Tok, Unknown

if TYPE_CHECKING:
    from nlp.parser import ParseContext


_SELECTOR_RANK = {"profitable": 3, "losing": 3, "earliest": 2, "latest": 2, "all": 1}
_KIND_PERIOD = {"daily": "today", "weekly": "week", "monthly": "month"}
_PERIOD_KIND = {
    "today": "daily",
    "yesterday": "daily",
    "week": "weekly",
    "last_week": "weekly",
    "month": "monthly",
    "last_month": "monthly",
}
QUERY_INTENTS = frozenset(
    {"chart", "indicator", "symbol_info", "history", "alert", "subscribe", "unsubscribe"}
    | {"levels"}
)
_MODIFY_CHANGES = frozenset(
    {"sl", "tp", "breakeven", "sl_shift_pips", "tp_shift_pips", "trailing_pips", "trailing_off"}
)
_ORDER_TYPE_RANK = {"limit": 2, "stop": 2, "pending": 1}


class Grammar:
    """One message's tokens → an Intent."""

    def __init__(self, toks: list[Tok], *, rolling: bool, slash: bool) -> None:
        self.toks = toks
        self.rolling = rolling
        self.slash = slash
        _stop_is_kind(toks)
        self.tags: set[str] = set()
        for tk in toks:
            self.tags.update(tk.tags)
        self.symbols = {tk.sym for tk in toks if tk.sym}
        self.sides_action = {tk.vals["side"] for tk in toks if tk.has("ACTION")}
        self.sides_noun = {tk.vals["side"] for tk in toks if tk.has("NOUN")}
        self.sides_weak = {tk.vals["side"] for tk in toks if tk.has("WEAK")}
        self.has_volume_word = any(
            tk.kind == "NUM" and self._next_has(i, "LOT") for i, tk in enumerate(toks)
        ) or ("VOLUME" in self.tags)

    # ------------------------------------------------------------------ helpers
    def has(self, *tags: str) -> bool:
        return not self.tags.isdisjoint(tags)

    def _next(self, i: int) -> Tok | None:
        return self.toks[i + 1] if i + 1 < len(self.toks) else None

    def _next_has(self, i: int, *tags: str) -> bool:
        nxt = self._next(i)
        return nxt is not None and nxt.has(*tags)

    def _prev_sig(self, i: int) -> Tok | None:
        """The nearest earlier token that means something (fillers and stray words skipped)."""
        j = i - 1
        while j >= 0:
            tk = self.toks[j]
            if tk.kind == "X" or (tk.has("FILLER") and not tk.has("CONN")):
                j -= 1
                continue
            if tk.has("PUNCT"):
                j -= 1
                continue
            return tk
        return None

    def _prev_marker(self, i: int) -> Tok | None:
        """Like _prev_sig but ':' and '=' are skipped too ("ticket: 123")."""
        j = i - 1
        while j >= 0:
            tk = self.toks[j]
            if tk.kind == "X" or tk.has("FILLER", "PUNCT"):
                j -= 1
                continue
            if tk.kind == "W" and tk.has("CONN") and tk.tags <= {"CONN"}:
                j -= 1
                continue
            return tk
        return None

    # ------------------------------------------------------------------ decide
    def decide(self) -> str:
        query = decide_query(self)
        if query is not None:
            return query
        if self._manages() and not self.has("SL", "TP"):
            return "modify"  # "黄金保本", "欧美移动止损30点"
        if self._stops_trailing():
            return "modify"  # "取消黄金移动止损": the bot's trailing stop, not an order
        strong_open = any(tk.has("OPEN") and not tk.has("OPENWEAK") for tk in self.toks)
        trade_verbs = strong_open or self.has("CLOSE", "CANCEL") or bool(self.sides_action)
        for step in (self._decide_report, self._decide_trade, self._decide_lookup):
            found = step(trade_verbs)
            if found is not None:
                return found
        raise Unknown("no request words")

    def _decide_report(self, trade_verbs: bool) -> str | None:
        h = self.has
        if trade_verbs or h("SL", "TP"):
            return None
        if h("HELP") and not self.symbols and not h("REPORT"):
            return "help"
        if h("REPORT"):
            return "report"
        if self._says_hedge_kind() and not self.symbols and not h("PNL", "PNLWEAK"):
            return "report"  # "EA对冲情况": the hedge kind names the report by itself
        return None

    def _decide_trade(self, trade_verbs: bool) -> str | None:
        h = self.has
        if h("CANCEL"):
            if h("CLOSE", "SL", "TP") or (self.sides_action and not h("KIND", "ORDERS")):
                raise Unknown("a cancel beside another action")
            return "cancel"
        if h("CLOSE"):
            # "最早开的…平掉": 开 describes the position; a real open verb is elsewhere
            return self._close_or_unknown()
        if self._sets_levels():
            if self.sides_action and not h("MODIFY"):
                return self._open_or_unknown()
            if (h("KIND") or (h("AT") and self.sides_noun)) and not h("MODIFY"):
                return self._open_or_unknown()
            return "modify"
        if self._looks_like_open() or h("RISK"):
            return self._open_or_unknown()
        return None

    def _sets_levels(self) -> bool:
        """SL/TP words that change levels rather than come with a new order."""
        h = self.has
        if not h("SL", "TP") or (self.sides_action and self.has_volume_word):
            return False
        loose_open = self._weak_side_with_volume()
        # "risk 1% on eurusd sl 1.0750": a risk to size by is a new order's, with its SL
        opens = self.sides_action or h("OPEN", "RISK") or self.has_volume_word or loose_open
        return h("MODIFY") or not opens

    def _decide_lookup(self, trade_verbs: bool) -> str | None:
        h = self.has
        if h("PNL") or (h("PNLWEAK") and h("HOWMUCH", "Q", "QUOTE")):
            return "pnl"
        if h("PNLWEAK") and not h("LIST", "ORDERS", "QUOTE"):
            raise Unknown("a remark about a loss")  # "我的黄金单亏了好多"
        if h("ACCOUNT"):
            return "account"
        if h("ORDERS") and not self.sides_action:
            return "orders"
        if self._looks_like_positions():
            return "positions"
        if h("QUOTE") or (self.symbols and h("HOWMUCH", "Q")):
            return "quote"
        if h("HELP") and not trade_verbs:
            return "help"
        if h("KIND") and not (self.sides_action or self.sides_noun or self._has_number()):
            return "orders"  # "pending" / "限价单": the pending orders
        return None

    def _manages(self) -> bool:
        if not self.has("BREAKEVEN", "TRAIL"):
            return False
        strong_open = any(tk.has("OPEN") and not tk.has("OPENWEAK") for tk in self.toks)
        return not (strong_open or self.sides_action or self.has("CLOSE", "CANCEL"))

    def _stops_trailing(self) -> bool:
        """A cancel of a trailing stop ("取消黄金移动止损", "cancel trailing stop on gold")."""
        return self.has("TRAIL") and self.has("CANCEL") and not self.has("CLOSE", "SL", "TP")

    def _weak_side_with_volume(self) -> bool:
        """A bare 多/空 beside a symbol and a number that can only be a volume (not after a
        stop-loss/take-profit word, not in the symbol's price range): "黄金 空 0.01 止损 2450"."""
        return self._side_with_volume(self.sides_weak)

    def _side_with_volume(self, sides: set[str]) -> bool:
        if not (sides and len(self.symbols) == 1) or self.has("MODIFY"):
            return False
        lo, hi = PRICE_RANGE[next(iter(self.symbols))]
        for i, tk in enumerate(self.toks):
            if tk.kind != "NUM" or tk.spoken or not (0 < tk.value <= 100 and tk.dec <= 2):
                continue
            prev = self._prev_sig(i)
            if prev is not None and prev.has("SL", "TP", "CONN", "AT"):
                continue
            if not lo <= tk.value <= hi:
                return True
        return False

    def _says_hedge_kind(self) -> bool:
        return any(tk.has("REPKIND") and tk.vals.get("kind") == "hedge" for tk in self.toks)

    def _close_or_unknown(self) -> str:
        if h_open_conflict(self):
            raise Unknown("a close beside an open: two actions")
        return "close"

    def _open_or_unknown(self) -> str:
        if self.has("HOWMUCH", "SLOGAN", "PNL"):
            raise Unknown("an open beside a question or a P&L word")
        return "open"

    def _looks_like_open(self) -> bool:
        if self.sides_action:
            return not (self.has("LIST") and not self.has("OPEN") and not self.has_volume_word)
        if self.has("OPEN") and not self.has("OPENWEAK"):
            # "any open gold trades?": 'open' describes positions asked about, not an order
            asks = self.has("Q", "LIST", "HOWMUCH") and self.has("POSNOUN")
            return not (asks and not self.has_volume_word and not self._has_number())
        if self.has("OPENWEAK") and (self.symbols or self.has_volume_word):
            return True
        if self.sides_weak and self.has_volume_word:
            return True
        if self.sides_weak and self.symbols:  # "现价空欧美": 现价 is the market, not a quote
            quote = self.has("QUOTE") and not self.has("MARKET")
            return not (self.has("LIST", "POSNOUN") or quote)
        if self.sides_noun and (self.has_volume_word or self.has("KIND", "AT")):
            return not self.has("LIST")
        if self._side_with_volume(self.sides_noun):
            return not self.has("LIST", "Q", "HOWMUCH")  # "空单 原油 0.3"
        return False

    def _has_number(self) -> bool:
        return any(tk.kind == "NUM" for tk in self.toks)

    def _looks_like_positions(self) -> bool:
        strong = any(tk.has("POSNOUN") and not tk.has("WEAKNOUN") for tk in self.toks)
        if strong:
            return True
        weak = any(tk.has("WEAKNOUN") for tk in self.toks)
        return weak and bool(self.symbols or self.has("LIST", "MAGIC"))

    # ------------------------------------------------------------------ run
    def run(self, forced: tuple[str, str | None] | None, context: ParseContext | None) -> Intent:
        h = self.has
        if h("SEQ") and h("CLOSE", "CANCEL") and (self.sides_action or h("OPEN")):
            raise Unknown("two actions in one message")  # "平掉所有单然后买入黄金"
        if forced:
            intent, side = forced
        else:
            side = None
            if h("REPEAT"):
                self._speech_act("open")
                return self._repeat(context)
            if self._asks_how_to_use():
                return Intent(intent="help")  # "怎么下单": a question about the bot
            intent = self._decide_with_frame()
            self._speech_act(intent)
        slots = self._bind(intent)
        if side:
            if self.sides_action - {side} or self.sides_weak - {side}:
                raise Unknown("a side that contradicts the command")
            slots["side"] = side
        if (h("FOREIGN", "BADPERIOD") or self.rolling) and intent not in ("help", "account"):
            raise Unknown("an instrument or period outside the contract")
        if h("PRONOUN") and intent in ("close", "modify"):
            return self._pronoun(intent, slots, context)
        return self._finish(intent, slots)

    def _decide_with_frame(self) -> str:
        """decide(); when no intent is found, the frame (if any) names the reason."""
        try:
            return self.decide()
        except Unknown:
            reason = not_a_request(self.toks, "open")
            if reason is not None:
                raise Unknown(reason) from None
            raise

    def _speech_act(self, intent: str) -> None:
        reason = not_a_request(self.toks, intent)
        if reason is not None:
            raise Unknown(reason)

    def _asks_how_to_use(self) -> bool:
        """ "怎么下单", "how do I close a trade": HOWTO beside a trade verb or a help word."""
        if not self.has("HOWTO") or self.symbols or self._has_number():
            return False
        strong_open = any(tk.has("OPEN") and not tk.has("OPENWEAK") for tk in self.toks)
        if not (strong_open or self.sides_action or self.has("CLOSE", "CANCEL", "MODIFY", "HELP")):
            return False
        return not_a_request(self.toks, "help") is None

    def _finish(self, intent: str, slots: dict[str, Any]) -> Intent:
        allowed = ALLOWED_KEYS[intent]
        data = {k: v for k, v in slots.items() if k in allowed and v is not None}
        if intent == "modify" and not data.keys() & _MODIFY_CHANGES:
            raise Unknown("a modify that changes nothing")
        check_scope(self, intent, data)
        if (
            intent == "cancel"
            and not (data.keys() & {"symbol", "side", "ticket", "magic", "selector"})
            and not self.has("ORDERS")
        ):
            raise Unknown("a cancel that names no order")
        try:
            return Intent(intent=intent, **data)
        except ValidationError as exc:
            raise Unknown(f"outside the contract: {exc.errors()[0]['msg']}") from None

    def _repeat(self, context: ParseContext | None) -> Intent:
        last = context.last_intent if context else None
        if last is None or last.intent != "open":
            raise Unknown("nothing to repeat")
        if self.has("CLOSE", "CANCEL", "MODIFY"):
            raise Unknown("a repeat beside another action")
        slots = self._bind("open")
        if self.sides_action or self.sides_weak:
            sides = self.sides_action | self.sides_weak
            if len(sides) != 1:
                raise Unknown("two sides")
            slots["side"] = next(iter(sides))
        merged = last.to_json_dict()
        merged.update({k: v for k, v in slots.items() if v is not None})
        merged.pop("intent", None)
        return self._finish("open", merged)

    def _pronoun(self, intent: str, slots: dict[str, Any], context: ParseContext | None) -> Intent:
        named = {k for k in ("symbol", "ticket", "magic", "selector") if slots.get(k) is not None}
        if named:
            return self._finish(intent, slots)
        ticket = context.last_ticket if context else None
        if not ticket:
            raise Unknown("no position to refer to")
        slots["ticket"] = ticket
        slots.pop("side", None)
        return self._finish(intent, slots)

    # ------------------------------------------------------------------ slots
    def _bind(self, intent: str) -> dict[str, Any]:
        s: dict[str, Any] = {}
        self._bind_symbol_side(intent, s)
        if intent in ("close", "modify", "cancel"):
            self._bind_selector(s)
        if intent in QUERY_INTENTS:
            bind_query(self, intent, s)
            if intent != "history":
                return s
        if intent in ("pnl", "report", "history"):
            self._bind_period(intent, s)
        if intent == "open":
            self._bind_order_kind(s)
        self._management_slots(intent, s)
        NumberBinder(self, intent, s).run()
        if intent == "open" and s.get("price") is not None:
            if s.get("order_type") == "market":
                raise Unknown("'at market' and a price at once")
            s.setdefault("order_type", "pending")
        if intent == "modify" and s.get("breakeven") and (s.get("sl") or s.get("tp")):
            raise Unknown("break-even and a new level at once")
        return s

    def _bind_symbol_side(self, intent: str, s: dict[str, Any]) -> None:
        if len(self.symbols) > 1:
            raise Unknown("two symbols")
        if self.symbols:
            s["symbol"] = next(iter(self.symbols))
        sides = self.sides_action | self.sides_weak | self.sides_noun
        if len(sides) > 1:
            raise Unknown("two sides")
        if sides:
            s["side"] = next(iter(sides))

    def _bind_selector(self, s: dict[str, Any]) -> None:
        sels = {tk.vals["sel"] for tk in self.toks if tk.has("SEL") and "sel" in tk.vals}
        if not sels:
            return
        best = max(_SELECTOR_RANK[x] for x in sels)
        top = {x for x in sels if _SELECTOR_RANK[x] == best}
        if len(top) > 1:
            raise Unknown("two selectors")
        s["selector"] = next(iter(top))

    def _bind_period(self, intent: str, s: dict[str, Any]) -> None:
        if self.rolling or self.has("BADPERIOD"):
            raise Unknown("a period outside the contract")
        if intent == "report":
            self._report_slots(s)
            return
        periods = {
            tk.vals["period"] for tk in self.toks if tk.has("PERIOD") and "period" in tk.vals
        }
        if len(periods) > 1:
            raise Unknown("two periods")
        if periods:
            s["period"] = next(iter(periods))

    def _bind_order_kind(self, s: dict[str, Any]) -> None:
        kinds = {tk.vals["otype"] for tk in self.toks if tk.has("KIND")}
        if kinds:
            best = max(_ORDER_TYPE_RANK[k] for k in kinds)
            top = {k for k in kinds if _ORDER_TYPE_RANK[k] == best}
            if len(top) > 1:
                raise Unknown("two order kinds")
            s["order_type"] = next(iter(top))
        if self.has("MARKET") and "order_type" not in s:
            s["order_type"] = "market"

    def _management_slots(self, intent: str, s: dict[str, Any]) -> None:
        """fraction (close), risk_percent (open), break-even, shifts and trailing (modify)."""
        h = self.has
        if intent == "close":
            fraction = read_fraction(self.toks)
            if fraction is not None:
                s["fraction"] = fraction
        elif intent == "open":
            if h("BREAKEVEN", "FRACTION", "TRAIL"):
                raise Unknown("a management word in an open")
            risk = read_risk(self.toks)
            if risk is not None:
                s["risk_percent"] = risk
            elif h("PCT"):
                raise Unknown("a percentage that sizes nothing")
        elif intent == "modify":
            pips = read_pips(self.toks)
            if h("RELMOVE") and not pips and not self._stops_trailing():
                raise Unknown("a move without a readable distance")
            s.update(pips)
            if self._stops_trailing():
                if pips:
                    raise Unknown("a trailing stop set and cancelled at once")
                s["trailing_off"] = True
            if h("BREAKEVEN"):
                s["breakeven"] = True

    def _report_slots(self, s: dict[str, Any]) -> None:
        kinds = [tk.vals["kind"] for tk in self.toks if tk.has("REPKIND") and "kind" in tk.vals]
        explicit = [
            tk.vals["period"]
            for tk in self.toks
            if tk.has("PERIOD") and not tk.has("REPKIND") and "period" in tk.vals
        ]
        if len(set(explicit)) > 1:
            raise Unknown("two periods")
        period = explicit[0] if explicit else None
        kind: str | None = None
        if "hedge" in kinds:
            kind = "hedge"
            implied = {_KIND_PERIOD[k] for k in kinds if k in _KIND_PERIOD}
            if period is None and len(implied) == 1:
                period = next(iter(implied))
        elif kinds:
            if len(set(kinds)) > 1:
                raise Unknown("two report kinds")
            kind = kinds[0]
        elif period is not None:
            kind = _PERIOD_KIND.get(period)
        if kind is not None:
            s["kind"] = kind
        if period is not None and not (kind and _KIND_PERIOD.get(kind) == period):
            s["period"] = period


def _stop_is_kind(toks: list[Tok]) -> None:
    """'stop' alone means a stop-loss ("/buy btc 0.1 stop 70000"), but next to another
    stop-loss word ("sell gold 0.01 stop 2280 sl 2295") it can only be the order kind."""
    bare = [i for i, tk in enumerate(toks) if tk.vals.get("bare_stop")]
    if not bare:
        return
    other_sl = any(tk.has("SL") and not tk.vals.get("bare_stop") for tk in toks)
    for i in bare:
        # "buy gold 2350 stop 0.01 lots": the number after it is a volume, so it has no value
        volume_next = (
            0 < i < len(toks) - 2
            and toks[i - 1].kind == "NUM"
            and toks[i + 1].kind == "NUM"
            and toks[i + 2].has("LOT")
        )
        if not (other_sl or volume_next):
            continue
        tk = toks[i]
        tk.tags = frozenset({"KIND"})
        tk.vals = {"otype": "stop"}


def h_open_conflict(g: Grammar) -> bool:
    """A close that also asks to open ("平多开空") is two actions: not expressible."""
    if g.has("OPEN") and not g.has("OPENWEAK"):
        return True
    if g.sides_action and g.has_volume_word:
        return True  # "黄金平掉再买一手": an order verb with its volume beside the close
    return len(g.sides_action | g.sides_noun | g.sides_weak) > 1
