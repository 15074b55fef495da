"""First start is race-free: four processes starting at once on an empty data folder all
succeed — each migrates the app database, opens the paper account (one creates and seeds it,
the others resume it) and writes the same first preferences."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.build import build_app, close_app
from bot.settings import Settings
from handlers.messages import Incoming

ROOT = Path(__file__).resolve().parents[2]

START = """
import asyncio, sys
from bot.build import build_app, close_app
from bot.settings import Settings
from handlers.messages import Incoming

async def main():
    settings = Settings(app={"data_dir": sys.argv[1]}, broker={"paper": {"demo_history_days": 3}})
    app = await build_app(settings)
    try:
        for text in ("/lang en", "/readonly on", "余额"):
            inc = Incoming(platform="console", chat_id="local", user_id="local", text=text)
            [out] = await app.conversation.handle(inc)
            assert out.kind != "error", out.text
    finally:
        await close_app(app)

asyncio.run(main())
"""


def test_four_first_starts_at_once_on_an_empty_database_all_succeed(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", START, str(tmp_path)], cwd=ROOT, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    con = sqlite3.connect(tmp_path / "tradechat.sqlite")
    try:
        prefs = dict(con.execute("SELECT key, value FROM prefs").fetchall())
    finally:
        con.close()
    assert prefs["user:console:local:lang"] == "en"
    assert '"value": true' in prefs["global:read_only"]
    assert _deposits(tmp_path / "paper.sqlite") == 1  # the account was created and seeded once


def _deposits(paper_file: Path) -> int:
    paper = sqlite3.connect(paper_file)
    try:
        query = "SELECT COUNT(*) FROM paper_deal WHERE type = 2 AND comment = 'Deposit'"
        return int(paper.execute(query).fetchone()[0])
    finally:
        paper.close()


async def _first_start(data_dir: Path) -> None:
    app = await build_app(
        Settings(app={"data_dir": data_dir}, broker={"paper": {"demo_history_days": 0}})
    )
    try:
        inc = Incoming(platform="console", chat_id="local", user_id="local", text="/lang en")
        [out] = await app.conversation.handle(inc)
        assert out.kind != "error", out.text
    finally:
        await close_app(app)


async def test_four_first_starts_in_one_process_all_succeed(tmp_path: Path) -> None:
    """Their blocking parts (opening the paper account) run on worker threads at the same
    moment: the tightest race. Several rounds, each on a new folder."""
    for round_ in range(4):
        data_dir = tmp_path / f"round{round_}"
        results = await asyncio.gather(
            *(_first_start(data_dir) for _ in range(4)), return_exceptions=True
        )
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert _deposits(data_dir / "paper.sqlite") == 1
