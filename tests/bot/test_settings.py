from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import ConfigError, load_settings, secret

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_settings_file_is_valid_and_safe() -> None:
    s = load_settings(ROOT / "settings.toml")
    assert s.broker.kind == "paper"
    assert s.users == []  # nobody is allowed until the owner says so
    assert s.trading.use_default_volume is False
    assert s.llm.enabled is False


def test_every_key_in_settings_toml_has_a_comment() -> None:
    lines = (ROOT / "settings.toml").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            before = lines[i - 1].strip()
            assert before.startswith("#") or "=" in before, f"uncommented key: {line}"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "s.toml"
    f.write_text("[risk]\nmax_lots_per_order = 2.0\n", encoding="utf-8")
    monkeypatch.setenv("TRADECHAT_RISK__MAX_LOTS_PER_ORDER", "0.5")
    assert load_settings(f).risk.max_lots_per_order == 0.5


def test_config_env_var_chooses_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "other.toml"
    f.write_text('[app]\nlanguage = "en"\n', encoding="utf-8")
    monkeypatch.setenv("TRADECHAT_CONFIG", str(f))
    assert load_settings().app.language == "en"


def test_bad_file_names_each_wrong_key(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(
        '[broker]\nkind = "mt4"\n[risk]\nmax_lots_per_orde = 1\n'
        '[[users]]\nplatform = "telegram"\nid = 1\nrole = "boss"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_settings(f)
    text = str(err.value)
    assert "broker.kind" in text
    assert "risk.max_lots_per_orde: unknown key" in text
    assert "users.0.role" in text


def test_check_config_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text("", encoding="utf-8")
    assert main(["--config", str(good), "check-config"]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[reports]\ndaily_at = '25:00'\n", encoding="utf-8")
    assert main(["--config", str(bad), "check-config"]) == 2
    assert "reports.daily_at" in capsys.readouterr().err


def test_invalid_toml_is_reported_not_raised(tmp_path: Path) -> None:
    f = tmp_path / "x.toml"
    f.write_text("[broker\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(f)


def test_user_ids_may_be_numbers_in_the_file(tmp_path: Path) -> None:
    f = tmp_path / "u.toml"
    f.write_text('[[users]]\nplatform = "qq"\nid = 10001\nrole = "trader"\n', encoding="utf-8")
    assert load_settings(f).users[0].id == "10001"


def test_secret_comes_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADECHAT_X_TOKEN", raising=False)
    assert secret("TRADECHAT_X_TOKEN") is None
    monkeypatch.setenv("TRADECHAT_X_TOKEN", "abc")
    assert secret("TRADECHAT_X_TOKEN") == "abc"
