"""The console platform: talk to the bot in this terminal — the embedded default.

The local user is platform "console", user "local", an admin. Buttons are shown as numbered
choices (`[1] ✅ 确认  [2] ❌ 取消`); typing a bare number presses that button of the last
message that had buttons. Charts are written to `<data_dir>/out/*.png` and their paths printed.

On a terminal it is an interactive chat with a prompt; when stdin is not a terminal it reads
one message per line, echoes it and prints the answers, so it can be scripted:

    printf '余额\\n下单0.01手黄金\\n1\\n持仓\\n' | tradechat chat

It has the shape of every platform (`start`, `stop`, `send`, `caps`, `create`) and goes through
the same plumbing (bot/platforms/base.py): lines are handled one after another, in order, and a
push prints like an answer. stdin is read on a daemon thread, so the event loop never blocks and
Ctrl-C / EOF exit cleanly; `tradechat run` opens it when stdin is a terminal, `tradechat chat`
always.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.platforms.base import Handle, PlatformParts, Plumbing
from bot.settings import Settings
from handlers.i18n import t
from handlers.messages import Button, Incoming, Lang, Outgoing, PlatformCaps

log = logging.getLogger(__name__)

PLATFORM = "console"
USER = "local"
_NUMBER = re.compile(r"^\s*\[?(\d{1,2})\]?\s*$")
_EXIT = frozenset({"exit", "quit", "/exit", "/quit", "退出"})

# Buttons are shown as numbered choices by the session itself, so they stay "native" here.
CONSOLE_CAPS = PlatformCaps(buttons="native", max_text=1_000_000, image_mode="bytes", push="always")


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


def _start_reader(
    loop: asyncio.AbstractEventLoop, lines: Iterable[str], on_line: Callable[[str | None], None]
) -> None:
    """Read `lines` (stdin) on a daemon thread (never blocks the loop, never blocks exit);
    `on_line(None)` at the end."""

    def run() -> None:
        try:
            for line in lines:
                loop.call_soon_threadsafe(on_line, line)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(on_line, None)

    threading.Thread(target=run, name="console-stdin", daemon=True).start()


class ConsolePlatform:
    """stdin lines in, printed answers out. Ends the process (`request_stop`) at EOF or when
    the user types exit, after the answers to everything typed before."""

    name = PLATFORM
    caps = CONSOLE_CAPS

    def __init__(
        self,
        handle: Handle,
        out_dir: Path,
        *,
        lang: Lang = "zh",
        request_stop: Callable[[], None] = lambda: None,
        interactive: bool | None = None,
        lines: Iterable[str] | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.plumbing = Plumbing(self.name, handle)
        self.session = ConsoleSession(self.plumbing.answer, out_dir, stream)
        self._lang: Lang = lang
        self._request_stop = request_stop
        self._tty = sys.stdin.isatty() if interactive is None else interactive
        self._lines = lines
        self._closing = False

    def _print(self, text: str, end: str = "\n") -> None:
        print(text, end=end, file=self.session.stream, flush=True)

    async def start(self) -> None:
        if self._tty:
            self._print(t(self._lang, "console_greeting"))
            self._print(t(self._lang, "console_prompt"), end="")
        lines = self._lines if self._lines is not None else sys.stdin
        _start_reader(asyncio.get_running_loop(), lines, self._on_line)

    async def stop(self) -> None:
        self._closing = True
        await self.plumbing.close()

    async def send(self, chat_id: str, out: Outgoing) -> None:
        """Print one message (a push, or an answer): printing is the one attempt."""
        self.session.show(out)

    def _on_line(self, line: str | None) -> None:
        if self._closing:
            return
        if line is None or line.strip().lower() in _EXIT:
            # after the answers to everything typed before
            self._closing = True
            self.plumbing.submit(USER, self._end)
            return
        self.plumbing.submit(USER, lambda: self._answer(line))

    async def _answer(self, line: str) -> None:
        if not self._tty and line.strip():
            self._print(f"» {line.strip()}")
        await self.session.send(line)
        if self._tty:
            self._print(t(self._lang, "console_prompt"), end="")

    async def _end(self) -> None:
        if self._tty:
            self._print("")
        self._request_stop()


def create(parts: PlatformParts, settings: Settings) -> ConsolePlatform | None:
    """The console when `parts.console` says so (None: when stdin is a terminal)."""
    wanted = sys.stdin.isatty() if parts.console is None else parts.console
    if not wanted:
        return None
    return ConsolePlatform(
        parts.handle,
        settings.app.data_dir / "out",
        lang=settings.app.language,
        request_stop=parts.request_stop,
    )
