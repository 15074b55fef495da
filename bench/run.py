"""`make bench`: discover and run every bench module, print the numbers; write
docs/BENCHMARKS.md only when asked (`make bench WRITE=1`), so a plain run leaves the tree clean.

The interface a bench module plugs in with (no edit of this file needed):

- it is a file `bench/bench_<name>.py`;
- it defines `run() -> str`, which measures and returns one Markdown section starting with a
  `## ` heading (it may print progress while it runs);
- it may define `ORDER: int` (default 50): sections are run and written in ascending ORDER,
  then by name;
- it measures in its own processes where memory or start-up is the point (a module shares
  this process with the modules before it), and never asserts on a timing.

`python -m bench.run [--write] [NAME ...]` runs the named modules only (`reports` or
`bench_reports`); `make bench ONLY="reports startup"` does the same. With `--write`, a run of
some modules replaces only their sections of docs/BENCHMARKS.md (each section sits between
`<!-- bench:NAME -->` markers) and keeps the others. A module that raises is reported as
failed (exit status 1) and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "BENCHMARKS.md"
DEFAULT_ORDER = 50


@dataclass(frozen=True)
class BenchModule:
    name: str  # "bench_reports"
    order: int
    module: ModuleType


def discover(
    names: Sequence[str] = (), folder: Path = HERE, package: str = "bench"
) -> list[BenchModule]:
    """Every `<folder>/bench_*.py` with a `run()`, in ORDER then name; only `names` if given."""
    wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in names}
    found: list[BenchModule] = []
    for path in sorted(folder.glob("bench_*.py")):
        name = path.stem
        if wanted and name not in wanted:
            continue
        mod = importlib.import_module(f"{package}.{name}")
        if not callable(getattr(mod, "run", None)):
            continue
        found.append(BenchModule(name, int(getattr(mod, "ORDER", DEFAULT_ORDER)), mod))
    missing = wanted - {b.name for b in found}
    if missing:
        raise SystemExit(f"no bench module named {', '.join(sorted(missing))}")
    return sorted(found, key=lambda b: (b.order, b.name))


def run_all(benches: Sequence[BenchModule]) -> tuple[dict[str, str], int]:
    sections: dict[str, str] = {}
    failed = 0
    for b in benches:
        print(f"== {b.name}", flush=True)
        t0 = time.perf_counter()
        try:
            section = b.module.run()
        except Exception:
            failed += 1
            traceback.print_exc()
            section = f"## {b.name}\n\nFAILED — see the console output of `make bench`.\n"
        print(section, flush=True)
        print(f"({b.name}: {time.perf_counter() - t0:.1f} s)\n", flush=True)
        sections[b.name] = section.strip() + "\n"
    return sections, failed


def _marked(name: str, section: str) -> str:
    return f"<!-- bench:{name} -->\n{section.strip()}\n<!-- /bench:{name} -->\n"


def _kept_sections(old: str) -> dict[str, str]:
    """The sections of an earlier document, by module name (from their markers)."""
    kept: dict[str, str] = {}
    for part in old.split("<!-- bench:")[1:]:
        name, _sep, rest = part.partition(" -->\n")
        body, end, _tail = rest.partition(f"<!-- /bench:{name} -->")
        if end:
            kept[name] = body.strip() + "\n"
    return kept


def document(sections: dict[str, str], old: str = "", order: Sequence[str] = ()) -> str:
    """The whole document: these sections, and those of `old` that were not run again, in
    `order` (the discovered modules') and then any others."""
    merged = {**_kept_sections(old), **sections}
    names = [n for n in order if n in merged] + [n for n in merged if n not in order]
    head = (
        "# Benchmarks\n\n"
        f"Written by `make bench WRITE=1` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — "
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count() or 1} cores. Numbers are from one run on this machine; compare runs "
        "on the same machine only.\n"
    )
    return head + "\n" + "\n".join(_marked(n, merged[n]) for n in names)


def main(
    argv: Sequence[str] | None = None,
    *,
    folder: Path = HERE,
    package: str = "bench",
    out: Path = OUT,
) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description="run the benchmarks")
    ap.add_argument("--write", action="store_true", help="write docs/BENCHMARKS.md")
    ap.add_argument("names", nargs="*", help="bench modules to run (default: all)")
    args = ap.parse_args(argv)
    sections, failed = run_all(discover(args.names, folder, package))
    if args.write:
        old = out.read_text(encoding="utf-8") if out.exists() and args.names else ""
        order = [b.name for b in discover(folder=folder, package=package)]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(document(sections, old, order), encoding="utf-8")
        print(f"wrote {out}")
    else:
        print("(not written: `make bench WRITE=1` writes docs/BENCHMARKS.md)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
