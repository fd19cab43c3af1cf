"""Profile the ingest path or the send path with cProfile and print where the time goes.

Not part of ``run.py`` (profiles are for finding hot spots, not for the results table)::

    python bench/profiles.py ingest whatsapp 100   # hub.handle of 100-item WhatsApp bodies
    python bench/profiles.py send apple            # AsyncHub.send ×16 to the local server

It prints the top functions by own time, then polychat's own frames by cumulative time.
cProfile slows small Python calls far more than C calls: read the ranking, not the totals.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys

import _common  # noqa: F401 - puts src/ on sys.path
import ingest
import outbound
from _bodies import batches

import polychat


def profile_ingest(platform: str, n: int) -> cProfile.Profile:
    """Profile ``hub.handle`` over about 3000 events (after a warm-up)."""
    hub = ingest.make_hub()
    loop = asyncio.new_event_loop()
    run = ingest.polychat_runner(hub, platform, loop)
    run(batches(platform, n, max(1, 300 // n)))
    prepared = batches(platform, n, max(1, 3000 // n))
    profiler = cProfile.Profile()
    profiler.enable()
    run(prepared)
    profiler.disable()
    loop.close()
    return profiler


def profile_send(platform: str) -> cProfile.Profile:
    """Profile 800 ``AsyncHub.send`` calls, 16 at a time, to the local platform server."""
    profiler = cProfile.Profile()
    loop = asyncio.new_event_loop()
    with outbound.platform_server() as base_url:
        hub = polychat.AsyncHub(*outbound.channels(base_url))
        targets = outbound.addresses(hub, platform, outbound.CONCURRENCY)

        async def sends(count: int) -> None:
            async def worker(address: polychat.Address) -> None:
                for _ in range(count):
                    await hub.send(address, outbound.TEXT)
            await asyncio.gather(*(worker(a) for a in targets))

        loop.run_until_complete(sends(5))
        profiler.enable()
        loop.run_until_complete(sends(800 // outbound.CONCURRENCY))
        profiler.disable()
        loop.run_until_complete(hub.aclose())
    loop.close()
    return profiler


def main(argv: list[str]) -> None:
    """``profiles.py ingest|send [platform] [items]``."""
    what = argv[0] if argv else "ingest"
    platform = argv[1] if len(argv) > 1 else "whatsapp"
    if what == "send":
        profiler = profile_send(platform)
    else:
        profiler = profile_ingest(platform, int(argv[2]) if len(argv) > 2 else 1)
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats("polychat", 30)


if __name__ == "__main__":
    main(sys.argv[1:])
