"""Bars (`copy_rates_*`) of the paper terminal: M1 from the price path, the rest from M1.

Only M1 bars are sampled from the simulated price path (`SAMPLES_PER_M1` bids across each
minute); every higher timeframe is aggregated from the M1 bars it holds — open of the first,
highest high, lowest low, close of the last, sum of tick volumes — so H1 agrees with M1, D1
with H1, as on a real terminal. Bars exist only while the symbol's market is open
(`Spec.is_open`: FX, metals, energies and indices have no weekend bars, crypto trades every
day) and only for `HISTORY_DAYS` back from now (a real terminal's history is finite too; the
demo history covers far less). The current bar ends now and closes at the current bid (the
pinned one when a test pins the price).

Bar open times are server-time epochs: minutes to days are whole multiples of their length,
weeks start on Sunday, months on the 1st. Completed hours never change (the price path is a
pure function of time), so they are aggregated once and cached; a day or a week is read from
its hours.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from broker.paper import constants as _consts
from broker.paper.constants import MT5Constants as c
from broker.paper.prices import PricePath
from broker.paper.specs import Spec

SAMPLES_PER_M1 = 5
_SAMPLE_AT = (0.0, 15.0, 30.0, 45.0, 59.0)  # seconds into the minute; the last is its close
HISTORY_DAYS = 400
MAX_BARS = 100_000  # terminal_info().maxbars: no call returns more
_HOUR_CACHE_MAX = 200_000
_HOURS_PER_PASS = 200

Row = tuple[int, float, float, float, float, int]  # time, open, high, low, close, tick volume
_DTYPE = [("time", "<i8"), ("open", "<f8"), ("high", "<f8"), ("low", "<f8"),
          ("close", "<f8"), ("tick_volume", "<u8"), ("spread", "<i4"),
          ("real_volume", "<u8")]  # fmt: skip


def _month_start(year: int, month0: int) -> int:
    """Epoch of the 1st of month `month0` (0-based, may run past 11) of `year`."""
    y, m = year + month0 // 12, month0 % 12
    return int(datetime(y, m + 1, 1, tzinfo=UTC).timestamp())


def _candidates_back(now: int, timeframe: int) -> Iterator[tuple[int, int]]:
    """(start, end) of every bar of `timeframe`, the current one first, going back in time."""
    if timeframe == c.TIMEFRAME_MN1:
        d = datetime.fromtimestamp(now, UTC)
        k = 0
        while True:
            yield _month_start(d.year, d.month - 1 - k), _month_start(d.year, d.month - k)
            k += 1
    length = _consts.timeframe_seconds(timeframe)
    assert length is not None  # noqa: S101 - checked by the caller
    anchor = 3 * 86_400 if timeframe == c.TIMEFRAME_W1 else 0  # weeks start on Sunday
    start = (now - anchor) // length * length + anchor
    while True:
        yield start, start + length
        start -= length


def known_timeframe(timeframe: Any) -> bool:
    return (
        isinstance(timeframe, int)
        and not isinstance(timeframe, bool)
        and (timeframe == c.TIMEFRAME_MN1 or _consts.timeframe_seconds(timeframe) is not None)
    )


class BarHistory:
    """The bars of one paper terminal's symbols (see the module docstring)."""

    def __init__(
        self,
        specs: dict[str, Spec],
        paths: dict[str, PricePath],
        offset: int,
    ) -> None:
        self._specs = specs
        self._paths = paths
        self._offset = offset  # server time − UTC, seconds
        self._hours: dict[tuple[str, int], Row | None] = {}

    # ------------------------------------------------------------------ which bars exist

    def _open_in(self, spec: Spec, start: int, end: int) -> bool:
        """Whether any minute of [start, end) is open (sessions are whole hours)."""
        if end - start <= 3600:
            return spec.is_open(start)
        return any(spec.is_open(h) for h in range(start, end, 3600))

    def starts_from_pos(
        self, name: str, timeframe: int, now: int, start_pos: int, count: int
    ) -> list[int]:
        """Open times of `count` existing bars ending `start_pos` bars before the newest,
        oldest first (fewer where the history ends)."""
        spec = self._specs[name]
        oldest = now - HISTORY_DAYS * 86_400
        found: list[int] = []
        for start, end in _candidates_back(now, timeframe):
            if end <= oldest or len(found) >= start_pos + count:
                break
            if start <= now and self._open_in(spec, start, end):
                found.append(start)
        return sorted(found[start_pos:])

    def starts_in_range(
        self, name: str, timeframe: int, now: int, lo: int, hi: int, limit: int = MAX_BARS
    ) -> list[int]:
        """Open times of the existing bars with lo <= open time <= hi (and not after now),
        oldest first; the newest `limit` of them."""
        spec = self._specs[name]
        oldest = max(lo, now - HISTORY_DAYS * 86_400)
        found: list[int] = []
        for start, end in _candidates_back(min(now, hi), timeframe):
            if end <= oldest or len(found) >= limit:
                break
            if lo <= start <= hi and self._open_in(spec, start, end):
                found.append(start)
        return sorted(found)

    # ------------------------------------------------------------------ M1 from the price path

    def _bids(self, name: str, server_times: Any) -> Any:
        import numpy as np

        spec = self._specs[name]
        mids = self._paths[name].mids(server_times - self._offset)
        return np.round(mids - spec.spread_points * spec.point / 2, spec.digits)

    @staticmethod
    def _tick_volumes(minutes: Any) -> Any:
        # deterministic (the same minute always has the same volume), not random
        return (minutes // 60 * 2654435761) % 90 + 10

    def _full_minutes(self, name: str, starts: Any) -> tuple[Any, Any, Any, Any, Any]:
        """(open, high, low, close, volume) arrays of completed M1 bars; `starts` has any
        shape, the results have the same."""
        import numpy as np

        at = starts[..., None] + np.asarray(_SAMPLE_AT)
        bids = self._bids(name, at)
        return (bids[..., 0], bids.max(-1), bids.min(-1), bids[..., -1],
                self._tick_volumes(starts))  # fmt: skip

    def _current_minute(self, name: str, start: int, now: int, close: float) -> Row:
        import numpy as np

        span = max(now - start, 0)
        at = np.asarray([start + span * k / (SAMPLES_PER_M1 - 1) for k in range(SAMPLES_PER_M1)])
        bids = [float(b) for b in self._bids(name, at)]
        bids[-1] = close
        volume = max(1, int(self._tick_volumes(np.asarray([start]))[0]) * (span + 1) // 60)
        return (start, bids[0], max(bids), min(bids), close, volume)

    # ------------------------------------------------------------------ aggregation

    def _minutes_row(self, name: str, start: int, end: int, now: int, close: float) -> Row | None:
        """One bar over the open minutes of [start, end) up to now, from M1."""
        import numpy as np

        spec = self._specs[name]
        current = now // 60 * 60
        minutes = [m for m in range(start, min(end, current), 60) if spec.is_open(m)]
        rows: list[Row] = []
        if minutes:
            arr = np.asarray(minutes, dtype=np.int64)
            o, h, lo, cl, v = self._full_minutes(name, arr)
            rows = [(m, float(o[i]), float(h[i]), float(lo[i]), float(cl[i]), int(v[i]))
                    for i, m in enumerate(minutes)]  # fmt: skip
        if start <= current < end and spec.is_open(current):
            rows.append(self._current_minute(name, current, now, close))
        return merge(rows, start)

    def _fill_hours(self, name: str, hours: list[int]) -> None:
        """Aggregate the completed, open `hours` missing from the cache, in one numpy pass."""
        import numpy as np

        spec = self._specs[name]
        todo = [h for h in hours if (name, h) not in self._hours]
        if not todo:
            return
        if len(self._hours) > _HOUR_CACHE_MAX:
            self._hours.clear()
        open_hours = [h for h in todo if spec.is_open(h)]
        for h in todo:
            self._hours[(name, h)] = None
        if not open_hours:
            return
        # in chunks: arrays that fit the CPU caches are faster than one huge pass
        for k in range(0, len(open_hours), _HOURS_PER_PASS):
            chunk = open_hours[k : k + _HOURS_PER_PASS]
            starts = np.asarray(chunk, dtype=np.int64)[:, None] + np.arange(0, 3600, 60)
            o, hi, lo, cl, v = self._full_minutes(name, starts)
            highs, lows, vols = hi.max(1), lo.min(1), v.sum(1)
            for i, h in enumerate(chunk):
                self._hours[(name, h)] = (h, float(o[i, 0]), float(highs[i]), float(lows[i]),
                                          float(cl[i, -1]), int(vols[i]))  # fmt: skip

    def _hours_row(self, name: str, start: int, end: int, now: int, close: float) -> Row | None:
        """One bar of whole hours [start, end): completed hours from the cache, the current
        hour from its minutes."""
        current_hour = now // 3600 * 3600
        done = list(range(start, min(end, current_hour), 3600))
        self._fill_hours(name, done)
        rows = [r for r in (self._hours[(name, h)] for h in done) if r is not None]
        if start <= current_hour < end:
            part = self._minutes_row(name, current_hour, current_hour + 3600, now, close)
            if part is not None:
                rows.append(part)
        return merge(rows, start)

    def _short_rows(
        self, name: str, starts: list[int], length: int, now: int, close: float
    ) -> list[Row]:
        """Bars shorter than an hour: the completed ones from one numpy pass over all their
        minutes (a bar lies inside one hour, so it is open throughout), the current one from
        its minutes so far."""
        import numpy as np

        current = now // 60 * 60
        done = [s for s in starts if s + length <= current]
        out: list[Row] = []
        if done:
            minutes = np.asarray(done, dtype=np.int64)[:, None] + np.arange(0, length, 60)
            o, hi, lo, cl, v = self._full_minutes(name, minutes)
            highs, lows, vols = hi.max(1), lo.min(1), v.sum(1)
            out = [(s, float(o[i, 0]), float(highs[i]), float(lows[i]), float(cl[i, -1]),
                    int(vols[i])) for i, s in enumerate(done)]  # fmt: skip
        for start in starts[len(done) :]:
            row = self._minutes_row(name, start, start + length, now, close)
            if row is not None:
                out.append(row)
        return out

    def rows(
        self, name: str, timeframe: int, starts: list[int], *, now: int, close: float
    ) -> list[Row]:
        """The bars opening at `starts` (from `starts_*`); `close` is the current bid."""
        length = _consts.timeframe_seconds(timeframe)
        if length is not None and length < 3600:
            return self._short_rows(name, starts, length, now, close)
        bounds: list[tuple[int, int]] = []
        for start in starts:
            if timeframe == c.TIMEFRAME_MN1:
                d = datetime.fromtimestamp(start, UTC)
                bounds.append((start, _month_start(d.year, d.month)))
            else:
                assert length is not None  # noqa: S101 - a known timeframe
                bounds.append((start, start + length))
        # every completed hour of every bar in one numpy pass, then each bar from its hours
        current_hour = now // 3600 * 3600
        self._fill_hours(name, [h for a, b in bounds for h in range(a, min(b, current_hour), 3600)])
        out: list[Row] = []
        for start, end in bounds:
            row = self._hours_row(name, start, end, now, close)
            if row is not None:
                out.append(row)
        return out


def merge(rows: list[Row], start: int) -> Row | None:
    """One bar from consecutive smaller ones: open of the first, highest high, lowest low,
    close of the last, summed tick volume; None when there are none."""
    if not rows:
        return None
    return (start, rows[0][1], max(r[2] for r in rows), min(r[3] for r in rows), rows[-1][4],
            sum(r[5] for r in rows))  # fmt: skip


def as_array(rows: list[Row], spread: int) -> Any:
    """The rates as the real package returns them: a numpy structured array."""
    import numpy as np

    return np.array([(*r, spread, 0) for r in rows], dtype=_DTYPE)


__all__ = ["HISTORY_DAYS", "MAX_BARS", "BarHistory", "as_array", "known_timeframe"]
