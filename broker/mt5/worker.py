"""The one thread that talks to the terminal.

The MetaTrader5 module is not thread-safe and every call blocks (IPC to the terminal, or a network
round trip for mt5linux). All calls go through one `Worker`: a single dedicated thread, awaited
from the event loop with `run_in_executor`, so calls never overlap and the loop never blocks.
A sequence that must not be interleaved (fresh tick → order_send → retry) is submitted as one
function, so it runs back to back on the worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class Worker:
    def __init__(self, name: str = "mt5-worker") -> None:
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._thread_id: int | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
            return self._executor

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn(*args, **kwargs)` on the worker thread and await its result."""
        loop = asyncio.get_running_loop()
        job = functools.partial(self._run, fn, *args, **kwargs)
        return await loop.run_in_executor(self._pool(), job)

    def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self._thread_id = threading.get_ident()
        return fn(*args, **kwargs)

    def on_worker_thread(self) -> bool:
        return self._thread_id is not None and self._thread_id == threading.get_ident()

    def shutdown(self, wait: bool = True) -> None:
        """Stop the thread (after the queued calls when `wait`); a later `call` starts a new one."""
        with self._lock:
            executor, self._executor = self._executor, None
        self._thread_id = None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=not wait)
