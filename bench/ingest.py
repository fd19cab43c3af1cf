"""Webhook ingest: verify signature + parse + dedup + dispatch to a no-op handler, in events/s.

What is timed, per platform and batch size (1, 10, 100 items):

- **polychat**: ``await hub.handle(name, WebhookRequest(headers=…, body=…))`` on an ``AsyncHub``
  with the three channels, its default ``MemoryStore`` and one no-op ``@hub.on()`` async handler.
  The ``WebhookRequest`` is built inside the timed loop (a web adapter does that per request).
  Every item has a fresh id, so de-duplication records every event (never short-circuits).
- **floor**: what any correct receiver must do with the same bytes: ``hmac.compare_digest`` of the
  HMAC-SHA256 of the body with the signature header, then ``json.loads``. For Apple: the HS256
  JWT check (HMAC of the signing input, compared), gunzip, ``json.loads``.
- **pywa** (WhatsApp only, if installed): ``wa.webhook_update_validator(body, signature)`` then
  ``wa.webhook_update_handler(body)`` — the two calls pywa's own Starlette/Flask routes make —
  on a ``pywa.WhatsApp(server=None, app_secret=…)`` with a no-op ``@wa.on_message()`` handler.
  pywa verifies the signature (HMAC-SHA256, ``compare_digest``), de-duplicates on a hash of the
  body and builds ONE typed update per body: ``entry[0].changes[0].value.messages[0]``; the
  other items of a batch are not delivered. Its events/s counts the events it delivered.

Apple sends one message per request, so "N items" there is N requests of one message each.
Rates are events per second on ONE core (the loop is single-threaded; the machine has more).

Run: ``python bench/ingest.py``.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import _common  # noqa: F401 - puts src/ on sys.path
from _bodies import (
    APP_SECRET,
    APPLE_SECRET,
    BUSINESS_ID,
    MSP_ID,
    NOW,
    PAGE_ID,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    Signed,
    apple_key,
    batches,
)
from _common import table, verdict

import polychat

SIZES = (1, 10, 100)
PLATFORMS = ("whatsapp", "messenger", "apple")
EVENTS_PER_ROUND = 1500
ROUNDS = 7
PYWA_MISSING = "pywa not installed: pip install pywa"


def make_hub() -> polychat.AsyncHub:
    """An AsyncHub with the three channels (pacing off) and a no-op catch-all handler."""
    wa = polychat.WhatsApp(phone_number_id=PHONE_NUMBER_ID, access_token="EAAG-bench-token",
                           app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, pacing=[])
    fb = polychat.Messenger(page_id=PAGE_ID, page_access_token="EAAG-bench-page-token",
                            app_secret=APP_SECRET, verify_token=VERIFY_TOKEN, pacing=[])
    ap = polychat.AppleMessages(msp_id=MSP_ID, secret=APPLE_SECRET, business_id=BUSINESS_ID,
                                clock=lambda: NOW, pacing=[])
    hub = polychat.AsyncHub(wa, fb, ap)

    @hub.on()
    async def noop(event: polychat.Event, ctx: polychat.Context) -> None:
        return None

    return hub


# -- the three receivers -------------------------------------------------------------------------


def polychat_runner(hub: polychat.AsyncHub, platform: str,
                    loop: asyncio.AbstractEventLoop) -> Callable[[Any], object]:
    """Time ``hub.handle`` over every request of the prepared batches."""
    handle = hub.handle
    request_type = polychat.WebhookRequest

    async def go(prepared: list[list[Signed]]) -> None:
        for batch in prepared:
            for signed in batch:
                response = await handle(platform, request_type(headers=signed.headers,
                                                               body=signed.body))
                if response.status != 200:
                    raise RuntimeError(f"{platform}: {response.status} {response.text}")

    return lambda prepared: loop.run_until_complete(go(prepared))


def meta_floor(prepared: list[list[Signed]]) -> None:
    """HMAC-SHA256 check + json.loads of every body (the least any Meta receiver must do)."""
    key = APP_SECRET.encode()
    for batch in prepared:
        for signed in batch:
            received = signed.headers["X-Hub-Signature-256"].partition("=")[2]
            expected = hmac.new(key, signed.body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, received):
                raise RuntimeError("bad signature")
            json.loads(signed.body)


def apple_floor(prepared: list[list[Signed]]) -> None:
    """HS256 JWT check (HMAC compare) + gunzip + json.loads of every request."""
    import base64

    key = apple_key()
    for batch in prepared:
        for signed in batch:
            token = signed.headers["Authorization"][7:]
            signing_input, _, signature = token.rpartition(".")
            expected = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
            given = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
            if not hmac.compare_digest(expected, given):
                raise RuntimeError("bad JWT")
            json.loads(gzip.decompress(signed.body))


def pywa_client() -> Any:
    """A pywa client parsing updates without a server, with a no-op message handler (or None)."""
    try:
        from pywa import WhatsApp
    except ImportError:
        return None
    logging.getLogger("pywa").setLevel(logging.WARNING)
    wa = WhatsApp(phone_id=PHONE_NUMBER_ID, token="EAAG-bench-token", server=None,
                  verify_token=VERIFY_TOKEN, app_secret=APP_SECRET)
    delivered = [0]

    @wa.on_message()
    def noop(client: Any, message: Any) -> None:
        delivered[0] += 1

    wa.bench_delivered = delivered  # what the no-op saw (checked once, not timed)
    return wa


def pywa_runner(wa: Any) -> Callable[[Any], object]:
    """pywa's validator + update handler, as its own routes call them, on each body."""
    validate, handle = wa.webhook_update_validator, wa.webhook_update_handler

    def go(prepared: list[list[Signed]]) -> None:
        for batch in prepared:
            for signed in batch:
                if validate(signed.body, signed.headers["X-Hub-Signature-256"]) is not None:
                    raise RuntimeError("pywa refused the signature")
                handle(signed.body)

    return go


