"""A blocking FAQ bot on the sync ``Hub``, served as a WSGI app (Flask, Django, gunicorn…).

It answers questions from a small table, offers the topics as quick replies (reply buttons on
WhatsApp, a quick reply on Apple), and hands over to a human on request. Run it for real with any
WSGI server::

    gunicorn 'examples.faq_bot_sync:app'

with ``POLYCHAT_WHATSAPP_*`` settings of your own in :func:`channels_from_env`; the tests run it on
the simulator instead.
"""

from __future__ import annotations

import os

import polychat
from polychat import ChoiceSelected, MessageReceived, QuickReplies, QuickReply, Text

ANSWERS = {
    "hours": "We are open Monday to Saturday, 9:00 to 18:00.",
    "returns": "You can return anything within 30 days, free of charge.",
    "shipping": "Orders ship within one working day; delivery takes 2–3 days.",
}


def topics(text: str) -> QuickReplies:
    """The topics menu."""
    return QuickReplies(text=text, replies=[
        QuickReply(id="hours", title="Opening hours"),
        QuickReply(id="returns", title="Returns"),
        QuickReply(id="shipping", title="Shipping"),
    ])


def create_hub(*channels: polychat.Channel, **options: object) -> polychat.Hub:
    """The FAQ bot's blocking hub over ``channels``."""
    hub = polychat.Hub(*channels, **options)  # type: ignore[arg-type]

    @hub.on(ChoiceSelected)
    def on_choice(event: ChoiceSelected, ctx: polychat.SyncContext) -> None:
        answer = ANSWERS.get(event.choice_id)
        ctx.reply(topics(f"{answer}\n\nAnything else?") if answer else Text("Sorry?"))

    @hub.on(MessageReceived)
    def on_message(event: MessageReceived, ctx: polychat.SyncContext) -> None:
        words = event.content.text.lower() if isinstance(event.content, Text) else ""
        if "human" in words or "agent" in words:
            ctx.reply(Text("A colleague will answer you here shortly."))
            return
        for key, answer in ANSWERS.items():
            if key.rstrip("s") in words:
                ctx.reply(Text(answer))
                return
        ctx.reply(topics("Hello! What would you like to know?"))

    return hub


def channels_from_env() -> list[polychat.Channel]:
    """The real channel, configured from the environment (only when the variables are set)."""
    if "POLYCHAT_WHATSAPP_PHONE_NUMBER_ID" not in os.environ:
        return []
    return [polychat.WhatsApp(
        phone_number_id=os.environ["POLYCHAT_WHATSAPP_PHONE_NUMBER_ID"],
        access_token=os.environ["POLYCHAT_WHATSAPP_TOKEN"],
        app_secret=os.environ["POLYCHAT_WHATSAPP_APP_SECRET"],
        verify_token=os.environ.get("POLYCHAT_WHATSAPP_VERIFY_TOKEN"),
    )]


_channels = channels_from_env()
app = create_hub(*_channels).wsgi() if _channels else None
"""The WSGI app, when the environment configures a channel."""
