"""A TCP proxy on 127.0.0.1 that stands for the network between two machines: every chunk
waits `delay_s` each way (a simulated link's one-way latency, for `bench/bench_remote.py`),
and `drop_replies(n)` cuts the connection that carries each of the next `n` replies: the
request went through and the server acted on it, but its answer never arrives — a reply lost on the way, after the server acted on the request.

It forwards bytes and knows nothing of HTTP; with `delay_s` a request/response pair costs one
round trip of 2 × `delay_s`, as on a real link."""

from __future__ import annotations

import asyncio
import contextlib


class _Dropped(Exception):
    pass


class TcpProxy:
    def __init__(self, target_port: int, *, delay_s: float = 0.0) -> None:
        self.target_port = target_port
        self.delay_s = delay_s
        self.port = 0
        self.connections = 0
        self._drop = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def drop_replies(self, n: int = 1) -> None:
        self._drop += n

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await task

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            self._tasks.discard(task)
            return
        try:
            await asyncio.gather(self._pipe(reader, up_w), self._pipe(up_r, writer, reply=True))
        except (OSError, asyncio.IncompleteReadError, _Dropped):
            pass
        except asyncio.CancelledError:  # stop(): end quietly (the server reads our result)
            pass
        finally:
            for w in (writer, up_w):
                w.close()
                with contextlib.suppress(OSError, asyncio.CancelledError):
                    await w.wait_closed()
            self._tasks.discard(task)

    async def _pipe(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, reply: bool = False
    ) -> None:
        """Bytes from `src` to `dst`, each chunk delivered `delay_s` after it was read
        (pipelined: chunks in flight overlap, as on a wire)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    return
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                dst.write(data)
                await dst.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while data := await src.read(65536):
                if reply and self._drop > 0:  # the server answered; this answer is lost
                    self._drop -= 1
                    raise _Dropped
                queue.put_nowait((loop.time() + self.delay_s, data))
            queue.put_nowait((loop.time() + self.delay_s, b""))
            await sender
        finally:
            sender.cancel()
        with contextlib.suppress(OSError):
            dst.write_eof()