# -- the section ---------------------------------------------------------------------------------


def interleaved(platform: str, n: int, runners: dict[str, Callable[[Any], object]], *,
                events_per_round: int = EVENTS_PER_ROUND,
                rounds: int = ROUNDS) -> dict[str, float]:
    """Best seconds per event of each runner, fed the SAME fresh bodies round after round.

    Each round's bodies are new (fresh ids) and every runner gets them once, in turn, so a busy
    machine slows all runners alike. The first round warms up and is not counted.
    """
    count = max(1, events_per_round // n)
    best = dict.fromkeys(runners, float("inf"))
    for round_ in range(rounds + 1):
        prepared = batches(platform, n, count)
        for name, runner in runners.items():
            start = time.perf_counter()
            runner(prepared)
            elapsed = time.perf_counter() - start
            if round_:
                best[name] = min(best[name], elapsed / (count * n))
    return best


def run() -> dict[tuple[str, int], dict[str, float | None]]:
    """Measure every platform and size; print the table; return events/s per receiver."""
    loop = asyncio.new_event_loop()
    hub = make_hub()
    wa = pywa_client()
    rows, results = [], {}
    pywa_single: float | None = None
    for platform in PLATFORMS:
        for n in SIZES:
            runners = {"polychat": polychat_runner(hub, platform, loop),
                       "floor": apple_floor if platform == "apple" else meta_floor}
            if platform == "whatsapp" and wa is not None:
                runners["pywa"] = pywa_runner(wa)
            best = interleaved(platform, n, runners)
            ours, base = 1 / best["polychat"], 1 / best["floor"]
            same_bytes = versus = None
            if "pywa" in best:
                same_bytes = 1 / (best["pywa"] * n)  # it delivers one event per body
                if n == 1:
                    pywa_single = same_bytes
                # pywa's best case per event is one item per body (it delivers one per body)
                versus = ours / max(same_bytes, pywa_single or same_bytes)
            results[(platform, n)] = {"polychat": ours, "floor": base, "pywa": same_bytes,
                                      "vs_pywa": versus}
            rows.append([platform, n, ours, base, f"{100 * ours / base:.0f}%",
                         verdict(ours >= 0.5 * base),
                         "—" if same_bytes is None else same_bytes,
                         "—" if versus is None else f"{versus:.2f}×",
                         "—" if versus is None else verdict(versus >= 2)])
    print(table(["platform", "items/body", "polychat ev/s", "floor ev/s", "% of floor",
                 "≥50% floor", "pywa ev/s (same bytes)", "polychat ÷ pywa", "≥2× pywa"], rows,
                title=f"Webhook ingest, events/s on one core (best of {ROUNDS} rounds)"))
    if wa is None:
        print(f"\n{PYWA_MISSING}")
    else:
        print("\npywa delivers one event per body (messages[0]); 'polychat ÷ pywa' divides by "
              "pywa's best per-event rate (its 1-item figure) or its same-bytes rate if higher.")
    quiet = logging.getLogger("polychat")
    level, quiet.level = quiet.level, logging.ERROR  # the refusals below are expected
    try:
        platform_checks(loop)
    finally:
        quiet.setLevel(level)
    print("(checked: every polychat event reached the handler; tampered requests got 401/403)")
    loop.close()
    return results


def platform_checks(loop: asyncio.AbstractEventLoop) -> bool:
    """Sanity checks (not timed): every item is dispatched, and a bad signature is refused."""
    seen: list[polychat.Event] = []

    async def go() -> bool:
        probe = make_hub()

        @probe.on()
        async def count(event: polychat.Event, ctx: polychat.Context) -> None:
            seen.append(event)

        probe.core.routes.reverse()  # the counting handler first
        for platform in PLATFORMS:
            for signed in batches(platform, 10, 1)[0]:
                await probe.handle(platform, polychat.WebhookRequest(headers=signed.headers,
                                                                     body=signed.body))
            bad = batches(platform, 1, 1)[0][0]
            tampered = polychat.WebhookRequest(headers=bad.headers, body=bad.body + b" ")
            if platform == "apple":
                headers = {**bad.headers, "Authorization": bad.headers["Authorization"][:-2] + "xx"}
                tampered = polychat.WebhookRequest(headers=headers, body=bad.body)
            response = await probe.handle(platform, tampered)
            if response.status not in (401, 403):
                raise RuntimeError(f"{platform}: tampered request answered {response.status}")
        if len(seen) < 30:
            raise RuntimeError(f"only {len(seen)} of 30 events were dispatched")
        return True

    return loop.run_until_complete(go())


if __name__ == "__main__":
    run()
