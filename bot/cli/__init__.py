"""`tradechat [--config PATH] <command>`: the one entry point.

Each command lives in its own module here and takes its parts from the composition root
(`bot/build.py`); this file only parses arguments. Command modules are imported when chosen,
so `tradechat parse` never loads the scheduler or a chat library."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.settings import ConfigError, Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tradechat", description="MetaTrader 5 chat assistant")
    p.add_argument("--config", help="settings file (default: $TRADECHAT_CONFIG or settings.toml)")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="start every configured platform and the scheduler")
    sub.add_parser("chat", help="chat with the bot in this terminal")
    sub.add_parser("check-config", help="validate the settings file")

    pp = sub.add_parser("parse", help="print the intent of a message as JSON")
    pp.add_argument("--engine", choices=["rules", "llm", "auto"], default=None)
    pp.add_argument("--jsonl", action="store_true", help='read {"text": …} lines on stdin')
    pp.add_argument("text", nargs="*")

    dh = sub.add_parser("demo-history", help="seed the paper terminal with EA history")
    dh.add_argument("--days", type=int, default=60)

    au = sub.add_parser("audit", help="print the audit log")
    au.add_argument("--since", help="ISO date/time or e.g. 2h, 3d")
    au.add_argument("--user", help="user id")
    au.add_argument("--limit", type=int, default=200)

    rp = sub.add_parser("report", help="print a report and write its charts")
    rp.add_argument("kind", choices=["daily", "weekly", "monthly", "hedge"])
    rp.add_argument("--date", help="a day inside the period, YYYY-MM-DD (default: now)")
    rp.add_argument("--out", help="folder for the PNG charts and the Markdown report")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"tradechat: {exc}", file=sys.stderr)
        return 2
    try:
        return _dispatch(args, settings)
    except ConfigError as exc:  # found while starting, e.g. a listener without its secret
        print(f"tradechat: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    cmd = args.command
    if cmd == "check-config":
        from bot.cli.check_config import run_check_config

        return run_check_config(settings, args.config)
    if cmd == "parse":
        from bot.cli.parse import run_parse

        return run_parse(settings, engine=args.engine, text=" ".join(args.text), jsonl=args.jsonl)
    if cmd == "demo-history":
        from bot.cli.paper import run_demo_history

        return run_demo_history(settings, days=args.days)
    if cmd == "audit":
        from bot.cli.audit import run_audit

        return asyncio.run(run_audit(settings, since=args.since, user=args.user, limit=args.limit))
    if cmd == "report":
        from bot.cli.report import run_report

        return asyncio.run(run_report(settings, kind=args.kind, date=args.date, out=args.out))
    if cmd == "chat":
        from bot.cli.chat import run_chat

        return asyncio.run(run_chat(settings))
    if cmd == "run":
        from bot.cli.run import run_app

        return asyncio.run(run_app(settings))
    raise ValueError(f"unknown command {cmd!r}")  # argparse allows only the ones above
