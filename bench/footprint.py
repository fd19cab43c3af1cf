"""Footprint: ``import polychat`` time and the resident memory of a hub with the three channels.

- Import time: a fresh interpreter per sample (``python -c``) times ``import polychat`` with
  ``time.perf_counter`` around the import only (interpreter start-up excluded); median of 20.
  ``polychat`` loads its submodules lazily, so the table also shows the import of what a real
  app touches first (``AsyncHub`` and the three channels: models, httpx, tenacity).
- Memory: a fresh interpreter reads its ``VmRSS`` from ``/proc/self/status`` at start, after
  ``import polychat``, after building ``AsyncHub(WhatsApp, Messenger, AppleMessages)``, and after
  a hub has parsed one webhook of each platform and previewed one send per channel (models
  built, asyncio and the bench's helpers loaded: the state a serving process is in).
- Memory is measured twice: in the bench's environment (the ``dev`` extra is installed there),
  and as in a core install (``pip install polychat``), where ``click`` is absent. The difference
  is httpx's own: ``import httpx`` also loads its command line (click, rich, pygments: about
  5 MiB) whenever ``click`` is importable. The second run hides ``click`` to get that state
  (``sys.modules["click"] = None``); nothing else differs.

Run: ``python bench/footprint.py``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from typing import Any

import _common
from _common import table, verdict

SAMPLES = 20
IMPORT_TARGET_MS = 150.0
RSS_TARGET_MB = 40.0

_IMPORT = "import time; s = time.perf_counter(); import polychat; print(time.perf_counter() - s)"

_FULL = ("import time; s = time.perf_counter(); import polychat; "
         "polychat.AsyncHub, polychat.WhatsApp, polychat.Messenger, polychat.AppleMessages; "
         "print(time.perf_counter() - s)")

_MEMORY = r"""
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
out = {"start": rss()}
import polychat
out["import"] = rss()
hub = polychat.AsyncHub(
    polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-fake",
                      app_secret="fake-app-secret", pacing=[]),
    polychat.Messenger(page_id="1234567890", page_access_token="EAAG-fake-page",
                       app_secret="fake-app-secret", pacing=[]),
    polychat.AppleMessages(msp_id="fake-msp", secret="ZmFrZS1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg==",
                           business_id="fake-business", pacing=[]))
@hub.on()
async def noop(event, ctx):
    return None
out["hub"] = rss()
import asyncio, json, sys
sys.path.insert(0, BENCH)
import ingest
from _bodies import batches
served = ingest.make_hub()  # the bench's hub: same channels, secrets matching the bodies
async def warm():
    for platform in ("whatsapp", "messenger", "apple"):
        for signed in batches(platform, 1, 1)[0]:
            await served.handle(platform, polychat.WebhookRequest(headers=signed.headers,
                                                                  body=signed.body))
    for address in ("whatsapp:106540352242922:16505551234", "messenger:1234567890:7000000000000001",
                    "apple:fake-business-0000-aaaa:urn:mbid:AQAAY/x="):
        served.preview(address, polychat.Text("hello"))
asyncio.run(warm())
out["warm"] = rss()
print(json.dumps(out))
"""


def import_times(code: str = _IMPORT, samples: int = SAMPLES) -> list[float]:
    """Seconds the import in ``code`` takes in each of ``samples`` fresh interpreters."""
    out = []
    for _ in range(samples):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env=_common.child_env())
        out.append(float(done.stdout))
    return out


_CORE_INSTALL = "import sys\nsys.modules['click'] = None  # as without the dev extra\n"


def memory(*, core_install: bool = False) -> dict[str, float]:
    """VmRSS (MiB) of a fresh interpreter at each stage (see the module docs)."""
    code = f"BENCH = {str(_common.BENCH)!r}\n" + _MEMORY
    if core_install:
        code = _CORE_INSTALL + code
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=_common.child_env())
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, Any]:
    """Run the section; print the table; return the figures."""
    times = import_times()
    median = statistics.median(times) * 1e3
    full = statistics.median(import_times(_FULL, 5)) * 1e3
    rss = memory()
    core = memory(core_install=True)
    rows = [
        ["import polychat (fresh interpreter, median of 20)", f"{median:.1f} ms",
         f"< {IMPORT_TARGET_MS:.0f} ms", verdict(median < IMPORT_TARGET_MS)],
        ["… fastest / slowest sample", f"{min(times) * 1e3:.1f} / {max(times) * 1e3:.1f} ms",
         "", ""],
        ["… + AsyncHub and the three channels (median of 5)", f"{full:.0f} ms", "", ""],
        ["RSS of a bare interpreter", f"{rss['start']:.1f} MiB", "", ""],
        ["RSS after import polychat", f"{rss['import']:.1f} MiB", "", ""],
        ["RSS with AsyncHub(WhatsApp, Messenger, Apple)", f"{rss['hub']:.1f} MiB",
         f"< {RSS_TARGET_MB:.0f} MB", verdict(rss["hub"] < RSS_TARGET_MB)],
        ["… after 1 webhook per platform + 1 preview each", f"{rss['warm']:.1f} MiB",
         f"< {RSS_TARGET_MB:.0f} MB", verdict(rss["warm"] < RSS_TARGET_MB)],
        ["core install (no click: httpx skips its CLI): bare interpreter",
         f"{core['start']:.1f} MiB", "", ""],
        ["… with AsyncHub(WhatsApp, Messenger, Apple)", f"{core['hub']:.1f} MiB",
         f"< {RSS_TARGET_MB:.0f} MB", verdict(core["hub"] < RSS_TARGET_MB)],
        ["… after 1 webhook per platform + 1 preview each", f"{core['warm']:.1f} MiB",
         f"< {RSS_TARGET_MB:.0f} MB", verdict(core["warm"] < RSS_TARGET_MB)],
    ]
    print(table(["what", "measured", "target", "result"], rows,
                title="Import time and resident memory"))
    return {"import_ms": median, "full_import_ms": full, **rss,
            **{f"core_{stage}": value for stage, value in core.items()}}


if __name__ == "__main__":
    run()
