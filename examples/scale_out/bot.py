"""The shop bot's handlers, shared by every worker (and by the tests).

A worker may handle one message of a conversation and another worker the next one, so the bot
keeps nothing in process memory: what it must remember between messages (here, that it asked for
an order number) goes into the hub's store, which every worker shares through Redis.
"""

from __future__ import annotations

from typing import Any

import polychat
from polychat import Button, Buttons, ChoiceSelected, MessageReceived, QuickReplies, QuickReply, Text

__all__ = ["PRODUCTS", "build_hub", "greeting", "register"]

SHOP = "Lucky Shrub"
PRODUCTS = {
    "mug": ("Shrub mug", "€12"),
    "tee": ("Shrub tee", "€25"),
    "cap": ("Shrub cap", "€18"),
}
ORDERS = {"A1001": "shipped — it arrives Thursday", "A1002": "being packed"}
STEP = "shop_step"
"""The conversation-state field the bot uses (the hub keeps ``closed`` and ``capabilities``)."""


def greeting(name: str | None) -> Buttons:
    """The opening menu."""
    hello = f"Hi {name.split()[0]}!" if name else "Hi!"
    return Buttons(text=f"{hello} Welcome to {SHOP}. What can we do for you?",
                   buttons=[Button.reply("browse", "Browse products"),
                            Button.reply("track", "Track an order")])


def products() -> QuickReplies:
    """The products, one quick reply each."""
    return QuickReplies(text="Here is what we have this week:",
                        replies=[QuickReply(id=f"product:{key}", title=title)
                                 for key, (title, _price) in PRODUCTS.items()])


def register(hub: polychat.AsyncHub, store: polychat.Store) -> polychat.AsyncHub:
    """Register the shop's handlers on ``hub``; conversation steps are kept in ``store``.

    Returns the hub, so ``register(AsyncHub(...), store)`` reads as one expression.
    """

    @hub.on(ChoiceSelected)
    async def on_choice(event: ChoiceSelected, ctx: polychat.Context) -> None:
        choice = event.choice_id
        if choice == "browse":
            await ctx.reply(products())
        elif choice.startswith("product:") and choice[8:] in PRODUCTS:
            title, price = PRODUCTS[choice[8:]]
            await ctx.reply(Text(text=f"The {title} is {price}. Reply 'hi' to see the menu again."))
        elif choice == "track":
            await store.aupdate_conversation(str(ctx.address), **{STEP: "order_number"})
            await ctx.reply(Text(text="Sure — what is your order number? (it looks like A1001)"))
        else:
            await ctx.reply(greeting(event.sender_name))

    @hub.on(MessageReceived)
    async def on_message(event: MessageReceived, ctx: polychat.Context) -> None:
        address = str(ctx.address)
        content = event.content
        step = (await store.aconversation(address)).get(STEP)
        if isinstance(content, Text) and step == "order_number":
            number = content.text.strip().upper()
            status = ORDERS.get(number)
            if status is None:
                await ctx.reply(Text(text=f"I can't find order {number}. Please check the number."))
                return
            await store.aupdate_conversation(address, **{STEP: None})
            await ctx.reply(Text(text=f"Order {number} is {status}."))
            return
        await ctx.reply(greeting(event.sender_name))

    return hub


def build_hub(channels: list[polychat.Channel], store: polychat.Store,
              **options: Any) -> polychat.AsyncHub:
    """A hub over ``channels`` sharing ``store``, with the shop's handlers registered.

    ``options`` go to :class:`polychat.AsyncHub` (``transport=`` for the Simulator in tests).
    """
    return register(polychat.AsyncHub(*channels, store=store, **options), store)
