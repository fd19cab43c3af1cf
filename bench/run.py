"""polychat benchmarks: prints figures for import time, parsing, rendering and dispatch.

Run: ``python bench/run.py``. Nothing here asserts a speed; it measures.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "whatsapp"


def measure(label: str, fn: Callable[[], object], *, repeat: int = 5, number: int = 200,
            unit: str = "op") -> None:
    """Print the best and median per-call time of ``fn`` over ``repeat`` runs of ``number`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    best, median = min(runs), statistics.median(runs)
    print(f"{label:<52} best {best * 1e6:9.1f} µs/{unit}   median {median * 1e6:9.1f} µs/{unit}"
          f"   ({1 / best:,.0f} {unit}/s)")


def import_time() -> None:
    """Cold imports in a fresh interpreter (median of 5): the package, the models, a hub."""
    for label, code in (("import polychat", "import polychat"),
                        ("… + polychat.Text (the models)", "import polychat; polychat.Text"),
                        ("… + polychat.AsyncHub (hub, httpx, channels)",
                         "import polychat; polychat.AsyncHub; polychat.WhatsApp")):
        times = []
        for _ in range(5):
            out = subprocess.run(
                [sys.executable, "-c", f"import time; s=time.perf_counter(); {code}; "
                 "print(time.perf_counter()-s)"], capture_output=True, text=True, check=True)
            times.append(float(out.stdout))
        print(f"{label + ' (fresh interpreter)':<52} median {statistics.median(times) * 1e3:7.1f} ms")


def apple_bench() -> None:
    """JWT verification + gunzip + parse of one Apple text message, and AES-CTR throughput."""
    import base64
    import gzip

    import polychat
    from polychat.channels.apple import crypto

    secret = base64.b64encode(b"bench-secret-0123456789abcdef012").decode()
    channel = polychat.AppleMessages(msp_id="bench-msp", secret=secret, business_id="bench-biz",
                                     clock=lambda: 1767000000.0)
    token = crypto.encode_jwt({"aud": "bench-msp", "iat": 1767000000}, crypto.decode_secret(secret))
    body = gzip.compress(json.dumps({"v": 1, "type": "text", "id": "b-1", "sourceId": "urn:mbid:AQAA",
                                     "destinationId": "bench-biz", "body": "hello"}).encode())
    request = polychat.WebhookRequest(headers={"Authorization": f"Bearer {token}",
                                               "capability-list": "LIST,QUICK,TIME"}, body=body)
    measure("apple parse (JWT + gunzip + parse) of a text", lambda: channel.parse(request))
    key, blob = crypto.new_key(), bytes(1024 * 1024)
    measure("AES-256-CTR encrypt 1 MiB (Apple attachments)", lambda: crypto.encrypt(blob, key),
            number=20, unit="MiB")


def main() -> None:
    import polychat
    from polychat.channels._meta import sign_body
    from polychat.channels.whatsapp.parse import parse_payload

    import_time()
    wa = polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-bench",
                           app_secret="bench-secret")
    batch_file = DATA / "batch.json"
    fixtures = sorted(DATA.glob("*.json"))
    payloads = [json.loads(p.read_text()) for p in fixtures]
    print(f"({len(fixtures)} WhatsApp fixtures in tests/data/whatsapp)")
    measure("parse_payload, every fixture once", lambda: [parse_payload(p) for p in payloads],
            number=50, unit="corpus")
    if batch_file.exists():
        raw = batch_file.read_bytes()
        request = polychat.WebhookRequest(headers={"X-Hub-Signature-256": sign_body(raw, "bench-secret"),
                                                   "Content-Type": "application/json"}, body=raw)
        measure("wa.parse (verify + decode + parse) of a batch", lambda: wa.parse(request))
    from polychat.channels.messenger.parse import parse_payload as parse_messenger

    fb_payloads = [json.loads(p.read_text()) for p in sorted((DATA.parent / "messenger").glob("*.json"))]
    measure(f"messenger parse_payload, {len(fb_payloads)} fixtures",
            lambda: [parse_messenger(p) for p in fb_payloads], number=50, unit="corpus")
    apple_bench()
    content = polychat.ListPicker("Pick one", "Options", [polychat.ListSection("S", [
        polychat.ListItem(str(n), f"Row {n}", "desc") for n in range(10)])])
    measure("wa.render(list of 10 rows)", lambda: wa.render("16505551234", content), number=2000)
    hub = polychat.AsyncHub(wa)
    store = hub.core.store
    counter = iter(range(10**9))
    measure("MemoryStore.remember (new key)", lambda: store.remember(f"k{next(counter)}", 3600),
            number=20000)

    from polychat.testing import Simulator

    async def round_trips(n: int) -> float:
        bot = polychat.AsyncHub(polychat.WhatsApp(phone_number_id="106540352242922",
                                                  access_token="EAAG-bench", app_secret="bench-secret"))

        @bot.on(polychat.MessageReceived)
        async def echo(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
            await ctx.reply(polychat.Text("ok"))

        sim = Simulator(bot)
        user = sim.user("whatsapp")
        start = time.perf_counter()
        for i in range(n):
            await user.says(f"hello {i}")
        return (time.perf_counter() - start) / n

    per = asyncio.run(round_trips(200))
    print(f"{'simulator round trip (webhook→handler→send→3 statuses)':<52} {per * 1e3:9.2f} ms/turn")


if __name__ == "__main__":
    main()
