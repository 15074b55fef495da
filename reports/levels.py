"""Market structure from bars: support and resistance, a volume profile, the order book.

- **Swing levels.** A bar is a swing high when its high is the highest of the `wing` bars on
  each side (a fractal pivot; `wing` = 2 is the classic five-bar fractal), a swing low the
  same way down. Pivots closer together than `tolerance` (half the average true range by
  default: what counts as "the same price" scales with how far the symbol moves in a bar)
  are one level; its price is the mean of its pivots, its strength how many there are.
  Below the last close a level is support, above it resistance.
- **Volume profile.** The bars' range cut into `bins` equal slices; each bar's tick volume is
  spread over the slices its high–low range covers, in proportion to the overlap. The point
  of control (POC) is the middle of the fullest slice; the value area grows from it, one
  neighbouring slice at a time (the fuller side first), until it holds `value_share` (70 %)
  of the volume.
- **Order book.** When the broker offers depth, its biggest bid and ask and the volume on
  each side.

Everything here is facts and numbers; `handlers/` words them. Pure Python (a 1,000-bar
profile is ~50k additions): nothing heavy to import.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from broker.models import Bar, BookLevel

LevelKind = Literal["support", "resistance"]
DEFAULT_WING = 2
DEFAULT_BINS = 40
DEFAULT_VALUE_SHARE = 0.70
DEFAULT_MAX_EACH = 3
MIN_BARS = 2 * DEFAULT_WING + 1


@dataclass(frozen=True, slots=True)
class Level:
    price: float  # the mean of its pivots
    kind: LevelKind
    touches: int  # how many swing points make it
    low: float  # the lowest and highest pivot in it
    high: float
    last_touch: datetime


@dataclass(frozen=True, slots=True)
class ProfileBin:
    low: float
    high: float
    volume: float

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True, slots=True)
class VolumeProfile:
    bins: tuple[ProfileBin, ...]  # lowest price first
    poc: float  # point of control: the middle of the fullest bin
    value_low: float  # the value area's bottom and top
    value_high: float
    value_share: float  # the share of volume the value area holds (≥ the share asked for)
    total: float


@dataclass(frozen=True, slots=True)
class BookSummary:
    bid_volume: float
    ask_volume: float
    top_bid: BookLevel | None  # the bid with the most volume
    top_ask: BookLevel | None
    levels: tuple[BookLevel, ...]


@dataclass(frozen=True, slots=True)
class Levels:
    symbol: str
    timeframe: str
    price: float  # the last close the levels are sorted around
    supports: tuple[Level, ...]  # nearest first
    resistances: tuple[Level, ...]  # nearest first
    profile: VolumeProfile | None
    book: BookSummary | None  # None: the broker offers no depth for the symbol
    bars: int
    start: datetime
    end: datetime
    digits: int = 5


class LevelsError(ValueError):
    def __init__(self, key: str, **facts: object) -> None:
        super().__init__(f"{key}: {facts}")
        self.key = key
        self.facts = facts


# -- swing levels ------------------------------------------------------------------------------
def swing_points(bars: Sequence[Bar], wing: int = DEFAULT_WING) -> list[tuple[str, int, float]]:
    """(kind, bar index, price) of every swing high ("high") and low ("low"), oldest first.
    Equal highs inside the window count once (the first of them), not as two pivots."""
    out: list[tuple[str, int, float]] = []
    for i in range(wing, len(bars) - wing):
        left, right = bars[i - wing : i], bars[i + 1 : i + wing + 1]
        h, lo = bars[i].high, bars[i].low
        if all(b.high < h for b in left) and all(b.high <= h for b in right):
            out.append(("high", i, h))
        if all(b.low > lo for b in left) and all(b.low >= lo for b in right):
            out.append(("low", i, lo))
    return out


def average_range(bars: Sequence[Bar]) -> float:
    """The mean true range of the bars (the first bar's own high − low)."""
    if not bars:
        return 0.0
    total = bars[0].high - bars[0].low
    for prev, b in itertools.pairwise(bars):
        total += max(b.high - b.low, abs(b.high - prev.close), abs(b.low - prev.close))
    return total / len(bars)


def cluster(points: Sequence[tuple[int, float]], tolerance: float) -> list[list[tuple[int, float]]]:
    """Group (index, price) points whose sorted prices are within `tolerance` of the
    group's first price (a chain of small steps never drifts into one wide level)."""
    groups: list[list[tuple[int, float]]] = []
    for point in sorted(points, key=lambda p: p[1]):
        if groups and point[1] - groups[-1][0][1] <= tolerance:
            groups[-1].append(point)
        else:
            groups.append([point])
    return groups


def swing_levels(
    bars: Sequence[Bar],
    price: float,
    *,
    wing: int = DEFAULT_WING,
    tolerance: float | None = None,
    max_each: int = DEFAULT_MAX_EACH,
) -> tuple[tuple[Level, ...], tuple[Level, ...]]:
    """(supports, resistances) around `price`, nearest first, at most `max_each` of each;
    a level is kept over a nearer one only when more swing points make it."""
    tol = average_range(bars) / 2 if tolerance is None else tolerance
    points = [(i, p) for _, i, p in swing_points(bars, wing)]
    levels: list[Level] = []
    for group in cluster(points, tol):
        prices = [p for _, p in group]
        mean = sum(prices) / len(prices)
        kind: LevelKind = "support" if mean < price else "resistance"
        last = max(i for i, _ in group)
        levels.append(Level(mean, kind, len(group), min(prices), max(prices), bars[last].time))
    below = sorted((lv for lv in levels if lv.kind == "support"), key=lambda lv: price - lv.price)
    above = sorted(
        (lv for lv in levels if lv.kind == "resistance"), key=lambda lv: lv.price - price
    )
    return _strongest_near(below, max_each), _strongest_near(above, max_each)


def _strongest_near(levels: list[Level], n: int) -> tuple[Level, ...]:
    """The `n` levels with the most touches (the nearer one on a tie), nearest first."""
    ranked = sorted(enumerate(levels), key=lambda il: (-il[1].touches, il[0]))[:n]
    return tuple(lv for _, lv in sorted(ranked, key=lambda il: il[0]))


# -- volume profile ----------------------------------------------------------------------------
def volume_profile(
    bars: Sequence[Bar], bins: int = DEFAULT_BINS, value_share: float = DEFAULT_VALUE_SHARE
) -> VolumeProfile | None:
    """The tick-volume profile of the bars; None when they carry no volume or no range."""
    if not bars or bins < 1 or not 0 < value_share <= 1:
        return None
    lo, hi = min(b.low for b in bars), max(b.high for b in bars)
    if hi <= lo:
        return None
    step = (hi - lo) / bins
    vols = [0.0] * bins
    for b in bars:
        _spread(vols, b, lo, step)
    total = sum(vols)
    if total <= 0:
        return None
    edges = [lo + k * step for k in range(bins)] + [hi]
    out = tuple(ProfileBin(edges[k], edges[k + 1], vols[k]) for k in range(bins))
    poc = max(range(bins), key=lambda k: (vols[k], -k))  # the lowest of equal maxima
    first, last, held = _value_area(vols, poc, total * value_share)
    return VolumeProfile(out, out[poc].mid, edges[first], edges[last + 1], held / total, total)


def _spread(vols: list[float], b: Bar, lo: float, step: float) -> None:
    """Add the bar's tick volume to the bins its range covers, by overlap (a bar with no
    range puts all of it in the one bin of its price)."""
    n = len(vols)
    if b.high <= b.low:
        vols[min(n - 1, max(0, int((b.close - lo) / step)))] += b.tick_volume
        return
    first = min(n - 1, max(0, int((b.low - lo) / step)))
    last = min(n - 1, max(0, int((b.high - lo) / step)))
    per_price = b.tick_volume / (b.high - b.low)
    for k in range(first, last + 1):
        overlap = min(b.high, lo + (k + 1) * step) - max(b.low, lo + k * step)
        if overlap > 0:
            vols[k] += per_price * overlap


def _value_area(vols: list[float], poc: int, need: float) -> tuple[int, int, float]:
    first = last = poc
    held = vols[poc]
    while held < need and (first > 0 or last < len(vols) - 1):
        below = vols[first - 1] if first > 0 else -1.0
        above = vols[last + 1] if last < len(vols) - 1 else -1.0
        if above >= below:
            last += 1
            held += above
        else:
            first -= 1
            held += below
    return first, last, held


# -- order book --------------------------------------------------------------------------------
def book_summary(book: Sequence[BookLevel] | None) -> BookSummary | None:
    if not book:
        return None
    bids = [lv for lv in book if lv.side == "buy"]
    asks = [lv for lv in book if lv.side == "sell"]
    return BookSummary(
        bid_volume=sum(lv.volume for lv in bids),
        ask_volume=sum(lv.volume for lv in asks),
        top_bid=max(bids, key=lambda lv: lv.volume, default=None),
        top_ask=max(asks, key=lambda lv: lv.volume, default=None),
        levels=tuple(book),
    )


def find_levels(
    symbol: str,
    timeframe: str,
    bars: Sequence[Bar],
    *,
    book: Sequence[BookLevel] | None = None,
    digits: int = 5,
    wing: int = DEFAULT_WING,
    bins: int = DEFAULT_BINS,
    value_share: float = DEFAULT_VALUE_SHARE,
    max_each: int = DEFAULT_MAX_EACH,
) -> Levels:
    """Everything above for one symbol's bars (oldest first)."""
    if len(bars) < MIN_BARS:
        raise LevelsError("not_enough_bars", need=MIN_BARS, have=len(bars))
    price = bars[-1].close
    supports, resistances = swing_levels(bars, price, wing=wing, max_each=max_each)
    return Levels(
        symbol=symbol,
        timeframe=timeframe,
        price=price,
        supports=supports,
        resistances=resistances,
        profile=volume_profile(bars, bins, value_share),
        book=book_summary(book),
        bars=len(bars),
        start=bars[0].time,
        end=bars[-1].time,
        digits=digits,
    )
