"""Outbound: messages/s from ``AsyncHub.send`` (and sync ``Hub.send``) vs raw httpx, same bodies.

A minimal platform server (``_server.py``) runs in ANOTHER process on 127.0.0.1 and answers over
HTTP/1.1 keep-alive like the three send APIs. The channels' ``base_url`` points at it and they are
built with ``pacing=[]`` (pacing off: the default buckets would throttle a benchmark, not measure
it). What is timed, per platform:

- **polychat async**: 16 tasks, each ``await hub.send(address, Text(...))`` in a loop (its own
  customer per task): plan, render, store reads/writes, one POST, status check, message ids.
- **raw httpx async**: 16 tasks, each ``await client.post(url, json=body, headers=headers)`` with
  the exact URL, headers and body ``channel.render`` gives for the same send (``hub.preview``
  shows the same requests with credentials masked), then ``raise_for_status()`` and ``.json()``
  of a non-empty answer. One ``httpx.AsyncClient`` with default limits, like the hub's.
- **sync**: the same one message at a time: ``Hub.send`` vs ``httpx.Client.post``.

Apple's send also mints a fresh JWT and message id for every message (raw httpx replays one
rendered request: it does less work). Rounds alternate polychat and raw so a busy machine
hurts both alike; the table shows the best round of each and the client process's CPU time per
message (what one core can do). A second table measures the same sends over
``httpx.MockTransport`` (no socket, no server process): the CPU polychat adds on top of httpx,
free of network and scheduling noise.

Run: ``python bench/outbound.py``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import _common
import httpx
from _bodies import APPLE_SECRET, BUSINESS_ID, MSP_ID, PAGE_ID, PHONE_NUMBER_ID
from _common import rate, table, verdict
from _server import answer

import polychat

CONCURRENCY = 16
ASYNC_MESSAGES = 800
SYNC_MESSAGES = 300
ROUNDS = 3
MOCK_MESSAGES = 400
MOCK_ROUNDS = 5
TEXT = polychat.Text("Your order #4242 has shipped and will arrive tomorrow before noon.")
PLATFORMS = ("whatsapp", "messenger", "apple")


@contextmanager
def platform_server() -> Iterator[str]:
    """Start ``_server.py`` in its own process; yield its base URL; stop it afterwards."""
    process = subprocess.Popen([sys.executable, str(_common.BENCH / "_server.py")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def channels(base_url: str) -> list[Any]:
    """The three channels, pointed at the local server, pacing off."""
    return [
        polychat.WhatsApp(phone_number_id=PHONE_NUMBER_ID, access_token="EAAG-bench-token",
                          base_url=base_url, pacing=[]),
        polychat.Messenger(page_id=PAGE_ID, page_access_token="EAAG-bench-page-token",
                           app_secret="bench-app-secret", base_url=base_url, pacing=[]),
        polychat.AppleMessages(msp_id=MSP_ID, secret=APPLE_SECRET, business_id=BUSINESS_ID,
                               base_url=base_url, pacing=[]),
    ]


def customers(platform: str, count: int) -> list[str]:
    """``count`` fake customer ids of ``platform``."""
    if platform == "whatsapp":
        return [str(16505550000 + i) for i in range(count)]
    if platform == "messenger":
        return [str(7100000000000000 + i) for i in range(count)]
    return [f"urn:mbid:AQAAY/BenchSend{i:06d}=" for i in range(count)]


def addresses(hub: Any, platform: str, count: int) -> list[polychat.Address]:
    """One address per worker on ``platform``."""
    account = hub.core.channel_named(platform).account
    return [polychat.Address(channel=platform, account=account, user=user)
            for user in customers(platform, count)]


def raw_requests(hub: Any, targets: list[polychat.Address]) -> list[polychat.HttpRequest]:
    """The request each worker's raw client replays: what the channel renders for the send."""
    out = []
    for address in targets:
        preview = hub.preview(address, TEXT).requests  # masked: the same URL and body
        (request,) = hub.core.channel_for(address).render(address.user, TEXT)
        assert (request.url.split("?")[0], request.json) == (preview[0].url.split("?")[0],
                                                             preview[0].json) or \
            address.channel == "apple"  # Apple's body carries a fresh message id each render
        out.append(request)
    return out


