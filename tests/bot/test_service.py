"""`tradechat service`: argument handling, the generated WinSW XML, and the install/remove/
status flow against a stand-in WinSW (a small script that records how it was called)."""

from __future__ import annotations

import argparse
import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.service import (
    NOT_WINDOWS,
    add_arguments,
    build_spec,
    run_service,
    service_files,
    winsw_xml,
)

FAKE_WINSW = f"""#!{sys.executable}
import pathlib, sys
here = pathlib.Path(__file__).resolve()
with (here.parent / "calls.txt").open("a", encoding="utf-8") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[1:] == ["status"]:
    print("Started")
sys.exit(int((here.parent / "exit-code").read_text()) if (here.parent / "exit-code").exists() else 0)
"""


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tradechat service")
    add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text('[app]\ndata_dir = "data"\n', encoding="utf-8")
    scripts = tmp_path / "venv" / "Scripts"
    scripts.mkdir(parents=True)
    (scripts / "tradechat.exe").write_text("launcher", encoding="utf-8")
    winsw = tmp_path / "Downloads" / "WinSW-x64.exe"
    winsw.parent.mkdir()
    winsw.write_text(FAKE_WINSW, encoding="utf-8")
    winsw.chmod(0o755)
    return tmp_path


def _run(folder: Path, *argv: str, platform: str = "win32") -> tuple[int, str]:
    out = io.StringIO()
    code = run_service(
        _parse(*argv),
        config_file=folder / "settings.toml",
        data_dir=Path("data"),
        platform=platform,
        out=out,
    )
    return code, out.getvalue()


def _install_args(folder: Path, *extra: str) -> list[str]:
    return [
        "install",
        "--winsw",
        str(folder / "Downloads" / "WinSW-x64.exe"),
        "--exe",
        str(folder / "venv" / "Scripts" / "tradechat.exe"),
        *extra,
    ]


def _calls(folder: Path) -> list[str]:
    return (folder / "service" / "calls.txt").read_text(encoding="utf-8").splitlines()


def test_the_three_actions_parse_with_a_default_name() -> None:
    assert _parse("status").action == "status"
    assert _parse("remove", "--name", "bot2").name == "bot2"
    args = _parse("install", "--winsw", "C:/WinSW-x64.exe", "--account", "--no-start")
    assert (args.action, args.name, args.account, args.no_start, args.dry_run) == (
        "install",
        "tradechat",
        True,
        True,
        False,
    )
    assert args.winsw == Path("C:/WinSW-x64.exe")


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(SystemExit):
        _parse("restart")


def test_other_platforms_are_pointed_at_systemd(folder: Path) -> None:
    for action in (["status"], ["remove"], _install_args(folder)):
        code, text = _run(folder, *action, platform="linux")
        assert code == 2
        assert text.strip() == NOT_WINDOWS
        assert "deploy/tradechat.service" in text
    assert not (folder / "service").exists()


def test_the_xml_runs_the_bot_in_the_settings_folder_and_restarts_it(tmp_path: Path) -> None:
    spec = build_spec("tradechat", tmp_path / "settings.toml", Path("data"), tmp_path / "t.exe")
    root = ET.fromstring(winsw_xml(spec))
    assert root.tag == "service"
    assert root.findtext("id") == "tradechat"
    assert root.findtext("executable") == str(tmp_path / "t.exe")
    assert [a.text for a in root.findall("argument")] == [
        "--config",
        str(tmp_path / "settings.toml"),
        "run",
    ]
    assert root.findtext("workingdirectory") == str(tmp_path)
    assert root.findtext("startmode") == "Automatic"
    assert root.findtext("delayedAutoStart") == "true"
    assert [f.attrib for f in root.findall("onfailure")] == [
        {"action": "restart", "delay": "10 sec"},
        {"action": "restart", "delay": "30 sec"},
        {"action": "restart", "delay": "60 sec"},
    ]
    env = {e.get("name"): e.get("value") for e in root.findall("env")}
    assert env["TRADECHAT_CONFIG"] == str(tmp_path / "settings.toml")
    assert env["PYTHONUTF8"] == "1"
    assert root.findtext("logpath") == str(tmp_path / "data" / "logs")
    log = root.find("log")
    assert log is not None
    assert log.get("mode") == "roll-by-size"
    assert log.findtext("sizeThreshold") == "10240"
    assert log.findtext("keepFiles") == "8"


def test_a_relative_data_folder_is_taken_from_the_settings_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = build_spec("tradechat", Path("../bot/settings.toml"), Path("data"), Path("x.exe"))
    assert spec.working_dir == tmp_path / "bot"
    assert spec.log_dir == tmp_path / "bot" / "data" / "logs"
    absolute = build_spec("tradechat", tmp_path / "s.toml", tmp_path / "d", Path("x.exe"))
    assert absolute.log_dir == tmp_path / "d" / "logs"


