"""Console streams on GBK and cp1252 code pages: printing and reading never raise."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.textio import enable_line_editing, is_windows_console, make_safe, setup_console

ROOT = Path(__file__).resolve().parents[2]
TEXT = "» 黄金 📈 EURUSD"

SCRIPT_PRINT = """
import sys
from bot.textio import setup_console
setup_console()
print("» 黄金 📈 EURUSD")
print("err » 📈", file=sys.stderr)
"""

SCRIPT_READ = """
import sys
from bot.textio import setup_console
setup_console()
line = sys.stdin.readline()
print("got", len(line), "chars")
"""

SCRIPT_UNPROTECTED = 'print("» 黄金 📈 EURUSD")\n'


def _wrapped(encoding: str, data: bytes = b"") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding)


@pytest.mark.parametrize("encoding", ["gbk", "cp1252"])
def test_printing_any_character_on_a_narrow_code_page_does_not_raise(encoding: str) -> None:
    stream = _wrapped(encoding)
    setup = make_safe(stream)
    print(TEXT, file=stream)
    stream.flush()
    written = stream.buffer.getvalue().decode(encoding)  # type: ignore[attr-defined]
    assert setup.changed
    assert setup.encoding == encoding
    assert "EURUSD" in written
    assert "?" in written  # the emoji at least has no place in either code page


def test_gbk_keeps_chinese_and_replaces_what_it_cannot_encode() -> None:
    stream = _wrapped("gbk")
    make_safe(stream)
    print(TEXT, file=stream)
    stream.flush()
    written = stream.buffer.getvalue().decode("gbk")  # type: ignore[attr-defined]
    assert "黄金" in written
    assert "📈" not in written


def test_cp1252_keeps_the_guillemet() -> None:
    stream = _wrapped("cp1252")
    make_safe(stream)
    print(TEXT, file=stream)
    stream.flush()
    assert stream.buffer.getvalue().startswith("» ".encode("cp1252"))  # type: ignore[attr-defined]


def test_without_the_setup_the_same_print_raises() -> None:
    # the simulation is faithful: this is the crash the setup prevents
    stream = _wrapped("gbk")
    with pytest.raises(UnicodeEncodeError):
        print(TEXT, file=stream)


@pytest.mark.parametrize("encoding", ["gbk", "cp1252", "utf-8"])
def test_reading_undecodable_bytes_does_not_raise(encoding: str) -> None:
    raw = b"buy \x81\xff\xfe gold\n" if encoding != "cp1252" else b"buy \x81\x8d gold\n"
    stream = _wrapped(encoding, raw)
    make_safe(stream)
    line = stream.readline()
    assert line.startswith("buy ")
    assert line.rstrip("\n").endswith("gold")
    assert "\ufffd" in line


def test_a_windows_console_is_switched_to_utf8() -> None:
    stream = _wrapped("gbk")
    setup = make_safe(stream, windows_console=True)
    print(TEXT, file=stream)
    stream.flush()
    assert setup.encoding == "utf-8"
    assert stream.buffer.getvalue().decode("utf-8") == TEXT + "\n"  # type: ignore[attr-defined]


def test_a_stream_that_cannot_be_reconfigured_is_left_alone() -> None:
    stream = io.StringIO()
    setup = make_safe(stream)
    assert not setup.changed
    print(TEXT, file=stream)
    assert stream.getvalue() == TEXT + "\n"


def test_an_already_safe_stream_is_not_touched_again() -> None:
    stream = _wrapped("gbk")
    assert make_safe(stream).changed
    assert not make_safe(stream).changed


def test_a_file_is_never_taken_for_a_windows_console(tmp_path: Path) -> None:
    with (tmp_path / "out.txt").open("w", encoding="utf-8") as f:
        assert not is_windows_console(f)


def test_line_editing_is_reported_as_this_python_has_it() -> None:
    try:
        import readline  # noqa: F401
    except ImportError:
        expected = False
    else:
        expected = True
    assert enable_line_editing() is expected


def test_setup_console_reports_every_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err, inp = _wrapped("cp1252"), _wrapped("gbk"), _wrapped("gbk", b"\xff\n")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdin", inp)
    setup = setup_console(line_editing=False)
    assert (setup.stdout.encoding, setup.stdout.errors) == ("cp1252", "replace")
    assert (setup.stderr.encoding, setup.stderr.errors) == ("gbk", "replace")
    assert setup.stdin.errors == "replace"
    assert setup.line_editing is False
    assert sys.stdin.readline() == "\ufffd\n"


def test_setup_console_without_standard_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(sys, "stdin", None)
    setup = setup_console(line_editing=False)
    assert not setup.stdout.changed


def _run(script: str, encoding: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONUTF8", None)
    return subprocess.run(
        [sys.executable, "-X", "utf8=0", "-c", script],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("encoding", ["cp1252", "gbk"])
def test_a_process_on_a_narrow_code_page_prints_emoji_and_cjk(encoding: str) -> None:
    done = _run(SCRIPT_PRINT, encoding)
    assert done.returncode == 0, done.stderr.decode(encoding, "replace")
    out = done.stdout.decode(encoding)
    assert "EURUSD" in out
    assert "err " in done.stderr.decode(encoding)
    if encoding == "gbk":
        assert "黄金" in out
    else:
        assert out.startswith("» ")


def test_the_same_process_without_the_setup_crashes() -> None:
    done = _run(SCRIPT_UNPROTECTED, "gbk")
    assert done.returncode != 0
    assert b"UnicodeEncodeError" in done.stderr


@pytest.mark.parametrize("encoding", ["cp1252", "gbk", "utf-8"])
def test_a_process_reads_undecodable_input(encoding: str) -> None:
    done = _run(SCRIPT_READ, encoding, stdin=b"buy \x81\xff gold\n")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.startswith(b"got ")
