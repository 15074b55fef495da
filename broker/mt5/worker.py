"""The one thread that talks to the terminal, with a deadline on every call.

The MetaTrader5 module is one process-wide connection, is not thread-safe, and every call
blocks (IPC to the terminal, or a network round trip for mt5linux). All calls go through one
`Worker`: a dedicated thread fed by a queue, awaited from the event loop, so calls never
overlap and the loop never blocks. A sequence that must not be interleaved (fresh tick →
order_send → retry) is submitted as one function, so it runs back to back on the thread.

Deadlines. Every `call` has a deadline, counted from when it was asked for (what the caller
waits for). When it passes:
- a call still waiting in the queue is taken out of it and never runs (`CallNotStarted`);
- a call already running cannot be stopped — Python cannot kill a thread, and the terminal
  may be about to execute an order — so it is *abandoned* (`CallAbandoned`): the caller is
  freed at once, the thread is left to finish on its own, its late answer goes to
  `on_late_return` (logged; for a trade, the order may have executed), and the calls queued
  behind it are refused with `TerminalStuck`. The next call starts a fresh thread.
- Abandoned threads are bounded: while `max_abandoned` of them are still running, every call
  is refused at once with `TerminalStuck` and nothing touches the API object. With the default
  of one, no second thread ever calls the terminal while a call is stuck in it — the only safe
  choice for the MetaTrader5 module — and the terminal counts as away until the stuck call
  returns (`stuck`; `MT5Broker` and the supervisor build "terminal away" on that).

`queue_wait_s` lets a caller that has somewhere else to go (a snapshot answer) give up sooner
when the thread is busy: a call that has not *started* within it is taken out of the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

LateReturn = Callable[[str, object, BaseException | None], None]


class WorkerBusy(Exception):
    """A call the worker could not complete in time; `started` says whether it ran at all."""

    started = False


class CallNotStarted(WorkerBusy):
    """The thread was busy until the caller gave up: the call never ran."""


class TerminalStuck(WorkerBusy):
    """An abandoned call is still running in the terminal: nothing else may call it."""


class CallAbandoned(WorkerBusy):
    """The call ran past its deadline and was abandoned; it may still finish (and take effect)."""

    started = True


class _State(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"


@dataclass(eq=False)
class _Job:
    fn: Callable[[], Any]
    label: str
    loop: asyncio.AbstractEventLoop
    done: asyncio.Future[Any]
    started: asyncio.Future[None]
    state: _State = _State.QUEUED
    lane: _Lane | None = None  # the thread it was queued on

    def settle(self, fut: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
        """Resolve `fut` on the job's loop (callable from any thread)."""

        def resolve() -> None:
            if fut.done():
                return
            if error is not None:
                fut.set_exception(error)
            else:
                fut.set_result(value)

        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            self.loop.call_soon_threadsafe(resolve)


@dataclass(eq=False)
class _Lane:
    """One thread and its queue. Retired (and left to finish) when its running job is abandoned."""

    jobs: queue.SimpleQueue[_Job | None] = field(default_factory=queue.SimpleQueue)
    running: _Job | None = None
    thread: threading.Thread | None = None


