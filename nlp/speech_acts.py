"""Is this message a request to the bot, now? Decided from grammar, before any slot is read.

Only requests are intents (contract v2). A message is *not* a request when its frame says so,
whatever trade words it holds:

- reported speech: a reporting verb (说/喊/听说/据说/让我…, says/told me/heard);
- modality and conditions: 如果/要是/假如/的话/当初/本来/早知道, if/would/should have/wish —
  except an alert, whose whole point is a condition ("tell me when …");
- later or recurring requests (明天/等…再/收盘前, tomorrow/later/before …) — except
  subscriptions, which are recurring by nature;
- past narration: a past time (刚才/之前/已经/上次/昨天, this morning/already) or the speaker
  as subject with a completed verb (我…平了, I closed …) on a trade;
- questions about words or the market (什么意思/是什么, what does … mean, should I …), and a
  trade verb inside a question (吗/呢/是不是/会不会/?) unless it is a polite request
  ("能帮我平掉黄金吗", "can you buy …?");
- advice, opinions, news, complaints, jokes and chat.

`not_a_request(toks, intent)` returns the rule that applies (for `--explain`) or None.
`keep_unnegated(toks)` drops clauses under a negation ("黄金别平，把欧美平了" keeps the second
clause) and refuses when nothing, or a wider scope, would be left.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlp.tokens import Tok

TRADE = frozenset({"open", "close", "modify", "cancel"})
# queries whose own period may lie in the past ("昨天赚了多少", "上周的平仓记录")
PERIOD_QUERIES = frozenset({"pnl", "history", "report"})
PAST_PERIODS = frozenset({"yesterday", "last_week", "last_month"})
_CLAUSE_END = frozenset({",", "，", ";", "；", "。", ".", "!", "！", "、", " "})
# always-off frames: tag → the rule's name
_ALWAYS = (
    ("DEFINE", "question about a word"),
    ("REPORTING", "reported speech"),
    ("NEWS", "news"),
    ("COMPLAINT", "complaint"),
    ("OFFTOPIC", "chat"),
    ("ADVICE", "advice or opinion"),
    ("STATEMENT", "past narration"),
)
_QUESTION_WORDS_EXEMPT = frozenset({"any", "what", "which"})

# Every rule `not_a_request` can name: a message ruled by one of these was understood as talk
# (not a request), so the bot must not answer it with "did you mean <a trade>?".
RULES: frozenset[str] = frozenset(
    {rule for _tag, rule in _ALWAYS}
    | {
        "talk about the market",
        "a plan, not a request",
        "hypothetical or condition",
        "a later or recurring request",
        "negation",
        "someone else's trade",
        "past narration",
        "question",
    }
)


def _tags(toks: Sequence[Tok]) -> set[str]:
    out: set[str] = set()
    for tk in toks:
        out.update(tk.tags)
    return out


def _is_trade_verb(tk: Tok) -> bool:
    if tk.has("CLOSE", "CANCEL", "ACTION"):
        return True
    return tk.has("OPEN") and not tk.has("OPENWEAK")


def _self_did_it(toks: Sequence[Tok]) -> bool:
    """ "我…平了" / "我把黄金平了": the speaker as the subject of a completed trade verb."""
    seen_self = False
    seen_verb = False
    for tk in toks:
        word = tk.word
        if tk.has("SELF") and word in ("我", "我们", "i", "we"):
            seen_self = True
            continue
        if seen_self and _is_trade_verb(tk):
            seen_verb = True
            if word.endswith(("了", "咗", "过")) and len(word) > 1:
                return True
            continue
        if seen_verb and tk.has("ASPECT"):
            return True
    return False


def _closed_as_verb(toks: Sequence[Tok]) -> bool:
    """'closed' names history only before a positions word ("closed gold trades"); anywhere
    else it tells what was done ("just closed my silver")."""
    for i, tk in enumerate(toks):
        if not tk.has("CLOSEDADJ"):
            continue
        j = i + 1
        while j < len(toks) and toks[j].kind == "SYM":
            j += 1
        if j >= len(toks) or not toks[j].has("POSNOUN", "HISTORY", "ORDERS"):
            return True
    return False


def _past(toks: Sequence[Tok], intent: str, tags: set[str]) -> bool:
    if _closed_as_verb(toks):
        return True
    if intent in PERIOD_QUERIES:
        return False
    if intent not in TRADE:
        # a query stays a query ("之前的单还在吗") unless the speaker tells what they did
        # ("我之前挂了个欧美的买单")
        return "PASTTIME" in tags and "SELF" in tags and _completed(toks)
    if "PASTTIME" in tags or _self_did_it(toks):
        return True
    return any(tk.has("PERIOD") and tk.vals.get("period") in PAST_PERIODS for tk in toks)


def _completed(toks: Sequence[Tok]) -> bool:
    return any(tk.has("ASPECT") or tk.word.endswith(("了", "过", "咗")) for tk in toks)


def _asks(toks: Sequence[Tok], tags: set[str]) -> bool:
    """A question form, not counting 'any/what/which' inside a request ("cancel any orders")."""
    if "POLITE" in tags:
        return False
    for tk in toks:
        if tk.has("Q") and tk.word not in _QUESTION_WORDS_EXEMPT:
            return True
        if tk.has("HOWMUCH", "HOWTO"):
            return True
    return False


def not_a_request(toks: Sequence[Tok], intent: str) -> str | None:
    """The rule that makes this message something other than a request now, or None."""
    tags = _tags(toks)
    for tag, rule in _ALWAYS:
        if tag in tags:
            return rule
    if "MOVE" in tags and intent not in ("alert", "open", "close"):
        return "talk about the market"
    if "PLAN" in tags:
        return "a plan, not a request"
    if "HYPO" in tags and intent != "alert":
        return "hypothetical or condition"
    if "SCHEDULE" in tags and intent not in ("subscribe", "unsubscribe"):
        return "a later or recurring request"
    if "NEG" in tags:
        return "negation"
    if "THIRD" in tags and intent in TRADE:
        return "someone else's trade"
    if _past(toks, intent, tags):
        return "past narration"
    if intent in TRADE and _asks(toks, tags):
        return "question"
    return None


def _clauses(toks: Sequence[Tok]) -> list[list[Tok]]:
    out: list[list[Tok]] = [[]]
    for tk in toks:
        if tk.kind != "NUM" and tk.word in _CLAUSE_END:
            if out[-1]:
                out.append([])
            continue
        out[-1].append(tk)
    return [c for c in out if c]


def _names_scope(clause: Sequence[Tok]) -> bool:
    return any(tk.kind in ("SYM", "NUM") or tk.has("NOUN") for tk in clause)


def keep_unnegated(toks: list[Tok]) -> list[Tok] | None:
    """The tokens outside negated clauses; None when nothing is left or when what is left
    would act on more than the negated part excluded ("别平黄金，全部平掉")."""
    if not any(tk.has("NEG") for tk in toks):
        return toks
    kept: list[Tok] = []
    dropped: list[Tok] = []
    for clause in _clauses(toks):
        (dropped if any(tk.has("NEG") for tk in clause) else kept).extend(clause)
    if not kept:
        return None
    if _names_scope(dropped) and not any(tk.kind == "SYM" for tk in kept):
        return None
    return kept
