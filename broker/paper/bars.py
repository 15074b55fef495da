"""Bars (`copy_rates_*`) of the paper terminal, sampled from the simulated price path.

Bar open times are server-time epochs: minutes to days are whole multiples of their length,
weeks start on Sunday, months on the 1st. Each bar's open/high/low/close come from nine
samples of the bid across the bar; the current bar ends now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from broker.paper import constants as _consts
from broker.paper.constants import MT5Constants as c
from broker.paper.specs import Spec

RateRow = tuple[int, float, float, float, float, int, int, int]
_DTYPE = [("time", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"),
          ("close", "<f8"), ("tick_volume", "<u8"), ("spread", "<i4"),
          ("real_volume", "<u8")]  # fmt: skip


def bar_starts(now: int, timeframe: int, start_pos: int, count: int) -> list[int] | None:
    """Open times of `count` bars ending `start_pos` bars before the current one, oldest
    first; None for an unknown timeframe."""
    length = _consts.timeframe_seconds(timeframe)
    if timeframe == c.TIMEFRAME_MN1:
        d = datetime.fromtimestamp(now, UTC)
        month_index = d.year * 12 + d.month - 1
        out = []
        for i in range(start_pos + count - 1, start_pos - 1, -1):
            m = month_index - i
            out.append(int(datetime(m // 12, m % 12 + 1, 1, tzinfo=UTC).timestamp()))
        return out
    if length is None:
        return None
    anchor = 3 * 86_400 if timeframe == c.TIMEFRAME_W1 else 0  # weeks start on Sunday
    current = (now - anchor) // length * length + anchor
    return [current - i * length for i in range(start_pos + count - 1, start_pos - 1, -1)]


def _bar_end(starts: list[int], i: int) -> int:
    if i + 1 < len(starts):
        return starts[i + 1]
    if len(starts) > 1:
        return starts[i] + (starts[-1] - starts[-2])
    return starts[i] + 60


def rates(
    spec: Spec,
    starts: list[int],
    *,
    now: int,
    offset: int,
    bid_at: Callable[[float], float],
    pinned_bid: float | None,
) -> Any:
    """The rates array (numpy record array, as the real package returns) for bars opening at
    `starts`; `bid_at(utc)` samples the price path, `pinned_bid` is a pinned current price."""
    rows: list[RateRow] = []
    for i, start in enumerate(starts):
        end = min(_bar_end(starts, i), now)
        span = max(end - start, 1)
        samples = [bid_at(start + span * j / 8 - offset) for j in range(9)]
        if end >= now and pinned_bid is not None:
            samples[-1] = pinned_bid
        # a deterministic tick volume per bar (not random: the same bar always looks the same)
        seed = int(start // 60) * 2654435761 % 1000
        rows.append((start, samples[0], max(samples), min(samples), samples[-1],
                     max(1, span // 6 + seed), spec.spread_points, 0))  # fmt: skip
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy ships with matplotlib
        return tuple(rows)
    return np.array(rows, dtype=_DTYPE)
