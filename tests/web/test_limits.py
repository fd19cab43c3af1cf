"""The body cap: the default, the capped readers, and hub.asgi()/hub.wsgi() using it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import httpx
import pytest

import polychat
from _web import channels, oversized
from polychat.web import DEFAULT_MAX_BODY
from polychat.web._limits import aread_capped, declared_length, max_body_or_default, read_capped


def test_the_default_cap_is_a_little_above_metas_3_mb() -> None:
    assert DEFAULT_MAX_BODY == 3 * 1024 * 1024 + 512 * 1024
    assert max_body_or_default(None) == DEFAULT_MAX_BODY
    assert max_body_or_default(0) == 0
    for bad in (-1, True, "10", 1.5):
        with pytest.raises(polychat.ConfigurationError, match="max_body"):
            max_body_or_default(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("header", "length"), [(None, None), ("12", 12), (" 7 ", 7), ("", None),
                                                ("ten", None), ("-3", None)])
def test_declared_length(header: str | None, length: int | None) -> None:
    assert declared_length(header) == length


def test_read_capped_stops_at_the_first_byte_over() -> None:
    assert read_capped(io.BytesIO(b"a" * 10), 10) == b"a" * 10
    assert read_capped(io.BytesIO(b""), 0) == b""
    stream = io.BytesIO(b"a" * 1_000_000)
    assert read_capped(stream, 100) is None
    assert stream.tell() == 101


async def test_aread_capped_leaves_the_rest_unread() -> None:
    taken: list[int] = []

    async def pieces() -> AsyncIterator[bytes]:
        for n in range(100):
            taken.append(n)
            yield b"x" * 10

    assert await aread_capped(pieces(), 25) is None
    assert taken == [0, 1, 2]
    taken.clear()
    assert await aread_capped(pieces(), 1000) == b"x" * 1000


async def test_hub_asgi_uses_the_default_cap() -> None:
    hub = polychat.AsyncHub(*channels())
    app = hub.asgi()
    assert app.max_body == DEFAULT_MAX_BODY
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/webhooks/whatsapp", content=oversized(DEFAULT_MAX_BODY + 1))
    assert response.status_code == 413


def test_hub_wsgi_uses_the_default_cap() -> None:
    hub = polychat.Hub(*channels())
    assert hub.wsgi().max_body == DEFAULT_MAX_BODY
    assert hub.wsgi(max_body=10).max_body == 10
