"""`tradechat check-config`: load and validate the settings file (loading already checked
it: a bad file never gets this far, `main` prints what is wrong and exits 2), then refuse the
listeners and connections that would run without their secret (`listener_problems`): a QQ
OneBot connection without an access token on any host, and a QQ / WeCom / Telegram-webhook
listener on a non-loopback host without its secret. Exit 2 names each key and environment
variable to set."""

from __future__ import annotations

import sys

from bot.settings import Settings, config_path, listener_problems


def run_check_config(settings: Settings, config: str | None) -> int:
    path = config_path(config)
    problems = listener_problems(settings)
    if problems:
        print(f"{path}: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    print(f"{path}: OK (broker: {settings.broker.kind})")
    return 0
