"""Which slot each number of a message fills, from its neighbours (…手 = volume, 止损… = sl,
单号… = ticket, 魔术号… / …号EA = magic, …单 = count, @/在/limit… = price); numbers left over
are judged by size (a 6-digit integer in a close is a ticket; 2320 next to gold is a price).

The rules are tried in a fixed order — the unit after the number, then the marker before it,
then the context (a pending sl/tp keyword, an order kind, a selector) — and the first that
fits gives the role. A number that fits two slots or none in a trade makes it `unknown`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from nlp.tokens import Tok, Unknown

if TYPE_CHECKING:
    from nlp.grammar import Grammar

TICKET_MIN_DIGITS = 5  # a bare integer this long in a close/modify/cancel is a ticket
MAX_VOLUME_LIKE = 100  # a number up to this, with ≤ 2 decimals, may be a volume
SMALL_VOLUME = 10  # an integer up to this beside a price-like number is a volume
DIST_MAX = 1000  # a distance in points/pips is below this
PRICE_DECIMALS = 3  # with no symbol, a number with this many decimals is a price …
PRICE_MIN = 100  # … and so is one this large

# Rough price ranges, only to tell a bare price from a bare volume ("黄金 2320 挂多 0.01手").
PRICE_RANGE: dict[str, tuple[float, float]] = {
    "EURUSD": (0.7, 1.7),
    "GBPUSD": (0.9, 2.0),
    "USDJPY": (70.0, 250.0),
    "AUDUSD": (0.45, 1.1),
    "NZDUSD": (0.4, 1.0),
    "USDCAD": (1.0, 1.7),
    "USDCHF": (0.6, 1.2),
    "EURJPY": (90.0, 250.0),
    "GBPJPY": (110.0, 280.0),
    "EURGBP": (0.65, 1.0),
    "XAUUSD": (1000.0, 10000.0),
    "XAGUSD": (8.0, 150.0),
    "USOIL": (10.0, 200.0),
    "BTCUSD": (3000.0, 1_000_000.0),
    "ETHUSD": (300.0, 50_000.0),
    "US30": (15000.0, 100_000.0),
    "NAS100": (5000.0, 60_000.0),
    "SPX500": (2000.0, 15_000.0),
}
_SLOTS = ("volume", "ticket", "magic", "price", "count", "sl", "tp")
_INT_SLOTS = frozenset({"ticket", "magic", "count"})


class _Ctx(NamedTuple):
    nxt: Tok | None
    prev: Tok | None
    marker: Tok | None
    integer: bool
    pending: str | None


def clean_float(v: float) -> float:
    if not math.isfinite(v) or v <= 0:
        raise Unknown("not a positive number")
    return round(v, 10)


def _vol_like(tk: Tok) -> bool:
    return 0 < tk.value <= MAX_VOLUME_LIKE and tk.dec <= 2


class NumberBinder:
    """Binds the numbers of one message for one intent into `s`."""

    def __init__(self, g: Grammar, intent: str, s: dict[str, Any]) -> None:
        self.g = g
        self.toks = g.toks
        self.intent = intent
        self.s = s
        self.got: dict[str, list[float]] = {k: [] for k in _SLOTS}
        self.pending: list[str] = []  # sl/tp keywords waiting for their numbers, in order
        self.bare: list[Tok] = []
        self.backward = self._sltp_backward()
        self.has_selector = "selector" in s

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        for i, tk in enumerate(self.toks):
            if tk.role is not None:
                continue  # already read (a fraction, a risk, a distance, a length)
            if tk.has("SL", "TP"):
                self._keyword(i, tk)
            elif tk.has("VOLUME"):
                self.got["volume"].append(float(tk.vals["volume"]))
            elif tk.kind == "NUM":
                self._number(i, tk)
        BareNumbers(self).run()
        self._store()

    def _keyword(self, i: int, tk: Tok) -> None:
        if self.backward:
            return
        key = "sl" if tk.has("SL") else "tp"
        before = self.g._prev_sig(i)
        if self.pending and before is not None and before.has("SL", "TP"):
            if key not in self.pending:
                self.pending.append(key)  # "止损止盈分别改成2300和2400"
        else:
            self.pending = [key]

    def _number(self, i: int, tk: Tok) -> None:
        ctx = _Ctx(
            nxt=self.g._next(i),
            prev=self.g._prev_sig(i),
            marker=self.g._prev_marker(i),
            integer=tk.dec == 0 and float(tk.value).is_integer(),
            pending=self.pending[0] if self.pending else None,
        )
        role: tuple[str, float] | None = None
        for step in (self._by_unit, self._by_marker, self._by_context):
            role = step(i, tk, ctx)
            if role is not None:
                break
        if role is None:
            self.bare.append(tk)
            return
        tk.role = role[0]
        if role[0] != "dist":
            self.got[role[0]].append(role[1])
        if tk.neg:
            raise Unknown("a negative number")

    # ------------------------------------------------------------------ rules
    def _by_unit(self, i: int, tk: Tok, c: _Ctx) -> tuple[str, float] | None:
        nxt, marker = c.nxt, c.marker
        ticket_marker = marker is not None and marker.has("TICKET", "MAGIC")
        before_level = nxt is not None and nxt.has("SL", "TP")
        if self.backward and before_level and not tk.spoken and not ticket_marker:
            return ("sl" if nxt is not None and nxt.has("SL") else "tp", tk.value)
        if nxt is not None and nxt.has("LOT") and not self._lot_prefix(i + 1):
            factor = float(nxt.vals.get("factor", 1.0))
            return ("volume", tk.value * factor + float(nxt.vals.get("plus", 0)))
        volume_marker = marker is not None and (marker.has("VOLMARK") or self._lot_prefix(i - 1))
        if volume_marker and not tk.spoken:
            return ("volume", tk.value)
        if nxt is not None and nxt.has("DIST") and tk.value < DIST_MAX:
            if self.intent in ("open", "modify"):
                raise Unknown("a distance in points/pips is not a price")
            return ("dist", tk.value)
        counted = nxt is not None and nxt.has("CUNIT") and c.integer
        if marker is not None and marker.has("MAGIC", "EA") and not tk.spoken:
            counted = False  # "EA 1001 positions": the EA's number, not a count of positions
        if counted and c.pending is None and not ticket_marker:
            return ("count", tk.value)
        return None

    def _by_marker(self, i: int, tk: Tok, c: _Ctx) -> tuple[str, float] | None:
        marker, prev = c.marker, c.prev
        if not c.integer:
            return None
        after_conn = c.pending is not None and prev is not None and prev.has("CONN", "AT")
        if marker is not None and marker.has("TICKET") and not after_conn and not tk.spoken:
            return ("ticket", tk.value)
        if not tk.spoken and (
            (marker is not None and marker.has("MAGIC", "EA"))
            or (c.nxt is not None and c.nxt.has("MAGICAFTER"))
        ):
            return ("magic", tk.value)
        long_int = len(str(int(tk.value))) >= TICKET_MIN_DIGITS
        if marker is not None and marker.has("ORDERS") and long_int and self._trade_not_open():
            return ("ticket", tk.value)
        return None

    def _by_context(self, i: int, tk: Tok, c: _Ctx) -> tuple[str, float] | None:
        prev, nxt = c.prev, c.nxt
        after_level = prev is not None and (
            prev.has("SL", "TP", "CONN", "MODIFY", "AT")
            or (prev.kind == "NUM" and prev.role in ("sl", "tp"))
        )
        if c.pending and after_level:
            return (self.pending.pop(0), tk.value)
        if self.intent == "open" and prev is not None and not tk.spoken:
            lot_next = nxt is not None and nxt.has("LOT")
            after_kind = prev.has("AT") or (prev.has("KIND") and not prev.has("ORDERS"))
            kind_word = (after_kind and not lot_next) or (prev.has("KIND") and prev.has("ORDERS"))
            if kind_word and self._may_be_price(i, self.s.get("symbol")):
                return ("price", tk.value)
        if (
            self.has_selector
            and c.integer
            and (
                (prev is not None and prev.has("SEL"))
                or (nxt is not None and nxt.has("SEL", "CUNIT", "POSNOUN"))
            )
        ):
            return ("count", tk.value)
        return None

    # ------------------------------------------------------------------ helpers
    def _trade_not_open(self) -> bool:
        return self.intent in ("cancel", "close", "modify")

    def _lot_prefix(self, j: int) -> bool:
        """The lot word at `j` names the number after it ("buy stop 2360 lot 0.02"): a number
        follows it, and the one before it (if any) cannot be a volume."""
        if not (0 <= j < len(self.toks)) or not self.toks[j].has("LOT"):
            return False
        nxt = self.g._next(j)
        if nxt is None or nxt.kind != "NUM":
            return False
        before = self.toks[j - 1] if j > 0 else None
        if before is None or before.kind != "NUM":
            return True
        return not _vol_like(before)

    def _may_be_price(self, i: int, sym: str | None) -> bool:
        """A number right after an order kind or '@' is its price unless it cannot be one:
        outside the symbol's price range ("buy limit 0.1 EURUSD @ 1.09": 0.1 is the volume),
        or, after a bare kind word, when a later number sits right after '@'/'at'."""
        tk = self.toks[i]
        if sym is not None:
            lo, hi = PRICE_RANGE[sym]
            return lo <= tk.value <= hi
        prev = self.g._prev_sig(i)
        if prev is not None and prev.has("AT"):
            return True
        for j in range(i + 1, len(self.toks)):
            later = self.toks[j]
            if later.kind == "NUM" and not later.spoken:
                before = self.g._prev_sig(j)
                if before is not None and before.has("AT"):
                    return False
        return True

    def _sltp_backward(self) -> bool:
        """ "2300止损 2400止盈": the numbers come before their keywords (decided per message:
        the last sl/tp keyword has a number right before it and none after it)."""
        idx = [i for i, tk in enumerate(self.toks) if tk.has("SL", "TP")]
        if not idx:
            return False
        j = idx[-1]
        if j == 0 or self.toks[j - 1].kind != "NUM":
            return False
        return not any(tk.kind == "NUM" for tk in self.toks[j + 1 :])

    def _store(self) -> None:
        if any(len(v) > 1 for v in self.got.values()):
            raise Unknown("two numbers for one slot")
        for key, values in self.got.items():
            if not values or key == "count":
                continue
            self.s[key] = int(values[0]) if key in _INT_SLOTS else clean_float(values[0])
        counts = self.got["count"]
        if counts and counts[0] >= 2 and self.s.get("selector") not in (None, "all"):
            self.s["count"] = int(counts[0])


class BareNumbers:
    """Numbers no neighbour explained, judged by size for the intent."""

    def __init__(self, b: NumberBinder) -> None:
        self.b = b
        self.sym: str | None = b.s.get("symbol")
        self.arabic = [tk for tk in b.bare if not tk.spoken]
        self.volumes = b.got["volume"]
        self.prices = b.got["price"]

    def _price_like(self, tk: Tok) -> bool:
        if self.sym:
            lo, hi = PRICE_RANGE[self.sym]
            return lo <= tk.value <= hi
        return tk.dec >= PRICE_DECIMALS or tk.value >= PRICE_MIN  # decimals or size

    def run(self) -> None:
        intent = self.b.intent
        for k, tk in enumerate(self.arabic):
            if intent in ("close", "modify", "cancel"):
                self._in_trade(tk)
            elif intent == "open":
                self._in_open(k, tk)
            # queries: stray numbers do not change the answer

    def _in_trade(self, tk: Tok) -> None:
        if tk.neg:
            raise Unknown("a negative number")
        v = tk.value
        long_int = tk.dec == 0 and v.is_integer() and len(str(int(v))) >= TICKET_MIN_DIGITS
        if long_int and not (self.sym and self._price_like(tk)):
            self.b.got["ticket"].append(v)
            return
        if self.b.intent == "close" and _vol_like(tk) and not self.volumes:
            self.volumes.append(v)
            return
        raise Unknown("a number that fits no slot of the trade")

    def _in_open(self, k: int, tk: Tok) -> None:
        if tk.neg:
            raise Unknown("a negative number")
        vol_like, price_like = _vol_like(tk), self._price_like(tk)
        if self.b.g.slash and vol_like and not self.volumes and (not price_like or k == 0):
            self.volumes.append(tk.value)
        elif vol_like and not price_like:
            if self.volumes:
                raise Unknown("two volumes")
            self.volumes.append(tk.value)
        elif price_like and not vol_like:
            if self.prices:
                raise Unknown("two prices")
            self.prices.append(tk.value)
        elif vol_like and price_like:
            self._volume_or_price(k, tk)
        else:
            raise Unknown("a number that is neither a volume nor a price")

    def _volume_or_price(self, k: int, tk: Tok) -> None:
        s, v = self.b.s, tk.value
        later_vol = any(_vol_like(o) for o in self.arabic[k + 1 :])
        kind_said = "order_type" in s and s["order_type"] != "market"
        priced = kind_said or self.b.g.has("AT")
        integer = tk.dec == 0 and v.is_integer()
        if not self.prices and priced and (self.volumes or later_vol):
            self.prices.append(v)
        elif not self.volumes and integer and v <= SMALL_VOLUME:
            self.volumes.append(v)
        elif not self.volumes and not priced:
            raise Unknown("a volume or a price? do not guess")  # "买入欧美1.08"
        elif not self.volumes:
            self.volumes.append(v)
        elif not self.prices:
            self.prices.append(v)
        else:
            raise Unknown("too many numbers")
