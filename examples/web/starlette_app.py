"""An echo bot on WhatsApp and Messenger, served by Starlette.

Serve it with ``uvicorn examples.web.starlette_app:app`` once the fake credentials below are
replaced by your own (from the environment, not the source).
``python examples/web/starlette_app.py`` posts one signed message per channel through
Starlette's test client, with polychat's simulator standing in for the platforms.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.testclient import TestClient

import polychat
from polychat.testing import Simulator
from polychat.web.starlette import routes

hub = polychat.AsyncHub(
    polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-fake-token",
                      app_secret="fake-app-secret", verify_token="fake-verify-token"),
    polychat.Messenger(page_id="108457560940232", page_access_token="EAAG-fake-page-token",
                       app_secret="fake-app-secret", verify_token="fake-verify-token"),
)


@hub.on(polychat.MessageReceived)
async def echo(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
    """Say back what the customer wrote."""
    if isinstance(event.content, polychat.Text):
        await ctx.reply(polychat.Text(text=f"You said: {event.content.text}"))


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Close the hub's HTTP client when the server stops."""
    async with hub:
        yield


app = Starlette(routes=routes(hub, prefix="/webhooks"), lifespan=lifespan)


def main() -> None:
    """Play one message per channel through the app, on the simulator."""
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
