"""`tradechat service install|remove|status`: run the bot as a Windows service through WinSW.

Why WinSW (v2.12, `WinSW-x64.exe`, one self-contained executable) and not the alternatives:

- pywin32's service framework hosts Python inside `pythonservice.exe`, which does not find
  `pywintypes` in a virtual environment without copying DLLs around (a post-install step
  that breaks on every upgrade), and needs Windows-only code in the bot itself: a service
  class, a stop event bridged into asyncio. None of it can run or be tested on Linux.
- NSSM works but has had no release since 2017 and keeps its settings in the registry, set
  by a dozen `nssm set` calls; nothing can be reviewed or versioned.
- WinSW reads one XML file that this module writes (and tests check on any platform): start
  at boot (delayed, so the network and the terminal's auto-start come first), restart on
  failure with a growing delay, a working folder with settings.toml, stdout/stderr captured
  into the data folder's `logs` with rotation, Ctrl+C on stop (the bot shuts down cleanly).
  The bot runs as the same `tradechat run` a user types, so there is one way to run it.

The XML and a copy of WinSW named after the service live in `service/` next to the settings
file (WinSW finds its XML by its own name). Only the calls of that executable are
Windows-only; everything else runs, and is tested, on Linux.

"Start after the terminal": MetaTrader 5 is a desktop program, started by the user's logon;
the service starts delayed, and the broker supervisor keeps reconnecting until the terminal
answers, so the order at boot does not matter. With `--account` WinSW asks for the Windows
user (the one whose MetaTrader 5 data folder holds the account) instead of LocalSystem."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

DEFAULT_NAME = "tradechat"
WINSW = "WinSW-x64.exe (WinSW 2.12, from the WinSW project's releases on GitHub)"
NOT_WINDOWS = (
    "tradechat service manages a Windows service. On Linux use the systemd unit "
    "deploy/tradechat.service, in Docker compose.yaml (see docs/deploy.md)."
)


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the generated WinSW XML says; built from the command line and settings."""

    name: str
    executable: Path
    config_file: Path
    working_dir: Path
    log_dir: Path
    restart_delays_s: tuple[int, ...] = (10, 30, 60)
    log_size_kb: int = 10240
    log_keep: int = 8
    stop_timeout_s: int = 30

    @property
    def arguments(self) -> tuple[str, ...]:
        return ("--config", str(self.config_file), "run")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `service` sub-commands, added to the parser the CLI gives."""
    sub = parser.add_subparsers(dest="action", required=True)
    install = sub.add_parser("install", help="install and start the Windows service")
    install.add_argument("--winsw", type=Path, help=f"path to {WINSW}")
    install.add_argument(
        "--exe", type=Path, help="tradechat.exe to run (default: the one next to this Python)"
    )
    install.add_argument(
        "--account", action="store_true", help="ask for the Windows user the service runs as"
    )
    install.add_argument("--no-start", action="store_true", help="install only")
    install.add_argument("--dry-run", action="store_true", help="print the WinSW XML and stop")
    for action in ("remove", "status"):
        sub.add_parser(action, help=f"{action} the Windows service")
    for p in sub.choices.values():
        p.add_argument("--name", default=DEFAULT_NAME, help="service id (default: tradechat)")


def build_spec(
    name: str, config_file: Path, data_dir: Path, executable: Path | None = None
) -> ServiceSpec:
    """Absolute paths as the service will see them: it runs in the settings file's folder,
    so a relative data folder is taken from there, not from where the command was typed."""
    config = config_file.resolve()
    working = config.parent
    data = data_dir if data_dir.is_absolute() else working / data_dir
    exe = executable or Path(sys.executable).with_name("tradechat.exe")
    return ServiceSpec(name, exe.resolve(), config, working, data / "logs")


def winsw_xml(spec: ServiceSpec) -> str:
    root = ET.Element("service")

    def add(tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(root, tag, attrs)
        el.text = text
        return el

    add("id", spec.name)
    add("name", f"tradechat ({spec.name})")
    add("description", "tradechat: chat-bot trading assistant for MetaTrader 5")
    add("executable", str(spec.executable))
    for argument in spec.arguments:
        add("argument", argument)
    add("workingdirectory", str(spec.working_dir))
    add("startmode", "Automatic")
    add("delayedAutoStart", "true")
    add("env", name="TRADECHAT_CONFIG", value=str(spec.config_file))
    # the captured stdout/stderr are files: UTF-8 whatever the system code page
    add("env", name="PYTHONUTF8", value="1")
    add("env", name="PYTHONUNBUFFERED", value="1")
    for delay in spec.restart_delays_s:
        add("onfailure", action="restart", delay=f"{delay} sec")
    add("resetfailure", "1 hour")
    add("stoptimeout", f"{spec.stop_timeout_s} sec")
    add("logpath", str(spec.log_dir))
    log = add("log", mode="roll-by-size")
    ET.SubElement(log, "sizeThreshold").text = str(spec.log_size_kb)
    ET.SubElement(log, "keepFiles").text = str(spec.log_keep)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def service_files(config_file: Path, name: str) -> tuple[Path, Path]:
    """(the WinSW copy, its XML) in `service/` next to the settings file."""
    folder = config_file.resolve().parent / "service"
    return folder / f"{name}.exe", folder / f"{name}.xml"


def run_service(
    args: argparse.Namespace,
    *,
    config_file: Path,
    data_dir: Path,
    platform: str = sys.platform,
    out: TextIO | None = None,
) -> int:
    """Carry out `tradechat service <action>`; the exit code of the command."""
    stream = out if out is not None else sys.stdout
    if args.action == "install" and args.dry_run:
        spec = build_spec(args.name, config_file, data_dir, args.exe)
        stream.write(winsw_xml(spec))
        return 0
    if platform != "win32":
        print(NOT_WINDOWS, file=stream)
        return 2
    if args.action == "install":
        return _install(args, config_file, data_dir, stream)
    if args.action == "remove":
        return _remove(args.name, config_file, stream)
    return _status(args.name, config_file, stream)


def _winsw(exe: Path, *command: str) -> int:
    # WinSW prints its own progress (and asks for the account with /p) on this console
    sys.stdout.flush()
    return subprocess.run([str(exe), *command], check=False).returncode  # noqa: S603  # our own copy of WinSW, fixed arguments


def _install(args: argparse.Namespace, config_file: Path, data_dir: Path, out: TextIO) -> int:
    exe, xml = service_files(config_file, args.name)
    if xml.exists():
        print(
            f"{xml} exists: the service is installed. Run `tradechat service remove` first.",
            file=out,
        )
        return 1
    if args.winsw is None or not args.winsw.is_file():
        print(
            f"Download {WINSW} and pass its path: tradechat service install --winsw PATH", file=out
        )
        return 2
    spec = build_spec(args.name, config_file, data_dir, args.exe)
    if not spec.executable.is_file():
        print(f"{spec.executable} not found: pass the tradechat.exe to run with --exe", file=out)
        return 2
    if not spec.config_file.is_file():
        print(f"{spec.config_file} not found: create it with `tradechat init`", file=out)
        return 2
    xml.parent.mkdir(parents=True, exist_ok=True)
    spec.log_dir.mkdir(parents=True, exist_ok=True)
    xml.write_text(winsw_xml(spec), encoding="utf-8")
    shutil.copy2(args.winsw, exe)
    code = _winsw(exe, "install", *(["/p"] if args.account else []))
    if code != 0:
        xml.unlink()
        exe.unlink()
        print(
            f"WinSW could not install the service (exit {code}); run PowerShell as Administrator.",
            file=out,
        )
        return code
    if not args.no_start:
        code = _winsw(exe, "start")
    print(
        f"service {args.name}: installed, settings {spec.config_file}, logs {spec.log_dir}",
        file=out,
    )
    return code


def _remove(name: str, config_file: Path, out: TextIO) -> int:
    exe, xml = service_files(config_file, name)
    if not exe.exists():
        print(f"service {name} is not installed from here ({exe} is missing)", file=out)
        return 1
    _winsw(exe, "stop")  # fails harmlessly when it is already stopped
    code = _winsw(exe, "uninstall")
    if code != 0:
        print(
            f"WinSW could not remove the service (exit {code}); run PowerShell as Administrator.",
            file=out,
        )
        return code
    xml.unlink(missing_ok=True)
    exe.unlink()
    print(f"service {name}: removed (settings, data and logs are kept)", file=out)
    return 0


def _status(name: str, config_file: Path, out: TextIO) -> int:
    exe, xml = service_files(config_file, name)
    if not exe.exists():
        print(f"service {name} is not installed from here ({exe} is missing)", file=out)
        return 1
    print(f"service {name} ({xml}):", file=out, flush=True)
    return _winsw(exe, "status")
