"""`tradechat chat`: talk to the bot in this terminal — the embedded default.

The local user is platform "console", user "local", an admin. Buttons are shown as numbered
choices (`[1] ✅ 确认  [2] ❌ 取消`); typing a bare number presses that button of the last
message that had buttons. Charts are written to `<data_dir>/out/*.png` and their paths printed.

On a terminal it is an interactive chat with a prompt; when stdin is not a terminal it reads
one message per line, echoes it and prints the answers, so it can be scripted:

    printf '余额\\n下单0.01手黄金\\n1\\n持仓\\n' | tradechat chat

stdin is read on a daemon thread, so the event loop never blocks and Ctrl-C / EOF exit cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.settings import Settings
from handlers.messages import Button, Incoming, Outgoing

log = logging.getLogger(__name__)

PLATFORM = "console"
USER = "local"
_NUMBER = re.compile(r"^\s*\[?(\d{1,2})\]?\s*$")

Handle = Callable[[Incoming], Awaitable[list[Outgoing]]]


class ConsoleSession:
    """Turns typed lines into `Incoming` and `Outgoing` into printed text."""

    def __init__(self, handle: Handle, out_dir: Path, stream: TextIO | None = None) -> None:
        self.handle = handle
        self.out_dir = out_dir
        self.stream = stream or sys.stdout
        self.buttons: list[Button] = []
        self._seq = 0
        self._images = 0

    def _print(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    def incoming(self, line: str) -> Incoming | None:
        text = line.strip()
        if not text:
            return None
        m = _NUMBER.match(text)
        if m and self.buttons:
            n = int(m.group(1))
            if 1 <= n <= len(self.buttons):
                pressed = self.buttons[n - 1]
                return Incoming(
                    platform=PLATFORM,
                    chat_id=USER,
                    user_id=USER,
                    user_name=USER,
                    button_id=pressed.id,
                    message_id=str(self._seq),
                )
        return Incoming(platform=PLATFORM, chat_id=USER, user_id=USER, user_name=USER, text=text)

    async def send(self, line: str) -> list[Outgoing]:
        inc = self.incoming(line)
        if inc is None:
            return []
        out = await self.handle(inc)
        # a number only ever presses a button of the latest answer: once anything else has
        # been said, "1" is an ordinary message again (e.g. the answer to "多少手？")
        self.buttons = []
        for o in out:
            self.show(o)
        return out

    def show(self, o: Outgoing) -> None:
        self._seq += 1
        prefix = "↳ " if o.edit_of is not None else ""
        self._print(prefix + o.text)
        for img in o.images:
            path = self._write_image(img.data, img.name)
            caption = f" {img.caption}" if img.caption else ""
            self._print(f"🖼  {path}{caption}")
        if o.buttons:
            self.buttons = list(o.buttons)
            self._print("  ".join(f"[{i}] {b.label}" for i, b in enumerate(o.buttons, 1)))
        self._print()

    def _write_image(self, data: bytes, name: str) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._images += 1
        stem = Path(name).stem or "chart"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - a local file name
        path = self.out_dir / f"{stamp}-{self._images:02d}-{stem}.png"
        path.write_bytes(data)
        return path


def _start_reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Read stdin on a daemon thread (never blocks the loop, never blocks exit)."""

    def run() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=run, name="console-stdin", daemon=True).start()


async def console_loop(
    conversation: Any, settings: Settings, *, interactive: bool | None = None
) -> int:
    """Chat on stdin/stdout until EOF, "exit"/"quit" or Ctrl-C. Used by `chat` and `run`."""
    tty = sys.stdin.isatty() if interactive is None else interactive
    session = ConsoleSession(conversation.handle, settings.app.data_dir / "out")
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    _start_reader(asyncio.get_running_loop(), queue)
    zh = settings.app.language == "zh"
    if tty:
        print(
            "tradechat — 直接输入消息，“帮助”查看示例，exit 退出。"
            if zh
            else "tradechat — type a message, “help” for examples, exit to leave.",
            flush=True,
        )
    while True:
        if tty:
            print("你> " if zh else "you> ", end="", flush=True)
        line = await queue.get()
        if line is None:
            if tty:
                print()
            return 0
        if line.strip().lower() in ("exit", "quit", "/exit", "/quit", "退出"):
            return 0
        if not tty and line.strip():
            print(f"» {line.strip()}", flush=True)
        await session.send(line)


async def run_chat(settings: Settings) -> int:
    """`tradechat chat`: the conversation of `tradechat run` without platforms or scheduler."""
    from bot.app import build_app, close_app

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app = await build_app(settings)
    except Exception as exc:
        print(f"tradechat: cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        return await console_loop(app.conversation, settings)
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 130
    finally:
        await close_app(app)
