"""`tradechat check-config`: load and validate the settings file (loading already checked
it: a bad file never gets this far, `main` prints what is wrong and exits 2)."""

from __future__ import annotations

from bot.settings import Settings, config_path


def run_check_config(settings: Settings, config: str | None) -> int:
    print(f"{config_path(config)}: OK (broker: {settings.broker.kind})")
    return 0
