"""`tradechat logs [--tail N]`: the end of the log file in the data folder, reaching into the
rotated backups when the current file is short."""

from __future__ import annotations

import sys

from bot.logs import log_file_path, tail
from bot.settings import Settings


def run_logs(settings: Settings, *, lines: int = 50, file_name: str = "tradechat.log") -> int:
    path = log_file_path(settings.app.data_dir, file_name)
    try:
        found = tail(path, max(lines, 1))
    except FileNotFoundError:
        print(f"no log yet at {path}", file=sys.stderr)
        return 1
    print("\n".join(found))
    return 0
