"""The same migrations on PostgreSQL through asyncpg, in a throwaway database created for each
test. Runs only when TRADECHAT_TEST_PG_URL names a server, e.g.
`postgresql+asyncpg://postgres@127.0.0.1:5432/postgres` (a role that may CREATE DATABASE);
docs/database.md says how to start one."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

import store.tables  # noqa: F401  (every table on Base.metadata)
from store.audit import AuditLog
from store.db import Base, Database
from store.migrations import (
    BASELINE_REVISION,
    SchemaTooNewError,
    alembic_config,
    current_revision,
    head_revision,
)
from store.subscriptions import SubscriptionStore

PG_URL = os.environ.get("TRADECHAT_TEST_PG_URL", "")

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="TRADECHAT_TEST_PG_URL not set: no PostgreSQL server to test against"
)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    pytest.importorskip("asyncpg")
    name = f"tradechat_test_{secrets.token_hex(4)}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def _diff(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(ctx, Base.metadata))


async def test_upgrade_of_an_empty_postgres_database_gives_the_models_schema(pg_url: str) -> None:
    db = await Database.open(pg_url)
    try:
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        assert await current_revision(db.engine) == (head_revision(),)
        again = await db.migrate()
        assert not again.changed
    finally:
        await db.close()


async def test_a_first_build_postgres_database_is_stamped_and_keeps_its_rows(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        # the first build's tables without Alembic's: the baseline's DDL, version table dropped
        async with db.engine.begin() as conn:
            cfg = alembic_config()

            def baseline(c: Connection) -> None:
                cfg.attributes["connection"] = c
                command.upgrade(cfg, BASELINE_REVISION)

            await conn.run_sync(baseline)
            await conn.execute(text("DROP TABLE alembic_version"))
            await conn.execute(
                text(
                    "INSERT INTO audit_log (at, event, platform, chat_id, user_id, detail)"
                    " VALUES (now(), 'message', 'telegram', '42', '7', 'kept')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO subscriptions (platform, chat_id, kind, lang, created_at)"
                    " VALUES ('telegram', '42', 'daily', 'zh', now())"
                )
            )
        result = await db.migrate()
        assert result.adopted_first_build
        assert result.after == (head_revision(),)
        assert [e.detail for e in await AuditLog(db).entries()] == ["kept"]
        daily = await SubscriptionStore(db).list_for_kind("daily")
        assert [(s.chat_id, s.lang) for s in daily] == [("42", "zh")]
    finally:
        await db.close()


async def test_a_postgres_database_from_a_newer_tradechat_refuses_to_start(pg_url: str) -> None:
    db = await Database.open(pg_url)
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0042'"))
    await db.close()
    with pytest.raises(SchemaTooNewError, match="'0042'"):
        await Database.open(pg_url)


def test_processes_starting_at_once_on_one_new_postgres_database_migrate_once(
    pg_url: str,
) -> None:
    code = (
        "import asyncio, sys\n"
        "from store.db import Database\n"
        "async def main():\n"
        "    db = await Database.open(sys.argv[1])\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, pg_url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
