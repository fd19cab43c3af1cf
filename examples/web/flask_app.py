"""An echo bot on WhatsApp and Messenger, served by Flask (blocking ``polychat.Hub``).

Serve it with ``flask --app examples/web/flask_app.py run`` (or gunicorn) once the fake
credentials below are replaced by your own (from the environment, not the source).
``python examples/web/flask_app.py`` posts one signed message per channel through Flask's test
client, with polychat's simulator standing in for the platforms.
"""

from __future__ import annotations

from flask import Flask

import polychat
from polychat.testing import Simulator
from polychat.web.flask import blueprint

hub = polychat.Hub(
    polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-fake-token",
                      app_secret="fake-app-secret", verify_token="fake-verify-token"),
    polychat.Messenger(page_id="108457560940232", page_access_token="EAAG-fake-page-token",
                       app_secret="fake-app-secret", verify_token="fake-verify-token"),
)


@hub.on(polychat.MessageReceived)
def echo(event: polychat.MessageReceived, ctx: polychat.SyncContext) -> None:
    """Say back what the customer wrote."""
    if isinstance(event.content, polychat.Text):
        ctx.reply(polychat.Text(text=f"You said: {event.content.text}"))


app = Flask(__name__)
app.register_blueprint(blueprint(hub, prefix="/webhooks"))


def main() -> None:
    """Play one message per channel through the app, on the simulator."""
    sim = Simulator(hub)
    client = app.test_client()
    for channel in ("whatsapp", "messenger"):
        user = sim.user(channel)
        webhook = user.fake.webhook_request(user.fake.user_text(user.id, user.name, "hello"))
        # the events are dispatched when the response is closed, after the answer went out
        with client.post(f"/webhooks/{channel}", data=webhook.body,
                         headers=dict(webhook.headers)) as response:
            status = response.status_code
        print(f"{channel}: answered {status}, bot replied {user.last.view!r}")


if __name__ == "__main__":
    main()
