"""Deal history as columns: one numpy array per field instead of one `Deal` per deal.

A report over a million deals needs sums, counts and groupings, not a million frozen
dataclasses with a datetime each (seconds of conversion and a gigabyte of objects); the same
history as a dozen arrays is some 80 MB and is aggregated with vectorised numpy. `Deal` stays
the model wherever one deal is shown.

Codes: `type` holds the index in `TYPES`, `entry` the index in `ENTRIES`, `symbol` an index
into `symbols` (canonical names) and `broker_symbols` (the terminal's names). Times are UTC
microseconds since the epoch, so that a period boundary (an aware datetime) compares exactly.
Comments are kept only for non-trade deals (balance, credit, other), which reports list one by
one; a trade deal's comment is never aggregated.

This module imports numpy at the top: import it only where columns are built or read (the
report path), never on the chat or parse path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from broker.models import Deal

TYPES: tuple[str, ...] = ("buy", "sell", "balance", "credit", "other")
ENTRIES: tuple[str, ...] = ("in", "out", "inout", "out_by")
BUY, SELL, BALANCE, CREDIT, OTHER = range(5)
IN, OUT, INOUT, OUT_BY = range(4)
_TYPE_CODE = {name: i for i, name in enumerate(TYPES)}
_ENTRY_CODE = {name: i for i, name in enumerate(ENTRIES)}

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]

# (name, dtype) of every array, in the order `DealColumns` holds them
FIELDS: tuple[tuple[str, Any], ...] = (
    ("ticket", np.int64),
    ("position_id", np.int64),
    ("time_us", np.int64),
    ("type", np.int8),
    ("entry", np.int8),
    ("symbol", np.int32),
    ("volume", np.float64),
    ("profit", np.float64),
    ("commission", np.float64),
    ("swap", np.float64),
    ("fee", np.float64),
    ("magic", np.int64),
)


def micros(t: datetime) -> int:
    """An aware datetime as UTC microseconds since the epoch (exact, no float)."""
    return (t - EPOCH) // _US


def from_micros(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))


@dataclass(frozen=True, slots=True)
class DealColumns:
    """Deals as parallel arrays (see the module text), oldest first when built by a broker."""

    ticket: I64
    position_id: I64
    time_us: I64
    type: I8
    entry: I8
    symbol: I32
    volume: F64
    profit: F64
    commission: F64
    swap: F64
    fee: F64
    magic: I64
    symbols: tuple[str, ...]  # canonical name of each symbol code ("" for none)
    broker_symbols: tuple[str, ...]  # the terminal's name of each symbol code
    comments: dict[int, str]  # ticket → comment, for non-trade deals only

    def __len__(self) -> int:
        return len(self.ticket)

    # -- building --------------------------------------------------------------------------
    @classmethod
    def empty(cls) -> DealColumns:
        return _assemble([np.empty(0, dtype) for _n, dtype in FIELDS], (), (), {})

    @classmethod
    def from_deals(cls, deals: Iterable[Deal]) -> DealColumns:
        """Columns of `Deal` models, in the order given (tests, small histories)."""
        items = deals if isinstance(deals, Sequence) else list(deals)
        codes: dict[tuple[str, str], int] = {}
        sym = [codes.setdefault((d.symbol, d.broker_symbol), len(codes)) for d in items]
        n = len(items)

        def col(values: Iterable[Any], dtype: Any) -> Any:
            return np.fromiter(values, dtype, count=n)

        return cls(
            ticket=col((d.ticket for d in items), np.int64),
            position_id=col((d.position_id for d in items), np.int64),
            time_us=col((micros(d.time) for d in items), np.int64),
            type=col((_TYPE_CODE[d.type] for d in items), np.int8),
            entry=col((_ENTRY_CODE[d.entry] for d in items), np.int8),
            symbol=np.asarray(sym, dtype=np.int32),
            volume=col((d.volume for d in items), np.float64),
            profit=col((d.profit for d in items), np.float64),
            commission=col((d.commission for d in items), np.float64),
            swap=col((d.swap for d in items), np.float64),
            fee=col((d.fee for d in items), np.float64),
            magic=col((d.magic for d in items), np.int64),
            symbols=tuple(c for c, _b in codes),
            broker_symbols=tuple(b for _c, b in codes),
            comments={d.ticket: d.comment for d in items if d.type not in ("buy", "sell")},
        )

    def take(self, index: Any) -> DealColumns:
        """The deals at `index` (a boolean mask, positions or a slice), in that order."""
        arrays = [getattr(self, name)[index] for name, _dtype in FIELDS]
        kept = set(arrays[0].tolist()) if len(self.comments) else set()
        comments = {t: c for t, c in self.comments.items() if t in kept}
        return _assemble(arrays, self.symbols, self.broker_symbols, comments)

    def between(self, start: datetime, end: datetime) -> DealColumns:
        """Deals with `start <= time < end` (a copy only when some fall outside)."""
        lo, hi = micros(start), micros(end)
        t = self.time_us
        if len(t) < 2 or bool(np.all(t[1:] >= t[:-1])):
            # in time order (as a terminal hands deals over): the window is one slice, and
            # slices are views — no copy of a million deals
            a, b = np.searchsorted(t, [lo, hi], side="left").tolist()
            return self if (a, b) == (0, len(t)) else self.take(slice(a, b))
        inside = (t >= lo) & (t < hi)
        return self if bool(inside.all()) else self.take(inside)

    def in_time_order(self) -> DealColumns:
        """Ordered by (time, ticket), as `Broker.deals` hands deals over; sorted only when
        they are not in that order already (a terminal returns them in time order)."""
        t, k = self.time_us, self.ticket
        if len(t) < 2:
            return self
        ordered = (t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (k[1:] >= k[:-1]))
        if bool(ordered.all()):
            return self
        return self.take(np.lexsort((k, t)))

    # -- reading ---------------------------------------------------------------------------
    def symbol_codes(self, symbol: str) -> I32:
        """Codes whose canonical or terminal name is `symbol`."""
        return np.asarray(
            [
                i
                for i, (c, b) in enumerate(zip(self.symbols, self.broker_symbols, strict=True))
                if symbol in (c, b)
            ],
            dtype=np.int32,
        )

    def symbol_key(self, code: int) -> str:
        """The name a report groups by: canonical, else the terminal's, else "?"."""
        return self.symbols[code] or self.broker_symbols[code] or "?"

    def net(self) -> F64:
        """What each deal did to the balance, summed as `Deal.net` sums it."""
        return self.profit + self.commission + self.swap + self.fee

    def deal(self, i: int) -> Deal:
        """Deal `i` as a model (for the few a report names: best, worst, balance operations).
        The order ticket and the price are not kept in columns (no report reads them): 0 here,
        and a trade deal's comment is "" (only non-trade deals keep theirs)."""
        code = int(self.symbol[i])
        ticket = int(self.ticket[i])
        return Deal(
            ticket=ticket,
            order=0,
            position_id=int(self.position_id[i]),
            time=from_micros(int(self.time_us[i])),
            type=TYPES[int(self.type[i])],  # type: ignore[arg-type]
            entry=ENTRIES[int(self.entry[i])],  # type: ignore[arg-type]
            symbol=self.symbols[code],
            broker_symbol=self.broker_symbols[code],
            volume=float(self.volume[i]),
            price=0.0,
            profit=float(self.profit[i]),
            commission=float(self.commission[i]),
            swap=float(self.swap[i]),
            fee=float(self.fee[i]),
            magic=int(self.magic[i]),
            comment=self.comments.get(ticket, ""),
        )


