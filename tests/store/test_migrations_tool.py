"""`python -m store.migrations`: the developer's revision and check commands, run on a copy
of the migration scripts so the repository's own stay untouched."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, String, Table

from store.db import Base
from store.migrations import head_revision, runner
from store.migrations.__main__ import main, next_revision_id
from store.migrations.runner import SCRIPT_LOCATION


@pytest.fixture
def scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(SCRIPT_LOCATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(runner, "SCRIPT_LOCATION", copy)
    return copy


@pytest.fixture
def new_table() -> Iterator[Table]:
    """A table the models gained and no script creates yet."""
    table = Table(
        "watch_lists",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("symbol", String(16), nullable=False),
    )
    yield table
    Base.metadata.remove(table)


def test_revision_ids_are_four_digits_after_the_newest() -> None:
    assert next_revision_id(None) == "0001"
    assert next_revision_id("0001") == "0002"
    assert next_revision_id("0041") == "0042"
    assert next_revision_id("0004_price_alerts") == "0005"


def test_check_passes_while_models_and_scripts_agree(
    scripts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 0
    assert "match" in capsys.readouterr().out


def test_check_fails_naming_the_change_when_a_table_has_no_migration(
    scripts: Path, new_table: Table, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 1
    assert "watch_lists" in capsys.readouterr().err


def test_revision_writes_the_next_script_with_the_models_change(
    scripts: Path, new_table: Table
) -> None:
    before = head_revision()
    assert main(["revision", "-m", "watch lists"]) == 0
    expected = next_revision_id(before)
    assert head_revision() == expected
    written = scripts / "versions" / f"{expected}_watch_lists.py"
    body = written.read_text(encoding="utf-8")
    assert f"revision: str = '{expected}'" in body
    assert f"down_revision: str | None = {before!r}" in body
    assert "op.create_table('watch_lists'" in body
    # the next check runs the new script on a scratch database: models and scripts agree again
    assert main(["check"]) == 0


def test_an_empty_revision_has_no_operations(scripts: Path, new_table: Table) -> None:
    expected = next_revision_id(head_revision())
    assert main(["revision", "-m", "move data", "--empty"]) == 0
    body = (scripts / "versions" / f"{expected}_move_data.py").read_text(encoding="utf-8")
    assert "create_table" not in body
    assert "def upgrade() -> None:\n    pass" in body
