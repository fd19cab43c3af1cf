"""polychat.web.starlette with Starlette's TestClient: handshake, signatures, cap, dispatch."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from _web import (
    HANDSHAKE,
    async_echo_hub,
    chunks,
    oversized,
    says,
    sync_echo_hub,
    tampered,
)
from polychat.web.starlette import routes

HUBS = [async_echo_hub, sync_echo_hub]


def app_for(hub: Any, **options: Any) -> Starlette:
    return Starlette(routes=routes(hub, **options))


@pytest.mark.parametrize("make", HUBS)
def test_handshake(make: Any) -> None:
    hub, _, _ = make()
    with TestClient(app_for(hub)) as client:
        ok = client.get("/webhooks/whatsapp", params=HANDSHAKE)
        assert ok.status_code == 200 and ok.text == HANDSHAKE["hub.challenge"]
        wrong = client.get("/webhooks/messenger", params={**HANDSHAKE, "hub.verify_token": "nope"})
        assert wrong.status_code == 403


@pytest.mark.parametrize("make", HUBS)
def test_signed_post_is_answered_then_the_reply_reaches_the_platform(make: Any) -> None:
    sent: list[str] = []
    answered_first: list[bool] = []
    hub, sim, seen = make(lambda: answered_first.append("http.response.body" in sent))
    app = app_for(hub)

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        async def record(message: Any) -> None:
            sent.append(message["type"])
            await send(message)
        await app(scope, receive, record)

    for channel in ("whatsapp", "messenger"):
        body, headers = says(sim, channel, f"hi {channel}")
        with TestClient(spy) as client:
            response = client.post(f"/webhooks/{channel}", content=body, headers=headers)
        assert response.status_code == 200 and response.text == "OK"
    assert answered_first == [True, True]  # the platform had its answer before any handler ran
    assert [(m.channel, m.view) for m in sim.sent] == [("whatsapp", "echo: hi whatsapp"),
                                                       ("messenger", "echo: hi messenger")]
    assert len(seen) == 2


@pytest.mark.parametrize("make", HUBS)
def test_errors_and_duplicates(make: Any) -> None:
    hub, sim, seen = make()
    body, headers = says(sim, "whatsapp", "hello")
    with TestClient(app_for(hub)) as client:
        assert client.post("/webhooks/whatsapp", content=body, headers=tampered(headers)).status_code == 401
        assert client.post("/webhooks/telegram", content=body, headers=headers).status_code == 404
        assert client.get("/webhooks/telegram", params=HANDSHAKE).status_code == 404
        assert client.put("/webhooks/whatsapp", content=body).status_code == 405
        assert client.post("/webhooks/whatsapp", content=body, headers=headers).status_code == 200
        assert client.post("/webhooks/whatsapp/message", content=body, headers=headers).status_code == 200
    assert len(seen) == 1 and [m.view for m in sim.sent] == ["echo: hello"]


@pytest.mark.parametrize("make", HUBS)
def test_body_cap(make: Any) -> None:
    hub, sim, seen = make()
    _, headers = says(sim, "whatsapp", "hello")
    big = oversized(5000)
    with TestClient(app_for(hub, max_body=4096)) as client:
        assert client.post("/webhooks/whatsapp", content=big, headers=headers).status_code == 413
        chunked = client.post("/webhooks/whatsapp", content=chunks(big), headers=headers)
        assert chunked.status_code == 413 and "content-length" not in chunked.request.headers
    assert seen == []


async def test_an_oversized_body_is_not_read_to_its_end() -> None:
    hub, _, _ = async_echo_hub()
    app = app_for(hub, prefix="", max_body=10)
    pieces = [b"x" * 8] * 100
    answers: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": pieces.pop(0), "more_body": bool(pieces)}

    async def send(message: Any) -> None:
        answers.append(message)

    scope = {"type": "http", "method": "POST", "path": "/whatsapp", "headers": [],
             "query_string": b"", "root_path": "", "scheme": "http", "server": ("t", 80)}
    await app(scope, receive, send)
    assert answers[0]["status"] == 413 and len(pieces) == 98

    declared = {**scope, "headers": [(b"content-length", b"999999")]}
    pieces[:] = [b"x"]
    answers.clear()
    await app(declared, receive, send)
    assert answers[0]["status"] == 413 and pieces == [b"x"]  # refused before reading anything


def test_routes_shape() -> None:
    hub, _, _ = sync_echo_hub()
    paths = [getattr(r, "path", "") for r in routes(hub, prefix="/hooks/")]
    assert paths == ["/hooks/{channel}", "/hooks/{channel}/{rest:path}"]
    assert [getattr(r, "path", "") for r in routes(hub, prefix="")] == ["/{channel}",
                                                                        "/{channel}/{rest:path}"]
