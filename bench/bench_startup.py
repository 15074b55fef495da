"""Start-up as a user meets it: `tradechat parse` from launch to its answer, `tradechat chat`
from launch to the first answer, and the memory of an idle `tradechat run`.

Every figure is a fresh process (`python -m bot.cli …`) on a new paper account in a temporary
folder; runs of the commands are interleaved and the medians shown, the first (cold) run of
each left out. `BENCH_STARTUP_ROOT=/path/to/a/checkout` measures another copy of the code
with this interpreter (e.g. an older commit unpacked with `git archive`), for a before/after.
"""

from __future__ import annotations

import os
import platform
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
ROOT = Path(os.environ.get("BENCH_STARTUP_ROOT") or Path(__file__).resolve().parent.parent)
IDLE_SETTLE_S = 3.0  # how long `run` idles after it says it is running before RSS is read
# the QQ listener gives `run` a platform to wait on; its token is a made-up bench value
_QQ_TOKEN_ENV = "TRADECHAT_BENCH_QQ_TOKEN"


def _env() -> dict[str, str]:
    env = {**os.environ, _QQ_TOKEN_ENV: "bench-only-token"}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if "PYTHONPATH" in env else "")
    return env


def _settings(folder: Path, port: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.toml"
    qq = (
        f'[qq]\nenabled = true\nlisten_port = {port}\naccess_token_env = "{_QQ_TOKEN_ENV}"\n'
        if port
        else ""
    )
    path.write_text(
        f'[app]\ndata_dir = "{folder / "data"}"\nlanguage = "en"\n'
        '[broker]\nkind = "paper"\n[broker.paper]\ndemo_history_days = 0\n'
        '[telegram]\ntoken_env = ""\n' + qq,
        encoding="utf-8",
    )
    return path


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def _parse_s(folder: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        _cli("parse", "--engine", "rules", "买入0.01手黄金"),
        cwd=folder, env=_env(), capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    return time.perf_counter() - t0


def _chat_first_answer_s(folder: Path, settings: Path) -> float:
    """From launch until the answer to "balance" is printed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        _cli("--config", str(settings), "chat"), cwd=folder, env=_env(), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write("balance\n")
    proc.stdin.flush()
    answered = None
    for line in proc.stdout:
        if "10,000" in line or "10000" in line:
            answered = time.perf_counter() - t0
            break
    proc.stdin.write("exit\n")
    proc.stdin.close()
    proc.wait(timeout=60)
    if answered is None:
        raise RuntimeError("tradechat chat gave no balance answer")
    return answered


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _idle_run_mib(folder: Path) -> float:
    """RSS of `tradechat run` idling with one listening platform (QQ on a loopback port),
    in a folder of its own (a log left by an earlier run would say "running" too early)."""
    settings = _settings(folder, _free_port())
    log = folder / "data" / "logs" / "tradechat.log"
    proc = subprocess.Popen(
        _cli("--config", str(settings), "run"), cwd=folder, env=_env(),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if log.exists() and "tradechat running" in log.read_text(encoding="utf-8"):
                break
            if proc.poll() is not None:
                err = proc.stderr.read() if proc.stderr else ""
                raise RuntimeError(f"tradechat run exited: {err[-500:]}")
            select.select([], [], [], 0.1)
        time.sleep(IDLE_SETTLE_S)
        return _rss_mib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def run() -> str:
    parse: list[float] = []
    chat: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = _settings(folder)
        for i in range(RUNS + 1):  # interleaved; the first, cold, round is left out
            p, c = _parse_s(folder), _chat_first_answer_s(folder, settings)
            if i:
                parse.append(p)
                chat.append(c)
        print(
            f"  startup: parse {statistics.median(parse):.2f} s, chat {statistics.median(chat):.2f} s"
        )
        idle = [_idle_run_mib(folder / f"run-{i}") for i in range(3)]
    lines = [
        "## Start-up",
        "",
        f"Fresh processes on a new paper account, medians of {RUNS} interleaved warm runs"
        + (f" (code at `{ROOT}`)" if "BENCH_STARTUP_ROOT" in os.environ else "")
        + ".",
        "",
        "| what | median | spread |",
        "|---|---:|---:|",
        f"| `tradechat parse TEXT` (launch → intent printed) | {statistics.median(parse):.2f} s "
        f"| {min(parse):.2f}–{max(parse):.2f} s |",
        f"| `tradechat chat` (launch → first answer) | {statistics.median(chat):.2f} s "
        f"| {min(chat):.2f}–{max(chat):.2f} s |",
        f"| idle `tradechat run` RSS (one QQ listener, {IDLE_SETTLE_S:.0f} s after start) "
        f"| {statistics.median(idle):.0f} MiB | {min(idle):.0f}–{max(idle):.0f} MiB |",
        "",
        "matplotlib, numpy and the other chart/indicator libraries are loaded when a chart, an "
        "indicator or a report first needs them (tests/bot/cli/test_lazy_imports.py).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), load average "
        f"{os.getloadavg()[0]:.1f}, Python "
        f"{platform.python_version()}, {platform.system()}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
