"""Run the polychat benchmarks: one command, every section, tables on stdout.

    python bench/run.py                    # all sections (about 3 minutes on 2 cores)
    python bench/run.py ingest scaling     # some sections
    python bench/run.py --write            # also refresh the measured part of bench/results.md

Sections: ``footprint`` (import time, memory), ``ingest`` (webhook events/s vs the floor and
pywa), ``scaling`` (1 → 1000 items per body), ``outbound`` (sends/s vs raw httpx). Nothing here
asserts a speed: each section prints a table saying whether its target was met, and exits 0.
``POLYCHAT_SRC=/path/to/other/src`` benchmarks another polychat tree (before/after a change).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import _common
import footprint
import ingest
import outbound
import scaling

SECTIONS: dict[str, Callable[[], Any]] = {
    "footprint": footprint.run,
    "ingest": ingest.run,
    "scaling": scaling.run,
    "outbound": outbound.run,
}
BEGIN = "<!-- bench:begin (written by bench/run.py --write; edit the notes outside it) -->"
END = "<!-- bench:end -->"


class _Tee(io.TextIOBase):
    """Write to the terminal and keep a copy."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        self.copy.write(text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def header() -> str:
    """The machine and the run, as a markdown list."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    lines = [f"- {name}: {value}" for name, value in _common.machine()]
    lines += [
        f"- date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- load average at start: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)",
        f"- packages: {_common.package_versions('pydantic', 'pydantic-core', 'httpx', 'pywa')}",
        f"- polychat tree: {_common.SRC}",
    ]
    return "\n".join(lines)


def write_results(text: str) -> None:
    """Replace the measured block of bench/results.md with ``text`` (notes around it stay)."""
    path = _common.BENCH / "results.md"
    old = path.read_text() if path.exists() else f"# Benchmark results\n\n{BEGIN}\n{END}\n"
    if BEGIN not in old or END not in old:
        old = old.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    before, _, rest = old.partition(BEGIN)
    _, _, after = rest.partition(END)
    path.write_text(f"{before}{BEGIN}\n{text.strip()}\n{END}{after}")


def main(argv: list[str]) -> int:
    """Run the sections named in ``argv`` (all by default)."""
    write = "--write" in argv
    names = [a for a in argv if not a.startswith("--")] or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)} (have: {', '.join(SECTIONS)})")
        return 2
    tee = _Tee(sys.stdout)
    started = time.perf_counter()
    with contextlib.redirect_stdout(tee):
        print("## Run\n")
        print(header())
        for name in names:
            section_start = time.perf_counter()
            SECTIONS[name]()
            print(f"\n({name}: {time.perf_counter() - section_start:.0f} s)")
        print(f"\n(total: {time.perf_counter() - started:.0f} s)")
    if write:
        write_results(tee.copy.getvalue())
        print(f"wrote {_common.BENCH / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
