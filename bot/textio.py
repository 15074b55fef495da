"""Console streams that survive any code page, and line editing where the platform has it.

A Windows console redirected to a file or a pipe takes the ANSI code page (GBK on a Chinese
VPS, cp1252 on a Western one), and printing "»", an emoji or a CJK name for a symbol there
raised `UnicodeEncodeError` and ended the command. `setup_console()` is called once at start:

- a real Windows console (Python already writes it through the wide-character API since
  PEP 528) is switched to UTF-8, so even the legacy console mode shows every character;
- any other stream keeps its encoding (a redirected file stays readable by the tool that
  reads it) and only stops raising: characters it cannot encode become "?", bytes stdin
  cannot decode become U+FFFD.

`readline` is imported where the platform ships it (Linux, macOS), which gives `input()` line
editing and history; Windows consoles edit lines themselves, so nothing extra is needed there.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
from dataclasses import dataclass
from typing import TextIO

# "replace" keeps output on one line and in the stream's own code page; a redirected log that
# shows "?" for an emoji is better than a command that dies on it.
ERRORS = "replace"


@dataclass(frozen=True)
class StreamSetup:
    """What one stream ended up as (for the start-up message and the tests)."""

    encoding: str
    errors: str
    changed: bool


@dataclass(frozen=True)
class ConsoleSetup:
    stdin: StreamSetup
    stdout: StreamSetup
    stderr: StreamSetup
    line_editing: bool


def make_safe(stream: TextIO, *, windows_console: bool = False) -> StreamSetup:
    """Reconfigure one text stream so reading or writing never raises on a character.

    `windows_console` switches the stream to UTF-8 (only right for a real Windows console,
    which `is_windows_console` detects); otherwise only the error handler changes. A stream
    that cannot be reconfigured (a `StringIO`, a test's capture) is left as it is."""
    encoding = str(getattr(stream, "encoding", None) or "utf-8")
    errors = str(getattr(stream, "errors", None) or "strict")
    if not isinstance(stream, io.TextIOWrapper):
        return StreamSetup(encoding, errors, changed=False)
    if windows_console and encoding.lower().replace("-", "") != "utf8":
        # changing the encoding fails once stdin has been read from; fall back to errors only
        with contextlib.suppress(ValueError, OSError, io.UnsupportedOperation):
            stream.reconfigure(encoding="utf-8", errors=ERRORS)
            return StreamSetup("utf-8", ERRORS, changed=True)
    if errors == ERRORS:
        return StreamSetup(encoding, errors, changed=False)
    try:
        stream.reconfigure(errors=ERRORS)
    except (ValueError, OSError, io.UnsupportedOperation):
        return StreamSetup(encoding, errors, changed=False)
    return StreamSetup(encoding, ERRORS, changed=True)


def is_windows_console(stream: TextIO) -> bool:
    """True when the stream is attached to a real Windows console (not a file, pipe or NUL).

    `isatty()` alone is not enough on Windows: it is also true for the NUL device."""
    if sys.platform != "win32":
        return False
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    import ctypes
    import msvcrt
    from ctypes import wintypes

    handle = msvcrt.get_osfhandle(fileno)
    mode = wintypes.DWORD()
    return bool(ctypes.windll.kernel32.GetConsoleMode(handle, ctypes.byref(mode)))


def _set_console_code_page_utf8() -> None:
    """Legacy console mode (PYTHONLEGACYWINDOWSSTDIO) writes bytes in the console's code page."""
    if sys.platform == "win32":
        import ctypes

        utf8 = 65001
        ctypes.windll.kernel32.SetConsoleOutputCP(utf8)
        ctypes.windll.kernel32.SetConsoleCP(utf8)


def enable_line_editing() -> bool:
    """Import readline when this Python has it; True when `input()` now edits lines."""
    try:
        importlib.import_module("readline")
    except ImportError:
        return False
    return True


def setup_console(*, line_editing: bool = True) -> ConsoleSetup:
    """Make sys.stdin, sys.stdout and sys.stderr safe for any character; call once at start."""
    any_console = False
    results: dict[str, StreamSetup] = {}
    for name in ("stdin", "stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:  # pythonw.exe and some services run without standard streams
            results[name] = StreamSetup("utf-8", "strict", changed=False)
            continue
        console = is_windows_console(stream)
        any_console = any_console or console
        results[name] = make_safe(stream, windows_console=console)
    if any_console:
        _set_console_code_page_utf8()
    editing = enable_line_editing() if line_editing else False
    return ConsoleSetup(results["stdin"], results["stdout"], results["stderr"], editing)
