"""`tradechat init`: writes the commented settings, never overwrites, makes the data folder."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest

from bot.init_config import describe, init_folder, run_init, template_text
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_template_is_the_repository_settings_file() -> None:
    # edit settings.toml, then copy it to bot/settings_template.toml
    assert template_text() == (ROOT / "settings.toml").read_text(encoding="utf-8")


def test_init_writes_the_commented_settings_and_the_data_folder(tmp_path: Path) -> None:
    folder = tmp_path / "TradeBot"
    result = init_folder(folder)
    assert result.created
    assert result.settings_file == folder / "settings.toml"
    text = result.settings_file.read_text(encoding="utf-8")
    assert text == template_text()
    assert text.startswith("# tradechat settings.")
    assert tomllib.loads(text)["broker"]["kind"] == "paper"
    assert result.data_dir == folder / "data"
    assert result.data_dir.is_dir()


def test_the_written_file_loads_as_settings(tmp_path: Path) -> None:
    result = init_folder(tmp_path)
    settings = load_settings(result.settings_file)
    assert settings.broker.kind == "paper"


def test_init_never_overwrites(tmp_path: Path) -> None:
    mine = tmp_path / "settings.toml"
    mine.write_text('[broker]\nkind = "mt5"\n', encoding="utf-8")
    out = io.StringIO()
    assert run_init(tmp_path, out) == 1
    assert mine.read_text(encoding="utf-8") == '[broker]\nkind = "mt5"\n'
    assert "already exists and was not changed" in out.getvalue()
    assert str(mine) in out.getvalue()
    assert not (tmp_path / "data").exists()


def test_run_init_says_where_everything_is(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_init(tmp_path / "bot", out) == 0
    text = out.getvalue()
    assert f"settings: {tmp_path / 'bot' / 'settings.toml'}" in text
    assert f"data:     {tmp_path / 'bot' / 'data'}" in text
    assert "check-config" in text


def test_a_relative_folder_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = init_folder(Path("here"))
    assert result.settings_file == tmp_path / "here" / "settings.toml"
    assert "here" in describe(result)


def test_init_into_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert init_folder(Path()).settings_file == tmp_path / "settings.toml"
