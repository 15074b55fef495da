"""`tradechat chat`: the conversation of `tradechat run` on the console platform only — no
other platforms and no scheduler, but the same terminal supervisor: started while the terminal
is down it connects when the terminal comes up, and after a terminal restart it reconnects
(while the terminal is away the conversation says so and trades nothing)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from bot.build import App, build_app, close_app, platform_parts, setup_logging
from bot.cli.startup import is_first_run, where_line
from bot.logs import close_logging
from bot.platforms import console
from bot.platforms.base import Platform
from bot.settings import ConfigError, Settings
from broker.errors import BrokerError
from handlers.broker_text import note_text
from store.migrations import MigrationError


async def run_chat(settings: Settings, *, settings_file: Path | None = None) -> int:
    where = where_line(settings, settings_file)
    if is_first_run(settings):  # the console shows only warnings: said here, once
        print(where, file=sys.stderr)
    # the console is the chat here: only warnings on it, everything in data/logs/chat.log
    setup_logging(settings, "chat")
    logging.getLogger("tradechat").info("%s", where)
    for handler in logging.getLogger().handlers:
        if not isinstance(handler, logging.FileHandler):
            handler.setLevel(logging.WARNING)
    try:
        try:
            app = await build_app(settings)
        except Exception as exc:
            why = note_text(exc.note, "en") if isinstance(exc, BrokerError) else exc
            print(f"tradechat: cannot start: {why}", file=sys.stderr)
            # exit 2: the settings or the database must change before a restart can help
            return 2 if isinstance(exc, MigrationError | ConfigError) else 1
        stop = asyncio.Event()
        chat = console.create(platform_parts(app, console=True, request_stop=stop.set), settings)
        if chat is None:  # `console=True` always makes one; closed all the same
            await close_app(app)
            return 1
        return await chat_until_stopped(app, chat, stop)
    finally:
        close_logging()


async def chat_until_stopped(app: App, chat: Platform, stop: asyncio.Event) -> int:
    """Run `chat` on `app` until `stop` is set (the console's exit or end of input), with the
    terminal supervisor running as under `tradechat run`; the console joins the fan-out, so
    the supervisor's "terminal lost / back" alerts reach it like any other platform. Closes
    the chat and the app."""
    try:
        await chat.start()
        app.fanout.add(chat)
        app.supervisor.start()
        await stop.wait()
        return 0
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 130
    finally:
        await chat.stop()
        await close_app(app)