class Worker:
    def __init__(
        self,
        name: str = "mt5-worker",
        *,
        max_abandoned: int = 1,
        on_late_return: LateReturn | None = None,
    ) -> None:
        self._name = name
        self._max_abandoned = max(1, int(max_abandoned))
        self.on_late_return = on_late_return
        self._lock = threading.Lock()
        self._lane: _Lane | None = None
        self._abandoned: list[_Lane] = []
        self._local = threading.local()
        self._count = 0

    # ---------------------------------------------------------------- state

    @property
    def stuck(self) -> bool:
        """True while `max_abandoned` abandoned calls are still running: calls are refused."""
        with self._lock:
            return len(self._abandoned) >= self._max_abandoned

    @property
    def abandoned_running(self) -> int:
        with self._lock:
            return len(self._abandoned)

    def running_label(self) -> str | None:
        """The label of the call running on the current thread (None when idle)."""
        with self._lock:
            lane = self._lane
            job = lane.running if lane is not None else None
            return job.label if job is not None else None

    def on_worker_thread(self) -> bool:
        return getattr(self._local, "worker", None) is self

    # ---------------------------------------------------------------- calling

    async def call(
        self,
        fn: Callable[..., T],
        *args: Any,
        deadline_s: float = 120.0,
        queue_wait_s: float | None = None,
        label: str = "",
    ) -> T:
        """Run `fn(*args)` on the worker thread and await its result, for at most `deadline_s`
        (see the module docstring for what happens after). Raises `WorkerBusy` subclasses."""
        loop = asyncio.get_running_loop()
        job = _Job(
            lambda: fn(*args),
            label or getattr(fn, "__name__", "call"),
            loop,
            loop.create_future(),
            loop.create_future(),
        )
        self._submit(job)
        started_at = time.monotonic()
        try:
            if queue_wait_s is not None and queue_wait_s < deadline_s:
                await asyncio.wait({job.started, job.done}, timeout=queue_wait_s)
                if self._give_up(job, abandon=False):
                    raise CallNotStarted(job.label)
            left = deadline_s - (time.monotonic() - started_at)
            await asyncio.wait({job.done}, timeout=max(0.0, left))
            if self._give_up(job, abandon=True):
                if job.state is _State.ABANDONED:
                    raise CallAbandoned(job.label)
                raise CallNotStarted(job.label)
            return await job.done  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            self._give_up(job, abandon=False)  # a queued call of a cancelled caller never runs
            raise

    def _submit(self, job: _Job) -> None:
        with self._lock:
            if len(self._abandoned) >= self._max_abandoned:
                raise TerminalStuck(job.label)
            lane = self._lane
            if lane is None or lane.thread is None:
                lane = self._lane = _Lane()
                self._count += 1
                lane.thread = threading.Thread(
                    target=self._serve,
                    args=(lane,),
                    name=f"{self._name}-{self._count}",
                    daemon=True,
                )
                lane.thread.start()
            job.lane = lane
            lane.jobs.put(job)

    def _give_up(self, job: _Job, *, abandon: bool) -> bool:
        """Stop waiting for `job` unless it has finished: a queued job is cancelled; a running
        one is abandoned when `abandon` (else it is left running). True when given up."""
        with self._lock:
            if job.state is _State.QUEUED:
                job.state = _State.CANCELLED
                return True
            if job.state is not _State.RUNNING or not abandon:
                return False
            job.state = _State.ABANDONED
            self._retire(job.lane)
        log.warning("terminal call %s passed its deadline and was abandoned", job.label)
        return True

    def _retire(self, lane: _Lane | None) -> None:
        """(Under the lock.) `lane`'s thread is stuck: leave it to finish, refuse what was
        queued behind it, and let the next call start a fresh thread."""
        if lane is None or lane in self._abandoned:
            return
        if self._lane is lane:
            self._lane = None
        self._abandoned.append(lane)
        while True:
            try:
                queued = lane.jobs.get_nowait()
            except queue.Empty:
                break
            if queued is not None and queued.state is _State.QUEUED:
                queued.state = _State.CANCELLED
                queued.settle(queued.done, None, TerminalStuck(queued.label))
        lane.jobs.put(None)  # the thread exits when the stuck call returns

    # ---------------------------------------------------------------- the thread

    def _serve(self, lane: _Lane) -> None:
        self._local.worker = self
        while True:
            job = lane.jobs.get()
            if job is None:
                return
            with self._lock:
                if job.state is not _State.QUEUED:
                    continue
                job.state = _State.RUNNING
                lane.running = job
            job.settle(job.started, None, None)
            value, error = self._run(job)
            with self._lock:
                late = job.state is _State.ABANDONED
                if not late:
                    job.state = _State.DONE
                lane.running = None
            if late:
                self._late(lane, job, value, error)
                return
            job.settle(job.done, value, error)

    @staticmethod
    def _run(job: _Job) -> tuple[Any, BaseException | None]:
        try:
            return job.fn(), None
        # Delivered to the caller, who raised it in the first place. BaseException too: a
        # SystemExit or KeyboardInterrupt on this thread must reach the caller (who decides to
        # stop), not end the thread with the job never settled and its caller waiting.
        except BaseException as exc:
            return None, exc

    def _late(self, lane: _Lane, job: _Job, value: Any, error: BaseException | None) -> None:
        """An abandoned call came back: free its slot, then tell whoever listens."""
        with self._lock:
            if lane in self._abandoned:
                self._abandoned.remove(lane)
        log.warning("abandoned terminal call %s returned after its deadline", job.label)
        if self.on_late_return is not None:
            try:
                self.on_late_return(job.label, value, error)
            except Exception:  # a listener's bug must not kill the thread's exit path
                log.exception("on_late_return failed")

    def shutdown(self, wait: bool = True) -> None:
        """Stop the thread (after the queued calls when `wait`); a later `call` starts a new one.
        Abandoned threads are left to finish on their own (they are daemon threads)."""
        with self._lock:
            lane, self._lane = self._lane, None
        if lane is None or lane.thread is None:
            return
        if not wait:
            with self._lock:
                while True:
                    try:
                        queued = lane.jobs.get_nowait()
                    except queue.Empty:
                        break
                    if queued is not None and queued.state is _State.QUEUED:
                        queued.state = _State.CANCELLED
                        queued.settle(queued.done, None, CallNotStarted(queued.label))
        lane.jobs.put(None)
        if wait and lane.thread is not threading.current_thread():
            lane.thread.join()
