"""`tradechat [--config PATH] <command>`: the one entry point.

Each command lives in its own module here and takes its parts from the composition root
(`bot/build.py`); this file parses arguments and refuses to start what would surprise: a
command that uses the account (`run`, `api`, `chat`, `report`, `audit`, `db`, `demo-history`) needs
its settings file (unless `--paper-demo`), and the problems `check-config` finds that concern
it (`bot/config_checks.py`). Command modules are imported when chosen, so `tradechat parse`
never loads the scheduler or a chat library."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.settings import ConfigError, Settings, config_path, load_settings, paper_demo

# Commands that use the account or its database refuse to start without the settings file;
# `parse`, `logs`, `service` and `init` do not need one.
NEEDS_FILE = frozenset(
    {"run", "api", "mcp", "chat", "report", "audit", "db", "demo-history", "check-config"}
)
DEMO = "--paper-demo"


def _version() -> str:
    try:
        return version("tradechat")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tradechat", description="MetaTrader 5 chat assistant")
    p.add_argument("--config", help="settings file (default: $TRADECHAT_CONFIG or settings.toml)")
    p.add_argument("--version", action="version", version=f"tradechat {_version()}")
    sub = p.add_subparsers(dest="command", required=True)

    it = sub.add_parser("init", help="write a commented settings.toml into a folder")
    it.add_argument("folder", nargs="?", default=".", help="where (default: this folder)")

    lg = sub.add_parser("logs", help="print the end of the log file")
    lg.add_argument("--tail", type=int, default=50, metavar="N", help="lines (default 50)")
    lg.add_argument("--file", default="tradechat.log", help="log file name (default: run's)")

    from bot.service import add_arguments as service_arguments

    service_arguments(sub.add_parser("service", help="the Windows service (WinSW)"))

    demo_help = "the paper terminal, no chat platform, no settings file needed (a demo)"
    sub.add_parser("run", help="start every configured platform and the scheduler").add_argument(
        DEMO, action="store_true", help=demo_help
    )
    sub.add_parser("chat", help="chat with the bot in this terminal").add_argument(
        DEMO, action="store_true", help=demo_help
    )
    sub.add_parser("api", help="serve the REST + WebSocket gateway alone (docs/gateway.md)")
    mc = sub.add_parser("mcp", help="serve the MCP server for AI assistants (docs/mcp.md)")
    mc.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    mc.add_argument(DEMO, action="store_true", help=demo_help + "; read tools only")
    sub.add_parser("check-config", help="validate the settings and what run needs")

    db = sub.add_parser("db", help="the database: its schema revision, upgrade, backup copy")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("current", help="the revision the database is at, and the newest")
    db_sub.add_parser("upgrade", help="bring the database to the newest revision")
    bk = db_sub.add_parser("backup", help="a consistent copy of the SQLite file")
    bk.add_argument("--out", help="the copy's file (default: beside the database, dated)")

    pp = sub.add_parser("parse", help="print the intent of a message as JSON")
    pp.add_argument("--engine", choices=["rules", "llm", "auto"], default=None)
    pp.add_argument("--jsonl", action="store_true", help='read {"text": …} lines on stdin')
    pp.add_argument("--explain", action="store_true", help="say which words set what, and why")
    pp.add_argument("text", nargs="*")

    dh = sub.add_parser("demo-history", help="seed the paper terminal with EA history")
    dh.add_argument("--days", type=int, default=60)

    au = sub.add_parser("audit", help="print the audit log")
    au.add_argument("--since", help="ISO date/time or e.g. 2h, 3d")
    au.add_argument("--user", help="user id")
    au.add_argument("--limit", type=int, default=200)
    au.add_argument(DEMO, action="store_true", help="the audit log of the paper demo")

    rp = sub.add_parser("report", help="print a report and write its charts")
    rp.add_argument("kind", choices=["daily", "weekly", "monthly", "hedge"])
    rp.add_argument("--date", help="a day inside the period, YYYY-MM-DD (default: now)")
    rp.add_argument("--out", help="folder for the PNG charts and the Markdown report")
    rp.add_argument(DEMO, action="store_true", help="a report of the paper demo's account")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    # Before anything prints: a redirected Windows console (GBK, cp1252) must never crash on
    # an emoji, a "»" or a Chinese name.
    from bot.textio import setup_console

    setup_console()
    args = _parser().parse_args(argv)
    if args.command == "init":  # writes the settings file, so it must not need one
        from bot.init_config import run_init

        return run_init(Path(args.folder), sys.stdout)
    try:
        settings = _settings(args)
        refusal = _refusal(args, settings)
        if refusal:
            print(refusal, file=sys.stderr)
            return 2
        return _dispatch(args, settings)
    except ConfigError as exc:  # found while starting, e.g. a listener without its secret
        print(f"tradechat: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from store.migrations import MigrationError  # loaded already when it was raised

        if not isinstance(exc, MigrationError):
            raise
        print(f"tradechat: cannot start: {exc}", file=sys.stderr)
        return 2


def _settings(args: argparse.Namespace) -> Settings:
    """The settings the command runs on: a command that uses the account needs its file
    (`--paper-demo` needs none and gets the demo's settings)."""
    demo = getattr(args, "paper_demo", False)
    required = args.command in NEEDS_FILE and not demo
    settings = load_settings(args.config, required=required)
    if not demo:
        return settings
    from bot.cli.startup import paper_demo_banner

    settings = paper_demo(settings)
    print(paper_demo_banner(settings), file=sys.stderr)
    return settings


def settings_file(args: argparse.Namespace) -> Path | None:
    """The settings file the command read (None: none, under `--paper-demo`)."""
    path = config_path(args.config)
    return path.resolve() if path.exists() else None


def _refusal(args: argparse.Namespace, settings: Settings) -> str | None:
    """The problems that would crash the command, as `check-config` words them; None: go."""
    if args.command not in NEEDS_FILE:  # `parse` loads no more than it needs
        return None
    from bot.config_checks import COMMAND_CHECKS, config_problems

    checks = COMMAND_CHECKS.get(args.command)
    if checks is None:
        return None
    problems = config_problems(settings, settings_file(args), checks)
    if not problems:
        return None
    lines = [f"tradechat: cannot start: {len(problems)} problem(s) (`tradechat check-config`):"]
    return "\n".join([*lines, *(f"  {p}" for p in problems)])


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    cmd = args.command
    if cmd == "logs":
        from bot.cli.logs import run_logs

        return run_logs(settings, lines=args.tail, file_name=args.file)
    if cmd == "service":
        from bot.service import run_service

        return run_service(
            args, config_file=config_path(args.config).resolve(), data_dir=settings.app.data_dir
        )
    if cmd == "check-config":
        from bot.cli.check_config import run_check_config

        return run_check_config(settings, settings_file(args))
    if cmd == "db":
        from bot.cli.db import run_db

        out: str | None = getattr(args, "out", None)
        return asyncio.run(run_db(settings, str(args.db_command), out=out))
    if cmd == "parse":
        from bot.cli.parse import run_parse

        return run_parse(
            settings,
            engine=args.engine,
            text=" ".join(args.text),
            jsonl=args.jsonl,
            explain=args.explain,
        )
    if cmd == "demo-history":
        from bot.cli.paper import run_demo_history

        return run_demo_history(settings, days=args.days)
    if cmd == "audit":
        from bot.cli.audit import run_audit

        return asyncio.run(run_audit(settings, since=args.since, user=args.user, limit=args.limit))
    if cmd == "report":
        from bot.cli.report import run_report

        return asyncio.run(run_report(settings, kind=args.kind, date=args.date, out=args.out))
    return _serve(args, settings)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """The long-running commands: the chat, the gateway, the MCP server, the whole bot."""
    cmd = args.command
    if cmd == "chat":
        from bot.cli.chat import run_chat

        return asyncio.run(run_chat(settings, settings_file=settings_file(args)))
    if cmd == "api":
        from bot.cli.api import run_api

        return asyncio.run(run_api(settings, settings_file=settings_file(args)))
    if cmd == "mcp":
        from bot.cli.mcp import run_mcp

        return asyncio.run(run_mcp(settings, http=args.http, settings_file=settings_file(args)))
    if cmd == "run":
        from bot.cli.run import run_app

        return asyncio.run(run_app(settings, settings_file=settings_file(args)))
    raise ValueError(f"unknown command {cmd!r}")  # argparse allows only the ones above
