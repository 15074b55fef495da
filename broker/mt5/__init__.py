"""`MT5Broker` and its rooms: the async face, the worker-side session, order sending,
retcodes, the worker thread, the supervisor and the loader of the MetaTrader5 module."""

from __future__ import annotations

from broker.mt5.broker import TIMEFRAMES, MT5Broker, clean_comment, filling_from_mask

__all__ = ["TIMEFRAMES", "MT5Broker", "clean_comment", "filling_from_mask"]
