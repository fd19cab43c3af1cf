"""The ASGI app: routes, handshake, signature statuses, body cap, lifespan."""

from __future__ import annotations

import json

import httpx

import polychat
from polychat.channels._meta import sign_body

PNID = "106540352242922"
SECRET = "fake-secret"


def make_hub() -> tuple[polychat.AsyncHub, list[str]]:
    hub = polychat.AsyncHub(polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE",
                                              app_secret=SECRET, verify_token="vt"))
    seen: list[str] = []

    @hub.on(polychat.MessageReceived)
    async def record(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        seen.append(event.id or "")

    return hub, seen


BODY = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
    {"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PNID},
        "contacts": [{"profile": {"name": "Ada"}, "wa_id": "16505551234"}],
        "messages": [{"from": "16505551234", "id": "wamid.ASGI", "timestamp": "1767000000",
                      "type": "text", "text": {"body": "hi"}}]}}]}]}).encode()


async def test_post_get_and_errors() -> None:
    hub, seen = make_hub()
    transport = httpx.ASGITransport(app=hub.asgi(path_prefix="/webhooks"))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        signed = {"X-Hub-Signature-256": sign_body(BODY, SECRET), "Content-Type": "application/json"}
        ok = await client.post("/webhooks/whatsapp", content=BODY, headers=signed)
        assert ok.status_code == 200 and seen == ["wamid.ASGI"]
        bad = await client.post("/webhooks/whatsapp", content=BODY,
                                headers={**signed, "X-Hub-Signature-256": "sha256=00"})
        assert bad.status_code == 401
        junk = b"not json at all"
        garbage = await client.post("/webhooks/whatsapp", content=junk,
                                    headers={"X-Hub-Signature-256": sign_body(junk, SECRET)})
        assert garbage.status_code == 400
        challenge = await client.get("/webhooks/whatsapp", params={
            "hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "12345"})
        assert challenge.status_code == 200 and challenge.text == "12345"
        assert (await client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe"})).status_code == 403
        assert (await client.post("/elsewhere/whatsapp", content=b"{}")).status_code == 404
        assert (await client.post("/webhooks/nope", content=b"{}")).status_code == 404


async def test_body_cap() -> None:
    hub, _ = make_hub()
    transport = httpx.ASGITransport(app=hub.asgi(max_body=100))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/webhooks/whatsapp", content=b"x" * 101)
        assert response.status_code == 413


async def test_sync_hub_is_served_too() -> None:
    hub = polychat.Hub(polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE",
                                         app_secret=SECRET))
    seen: list[str] = []
    hub.on(polychat.MessageReceived)(lambda event, ctx: seen.append(event.id))
    transport = httpx.ASGITransport(app=hub.asgi(path_prefix=""))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        signed = {"X-Hub-Signature-256": sign_body(BODY, SECRET), "Content-Type": "application/json"}
        assert (await client.post("/whatsapp", content=BODY, headers=signed)).status_code == 200
    assert seen == ["wamid.ASGI"]


async def test_lifespan_closes_the_hub() -> None:
    hub, _ = make_hub()
    app = hub.asgi()
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, str]] = []

    async def receive() -> dict[str, str]:
        return messages.pop(0)

    async def send(message: dict[str, str]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


async def test_deeper_paths_route_on_their_first_segment() -> None:
    """Apple posts to '<registered endpoint>/message': /webhooks/whatsapp/anything routes too."""
    hub, seen = make_hub()
    transport = httpx.ASGITransport(app=hub.asgi(path_prefix="/webhooks"))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        signed = {"X-Hub-Signature-256": sign_body(BODY, SECRET), "Content-Type": "application/json"}
        ok = await client.post("/webhooks/whatsapp/message", content=BODY, headers=signed)
    assert ok.status_code == 200 and seen == ["wamid.ASGI"]
