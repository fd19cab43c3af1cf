"""Appointment booking: one ``TimePicker``, shown the best way each customer's app can.

The bot offers three haircut slots as a :class:`polychat.TimePicker`. Apple devices that declare
``TIME`` get Apple's native time picker; everywhere else the hub takes the documented fallbacks
(``docs/degrade.md``): a list message on WhatsApp, quick replies on Messenger, and a numbered text
on an Apple device without pickers, which the customer answers by typing the number. Whatever the
customer tapped or typed, the handler gets the same ``ChoiceSelected`` with the slot's id, so the
booking code is written once. Run ``python examples/appointment_booking.py`` to see all four.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import polychat
from polychat import ChoiceSelected, MessageReceived, Text, TimePicker, TimeSlot

if TYPE_CHECKING:
    from polychat.testing import Simulator

SALON = "Shear Delight"
TIMEZONE = "Europe/Paris"
FIRST = datetime(2026, 1, 16, 9, 0, tzinfo=UTC)  # 10:00 in Paris
SLOTS = {f"slot-{n}": FIRST + timedelta(hours=2 * n) for n in range(1, 4)}
LENGTH = timedelta(minutes=45)


def when(slot_id: str) -> str:
    """A slot's start as the salon writes it (``Fri 16 Jan 12:00``, salon time)."""
    return f"{SLOTS[slot_id].astimezone(ZoneInfo(TIMEZONE)):%a %d %b %H:%M}"


def slots() -> TimePicker:
    """The free slots, as a time picker."""
    return TimePicker(title=f"Book a haircut at {SALON}", timezone=TIMEZONE,
                      slots=[TimeSlot(id=slot_id, start=start, duration=LENGTH)
                             for slot_id, start in SLOTS.items()])


def create_hub(*channels: polychat.Channel, **options: object) -> polychat.AsyncHub:
    """The booking bot's hub over ``channels`` (options go to :class:`polychat.AsyncHub`)."""
    hub = polychat.AsyncHub(*channels, **options)  # type: ignore[arg-type]
    bookings: dict[str, str] = {}  # conversation -> slot id (a real salon has a calendar)

    @hub.on(ChoiceSelected, choice_id=list(SLOTS))
    async def book(event: ChoiceSelected, ctx: polychat.Context) -> None:
        # the same handler for a native pick, a list row, a quick reply and a typed "2"
        bookings[str(ctx.address)] = event.choice_id
        await ctx.reply(Text(text=f"Booked {event.choice_id}: {when(event.choice_id)} "
                             f"({TIMEZONE}). See you then!"))

    @hub.on(MessageReceived)
    async def offer(event: MessageReceived, ctx: polychat.Context) -> None:
        await ctx.reply(slots())

    return hub


async def _chat(sim: Simulator, channel: str, name: str, answer: str,
                device: list[str] | None = None) -> None:
    customer = sim.user(channel, name=name)
    if device is not None:  # what this iPhone declares in its capability-list
        sim.fake("apple").set_device(customer.id, device)  # type: ignore[attr-defined]
    shows = "" if device is None else f" (device: {', '.join(device) or 'no pickers'})"
    print(f"\n== {channel}{shows} ==")
    for reply in await customer.says("Hi, can I book a haircut?"):
        print(reply.view)
    typed = answer.isdigit()  # a numbered text has nothing to tap: the customer types
    print(f"> {name} types {answer!r}" if typed else f"> {name} picks {when(answer)}")
    for reply in await (customer.says if typed else customer.taps)(answer):
        print(reply.view)


async def _demo() -> None:
    from polychat.cli import demo_channels
    from polychat.testing import Simulator

    hub = create_hub(*demo_channels())
    sim = Simulator(hub)
    await _chat(sim, "whatsapp", "Ada Lovelace", "slot-2")
    await _chat(sim, "messenger", "Ada Lovelace", "slot-2")
    await _chat(sim, "apple", "Ada Lovelace", "slot-2", device=["TIME", "LIST", "QUICK"])
    await _chat(sim, "apple", "Grace Hopper", "2", device=[])
    await hub.aclose()


def main() -> None:
    """Book the same slot on every channel of the simulator and print what customers see."""
    asyncio.run(_demo())


if __name__ == "__main__":
    main()
