"""`make bench`'s runner: bench modules plug in by the documented interface (a
`bench_<name>.py` with `run() -> str`, an optional ORDER), a plain run writes nothing, WRITE=1
writes the document, a failing module is reported and the others still run."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from bench import run as bench_run

MODULES = {
    "bench_zeta.py": 'ORDER = 10\ndef run() -> str:\n    return "## Zeta\\n\\nz\\n"\n',
    "bench_alpha.py": 'def run() -> str:\n    print("alpha working")\n    return "## Alpha\\n"\n',
    "bench_broken.py": 'def run() -> str:\n    raise RuntimeError("no terminal")\n',
    "bench_helpers.py": "SHARED = 1  # no run(): a helper module, not a bench\n",
}


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    name = f"benchpkg_{tmp_path.name.replace('-', '_')}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("", encoding="utf-8")
    for file, text in MODULES.items():
        (folder / file).write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return folder, name


def test_modules_are_found_by_name_and_run_in_order_then_name(package: tuple[Path, str]) -> None:
    folder, name = package
    found = bench_run.discover(folder=folder, package=name)
    assert [b.name for b in found] == ["bench_zeta", "bench_alpha", "bench_broken"]
    only = bench_run.discover(["alpha", "bench_zeta"], folder=folder, package=name)
    assert [b.name for b in only] == ["bench_zeta", "bench_alpha"]
    with pytest.raises(SystemExit, match="bench_nothing"):
        bench_run.discover(["nothing"], folder=folder, package=name)


def test_a_plain_run_prints_and_writes_nothing(
    package: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, name = package
    out = tmp_path / "docs" / "BENCHMARKS.md"
    status = bench_run.main(["alpha", "zeta"], folder=folder, package=name, out=out)
    assert status == 0
    assert not out.exists()
    printed = capsys.readouterr().out
    assert "alpha working" in printed
    assert "## Zeta" in printed
    assert "not written" in printed


def test_write_puts_every_section_in_the_document_and_a_failure_is_marked(
    package: tuple[Path, str], tmp_path: Path
) -> None:
    folder, name = package
    out = tmp_path / "docs" / "BENCHMARKS.md"
    assert bench_run.main(["--write"], folder=folder, package=name, out=out) == 1
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n")
    assert text.index("## Zeta") < text.index("## Alpha") < text.index("## bench_broken")
    assert "FAILED" in text


def test_writing_some_modules_replaces_their_sections_and_keeps_the_others(
    package: tuple[Path, str], tmp_path: Path
) -> None:
    folder, name = package
    out = tmp_path / "BENCHMARKS.md"
    bench_run.main(["--write", "alpha", "zeta"], folder=folder, package=name, out=out)
    (folder / "bench_zeta.py").write_text(
        'ORDER = 10\ndef run() -> str:\n    return "## Zeta\\n\\nsecond run\\n"\n', encoding="utf-8"
    )
    sys.modules.pop(f"{name}.bench_zeta", None)
    importlib.invalidate_caches()
    bench_run.main(["--write", "zeta"], folder=folder, package=name, out=out)
    text = out.read_text(encoding="utf-8")
    assert "second run" in text
    assert text.count("## Zeta") == 1
    assert "## Alpha" in text  # kept from the first run
    assert text.index("## Zeta") < text.index("## Alpha")
