"""The one money formatter. Every amount a person reads — chat text, Markdown, chart labels,
alerts — goes through `money`, so that "1,234.50", "+12.00" and "never -0.00" mean the same
everywhere. It lives in `reports/` because `handlers/` may import `reports`, not the reverse.
"""

from __future__ import annotations

MISSING = "—"  # an amount the broker did not give us


def money(
    x: float | None,
    *,
    signed: bool = False,
    decimals: int = 2,
    currency: str = "",
    plus_zero: bool = True,
) -> str:
    """Thousands separators and `decimals` places: 1,234.50. `signed` writes "+" before a
    positive amount (and before zero unless `plus_zero` is False). A value that rounds to
    zero is written without a minus sign. `currency` is appended after a space; `None` is
    `MISSING`."""
    if x is None:
        return MISSING
    x = round(x, decimals)
    if x == 0:
        x = 0.0  # also turns -0.0 into 0.0: never "-0.00"
    sign = "+" if signed and (x > 0 or (x == 0 and plus_zero)) else ""
    text = f"{sign}{x:,.{decimals}f}"
    return f"{text} {currency}" if currency else text
