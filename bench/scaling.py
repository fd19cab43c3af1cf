"""How ingest cost grows with batch size: 1 → 1000 items in one webhook body.

The same path as ``ingest.py`` (``await hub.handle`` with a no-op handler, fresh ids), for
WhatsApp and Messenger bodies of 1 to 1000 items (Meta batches up to about 1000 items per POST;
Apple posts one message per request, so it has no batch to grow). The cost per event should stay
flat: a per-event cost at 1000 items more than 1.5× the one at 100 would betray a quadratic
step (something scanning the whole batch for every item). The verdict reads the process's CPU
time (``time.process_time``), which a busy shared machine disturbs less than the wall clock;
both are shown.

Run: ``python bench/scaling.py``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import _common  # noqa: F401 - puts src/ on sys.path
from _bodies import batches
from _common import table, verdict
from ingest import make_hub, polychat_runner

SIZES = (1, 10, 100, 300, 1000)
PLATFORMS = ("whatsapp", "messenger")
EVENTS_PER_ROUND = 2000
ROUNDS = 5
LINEAR_SLACK = 1.5


def run() -> dict[str, dict[int, float]]:
    """Measure µs per event for each size; print the table; return the figures (CPU µs)."""
    loop = asyncio.new_event_loop()
    rows: list[list[Any]] = []
    figures: dict[str, dict[int, float]] = {}
    for platform in PLATFORMS:
        hub = make_hub()
        runner = polychat_runner(hub, platform, loop)
        wall = dict.fromkeys(SIZES, float("inf"))
        cpu = dict.fromkeys(SIZES, float("inf"))
        for round_ in range(ROUNDS + 1):  # sizes take turns, so a busy spell hits them all
            for n in SIZES:
                count = max(1, EVENTS_PER_ROUND // n)
                prepared = batches(platform, n, count)
                start_wall, start_cpu = time.perf_counter(), time.process_time()
                runner(prepared)
                if round_:
                    events = count * n
                    wall[n] = min(wall[n], (time.perf_counter() - start_wall) / events * 1e6)
                    cpu[n] = min(cpu[n], (time.process_time() - start_cpu) / events * 1e6)
        figures[platform] = cpu
        for n in SIZES:
            rows.append([platform, n, wall[n], cpu[n], cpu[n] * n / 1e3,
                         f"{cpu[n] / cpu[100]:.2f}×"])
        growth = cpu[1000] / cpu[100]
        rows.append([platform, "1000 vs 100", "", "", "", f"{growth:.2f}× per event → "
                     + ("linear" if growth <= LINEAR_SLACK else "SUPERLINEAR")
                     + f" ({verdict(growth <= LINEAR_SLACK)})"])
    loop.close()
    print(table(["platform", "items/body", "µs/event (wall)", "µs/event (CPU)", "CPU ms/body",
                 "per event vs 100 (CPU)"], rows,
                title=f"Ingest cost vs batch size (best of {ROUNDS} rounds)"))
    return figures


if __name__ == "__main__":
    run()
