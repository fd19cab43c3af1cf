"""An echo bot on WhatsApp and Messenger, as a single-file Django project (blocking ``Hub``).

Serve it with ``gunicorn examples.web.django_app:application`` once the fake credentials below
are replaced by your own (from the environment, not the source). An ``AsyncHub`` works too,
served by an ASGI server. ``python examples/web/django_app.py`` posts one signed message per
channel through Django's test client, with polychat's simulator standing in for the platforms.
"""

from __future__ import annotations

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.test import Client

import polychat
from polychat.testing import Simulator
from polychat.web.django import urlpatterns as polychat_urls

if not settings.configured:
    settings.configure(
        SECRET_KEY="fake-django-secret-key-for-the-example",
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["localhost", "testserver"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware",
                    "django.middleware.csrf.CsrfViewMiddleware"],
    )

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


urlpatterns = [*polychat_urls(hub, prefix="webhooks/")]
application = get_wsgi_application()


def main() -> None:
    """Play one message per channel through the project, on the simulator."""
    sim = Simulator(hub)
    client = Client(enforce_csrf_checks=True)  # the webhook views are exempt: platforms sign
    for channel in ("whatsapp", "messenger"):
        user = sim.user(channel)
        webhook = user.fake.webhook_request(user.fake.user_text(user.id, user.name, "hello"))
        response = client.post(f"/webhooks/{channel}", webhook.body,
                               content_type="application/json", headers=dict(webhook.headers))
        print(f"{channel}: answered {response.status_code}, bot replied {user.last.view!r}")


if __name__ == "__main__":
    main()
