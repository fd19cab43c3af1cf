"""Referral welcome: greet customers from an ad or a link with what brought them.

Business conversations often start from a click-to-WhatsApp or click-to-Messenger ad, an m.me
link with a ``ref``, or an Apple Messages entry point with an intent. polychat reports where a
conversation came from as a :class:`polychat.ReferralInfo`: on the first message
(``MessageReceived.referral``, with ``ad_id``, ``headline`` and WhatsApp's ``click_id``), or as a
standalone :class:`polychat.Referral` event (an m.me link opened in an existing Messenger thread;
in a new thread the link's ref rides on the "Get Started" tap, a ``ChoiceSelected``).

This bot tailors its welcome: a running campaign's ad or ref gets its own offer, any other ad is
thanked by its headline, and organic conversations get the generic welcome. The campaign is kept
in the conversation state (``hub.store``), so the discount still applies when the customer taps
"See the offer" later, on whichever worker handles it. Run ``python examples/referral_welcome.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING

import polychat
from polychat import Button, Buttons, ChoiceSelected, MessageReceived, Referral, ReferralInfo, Text

if TYPE_CHECKING:
    from polychat.testing import SentMessage, SimulatedUser

SHOP = "Lucky Shrub"
CAMPAIGNS = {  # ad ids and link refs of the campaigns running now -> (offer, discount code)
    "120210000000000001": ("our spring sale: 20% off every house plant", "SPRING20"),
    "summer-trees": ("our summer offer: a free pot with every tree", "SUNPOT"),
    "gift-cards": ("gift cards, delivered by email in minutes", "GIFT5"),
}


def campaign_of(referral: ReferralInfo) -> str | None:
    """The running campaign a referral belongs to (by ad id, then ref), or ``None``."""
    for key in (referral.ad_id, referral.ref):
        if key in CAMPAIGNS:
            return key
    return None


def welcome(referral: ReferralInfo | None, name: str | None = None) -> Buttons:
    """The welcome for a conversation that came through ``referral`` (``None``: organic)."""
    hello = f"Hi {name.split()[0]}!" if name else "Hi!"
    campaign = campaign_of(referral) if referral is not None else None
    if campaign is not None:
        text = f"{hello} Thanks for stopping by for {CAMPAIGNS[campaign][0]}."
    elif referral is not None and referral.headline:
        text = f"{hello} Thanks for your interest in “{referral.headline}”."
    else:
        text = f"{hello} Welcome to {SHOP}, the plant shop that delivers."
    return Buttons(text=f"{text} What can we do for you?", buttons=[
        Button.reply("offer", "See the offer" if campaign else "Browse the shop"),
        Button.reply("question", "Ask a question"),
    ])


def create_hub(*channels: polychat.Channel, **options: object) -> polychat.AsyncHub:
    """The welcome bot's hub over ``channels`` (options go to :class:`polychat.AsyncHub`)."""
    hub = polychat.AsyncHub(*channels, **options)  # type: ignore[arg-type]

    async def greet(ctx: polychat.Context, referral: ReferralInfo | None, name: str | None) -> None:
        if referral is not None:  # remember where the conversation came from (attribution)
            await hub.store.aupdate_conversation(str(ctx.address), referral={
                "source": referral.source, "ref": referral.ref, "ad_id": referral.ad_id,
                "click_id": referral.click_id, "campaign": campaign_of(referral)})
        await ctx.reply(welcome(referral, name))

    @hub.on(Referral)  # an m.me link opened in an existing thread: nothing was typed
    async def on_referral(event: Referral, ctx: polychat.Context) -> None:
        await greet(ctx, event.referral, None)

    @hub.on(ChoiceSelected, choice_id="GET_STARTED")  # Messenger: a new thread's first tap
    async def on_get_started(event: ChoiceSelected, ctx: polychat.Context) -> None:
        await greet(ctx, event.referral, None)

    @hub.on(MessageReceived)
    async def on_message(event: MessageReceived, ctx: polychat.Context) -> None:
        await greet(ctx, event.referral, event.sender_name)

    @hub.on(ChoiceSelected, choice_id="offer")
    async def on_offer(event: ChoiceSelected, ctx: polychat.Context) -> None:
        state = await hub.store.aconversation(str(ctx.address))
        campaign = (state.get("referral") or {}).get("campaign")
        if campaign in CAMPAIGNS:
            code = CAMPAIGNS[campaign][1]
            await ctx.reply(Text(text=f"Here you go: https://shop.example/?code={code} "
                                 f"(code {code} is applied at checkout)."))
        else:
            await ctx.reply(Text(text="Here is the shop: https://shop.example/"))

    @hub.on(ChoiceSelected, choice_id="question")
    async def on_question(event: ChoiceSelected, ctx: polychat.Context) -> None:
        await ctx.reply(Text(text="Ask away — a plant expert reads every message."))

    return hub


async def _visit(doing: str, customer: SimulatedUser,
                 action: Awaitable[list[SentMessage]]) -> None:
    print(f"\n== {customer.channel}: {customer.name} {doing} ==")
    for reply in await action:
        print(reply.view)
    for reply in await customer.taps("offer"):
        print(f"> taps the first button\n{reply.view}")


async def _demo() -> None:
    from polychat.cli import demo_channels
    from polychat.testing import Simulator

    hub = create_hub(*demo_channels())
    sim = Simulator(hub)
    ada, bob = sim.user("whatsapp"), sim.user("messenger")
    await _visit("taps the spring sale ad", ada,
                 ada.clicks_ad("120210000000000001", headline="Spring sale: 20% off plants"))
    await _visit("taps an ad we do not run any more", bob,
                 bob.clicks_ad("120219999999999999", headline="Winter cacti"))
    grace = sim.user("messenger", name="Grace Hopper")
    await _visit("opens m.me/…?ref=summer-trees", grace, grace.opens_link("summer-trees"))
    cleo = sim.user("apple", name="Cleo")
    await _visit("opens the gift-cards entry point", cleo, cleo.opens_link("gift-cards"))
    alan = sim.user("whatsapp", name="Alan Turing")
    await _visit("says hello (no ad)", alan, alan.says("hello"))
    await hub.aclose()


def main() -> None:
    """Play five first visits on the simulator and print the welcomes."""
    asyncio.run(_demo())


if __name__ == "__main__":
    main()
