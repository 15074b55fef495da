"""What `run` and `chat` say as they start: the paper-demo banner, and where the settings and
the data folder are (a trader who started the bot from the wrong folder sees it at once)."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings
from handlers.i18n import t


def paper_demo_banner(settings: Settings) -> str:
    return t(settings.app.language, "cli_paper_demo", data=settings.app.data_dir.resolve())


def where_line(settings: Settings, settings_file: Path | None) -> str:
    """One line: the settings file (or none, in the paper demo) and the data folder."""
    lang = settings.app.language
    shown = str(settings_file) if settings_file else t(lang, "cli_where_no_file")
    return t(lang, "cli_where", settings=shown, data=settings.app.data_dir.resolve())


def is_first_run(settings: Settings) -> bool:
    """Nothing in the data folder yet (`tradechat init` makes it empty): the first start."""
    folder = settings.app.data_dir
    return not folder.is_dir() or not any(folder.iterdir())
