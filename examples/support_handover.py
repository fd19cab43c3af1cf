"""Support handover: the bot hands a conversation to a human agent, who answers within each
platform's rules — even days later.

When a customer writes "agent", the bot says a colleague will answer, marks the conversation as
handed over in its conversation state (``hub.store``, so every worker sees it) and stops
answering it; what the customer writes meanwhile is kept there for the agent. The :class:`Agent`
then answers through the hub:

- Messenger: with ``messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT"``, which Meta allows up to
  7 days after the customer's last message (a plain send is refused after 24 hours; the app
  needs Meta's Human Agent permission);
- WhatsApp: as text inside the 24-hour window, else the ``agent_follow_up`` template
  (``outside_window=``), since only templates pass once the window has closed;
- Apple: after the customer closed the conversation, the hub refuses the send with
  ``RecipientUnreachable``; the agent is told, and waits for the customer to write again.

Run ``python examples/support_handover.py`` to watch an agent answer three days later.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import polychat
from polychat import (
    Address,
    ConversationClosed,
    MessageReceived,
    RecipientUnreachable,
    Template,
    Text,
    WindowClosed,
)

HANDOVER = "handover"
"""The conversation-state field of a handed-over conversation: {"notes": [what the customer wrote]}."""


def follow_up(name: str) -> Template:
    """The approved WhatsApp template sent instead of an agent's answer outside the 24-hour
    window: "Hi! {{1}} from our support team has an answer for you. Reply to this message to
    read it." — the customer's reply reopens the window for the agent's text."""
    return Template(name="agent_follow_up", language="en_US", components=[
        {"type": "body", "parameters": [{"type": "text", "text": name}]}])


def create_hub(*channels: polychat.Channel, **options: object) -> polychat.AsyncHub:
    """The support bot's hub over ``channels`` (options go to :class:`polychat.AsyncHub`)."""
    hub = polychat.AsyncHub(*channels, **options)  # type: ignore[arg-type]

    async def note_for_agent(ctx: polychat.Context, note: str) -> bool:
        """Keep ``note`` for the agent if the conversation is handed over; whether it is."""
        key = str(ctx.address)
        handover = (await hub.store.aconversation(key)).get(HANDOVER)
        if handover is not None:
            handover["notes"].append(note)
            await hub.store.aupdate_conversation(key, **{HANDOVER: handover})
        return handover is not None

    @hub.on(MessageReceived, text=["agent", "human", "talk to a human"])
    async def hand_over(event: MessageReceived, ctx: polychat.Context) -> None:
        if await note_for_agent(ctx, "agent"):
            return  # already waiting for one
        await hub.store.aupdate_conversation(str(ctx.address), **{HANDOVER: {"notes": []}})
        await ctx.reply(Text(text="Sure — a colleague will answer you here. You can close this chat; "
                             "we will write as soon as they have looked into it."))

    @hub.on(MessageReceived)
    async def answer(event: MessageReceived, ctx: polychat.Context) -> None:
        content = event.content
        if await note_for_agent(ctx, content.text if isinstance(content, Text) else content.kind):
            return  # the agent has it now: the bot keeps quiet
        await ctx.reply(Text(text="I'm the support bot: ask me anything, or write 'agent' to talk "
                             "to a person."))

    @hub.on(ConversationClosed)  # Apple: the customer deleted the conversation
    async def closed(event: ConversationClosed, ctx: polychat.Context) -> None:
        # the hub refuses sends to it from now on, until the customer writes again
        await note_for_agent(ctx, "(the customer closed the conversation)")

    return hub


class Agent:
    """A human agent answering handed-over conversations through ``hub``."""

    def __init__(self, hub: polychat.AsyncHub, name: str = "Sam") -> None:
        self.hub = hub
        self.name = name

    async def notes(self, to: Address | str) -> list[str] | None:
        """What the customer wrote since the handover, or ``None`` if it was not handed over."""
        handover: dict[str, Any] | None = (await self.hub.store.aconversation(str(to))).get(HANDOVER)
        return None if handover is None else list(handover["notes"])

    async def reply(self, to: Address | str, text: str) -> str:
        """Answer the customer at ``to``; returns what happened, in words, for the agent's screen."""
        address = Address.parse(to) if isinstance(to, str) else to
        options: dict[str, Any] = {}
        if address.channel == "messenger":  # a human may answer up to 7 days later
            options = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        elif address.channel == "whatsapp":  # after 24 h only a template goes through
            options = {"outside_window": follow_up(self.name)}
        try:
            result = await self.hub.send(address, Text(text=f"{self.name} here: {text}"), **options)
        except RecipientUnreachable:
            return "not sent: the customer closed the conversation; wait until they write again"
        except WindowClosed as error:
            return f"not sent: the window closed at {error.window_end:%d %b %H:%M} UTC"
        if any(note.startswith("window.outside") for note in result.degraded):
            return "sent the agent_follow_up template (the 24-hour window has closed)"
        return "sent with the HUMAN_AGENT tag" if "tag" in options else "sent"

    async def release(self, to: Address | str) -> None:
        """Give the conversation back to the bot."""
        await self.hub.store.aupdate_conversation(str(to), **{HANDOVER: None})


async def _demo() -> None:
    from polychat.cli import demo_channels
    from polychat.testing import Simulator

    hub = create_hub(*demo_channels())
    sim = Simulator(hub)
    agent = Agent(hub)
    customers = [sim.user(channel) for channel in ("whatsapp", "messenger", "apple")]
    for customer in customers:
        for line in ("My parcel arrived damaged", "agent", "It's order A1001"):
            print(f"{customer.channel}> {line}")
            for reply in await customer.says(line):
                print(f"  {reply.view}")
    print("apple> (closes the conversation)")
    await customers[2].closes()
    sim.advance(timedelta(days=3))
    print("\n-- three days later, agent Sam answers --")
    for customer in customers:
        print(f"{customer.channel}: the customer wrote {await agent.notes(customer.address)}")
        before = len(customer.inbox)
        print(f"  {await agent.reply(customer.address, 'a new one is on its way, sorry!')}")
        await sim.flush()  # the platform's status webhooks for the agent's message
        for sent in customer.inbox[before:]:
            print(f"  the customer sees: {sent.view}")
    await hub.aclose()


def main() -> None:
    """Hand three conversations to an agent and answer them three days later, on the simulator."""
    asyncio.run(_demo())


if __name__ == "__main__":
    main()
