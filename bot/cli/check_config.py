"""`tradechat check-config`: load and validate the settings file (loading already checked each
key's type and range, and that the file exists: a bad file never gets this far, `main` prints
what is wrong and exits 2), then everything `run` would trip on (`bot/config_checks.py`): time
zones, the broker kind's package on this platform, the database driver, the data folder, each
enabled platform's secrets (`listener_problems`) and its addresses. Exit 2 lists every problem
with its key, where the value came from and the fix; `run` refuses the same ones with the same
lines."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.config_checks import ALL, config_problems
from bot.settings import Settings


def run_check_config(settings: Settings, settings_file: Path | None) -> int:
    problems = config_problems(settings, settings_file, ALL)
    if problems:
        print(f"{settings_file}: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(
        f"{settings_file}: OK (broker: {settings.broker.kind}; data folder: "
        f"{settings.app.data_dir.resolve()})"
    )
    return 0
