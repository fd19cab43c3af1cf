"""An echo bot on WhatsApp and Messenger, served by FastAPI.

Serve it with ``uvicorn examples.web.fastapi_app:app``. Its settings come from the environment
(``POLYCHAT_WHATSAPP_TOKEN``, ``…_APP_SECRET``, ``…_VERIFY_TOKEN``, ``…_BASE_URL``, and the same
``POLYCHAT_MESSENGER_…`` ones), with obviously fake defaults; ``polychat simulate --url
http://127.0.0.1:8000/webhooks --channel whatsapp`` prints the values to export so the bot talks
to the simulator. ``python examples/web/fastapi_app.py``
posts one signed message per channel through FastAPI's test client, with polychat's simulator
standing in for the platforms.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import polychat
from polychat.testing import Simulator
from polychat.web.fastapi import router


def setting(channel: str, name: str, default: str) -> str:
    """``POLYCHAT_<CHANNEL>_<NAME>`` from the environment, else the fake ``default``."""
    return os.environ.get(f"POLYCHAT_{channel}_{name}", default)


hub = polychat.AsyncHub(
    polychat.WhatsApp(
        phone_number_id=setting("WHATSAPP", "PHONE_NUMBER_ID", "106540352242922"),
        access_token=setting("WHATSAPP", "TOKEN", "EAAG-fake-token"),
        app_secret=setting("WHATSAPP", "APP_SECRET", "fake-app-secret"),
        verify_token=setting("WHATSAPP", "VERIFY_TOKEN", "fake-verify-token"),
        base_url=setting("WHATSAPP", "BASE_URL", "https://graph.facebook.com")),
    polychat.Messenger(
        page_id=setting("MESSENGER", "PAGE_ID", "108457560940232"),
        page_access_token=setting("MESSENGER", "TOKEN", "EAAG-fake-page-token"),
        app_secret=setting("MESSENGER", "APP_SECRET", "fake-app-secret"),
        verify_token=setting("MESSENGER", "VERIFY_TOKEN", "fake-verify-token"),
        base_url=setting("MESSENGER", "BASE_URL", "https://graph.facebook.com")),
)


@hub.on(polychat.MessageReceived)
async def echo(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
    """Say back what the customer wrote."""
    if isinstance(event.content, polychat.Text):
        await ctx.reply(polychat.Text(text=f"You said: {event.content.text}"))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Close the hub's HTTP client when the server stops."""
    async with hub:
        yield


app = FastAPI(lifespan=lifespan)
app.include_router(router(hub, prefix="/webhooks"))


def main() -> None:
    """Play one message per channel through the app, on the simulator."""
    from fastapi.testclient import TestClient  # a test tool: not imported when serving

    sim = Simulator(hub)
    with TestClient(app) as client:
        for channel in ("whatsapp", "messenger"):
            user = sim.user(channel)
            webhook = user.fake.webhook_request(user.fake.user_text(user.id, user.name, "hello"))
            response = client.post(f"/webhooks/{channel}", content=webhook.body,
                                   headers=dict(webhook.headers))
            print(f"{channel}: answered {response.status_code}, bot replied {user.last.view!r}")


if __name__ == "__main__":
    main()
