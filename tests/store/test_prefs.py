"""Preferences are written atomically: concurrent first writes of the same key (two chats
setting /lang at once, an admin's /readonly racing a second process) all succeed, and the
last write is what is read back."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from store.db import Database, sqlite_url
from store.prefs import PrefsStore


async def test_concurrent_first_writes_of_one_preference_all_succeed(tmp_path: Path) -> None:
    """Four writers racing on each of 40 new keys: a read-then-insert lets two of them insert
    the same key (IntegrityError); the upsert never does."""
    db = await Database.open(sqlite_url(tmp_path / "tradechat.sqlite"))
    try:
        writes = [
            PrefsStore(db).set_user_lang("telegram", str(user), lang)
            for user in range(40)
            for lang in ("zh", "en", "zh", "en")
        ]
        results = await asyncio.gather(*writes, return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []
        for user in range(40):
            assert await PrefsStore(db).user_lang("telegram", str(user)) in ("zh", "en")
    finally:
        await db.close()


async def test_concurrent_first_read_only_toggles_all_succeed(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "tradechat.sqlite"))
    try:
        prefs = PrefsStore(db)
        await asyncio.gather(
            *(prefs.set_read_only(True, settings_value=False, by=f"admin{i}") for i in range(6))
        )
        assert await prefs.read_only(settings_value=False) is True
    finally:
        await db.close()


async def test_a_later_write_replaces_the_value(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "tradechat.sqlite"))
    try:
        prefs = PrefsStore(db)
        await prefs.set_user_lang("qq", "9", "en")
        await prefs.set_user_lang("qq", "9", "zh")
        assert await prefs.user_lang("qq", "9") == "zh"
        assert await prefs.get("user:qq:9:lang") == "zh"
    finally:
        await db.close()


def test_processes_writing_one_preference_at_once_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.sqlite"
    code = (
        "import asyncio, sys\n"
        "from store.db import Database, sqlite_url\n"
        "from store.prefs import PrefsStore\n"
        "async def main():\n"
        "    db = await Database.open(sqlite_url(sys.argv[1]))\n"
        "    try:\n"
        "        await PrefsStore(db).set_user_lang('telegram', '7', sys.argv[2])\n"
        "    finally:\n"
        "        await db.close()\n"
        "asyncio.run(main())\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path), lang], stderr=subprocess.PIPE)
        for lang in ("zh", "en", "zh", "en")
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