def timed_round(run: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of ``run()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def best_pair(rounds: int, first: Callable[[], Any],
              second: Callable[[], Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Alternate ``first`` and ``second`` ``rounds`` times; the fastest (wall, cpu) of each."""
    a, b = [], []
    for _ in range(rounds):
        a.append(timed_round(first))
        b.append(timed_round(second))
    return min(a), min(b)


# -- async ---------------------------------------------------------------------------------------


def async_figures(base_url: str, loop: asyncio.AbstractEventLoop) -> list[list[Any]]:
    """polychat AsyncHub.send vs raw httpx.AsyncClient.post, per platform."""
    hub = polychat.AsyncHub(*channels(base_url))
    client = httpx.AsyncClient()
    per_worker = ASYNC_MESSAGES // CONCURRENCY
    rows = []

    async def hub_round(targets: list[polychat.Address], count: int) -> None:
        async def worker(address: polychat.Address) -> None:
            for _ in range(count):
                result = await hub.send(address, TEXT)
                if not result.message_ids:
                    raise RuntimeError(f"{address.channel}: no message id")
        await asyncio.gather(*(worker(a) for a in targets))

    async def raw_round(requests: list[polychat.HttpRequest], count: int) -> None:
        async def worker(request: polychat.HttpRequest) -> None:
            for _ in range(count):
                response = await client.post(request.url, json=request.json,
                                             headers=request.headers)
                response.raise_for_status()
                if response.content:
                    response.json()
        await asyncio.gather(*(worker(r) for r in requests))

    def runner(coroutine: Callable[..., Awaitable[None]], *args: Any) -> Callable[[], None]:
        return lambda: loop.run_until_complete(coroutine(*args))

    for platform in PLATFORMS:
        targets = addresses(hub, platform, CONCURRENCY)
        requests = raw_requests(hub, targets)
        runner(hub_round, targets, 10)()  # warm-up: connections open, schemas built
        runner(raw_round, requests, 10)()
        ours, raw = best_pair(ROUNDS, runner(hub_round, targets, per_worker),
                              runner(raw_round, requests, per_worker))
        rows.append(row(f"{platform} async ×{CONCURRENCY}", ours, raw,
                        per_worker * CONCURRENCY))
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(hub.aclose())
    return rows


# -- sync ----------------------------------------------------------------------------------------


def sync_figures(base_url: str) -> list[list[Any]]:
    """polychat Hub.send vs raw httpx.Client.post, one message at a time."""
    rows = []
    with polychat.Hub(*channels(base_url)) as hub, httpx.Client() as client:
        for platform in PLATFORMS:
            (address,) = addresses(hub, platform, 1)
            (request,) = raw_requests(hub, [address])

            def ours(address: polychat.Address = address, count: int = SYNC_MESSAGES) -> None:
                for _ in range(count):
                    hub.send(address, TEXT)

            def raw(request: polychat.HttpRequest = request, count: int = SYNC_MESSAGES) -> None:
                for _ in range(count):
                    response = client.post(request.url, json=request.json,
                                           headers=request.headers)
                    response.raise_for_status()
                    if response.content:
                        response.json()

            ours(count=10)
            raw(count=10)
            mine, theirs = best_pair(ROUNDS, ours, raw)
            rows.append(row(f"{platform} sync ×1", mine, theirs, SYNC_MESSAGES))
    return rows


# -- client-side cost, without a socket ----------------------------------------------------------


def _mock_response(request: httpx.Request) -> httpx.Response:
    status, body = answer(request.method.encode(), request.url.raw_path, request.read())
    return httpx.Response(int(status.split()[0]), content=body,
                          headers={"content-type": "application/json"})


async def _amock_response(request: httpx.Request) -> httpx.Response:
    await request.aread()
    return _mock_response(request)


def client_overhead(loop: asyncio.AbstractEventLoop) -> list[list[Any]]:
    """CPU µs per send over ``httpx.MockTransport`` (no socket, no server): what polychat adds
    on top of httpx itself, measured without the network's noise."""
    count, rows = MOCK_MESSAGES, []
    base = "http://127.0.0.1:9"
    ahub = polychat.AsyncHub(*channels(base), transport=httpx.MockTransport(_amock_response))
    aclient = httpx.AsyncClient(transport=httpx.MockTransport(_amock_response))
    shub = polychat.Hub(*channels(base), transport=httpx.MockTransport(_mock_response))
    sclient = httpx.Client(transport=httpx.MockTransport(_mock_response))
    for platform in PLATFORMS:
        (address,) = addresses(ahub, platform, 1)
        (request,) = raw_requests(ahub, [address])

        async def ours_async(address: polychat.Address = address) -> None:
            for _ in range(count):
                await ahub.send(address, TEXT)

        async def raw_async(request: polychat.HttpRequest = request) -> None:
            for _ in range(count):
                response = await aclient.post(request.url, json=request.json,
                                              headers=request.headers)
                response.raise_for_status()
                if response.content:
                    response.json()

        def ours_sync(address: polychat.Address = address) -> None:
            for _ in range(count):
                shub.send(address, TEXT)

        def raw_sync(request: polychat.HttpRequest = request) -> None:
            for _ in range(count):
                response = sclient.post(request.url, json=request.json, headers=request.headers)
                response.raise_for_status()
                if response.content:
                    response.json()

        for label, ours, raw in (
            ("async", lambda f=ours_async: loop.run_until_complete(f()),
             lambda f=raw_async: loop.run_until_complete(f())),
            ("sync", ours_sync, raw_sync),
        ):
            ours()
            raw()
            cpu = [min(timed_round(fn)[1] for _ in range(MOCK_ROUNDS)) / count * 1e6
                   for fn in (ours, raw)]
            rows.append([f"{platform} {label}", cpu[0], cpu[1], cpu[0] - cpu[1],
                         f"{100 * cpu[1] / cpu[0]:.0f}%"])
    loop.run_until_complete(aclient.aclose())
    loop.run_until_complete(ahub.aclose())
    sclient.close()
    shub.close()
    return rows


def row(label: str, ours: tuple[float, float], raw: tuple[float, float],
        messages: int) -> list[Any]:
    """One table row: rates, ratio, target, CPU per message."""
    ours_rate, raw_rate = rate(messages, ours[0]), rate(messages, raw[0])
    share = ours_rate / raw_rate
    return [label, ours_rate, raw_rate, f"{100 * share:.0f}%", verdict(share >= 0.85),
            ours[1] / messages * 1e6, raw[1] / messages * 1e6]


def run() -> list[list[Any]]:
    """Run the section; print the table; return its rows."""
    loop = asyncio.new_event_loop()
    with platform_server() as base_url:
        rows = async_figures(base_url, loop) + sync_figures(base_url)
    overhead = client_overhead(loop)
    loop.close()
    print(table(["send path", "polychat msg/s", "raw httpx msg/s", "polychat ÷ raw", "≥85%",
                 "polychat CPU µs/msg", "raw CPU µs/msg"], rows,
                title="Outbound to a local HTTP/1.1 keep-alive server (best of "
                      f"{ROUNDS} rounds, pacing off)"))
    print(table(["send path", "polychat CPU µs/msg", "raw httpx CPU µs/msg", "polychat adds µs",
                 "raw ÷ polychat"], overhead,
                title=f"Client CPU per send over httpx.MockTransport (no socket; best of "
                      f"{MOCK_ROUNDS} × {MOCK_MESSAGES} sends)"))
    return rows + overhead


if __name__ == "__main__":
    run()