def _assemble(
    arrays: Sequence[Any],
    symbols: tuple[str, ...],
    broker_symbols: tuple[str, ...],
    comments: dict[int, str],
) -> DealColumns:
    """`DealColumns` of arrays given in the order of `FIELDS`."""
    named: dict[str, Any] = {n: a for (n, _dtype), a in zip(FIELDS, arrays, strict=True)}
    return DealColumns(**named, symbols=symbols, broker_symbols=broker_symbols, comments=comments)


class ColumnBuffer:
    """Builds `DealColumns` from chunks without holding each chunk and the result at once:
    arrays sized for the expected total (grown by doubling if it is passed) are filled in place."""

    def __init__(self, expected: int = 0) -> None:
        self._cap = max(16, expected)
        self._n = 0
        self._arrays = {name: np.empty(self._cap, dtype) for name, dtype in FIELDS}
        self._codes: dict[tuple[str, str], int] = {}
        self.comments: dict[int, str] = {}

    def code(self, canonical: str, broker_name: str) -> int:
        """The symbol code of a (canonical, terminal) name pair, shared by every chunk."""
        return self._codes.setdefault((canonical, broker_name), len(self._codes))

    def add(self, chunk: dict[str, Any]) -> None:
        """Append a chunk: one array (or sequence) per field of `FIELDS`, of equal length."""
        m = len(chunk["ticket"])
        if self._n + m > self._cap:
            self._cap = max(self._n + m, 2 * self._cap)
            for name, arr in self._arrays.items():
                grown = np.empty(self._cap, arr.dtype)
                grown[: self._n] = arr[: self._n]
                self._arrays[name] = grown
        for name, arr in self._arrays.items():
            arr[self._n : self._n + m] = chunk[name]
        self._n += m

    def build(self) -> DealColumns:
        n = self._n
        # a copy only when the expected total was too generous by more than a few percent
        arrays = [
            a[:n] if n >= 0.95 * len(a) else a[:n].copy()
            for a in (self._arrays[name] for name, _dtype in FIELDS)
        ]
        pairs = list(self._codes)
        return _assemble(
            arrays, tuple(c for c, _b in pairs), tuple(b for _c, b in pairs), self.comments
        )
