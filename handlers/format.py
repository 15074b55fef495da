"""Phone-width formatting: short aligned tables (CJK characters count double), numbers with
the symbol's digits, signed P&L — and times, through the one user clock `UserClock`
(reports/clock.py: the report time zone, every time labelled "14:03 (UTC+8)"; server time only
where it says "server time")."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from broker.symbols import fmt_volume
from reports.clock import UserClock
from reports.numbers import money as _money

__all__ = ["UserClock", "lots", "money", "pad", "pct", "price", "signed", "table", "width"]

PHONE_WIDTH = 34  # display cells that fit one line of a phone chat bubble in monospace


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, cells: int, align: str = "l") -> str:
    gap = max(0, cells - width(text))
    return " " * gap + text if align == "r" else text + " " * gap


def table(
    rows: Sequence[Sequence[str]], align: str = "", header: Sequence[str] | None = None
) -> str:
    """Columns separated by one space, each as wide as its widest cell; `align` has one letter
    per column ("l"/"r", default left). Trailing spaces are stripped."""
    all_rows = [list(header)] + [list(r) for r in rows] if header else [list(r) for r in rows]
    if not all_rows:
        return ""
    ncol = max(len(r) for r in all_rows)
    for r in all_rows:
        r.extend([""] * (ncol - len(r)))
    widths = [max(width(r[i]) for r in all_rows) for i in range(ncol)]
    aligns = (align + "l" * ncol)[:ncol]
    lines = [
        " ".join(pad(cell, widths[i], aligns[i]) for i, cell in enumerate(r)).rstrip()
        for r in all_rows
    ]
    return "\n".join(lines)


def money(x: float) -> str:
    """1,234.50 (the one formatter, `reports.numbers.money`)."""
    return _money(x)


def signed(x: float) -> str:
    """+1,234.50 / -0.35 / +0.00 (the one formatter, `reports.numbers.money`)."""
    return _money(x, signed=True)


def price(x: float | None, digits: int) -> str:
    if x is None:
        return "-"
    return f"{x:.{max(0, digits)}f}"


def lots(x: float) -> str:
    return fmt_volume(round(x, 8))


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x:,.1f}%"
