"""Webhook ingest in CPU instructions per event, counted by valgrind: a figure a busy machine
cannot move.

Timings on a shared 2-core VM move by ±40% between runs (see ``results.md``); instruction counts
do not (they vary by well under 1% between runs). This script runs each receiver of
``ingest.py`` (polychat's ``hub.handle``, the hmac + ``json.loads`` floor, pywa) in a child
interpreter under ``valgrind --tool=cachegrind --cache-sim=no`` twice: once preparing the bodies
and handling them, once only preparing them. The difference, divided by the number of events,
is what handling one event costs, start-up and body preparation excluded. The ratios (% of the
floor, polychat ÷ pywa) are the ones ``ingest.py`` times, in instructions instead of seconds.
Instructions are not time (a cache miss costs more than an add), so the timed tables stay the
reference; this one is for comparing trees and checking a claimed speed-up.

Needs ``valgrind`` (``apt-get install valgrind``); not part of ``run.py`` (about 4 minutes).
Run: ``python bench/instructions.py [--polychat-only] [platform ...]``;
``POLYCHAT_SRC=/other/src`` counts another tree (``--polychat-only`` skips the floor and pywa,
which do not depend on it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from typing import Any

import _common
from _common import table

# (platform, items per body, bodies): about 200-300 events each, enough to drown the noise.
CASES = (("whatsapp", 1, 200), ("whatsapp", 100, 3), ("messenger", 1, 200),
         ("messenger", 100, 3), ("apple", 1, 200))

_CHILD = r"""
import asyncio, sys
sys.path.insert(0, BENCH)
import _common, ingest
from _bodies import batches
platform, receiver, run = sys.argv[1], sys.argv[4], sys.argv[5] == "run"
n, bodies = int(sys.argv[2]), int(sys.argv[3])
if receiver == "polychat":
    go = ingest.polychat_runner(ingest.make_hub(), platform, asyncio.new_event_loop())
elif receiver == "pywa":
    go = ingest.pywa_runner(ingest.pywa_client())
else:
    go = ingest.apple_floor if platform == "apple" else ingest.meta_floor
go(batches(platform, n, 3))  # warm-up: validators, caches and imports done before counting
prepared = batches(platform, n, bodies)
if run:
    go(prepared)
"""

_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(platform: str, n: int, bodies: int, receiver: str, run: bool) -> int:
    """Instructions valgrind counts for one child interpreter."""
    code = f"BENCH = {str(_common.BENCH)!r}\n" + _CHILD
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", code, platform, str(n), str(bodies), receiver,
         "run" if run else "prepare"],
        capture_output=True, text=True, env=_common.child_env(), check=True)
    found = _REFS.search(done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_event(platform: str, n: int, bodies: int, receiver: str) -> float:
    """Instructions one event costs ``receiver`` (handled minus prepared only)."""
    handled = count(platform, n, bodies, receiver, True)
    prepared = count(platform, n, bodies, receiver, False)
    return (handled - prepared) / (n * bodies)


def run(platforms: tuple[str, ...] = ("whatsapp", "messenger", "apple"), *,
        compare: bool = True) -> dict[str, Any]:
    """Count every case of ``platforms``; print the table; return the figures. Without
    ``compare``, only polychat is counted (the floor and pywa do not depend on the tree)."""
    if shutil.which("valgrind") is None:
        print("valgrind not installed (apt-get install valgrind): instruction counts skipped")
        return {}
    try:
        import pywa  # noqa: F401
        has_pywa = True
    except ImportError:
        has_pywa = False
    rows, figures = [], {}
    best_pywa: float | None = None  # pywa's cheapest delivered event so far (its 1-item bodies)
    for platform, n, bodies in CASES:
        if platform not in platforms:
            continue
        ours = per_event(platform, n, bodies, "polychat")
        floor = per_event(platform, n, bodies, "floor") if compare else float("nan")
        with_pywa = compare and has_pywa and platform == "whatsapp"
        theirs = per_event(platform, n, bodies, "pywa") if with_pywa else None
        # pywa delivers one event per body: its cost per delivered event is its cost per body.
        theirs_delivered = None if theirs is None else theirs * n
        if theirs_delivered is not None:
            best_pywa = min(theirs_delivered, best_pywa or theirs_delivered)
        versus = None if theirs_delivered is None or best_pywa is None else best_pywa / ours
        figures[f"{platform} {n}"] = {"polychat": ours, "floor": floor, "pywa": theirs_delivered}
        rows.append([platform, n, f"{ours:,.0f}", f"{floor:,.0f}", f"{floor / ours:.0%}",
                     "—" if theirs_delivered is None else f"{theirs_delivered:,.0f}",
                     "—" if versus is None else f"{versus:.2f}×"])
    print(table(["platform", "items/body", "polychat instr/event", "floor instr/event",
                 "% of floor", "pywa instr/delivered event", "polychat ÷ pywa"], rows,
                title="Webhook ingest in CPU instructions per event (valgrind)"))
    print("pywa delivers one event per body, so its cost per delivered event is its cost per "
          "body; 'polychat ÷ pywa' divides pywa's cheapest delivered event (its 1-item bodies) "
          "by polychat's cost per event, as ingest.py does with rates (> 1: polychat needs "
          "fewer instructions per event).")
    return figures


if __name__ == "__main__":
    names = tuple(a for a in sys.argv[1:] if not a.startswith("--"))
    run(names or ("whatsapp", "messenger", "apple"), compare="--polychat-only" not in sys.argv)
