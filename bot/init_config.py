"""`tradechat init [FOLDER]`: a commented settings.toml and a data folder, ready to edit.

The template is `bot/settings_template.toml`, shipped inside the package (a wheel or `pipx`
install has no checkout to copy from); a test keeps it identical to the repository's
settings.toml. An existing settings file is never overwritten."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

SETTINGS_FILE = "settings.toml"
TEMPLATE = "settings_template.toml"


@dataclass(frozen=True)
class InitResult:
    settings_file: Path
    data_dir: Path
    created: bool  # False: the settings file was already there and is untouched


def template_text() -> str:
    return resources.files("bot").joinpath(TEMPLATE).read_text(encoding="utf-8")


def init_folder(folder: Path) -> InitResult:
    """Write FOLDER/settings.toml from the template and create its data folder.

    A relative `data_dir` is relative to the folder the bot runs in; the service and the
    systemd unit run it in this folder, so the data folder is made here."""
    folder = folder.resolve()
    settings_file = folder / SETTINGS_FILE
    text = template_text()
    data_dir = folder / Path(tomllib.loads(text)["app"]["data_dir"])
    if settings_file.exists():
        return InitResult(settings_file, data_dir, created=False)
    folder.mkdir(parents=True, exist_ok=True)
    # "x": never replace a file that appeared since the check above
    with settings_file.open("x", encoding="utf-8", newline="\n") as f:
        f.write(text)
    data_dir.mkdir(parents=True, exist_ok=True)
    return InitResult(settings_file, data_dir, created=True)


def describe(result: InitResult) -> str:
    if not result.created:
        return (
            f"{result.settings_file} already exists and was not changed.\n"
            "Edit it, or rename it and run `tradechat init` again for a fresh copy."
        )
    folder = result.settings_file.parent
    return "\n".join(
        [
            f"settings: {result.settings_file}",
            f"data:     {result.data_dir}  (database, paper account, logs)",
            "",
            "Next:",
            f"  1. edit {result.settings_file.name}: [broker] kind, [[users]], platforms",
            "  2. put secrets in environment variables (the *_env keys name them)",
            f'  3. tradechat --config "{result.settings_file}" check-config',
            f"  4. run the bot from {folder}: tradechat run",
        ]
    )


def run_init(folder: Path, out: TextIO) -> int:
    """The `init` command: 0 when written, 1 when a settings file was already there."""
    result = init_folder(folder)
    print(describe(result), file=out)
    return 0 if result.created else 1
