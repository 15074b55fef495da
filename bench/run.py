"""`make bench`: run every bench module, print the numbers, write docs/BENCHMARKS.md."""

from __future__ import annotations

import importlib
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

MODULES = [
    "bench_nlp",
    "bench_llm",
    "bench_paper",
    "bench_broker",
    "bench_conversation",
    "bench_reports",
    "bench_gateway",
    "bench_remote",
]
OUT = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def main() -> int:
    sections: list[str] = []
    failed = 0
    for name in MODULES:
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                continue
            raise
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            section = mod.run()
        except Exception:
            failed += 1
            traceback.print_exc()
            section = f"## {name}\n\nFAILED — see the console output of `make bench`.\n"
        print(section, flush=True)
        print(f"({name}: {time.perf_counter() - t0:.1f} s)\n", flush=True)
        sections.append(section.strip() + "\n")
    head = (
        "# Benchmarks\n\n"
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — "
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{_cores()} cores. Numbers are from one run on this machine; compare runs on the same "
        "machine only.\n"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(head + "\n" + "\n".join(sections), encoding="utf-8")
    print(f"wrote {OUT}")
    return 1 if failed else 0


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
