"""Shared helpers of the benchmark scripts: timing, tables, the machine's description."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# The polychat under test: this checkout's src/, or another tree (POLYCHAT_SRC=/path/to/src) to
# compare two versions on the same machine in the same minutes.
SRC = Path(os.environ.get("POLYCHAT_SRC") or ROOT / "src").resolve()
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def child_env() -> dict[str, str]:
    """The environment of a child interpreter that imports the same polychat (``SRC``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    return env


@dataclass(frozen=True)
class Timing:
    """Seconds per round of several timed rounds (the first, warm-up, rounds are not in it)."""

    rounds: list[float]

    @property
    def best(self) -> float:
        """The fastest round."""
        return min(self.rounds)

    @property
    def median(self) -> float:
        """The median round."""
        return statistics.median(self.rounds)


def timed(setup: Callable[[], object], run: Callable[[object], object], *, rounds: int = 5,
          warmup: int = 1) -> Timing:
    """Time ``run(setup())`` ``rounds`` times after ``warmup`` untimed rounds.

    ``setup`` is not timed (it builds fresh inputs: new ids, so dedup never short-circuits).
    """
    out = []
    for n in range(warmup + rounds):
        prepared = setup()
        start = time.perf_counter()
        run(prepared)
        elapsed = time.perf_counter() - start
        if n >= warmup:
            out.append(elapsed)
    return Timing(out)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, title: str = "") -> str:
    """A GitHub-flavoured markdown table (readable as plain text too)."""
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if i else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(row, widths, strict=True))) + " |"

    out = [f"\n### {title}\n"] if title else []
    out.append(line(cells[0]))
    out.append("|" + "|".join("-" * (w + 1) + ":" if i else "-" * (w + 2)
                              for i, w in enumerate(widths)) + "|")
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def rate(count: int, seconds: float) -> float:
    """Items per second."""
    return count / seconds if seconds > 0 else float("inf")


def verdict(ok: bool) -> str:
    """The word a results table shows for a target."""
    return "met" if ok else "NOT met"


def machine() -> list[tuple[str, str]]:
    """What this ran on: CPU model, cores, Python, OS."""
    cpu = "unknown"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]


def package_versions(*names: str) -> str:
    """``name version`` of each installed distribution (``name missing`` when absent)."""
    from importlib import metadata

    out = []
    for name in names:
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} missing")
    return ", ".join(out)
