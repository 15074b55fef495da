"""Schema migrations of the app database (store/migrations) on real SQLite files: a new
database gets exactly the models' schema, a first-build database (made before migrations
existed) is adopted with every row, a second start changes nothing, and a database from a newer
tradechat refuses to start."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

import store.tables  # noqa: F401  (every table on Base.metadata)
from store.audit import AuditLog
from store.confirmations import ConfirmationStore
from store.db import Base, Database, sqlite_url
from store.migrations import (
    BASELINE_REVISION,
    SchemaTooNewError,
    UnrecognisedSchemaError,
    alembic_config,
    backup_path,
    backup_sqlite,
    current_revision,
    head_revision,
    runner,
)
from store.migrations.runner import SCRIPT_LOCATION
from store.prefs import PrefsStore
from store.snapshots import SnapshotStore
from store.subscriptions import SubscriptionStore

FIRST_BUILD_SQL = Path(__file__).with_name("first_build.sql")


def _diff(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(ctx, Base.metadata))


def _schema(path: Path) -> dict[str, str]:
    """name → normalised CREATE statement of every table and index but Alembic's own."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'alembic_version'"
        ).fetchall()
    finally:
        con.close()
    return {name: " ".join(sql.replace('"', "").split()) for name, sql in rows}


def _version_rows(path: Path) -> list[tuple[str, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        con.close()


def _first_build_file(path: Path) -> Path:
    con = sqlite3.connect(path)
    try:
        con.executescript(FIRST_BUILD_SQL.read_text(encoding="utf-8"))
    finally:
        con.close()
    return path


def _with_next_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upgrade: str) -> None:
    """The scripts of this code plus a revision 9000 after head whose upgrade() is `upgrade`:
    what the next release will bring."""
    scripts = tmp_path / "migrations"
    shutil.copytree(SCRIPT_LOCATION, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9000_next.py").write_text(
        '"""The next release."""\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n"
        f"revision = '9000'\ndown_revision = {head_revision()!r}\n"
        "branch_labels = None\ndepends_on = None\n"
        f"def upgrade():\n{upgrade}"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(runner, "SCRIPT_LOCATION", scripts)


async def test_upgrade_of_an_empty_file_gives_exactly_the_models_schema(tmp_path: Path) -> None:
    # fails when a table changes without a migration: write one (docs/database.md)
    db = await Database.open(sqlite_url(tmp_path / "new.sqlite"))
    try:
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        assert await current_revision(db.engine) == (head_revision(),)
    finally:
        await db.close()


async def test_the_baseline_revision_builds_the_first_builds_schema_statement_for_statement(
    tmp_path: Path,
) -> None:
    first_build = _schema(_first_build_file(tmp_path / "first.sqlite"))
    migrated = tmp_path / "migrated.sqlite"
    db = Database(sqlite_url(migrated))
    try:
        async with db.engine.begin() as conn:
            cfg = alembic_config()

            def upgrade(c: Connection) -> None:
                cfg.attributes["connection"] = c
                command.upgrade(cfg, BASELINE_REVISION)

            await conn.run_sync(upgrade)
    finally:
        await db.close()
    assert _schema(migrated) == first_build


async def test_a_first_build_database_is_stamped_and_keeps_every_row(tmp_path: Path) -> None:
    path = _first_build_file(tmp_path / "tradechat.sqlite")
    db = Database(sqlite_url(path))
    try:
        result = await db.migrate()
        assert result.adopted_first_build
        assert result.before == ()
        assert result.after == (head_revision(),)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []

        audit = await AuditLog(db).entries()
        assert [(e.event, e.user_id, e.detail) for e in audit] == [
            ("message", "7", '{"text": "买入 0.1 手黄金"}'),
            ("order", "7", '{"symbol": "XAUUSD", "volume": 0.1}'),
        ]
        assert audit[1].duration_ms == 12.5

        confirmations = ConfirmationStore(db)
        done = await confirmations.get("UZuhgfGhEGDZt9ImILP3Xw")
        assert done is not None
        assert (done.state, done.code, done.result) == ("done", "UYM9", {"ticket": 123456})
        assert done.plan == {"side": "buy", "symbol": "XAUUSD", "volume": 0.1}
        pending = await confirmations.by_code("qq", "g1", "3AKY")
        assert [(c.id, c.state, c.lang) for c in pending] == [
            ("lN07e3sx6De-eHcHgRNEhg", "pending", "en")
        ]

        prefs = PrefsStore(db)
        assert await prefs.user_lang("telegram", "7") == "en"
        assert await prefs.read_only(settings_value=False) is True

        snapshots = await SnapshotStore(db).between(
            datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
        )
        assert [(s.equity, s.margin_level) for s in snapshots] == [
            (10012.5, 850.0),
            (9990.0, None),
        ]

        subs = SubscriptionStore(db)
        assert [(s.chat_id, s.kind, s.lang) for s in await subs.list_for_kind("daily")] == [
            ("42", "daily", "zh")
        ]
        assert [(s.chat_id, s.lang) for s in await subs.list_for_kind("weekly")] == [("room", "en")]
        assert await subs.was_sent("daily", "2026-11-01", platform="telegram", chat_id="42")
    finally:
        await db.close()


async def test_a_second_start_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.sqlite"
    first = await Database.open(sqlite_url(path))
    await AuditLog(first).record("message", user_id="7", detail="kept")
    await first.close()
    schema = _schema(path)

    again = Database(sqlite_url(path))
    try:
        result = await again.migrate()
        assert not result.changed
        assert not result.adopted_first_build
        assert result.before == result.after == (head_revision(),)
        assert result.backup is None
        assert [e.detail for e in await AuditLog(again).entries()] == ["kept"]
    finally:
        await again.close()
    assert _schema(path) == schema
    assert _version_rows(path) == [(head_revision(),)]
    assert not [p.name for p in tmp_path.iterdir() if ".before-" in p.name]


async def test_a_database_from_a_newer_tradechat_refuses_to_start_naming_its_revision(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tradechat.sqlite"
    db = await Database.open(sqlite_url(path))
    await db.close()
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE alembic_version SET version_num = '0042'")
    con.close()

    with pytest.raises(SchemaTooNewError) as info:
        await Database.open(sqlite_url(path))
    assert info.value.revision == "0042"
    message = str(info.value)
    assert "'0042'" in message
    assert f"its newest is {head_revision()!r}" in message
    assert "newer tradechat" in message
    assert _version_rows(path) == [("0042",)]


async def test_a_database_with_only_some_first_build_tables_is_refused_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "odd.sqlite"
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE prefs (key VARCHAR(160) PRIMARY KEY, value TEXT)")
    con.close()

    with pytest.raises(UnrecognisedSchemaError) as info:
        await Database.open(sqlite_url(path))
    assert "audit_log" in str(info.value)
    assert "prefs" not in info.value.missing
    assert set(_schema(path)) == {"prefs"}


async def test_a_database_of_another_program_gets_our_tables_beside_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.sqlite"
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        con.execute("INSERT INTO notes (body) VALUES ('theirs')")
    con.close()

    db = await Database.open(sqlite_url(path))
    await db.close()
    assert {"notes", "audit_log", "confirmations"} <= set(_schema(path))
    con = sqlite3.connect(path)
    assert con.execute("SELECT body FROM notes").fetchall() == [("theirs",)]
    con.close()


async def test_downgrade_to_nothing_and_upgrade_again(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.sqlite"
    db = await Database.open(sqlite_url(path))
    try:
        async with db.engine.begin() as conn:
            cfg = alembic_config()

            def downgrade(c: Connection) -> None:
                cfg.attributes["connection"] = c
                command.downgrade(cfg, "base")

            await conn.run_sync(downgrade)
        assert set(_schema(path)) == set()
        assert await current_revision(db.engine) == ()
        result = await db.migrate()
        assert not result.adopted_first_build
        assert result.after == (head_revision(),)
    finally:
        await db.close()


async def test_starts_racing_on_one_new_file_migrate_once(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "tradechat.sqlite")
    dbs = await asyncio.gather(*(Database.open(url) for _ in range(3)))
    for db in dbs:
        await db.close()
    assert _version_rows(tmp_path / "tradechat.sqlite") == [(head_revision(),)]


def test_processes_starting_at_once_on_one_new_file_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.sqlite"
    code = (
        "import asyncio, sys\n"
        "from store.db import Database, sqlite_url\n"
        "async def main():\n"
        "    db = await Database.open(sqlite_url(sys.argv[1]))\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    assert _version_rows(path) == [(head_revision(),)]


async def test_a_failing_revision_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _first_build_file(tmp_path / "tradechat.sqlite")
    schema = _schema(path)
    _with_next_revision(
        tmp_path,
        monkeypatch,
        "    op.create_table('half', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    with op.batch_alter_table('audit_log') as batch:\n"
        "        batch.drop_column('detail')\n"
        "    raise RuntimeError('half-way')\n",
    )

    with pytest.raises(RuntimeError, match="half-way"):
        await Database.open(sqlite_url(path))
    assert _schema(path) == schema
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (2,)
        assert "alembic_version" not in {
            name for (name,) in con.execute("SELECT name FROM sqlite_master")
        }
    finally:
        con.close()


async def test_an_upgrade_with_revisions_to_run_copies_the_file_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _first_build_file(tmp_path / "tradechat.sqlite")
    first_build = _schema(path)
    _with_next_revision(
        tmp_path,
        monkeypatch,
        "    with op.batch_alter_table('audit_log') as batch:\n"
        "        batch.add_column(sa.Column('note', sa.Text, nullable=False, server_default=''))\n",
    )
    db = Database(sqlite_url(path))
    try:
        result = await db.migrate()
    finally:
        await db.close()
    assert result.adopted_first_build
    assert result.after == ("9000",)
    assert result.backup is not None
    assert result.backup.parent == tmp_path
    assert result.backup.name.startswith("tradechat.before-9000-")
    assert result.backup.suffix == ".sqlite"
    # the copy is the database as it was: first-build schema, no stamp, every row
    assert _schema(result.backup) == first_build
    con = sqlite3.connect(result.backup)
    try:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (2,)
    finally:
        con.close()
    # … and the database itself moved on with its rows
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT event, note FROM audit_log ORDER BY id").fetchall() == [
            ("message", ""),
            ("order", ""),
        ]
    finally:
        con.close()
    assert _version_rows(path) == [("9000",)]


def _baseline_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scripts of this code without the revisions after the baseline: a code whose head is
    the first build's schema, so that adopting a first-build database only stamps it."""
    scripts = tmp_path / "migrations"
    shutil.copytree(SCRIPT_LOCATION, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    for script in (scripts / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"):
        if not script.name.startswith(f"{BASELINE_REVISION}_"):
            script.unlink()
    monkeypatch.setattr(runner, "SCRIPT_LOCATION", scripts)


async def test_new_databases_and_adoptions_at_head_copy_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = await Database.open(sqlite_url(tmp_path / "new.sqlite"))
    await new.close()
    _baseline_only(tmp_path / "scripts", monkeypatch)
    first = Database(sqlite_url(_first_build_file(tmp_path / "first.sqlite")))
    try:
        result = await first.migrate()
    finally:
        await first.close()
    assert result.adopted_first_build
    assert result.backup is None
    assert not [p.name for p in tmp_path.iterdir() if ".before-" in p.name]


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    source = _first_build_file(tmp_path / "tradechat.sqlite")
    taken = backup_path(source, "manual", datetime(2026, 12, 4, 1, 30, tzinfo=UTC))
    assert taken == tmp_path / "tradechat.manual-20261204T013000Z.sqlite"
    assert backup_sqlite(source, taken) == taken
    assert _schema(taken) == _schema(source)
    with pytest.raises(FileExistsError, match="exists"):
        backup_sqlite(source, taken)
