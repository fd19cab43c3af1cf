"""A small shop bot: the same code answers on every channel polychat serves.

It greets with buttons, shows the catalogue as a list, sends product photos, looks up order
status, offers delivery slots (a time picker, which channels without one get as a list), and
thanks customers for photos after downloading them. ``polychat demo`` runs it against the
built-in simulator; to run it for real, build the hub with real channels and serve ``hub.asgi()``
(see ``docs/quickstart.md``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polychat
from polychat import (
    Button,
    Buttons,
    ChoiceSelected,
    Image,
    ListItem,
    ListPicker,
    ListSection,
    MessageReceived,
    MessageStatus,
    QuickReplies,
    QuickReply,
    Reaction,
    Text,
    TimePicker,
    TimeSlot,
)

SHOP = "Lucky Shrub"
CATALOGUE = {
    "mug": ("Shrub mug", "€12 · ceramic, 350 ml", "https://example.com/img/mug.jpg"),
    "tee": ("Shrub tee", "€25 · organic cotton", "https://example.com/img/tee.jpg"),
    "cap": ("Shrub cap", "€18 · one size", "https://example.com/img/cap.jpg"),
    "socks": ("Shrub socks", "€9 · pack of two", "https://example.com/img/socks.jpg"),
}
ORDERS = {
    "A1001": "shipped on Monday — it arrives Thursday",
    "A1002": "being packed — it leaves the warehouse tomorrow",
}
FIRST_SLOT = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)


def greeting(name: str | None) -> Buttons:
    """The opening menu."""
    hello = f"Hi {name.split()[0]}!" if name else "Hi!"
    return Buttons(
        text=f"{hello} Welcome to {SHOP}. What can we do for you?",
        buttons=[
            Button.reply("browse", "Browse products"),
            Button.reply("track", "Track an order"),
            Button.reply("delivery", "Book a delivery"),
        ],
    )


def catalogue() -> ListPicker:
    """The product list."""
    items = [ListItem(id=f"product:{key}", title=title, description=desc)
             for key, (title, desc, _url) in CATALOGUE.items()]
    return ListPicker(text="Here is what we have this week.", button="See products",
                      sections=[ListSection(title="This week", items=items)])


def delivery_slots() -> TimePicker:
    """Three one-hour delivery slots."""
    slots = [TimeSlot(id=f"slot-{n}", start=FIRST_SLOT + timedelta(hours=2 * n),
                      duration=timedelta(hours=1)) for n in range(3)]
    return TimePicker(title="When should we deliver?", slots=slots, timezone="Europe/Paris")


def create_hub(*channels: polychat.Channel, **options: object) -> polychat.AsyncHub:
    """Build the shop's hub over ``channels`` (options go to :class:`polychat.AsyncHub`)."""
    hub = polychat.AsyncHub(*channels, **options)  # type: ignore[arg-type]
    awaiting_order_number: set[str] = set()

    @hub.on(ChoiceSelected)
    async def on_choice(event: ChoiceSelected, ctx: polychat.Context) -> None:
        choice = event.choice_id
        if choice == "browse":
            await ctx.reply(catalogue())
        elif choice.startswith("product:") and choice[8:] in CATALOGUE:
            title, desc, url = CATALOGUE[choice[8:]]
            await ctx.reply([
                Image(url=url, caption=f"{title} — {desc}"),
                Buttons(text=f"Add the {title} to your basket?",
                        buttons=[Button.reply(f"buy:{choice[8:]}", "Add to basket"),
                                 Button.reply("browse", "Keep browsing")]),
            ])
        elif choice.startswith("buy:"):
            await ctx.reply(QuickReplies(text="Added! Anything else?", replies=[
                QuickReply(id="browse", title="Keep browsing"),
                QuickReply(id="track", title="Track an order"),
                QuickReply(id="done", title="That's all"),
            ]))
        elif choice == "track":
            awaiting_order_number.add(str(ctx.address))
            await ctx.reply(Text("Sure — what is your order number? (it looks like A1001)"))
        elif choice == "delivery":
            await ctx.reply(delivery_slots())
        elif choice.startswith("slot-"):
            await ctx.reply(Text(f"Booked: {event.title}. See you then!"))
        else:
            await ctx.reply(Text("Thanks for shopping with us! 🌿"))

    @hub.on(MessageReceived)
    async def on_message(event: MessageReceived, ctx: polychat.Context) -> None:
        content = event.content
        if isinstance(content, Image):
            data = await ctx.download(content)
            await ctx.reply(Reaction(message_id=event.id or "", emoji="👍"))
            await ctx.reply(Text(f"Thanks, we got your photo ({len(data)} bytes). "
                                 "Our team will look at it today."), quote=True)
            return
        if isinstance(content, Text) and str(ctx.address) in awaiting_order_number:
            number = content.text.strip().upper()
            status = ORDERS.get(number)
            if status is None:
                await ctx.reply(Text(f"I can't find order {number}. Please check the number."))
                return
            awaiting_order_number.discard(str(ctx.address))
            await ctx.reply(Text(f"Order {number} is {status}."))
            return
        await ctx.reply(greeting(event.sender_name))

    @hub.on(MessageStatus)
    async def on_status(event: MessageStatus, ctx: polychat.Context) -> None:
        if event.status == "failed" and event.error is not None:
            hub_log = f"message {event.message_id} failed: {event.error}"
            print(hub_log)

    return hub
