"""Hostile sizes cost bounded memory: a 1 GB gzip bomb and 50 MB webhook bodies are refused
without being inflated or buffered (measured with tracemalloc)."""

from __future__ import annotations

import base64
import struct
import tracemalloc
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

import polychat
from polychat import MalformedPayload, WebhookRequest
from polychat.channels.apple import crypto
from polychat.channels.apple.limits import LIMITS

MB = 1024 * 1024
GB = 1024 * MB
KEY = b"fake-msp-secret-bytes-mem-012345"
MSP_ID = "fake-msp-mem-0000"
NOW = 1_767_000_000


@cache
def gzip_bomb() -> bytes:
    """A valid gzip member (about 1 MB) that inflates to 1 GB of zeros.

    Built without ever holding the 1 GB: after ``Z_FULL_FLUSH`` a deflate stream does not refer
    back, so one compressed MB of zeros can be repeated 1024 times.
    """
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = block.compress(bytes(MB)) + block.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    crc, zeros = 0, bytes(MB)
    for _ in range(GB // MB):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + piece * (GB // MB) + end + struct.pack("<II", crc, GB & 0xFFFFFFFF)


def peak(action: Callable[[], Any]) -> tuple[int, Any]:
    """Run ``action``; the peak of memory it allocated, and what it returned or raised."""
    tracemalloc.start()
    try:
        result: Any = action()
    except Exception as exc:  # the caller inspects it
        result = exc
    finally:
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return top, result


def test_the_bomb_really_inflates_to_a_gigabyte() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 1.1 * MB
    inflater = zlib.decompressobj(wbits=31)
    head = inflater.decompress(bomb[:50_000], 10 * MB)
    assert len(head) == 10 * MB and not any(head[:1024])
    assert struct.unpack("<I", bomb[-4:])[0] == GB & 0xFFFFFFFF


def test_decompress_refuses_the_bomb_in_memory_near_its_cap() -> None:
    bomb = gzip_bomb()
    used, error = peak(lambda: crypto.decompress(bomb, limit=4 * MB))
    assert isinstance(error, MalformedPayload) and "inflates past" in str(error)
    assert used < 10 * MB
    limit = LIMITS["body.inbound"]
    used, error = peak(lambda: crypto.decompress(bomb, limit=limit))
    assert isinstance(error, MalformedPayload)
    assert used < limit + 4 * MB  # the cap plus change, not 1 GB (nor twice the cap)


def apple() -> polychat.AppleMessages:
    return polychat.AppleMessages(msp_id=MSP_ID, secret=base64.b64encode(KEY).decode(),
                                  business_id="fake-business-mem", clock=lambda: float(NOW))


def bomb_request() -> WebhookRequest:
    token = crypto.encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY)
    return WebhookRequest(headers={"Authorization": f"Bearer {token}", "Content-Encoding": "gzip"},
                          body=gzip_bomb())


async def test_the_hub_answers_400_to_the_bomb_in_bounded_memory() -> None:
    hub = polychat.AsyncHub(apple())
    request = bomb_request()
    tracemalloc.start()
    try:
        response = await hub.handle("apple", request)
        _, used = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status == 400
    assert used < LIMITS["body.inbound"] + 4 * MB


def test_an_unsigned_bomb_is_not_even_inflated() -> None:
    request = WebhookRequest(headers={"Authorization": "Bearer x.y.z"}, body=gzip_bomb())
    used, error = peak(lambda: apple().parse(request))
    assert isinstance(error, polychat.SignatureError)
    assert used < 1 * MB


# -- web adapters: 50 MB bodies -----------------------------------------------------------------

BIG = 50 * MB
CHUNK = 64 * 1024


def meta_hub(cls: Any) -> Any:
    return cls(polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-FAKE-MEM",
                                 app_secret="fake-app-secret-mem", verify_token="fake-verify-mem"))


class Lazy:
    """A 50 MB body made chunk by chunk as it is read (never held whole); counts what was read."""

    def __init__(self, size: int = BIG) -> None:
        self.left = size
        self.read_bytes = 0

    def take(self, n: int = CHUNK) -> bytes:
        n = min(n, self.left) if n >= 0 else self.left
        self.left -= n
        self.read_bytes += n
        return b"x" * n

    # WSGI input
    def read(self, size: int = -1) -> bytes:
        return self.take(size if size >= 0 else self.left)


def asgi_call(app: Any, body: Lazy, headers: list[tuple[bytes, bytes]]) -> Callable[[], int]:
    import asyncio

    async def receive() -> dict[str, Any]:
        chunk = body.take()
        return {"type": "http.request", "body": chunk, "more_body": body.left > 0}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/webhooks/whatsapp", "headers": headers,
             "query_string": b""}

    def run() -> int:
        asyncio.run(app(scope, receive, send))
        return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))

    return run


@pytest.mark.parametrize("cls", [polychat.AsyncHub, polychat.Hub])
def test_asgi_refuses_50_mb_with_413_without_buffering_it(cls: Any) -> None:
    app = meta_hub(cls).asgi()
    declared = Lazy()
    used, status = peak(asgi_call(app, declared, [(b"content-length", str(BIG).encode())]))
    assert status == 413 and declared.read_bytes == 0  # refused from the header, unread
    chunked = Lazy()
    used, status = peak(asgi_call(app, chunked, [(b"content-type", b"application/json")]))
    assert status == 413
    assert chunked.read_bytes <= app.max_body + CHUNK  # stopped at the first chunk over the cap
    assert used < 10 * MB


def test_wsgi_refuses_50_mb_with_413_without_buffering_it() -> None:
    app = meta_hub(polychat.Hub).wsgi()

    def call(stream: Lazy, **environ: Any) -> Callable[[], str]:
        statuses: list[str] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            statuses.append(status)

        def run() -> str:
            b"".join(app({"REQUEST_METHOD": "POST", "PATH_INFO": "/webhooks/whatsapp",
                          "wsgi.input": stream, **environ}, start_response))
            return statuses[0]
        return run

    declared = Lazy()
    used, status = peak(call(declared, CONTENT_LENGTH=str(BIG)))
    assert status.startswith("413") and declared.read_bytes == 0
    chunked = Lazy()
    used, status = peak(call(chunked, **{"wsgi.input_terminated": True}))
    assert status.startswith("413")
    assert chunked.read_bytes <= app.max_body + CHUNK
    assert used < 10 * MB

