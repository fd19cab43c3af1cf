"""Shared pieces of the web framework tests: a hub on the simulator, signed webhooks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import polychat
from polychat.testing import Simulator

PNID = "106540352242922"
PAGE_ID = "108457560940232"
SECRET = "fake-app-secret-web"
VERIFY = "fake-verify-token-web"
HANDSHAKE = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}


def channels() -> list[polychat.Channel]:
    """WhatsApp and Messenger with obviously fake credentials."""
    return [
        polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE-WEB-TOKEN",
                          app_secret=SECRET, verify_token=VERIFY),
        polychat.Messenger(page_id=PAGE_ID, page_access_token="EAAG-FAKE-WEB-PAGE-TOKEN",
                           app_secret=SECRET, verify_token=VERIFY),
    ]


Probe = Callable[[], None] | None


def async_echo_hub(probe: Probe = None) -> tuple[polychat.AsyncHub, Simulator, list[str]]:
    """An async echo bot on the simulator, and the ids of the messages it handled; ``probe``
    runs first in the handler."""
    hub = polychat.AsyncHub(*channels())
    seen: list[str] = []

    @hub.on(polychat.MessageReceived)
    async def echo(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        if probe is not None:
            probe()
        seen.append(event.id or "")
        await ctx.reply(polychat.Text(text=f"echo: {_text(event)}"))

    return hub, Simulator(hub), seen


def sync_echo_hub(probe: Probe = None) -> tuple[polychat.Hub, Simulator, list[str]]:
    """A blocking echo bot on the simulator, and the ids of the messages it handled; ``probe``
    runs first in the handler."""
    hub = polychat.Hub(*channels())
    seen: list[str] = []

    @hub.on(polychat.MessageReceived)
    def echo(event: polychat.MessageReceived, ctx: polychat.SyncContext) -> None:
        if probe is not None:
            probe()
        seen.append(event.id or "")
        ctx.reply(polychat.Text(text=f"echo: {_text(event)}"))

    return hub, Simulator(hub), seen


def _text(event: polychat.MessageReceived) -> str:
    return event.content.text if isinstance(event.content, polychat.Text) else "?"


def says(sim: Simulator, channel: str, text: str) -> tuple[bytes, dict[str, str]]:
    """The signed webhook (body, headers) the platform posts when a user sends ``text``."""
    user = sim.user(channel)
    request = user.fake.webhook_request(user.fake.user_text(user.id, user.name, text))
    return request.body, {**dict(request.headers), "Content-Type": "application/json"}


def tampered(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with a wrong signature."""
    return {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64}


def oversized(size: int) -> bytes:
    """A JSON body of ``size`` bytes."""
    filler = "x" * max(0, size - len(json.dumps({"pad": ""})))
    return json.dumps({"pad": filler}).encode()


def chunks(body: bytes, size: int = 1024) -> Any:
    """``body`` as a generator (clients send it chunked, without Content-Length)."""
    return (body[i:i + size] for i in range(0, len(body), size))
