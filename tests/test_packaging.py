"""Packaging and deployment files: the license, the pinned mt5linux extra (and its client
importing without a server), the Dockerfile, compose.yaml, .dockerignore and the systemd unit.
Docker itself is not needed: the files are read, and every path they name must exist."""

from __future__ import annotations

import configparser
import gc
import importlib
import importlib.metadata
import re
import socket
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _dockerfile() -> list[str]:
    """Instructions with their continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]


def _mt5linux_requirement() -> Requirement:
    (spec,) = PYPROJECT["project"]["optional-dependencies"]["mt5linux"]
    return Requirement(spec)


def test_the_license_is_mit_with_a_license_file() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the tradechat authors" in text
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]


def test_the_build_backend_understands_spdx_licenses() -> None:
    (setuptools,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    assert Requirement(setuptools).specifier.contains("77.0.0")
    assert not Requirement(setuptools).specifier.contains("76.9")


def test_the_init_template_is_package_data() -> None:
    assert "settings_template.toml" in PYPROJECT["tool"]["setuptools"]["package-data"]["bot"]
    assert (ROOT / "bot" / "settings_template.toml").is_file()


@pytest.mark.parametrize(
    ("version", "allowed"),
    [
        ("0.1.9", False),  # pins cryptography 35
        ("0.2.0", False),  # declares no dependencies: rpyc missing
        ("0.2.2", False),  # pins pyparsing 2.4.7, downgrading matplotlib
        ("0.2.3", True),
        ("0.2.4", True),
        ("1.0.2", True),
        ("1.0.11", True),
        ("1.1.0", False),  # syntax error on 3.11, pulls a Docker image
        ("1.1.1", False),
    ],
)
def test_the_mt5linux_extra_keeps_to_the_line_that_works(version: str, allowed: bool) -> None:
    assert _mt5linux_requirement().name == "mt5linux"
    assert _mt5linux_requirement().specifier.contains(version) is allowed


# rpyc (mt5linux's transport) leaves the socket of a failed connect for the garbage collector;
# that is the library's, and this test is about importing and failing cleanly to the caller
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_mt5linux_client_imports_without_a_server() -> None:
    mt5linux = pytest.importorskip("mt5linux", reason="the mt5linux extra is not installed")
    installed = importlib.metadata.version("mt5linux")
    assert _mt5linux_requirement().specifier.contains(installed), installed
    client = mt5linux.MetaTrader5
    assert isinstance(client, type)
    for method in ("initialize", "order_send", "history_deals_get", "shutdown"):
        assert callable(getattr(client, method))
    assert client.TRADE_ACTION_DEAL == 1
    # with nothing listening the client fails on connect, like a terminal that is down
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OSError):
        client(host="127.0.0.1", port=port)
    gc.collect()  # the leaked socket is reported now, under this test's filters, not later
    assert Version(installed) < Version("1.1")


def test_the_dockerfile_runs_the_bot_as_a_user_with_a_volume_and_a_health_check() -> None:
    lines = _dockerfile()
    froms = [ln for ln in lines if ln.startswith("FROM ")]
    assert all(ln.split()[1] == "python:3.11-slim" for ln in froms)
    users = [ln.split()[1] for ln in lines if ln.startswith("USER ")]
    assert users == ["tradechat"]
    assert any(ln.startswith("VOLUME ") and "/srv/tradechat/data" in ln for ln in lines)
    (health,) = [ln for ln in lines if ln.startswith("HEALTHCHECK ")]
    assert '"tradechat", "check-config"' in health
    assert lines[-1] == 'CMD ["tradechat", "run"]'
    assert any("TRADECHAT_CONFIG=/srv/tradechat/settings.toml" in ln for ln in lines)


def test_every_path_the_dockerfile_copies_exists() -> None:
    for line in _dockerfile():
        if not line.startswith("COPY "):
            continue
        parts = [p for p in line.split()[1:] if not p.startswith("--")]
        *sources, _dest = parts
        if "--from=build" in line:
            # copied out of the build stage, which holds the whole (filtered) checkout
            sources = [s.removeprefix("/src/") for s in sources if s.startswith("/src/")]
        for source in sources:
            assert (ROOT / source).exists(), line


def test_the_paper_terminal_is_what_the_image_runs() -> None:
    settings = tomllib.loads((ROOT / "settings.toml").read_text(encoding="utf-8"))
    assert settings["broker"]["kind"] == "paper"
    assert settings["app"]["data_dir"] == "data"  # /srv/tradechat/data, the volume


def test_the_docker_context_leaves_out_local_state_but_keeps_the_sources() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".git", ".venv", "data", ".env"):
        assert entry in ignored
    for needed in ("pyproject.toml", "README.md", "LICENSE", "settings.toml", "bot", "store"):
        assert needed not in ignored


def test_compose_runs_the_image_with_a_data_volume_and_optional_secrets() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["tradechat"]
    assert service["build"] == "."
    assert service["restart"] == "unless-stopped"
    assert service["env_file"] == [{"path": ".env", "required": False}]
    volume, target = service["volumes"][0].split(":")
    assert target == "/srv/tradechat/data"
    assert volume in compose["volumes"]
    assert "environment" not in service  # secrets never in the file itself


def test_the_systemd_unit_runs_as_its_own_user_and_restarts_on_failure() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "tradechat.service", encoding="utf-8")
    service = unit["Service"]
    assert service["User"] == "tradechat"
    assert service["WorkingDirectory"] == "/srv/tradechat"
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "2"
    assert service["EnvironmentFile"] == "/etc/tradechat/secrets.env"
    assert service["ExecStart"] == "/opt/tradechat/.venv/bin/tradechat run"
    assert service["ReadWritePaths"] == "/srv/tradechat/data"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert "network-online.target" in unit["Unit"]["After"]


def test_the_secrets_example_names_only_variables_the_settings_read() -> None:
    names = re.findall(
        r"^#?\s*(TRADECHAT_[A-Z_]+)=",
        (ROOT / "deploy" / "secrets.env.example").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    settings_text = (ROOT / "settings.toml").read_text(encoding="utf-8")
    assert names
    for name in names:
        assert f'"{name}"' in settings_text, name


def test_the_deploy_guide_covers_every_target() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needle in (
        "py -m venv .venv",
        r'.\.venv\Scripts\pip install -e ".[mt5]"',
        "tradechat init",
        "[Environment]::SetEnvironmentVariable",
        "tradechat service install",
        "Allow Algo Trading",
        "deploy/tradechat.service",
        "docker compose",
        "17 round trips",
    ):
        assert needle in text, needle


def test_importing_the_deploy_modules_needs_nothing_windows_only() -> None:
    for name in ("bot.textio", "bot.logs", "bot.service", "bot.init_config"):
        importlib.import_module(name)


def _locked(lock: str) -> dict[str, list[tuple[Version, str]]]:
    """name → [(version, marker)] of a requirements/*.lock written by `make lock`."""
    pins: dict[str, list[tuple[Version, str]]] = {}
    for line in (ROOT / "requirements" / lock).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith((" ", "#")):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", line
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        pins.setdefault(name, []).append((Version(spec.version), str(req.marker or "")))
    return pins


@pytest.mark.parametrize(("lock", "extra"), [("run.lock", None), ("dev.lock", "dev")])
def test_every_dependency_is_pinned_in_the_lock_within_its_range(
    lock: str, extra: str | None
) -> None:
    """A dependency added to pyproject.toml without `make lock` fails here, not on CI's
    install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    if extra:
        wanted += project["optional-dependencies"][extra]
    pins = _locked(lock)
    for text in wanted:
        req = Requirement(text)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{req.name} is not in requirements/{lock}: run `make lock`"
        for version, _marker in pins[name]:
            assert req.specifier.contains(version, prereleases=True), (
                f"{req.name} {version} in requirements/{lock} is outside {req.specifier}"
            )


def _docker_engine() -> bool:
    import shutil
    import subprocess

    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(
    not _docker_engine(), reason="no Docker engine on this machine (the client alone cannot build)"
)
def test_the_image_builds_where_docker_runs() -> None:
    import subprocess

    done = subprocess.run(
        ["docker", "build", "-q", "-t", "tradechat:test", str(ROOT)],
        capture_output=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
