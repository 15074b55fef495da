"""`tradechat db current|upgrade|backup` on a real SQLite file: the revision before and after an
upgrade of a first-build database, the copy taken first, a backup that opens with every row,
never an overwrite; PostgreSQL is pointed at pg_dump. A database newer than this code is one
clear line and exit 2 — in `db upgrade`, `run` and `chat` alike."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from store.migrations import head_revision

FIRST_BUILD_SQL = Path(__file__).resolve().parents[2] / "store" / "first_build.sql"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("TRADECHAT_APP__", "TRADECHAT_DATABASE__", "TRADECHAT_CONFIG")):
            monkeypatch.delenv(name)


def _settings(tmp_path: Path, url: str = "") -> Path:
    f = tmp_path / "settings.toml"
    data = (tmp_path / "data").as_posix()
    database = f'[database]\nurl = "{url}"\n' if url else ""
    f.write_text(f'[app]\ndata_dir = "{data}"\n[broker.paper]\ndemo_history_days = 0\n{database}')
    return f


def _db(f: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--config", str(f), "db", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _first_build(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    try:
        con.executescript(FIRST_BUILD_SQL.read_text(encoding="utf-8"))
        con.commit()
    finally:
        con.close()
    return path


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        con.close()


def test_current_before_and_after_the_upgrade_of_a_first_build_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _settings(tmp_path)
    db_file = tmp_path / "data" / "tradechat.sqlite"
    code, out = _db(f, capsys, "current")
    assert code == 1
    assert "none yet" in out
    assert not db_file.exists()  # asking made no database

    audit_before = _rows(_first_build(db_file), "audit_log")
    assert audit_before
    code, out = _db(f, capsys, "current")
    assert code == 1
    assert "revision: none" in out
    assert f"newest:   {head_revision()}" in out

    code, out = _db(f, capsys, "upgrade")
    assert code == 0, out
    assert "adopted at revision 0001" in out
    assert f"to {head_revision()}" in out
    [copy] = (tmp_path / "data").glob("tradechat.before-*.sqlite")
    assert f"copied first to {copy}" in out
    assert _rows(db_file, "audit_log") == audit_before

    code, out = _db(f, capsys, "current")
    assert code == 0
    assert f"revision: {head_revision()}" in out
    assert "up to date" in out
    code, out = _db(f, capsys, "upgrade")
    assert code == 0
    assert "nothing to do" in out


def test_backup_writes_a_readable_copy_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _settings(tmp_path)
    assert _db(f, capsys, "upgrade")[0] == 0
    db_file = tmp_path / "data" / "tradechat.sqlite"
    con = sqlite3.connect(db_file)
    con.execute(
        "INSERT INTO prefs (key, value, updated_at) VALUES ('k', '\"v\"', '2026-12-04 03:00:00')"
    )
    con.commit()
    con.close()

    code, out = _db(f, capsys, "backup")
    assert code == 0, out
    [copy] = (tmp_path / "data").glob("tradechat.backup-*.sqlite")
    assert f"to {copy}" in out
    assert _rows(copy, "prefs") == _rows(db_file, "prefs")
    assert _rows(copy, "alembic_version") == [(head_revision(),)]

    target = tmp_path / "copies" / "tradechat.sqlite"
    assert _db(f, capsys, "backup", "--out", str(target))[0] == 0
    assert _rows(target, "prefs") == _rows(db_file, "prefs")
    target.write_bytes(b"keep me")
    code, out = _db(f, capsys, "backup", "--out", str(target))
    assert code == 1
    assert "exists" in out
    assert target.read_bytes() == b"keep me"


def test_backup_without_a_database_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _db(_settings(tmp_path), capsys, "backup")
    assert code == 1
    assert "there is no database at" in out


def test_backup_on_postgresql_points_at_pg_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _settings(tmp_path, "postgresql+asyncpg://bot:s3cret@127.0.0.1:9/tradechat")
    code, out = _db(f, capsys, "backup")
    assert code == 2
    assert "pg_dump" in out
    assert "s3cret" not in out


def _too_new(tmp_path: Path) -> Path:
    db_file = tmp_path / "data" / "tradechat.sqlite"
    db_file.parent.mkdir(parents=True)
    con = sqlite3.connect(db_file)
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    con.execute("INSERT INTO alembic_version VALUES ('9999')")
    con.commit()
    con.close()
    return db_file


@pytest.mark.parametrize("command", [["db", "upgrade"], ["run"], ["chat"]])
def test_a_database_newer_than_this_code_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    f = _settings(tmp_path)
    _too_new(tmp_path)
    code = main(["--config", str(f), *command])
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code == 2
    assert "Traceback" not in out
    [line] = [x for x in out.splitlines() if "'9999'" in x]
    assert "revision '9999'" in line
    assert "cannot" in line