def test_paths_with_markup_characters_are_escaped(tmp_path: Path) -> None:
    odd = tmp_path / "R&D <bots>"
    spec = build_spec("tradechat", odd / "settings.toml", Path("data"), odd / "t.exe")
    root = ET.fromstring(winsw_xml(spec))
    assert root.findtext("workingdirectory") == str(odd)


def test_the_default_executable_is_the_launcher_next_to_python(tmp_path: Path) -> None:
    spec = build_spec("tradechat", tmp_path / "settings.toml", Path("data"))
    assert spec.executable == Path(sys.executable).with_name("tradechat.exe").resolve()


def test_dry_run_prints_the_xml_on_any_platform(folder: Path) -> None:
    code, text = _run(folder, *_install_args(folder, "--dry-run"), platform="linux")
    assert code == 0
    assert ET.fromstring(text).findtext("id") == "tradechat"
    assert not (folder / "service").exists()


def test_install_writes_the_xml_copies_winsw_installs_and_starts(folder: Path) -> None:
    code, text = _run(folder, *_install_args(folder))
    assert code == 0, text
    exe, xml = service_files(folder / "settings.toml", "tradechat")
    assert exe.is_file()
    assert ET.fromstring(xml.read_text(encoding="utf-8")).findtext("id") == "tradechat"
    assert _calls(folder) == ["install", "start"]
    assert (folder / "data" / "logs").is_dir()
    assert "installed" in text
    assert str(folder / "data" / "logs") in text


def test_install_with_account_asks_winsw_to_prompt_and_no_start_skips_start(
    folder: Path,
) -> None:
    code, _ = _run(folder, *_install_args(folder, "--account", "--no-start"))
    assert code == 0
    assert _calls(folder) == ["install /p"]


def test_install_twice_is_refused(folder: Path) -> None:
    assert _run(folder, *_install_args(folder))[0] == 0
    code, text = _run(folder, *_install_args(folder))
    assert code == 1
    assert "tradechat service remove" in text
    assert _calls(folder) == ["install", "start"]


def test_install_without_winsw_says_where_to_get_it(folder: Path) -> None:
    code, text = _run(folder, "install")
    assert code == 2
    assert "WinSW-x64.exe" in text
    assert "--winsw" in text


def test_install_without_the_tradechat_executable_is_refused(folder: Path) -> None:
    args = _install_args(folder)
    args[-1] = str(folder / "missing.exe")
    code, text = _run(folder, *args)
    assert code == 2
    assert "--exe" in text
    assert not (folder / "service").exists()


def test_install_without_a_settings_file_points_at_init(folder: Path) -> None:
    (folder / "settings.toml").unlink()
    code, text = _run(folder, *_install_args(folder))
    assert code == 2
    assert "tradechat init" in text


def test_a_failed_winsw_install_leaves_nothing_behind(folder: Path) -> None:
    (folder / "service").mkdir()
    (folder / "service" / "exit-code").write_text("5", encoding="utf-8")
    code, text = _run(folder, *_install_args(folder))
    assert code == 5
    assert "Administrator" in text
    exe, xml = service_files(folder / "settings.toml", "tradechat")
    assert not exe.exists()
    assert not xml.exists()


def test_status_runs_winsw_status(folder: Path, capfd: pytest.CaptureFixture[str]) -> None:
    _run(folder, *_install_args(folder))
    capfd.readouterr()
    code, text = _run(folder, "status")
    assert code == 0
    assert "service tradechat" in text
    assert capfd.readouterr().out.strip() == "Started"


def test_status_and_remove_when_not_installed(folder: Path) -> None:
    for action in ("status", "remove"):
        code, text = _run(folder, action)
        assert code == 1
        assert "not installed" in text


def test_remove_stops_uninstalls_and_deletes_the_files(folder: Path) -> None:
    _run(folder, *_install_args(folder))
    code, text = _run(folder, "remove")
    assert code == 0
    assert _calls(folder) == ["install", "start", "stop", "uninstall"]
    exe, xml = service_files(folder / "settings.toml", "tradechat")
    assert not exe.exists()
    assert not xml.exists()
    assert "kept" in text


def test_a_named_service_has_its_own_files(folder: Path) -> None:
    code, _ = _run(folder, *_install_args(folder, "--name", "tradechat-demo", "--no-start"))
    assert code == 0
    exe, xml = service_files(folder / "settings.toml", "tradechat-demo")
    assert exe.name == "tradechat-demo.exe"
    assert ET.fromstring(xml.read_text(encoding="utf-8")).findtext("id") == "tradechat-demo"
