"""Trade-management slots of contract v2, read from tokens before the generic number binder:
fractions of a close (一半, 三成, 30%, 四分之一, half, a quarter), risk sizing (按1%风险,
risk 2%), moves in pips (止损上移20点 → sl_shift_pips 20, move tp down 30 pips → −30) and
trailing stops (移动止损50点, trail gold by 40 pips).

Each reader marks the numbers it used (`Tok.role`), so the binder does not read them again,
and raises `Unknown` when a part it is responsible for cannot be read exactly ("平掉一部分",
"平掉100%"): the scope never widens to the request without that part.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlp.tokens import Tok, Unknown


class OutOfRange(Unknown):
    """A management slot read exactly but outside what it may be ("平掉150%", "按0%风险",
    "止损上移-5点"): still `unknown` — nothing is guessed — but `what` and `facts` let the
    answer say what was understood and what is allowed (`RuleParser.trouble`)."""

    def __init__(self, rule: str, what: str, **facts: float | str) -> None:
        super().__init__(rule)
        self.what = what  # "fraction" | "risk" | "shift" | "trailing"
        self.facts = facts


def _num_after(toks: Sequence[Tok], i: int) -> Tok | None:
    j = i + 1
    if j < len(toks) and toks[j].kind == "NUM" and toks[j].role is None:
        return toks[j]
    return None


def _pct_value(toks: Sequence[Tok], i: int) -> float | None:
    """The share a percentage word at `i` gives to its number: "30%", "三成", "百分之三十"."""
    word = toks[i].word
    if word == "百分之":
        num = _num_after(toks, i)
        if num is None:
            raise Unknown("unreadable percentage")
        num.role = "pct"
        return num.value / 100
    prev = toks[i - 1] if i > 0 else None
    if prev is None or prev.kind != "NUM" or prev.role is not None:
        return None
    prev.role = "pct"
    return prev.value / (10 if word == "成" else 100)


def _parts_of(toks: Sequence[Tok], i: int) -> float:
    """ "N分之M" → M/N."""
    prev = toks[i - 1] if i > 0 else None
    nxt = _num_after(toks, i)
    if prev is None or prev.kind != "NUM" or nxt is None or prev.value <= 0:
        raise Unknown("not a clean fraction")
    prev.role = nxt.role = "fraction"
    return nxt.value / prev.value


def read_fraction(toks: Sequence[Tok]) -> float | None:
    """The part of the matched positions to close, or None when none was said."""
    found: list[float] = []
    for i, tk in enumerate(toks):
        if tk.has("FRACTION"):
            if "frac" not in tk.vals:
                raise Unknown("not a clean fraction")
            found.append(float(tk.vals["frac"]))
        elif tk.has("PCT"):
            v = _pct_value(toks, i)
            if v is not None:
                found.append(v)
        elif tk.has("PCTOF"):
            found.append(_parts_of(toks, i))
    if not found:
        return None
    if len(set(found)) > 1:
        raise Unknown("not a clean fraction")
    if not 0 < found[0] < 1:
        raise OutOfRange("a fraction outside 0..1", "fraction", pct=round(found[0] * 100, 6))
    return round(found[0], 10)


def read_risk(toks: Sequence[Tok]) -> float | None:
    """Risk sizing: a percentage beside a risk word ("风险2%", "按1%风险", "risk 2%")."""
    if not any(tk.has("RISK") for tk in toks):
        return None
    found = [
        v for i, tk in enumerate(toks) if tk.has("PCT") and (v := _pct_value(toks, i)) is not None
    ]
    if len(found) != 1:
        raise Unknown("unreadable risk")
    if not 0 < found[0] <= 1:
        raise OutOfRange("a risk outside 0..100%", "risk", pct=round(found[0] * 100, 6))
    return round(found[0] * 100, 10)


def _governing(toks: Sequence[Tok], i: int) -> tuple[str | None, int]:
    """For the pip distance at `i`: which level it moves (sl/tp/trailing) and the sign."""
    key: str | None = None
    sign = 0
    for j in range(i - 1, -1, -1):
        tk = toks[j]
        if tk.has("PUNCT") and key is not None:
            break
        if tk.has("SHIFT") and sign == 0:
            sign = int(tk.vals["sign"])
        if tk.has("TRAIL") and key is None:
            key = "trailing"
        elif tk.has("SL", "TP") and key is None:
            key = "sl" if tk.has("SL") else "tp"
    if key is None:  # "set a 30 pip trailing stop", "move it 20 pips up"
        for tk in toks[i + 1 :]:
            if tk.has("TRAIL"):
                key = "trailing"
                break
    return key, sign


def read_pips(toks: Sequence[Tok]) -> dict[str, float]:
    """sl_shift_pips / tp_shift_pips (signed) and trailing_pips from "N点/pips" numbers."""
    out: dict[str, float] = {}
    for i, tk in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if tk.kind != "NUM" or nxt is None or not nxt.has("DIST") or tk.role is not None:
            continue
        key, sign = _governing(toks, i)
        if key == "trailing":
            slot = "trailing_pips"
            value = tk.value
        elif key in ("sl", "tp") and sign != 0:
            slot = f"{key}_shift_pips"
            value = tk.value * sign
        else:
            raise Unknown("a distance in pips that moves nothing")
        if tk.neg:  # "止损上移-5点": up and minus at once — the direction is the user's to say
            what = "trailing" if slot == "trailing_pips" else "shift"
            raise OutOfRange("a negative distance", what, level=key or "", pips=tk.value)
        if slot in out:
            raise Unknown("two distances for one level")
        tk.role = slot
        out[slot] = value
    return out
