"""Deterministic, stateless price paths: the same seed gives the same price at any moment.

The log price is a sum of value-noise layers whose lengths grow by 4× from 15 s to ~45 days
and whose amplitudes grow with the square root of the length, so that returns over any
horizon have roughly Brownian variance (``daily_vol`` per day) while the price stays near the
symbol's base level forever. Any instant can be evaluated in O(layers) without replaying
history, which is what a restartable paper terminal needs.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from broker.paper.specs import Spec

_MASK = (1 << 64) - 1
_LAYERS = tuple(15 * 4**k for k in range(10))  # 15 s … 3 932 160 s (≈ 45 days)
_CALIBRATION = 1.12  # makes the one-day return standard deviation ≈ daily_vol


def _mix(x: int) -> int:
    """splitmix64 finaliser: a well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class PricePath:
    """The mid price of one symbol as a function of UTC epoch seconds."""

    __slots__ = ("_amps", "_base", "_keys", "_last_mid", "_last_t")

    def __init__(self, spec: Spec, seed: int) -> None:
        digest = hashlib.blake2b(f"{seed}:{spec.name}".encode(), digest_size=8).digest()
        root = int.from_bytes(digest, "little")
        self._keys = tuple(_mix(root ^ (k * 0x632BE59BD9B4E019)) for k in range(len(_LAYERS)))
        self._amps = tuple(
            _CALIBRATION * spec.daily_vol * math.sqrt(length / 86_400.0) for length in _LAYERS
        )
        self._base = spec.base_price
        self._last_t = math.nan
        self._last_mid = 0.0

    def mid(self, t: float) -> float:
        if t == self._last_t:
            return self._last_mid
        total = 0.0
        for length, key, amp in zip(_LAYERS, self._keys, self._amps, strict=True):
            pos = t / length
            i = math.floor(pos)
            frac = pos - i
            a = _mix(key ^ (i & _MASK)) / 9223372036854775808.0 - 1.0
            b = _mix(key ^ ((i + 1) & _MASK)) / 9223372036854775808.0 - 1.0
            # smoothstep keeps the path free of visible kinks at layer boundaries
            w = frac * frac * (3.0 - 2.0 * frac)
            total += amp * (a + (b - a) * w)
        value = self._base * math.exp(total)
        self._last_t = t
        self._last_mid = value
        return value

    def mids(self, ts: Any) -> Any:
        """`mid` at every time of the numpy array `ts` at once (for bars): the same layers
        and hash in numpy's wrapping uint64 arithmetic, so a bar agrees with the quote."""
        import numpy as np

        t = np.asarray(ts, dtype=np.float64)
        total = np.zeros_like(t)
        for length, key, amp in zip(_LAYERS, self._keys, self._amps, strict=True):
            pos = t / length
            i = np.floor(pos)
            frac = pos - i
            idx = i.astype(np.int64).astype(np.uint64)
            a = _mix_array(np.uint64(key) ^ idx) / 9223372036854775808.0 - 1.0
            b = _mix_array(np.uint64(key) ^ (idx + np.uint64(1))) / 9223372036854775808.0 - 1.0
            w = frac * frac * (3.0 - 2.0 * frac)
            total += amp * (a + (b - a) * w)
        return self._base * np.exp(total)


def _mix_array(x: Any) -> Any:
    """`_mix` over a numpy uint64 array (multiplication wraps modulo 2**64, as the mask does)."""
    import numpy as np

    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))
