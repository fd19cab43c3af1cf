"""Order-shipped notifications on WhatsApp: a plain text while the customer's 24-hour window is
open, the approved ``order_shipped`` template once it has closed — the window check chooses.

The hub also checks the template against the account's approved definitions before sending it
(the channel has ``waba_id``), so a wrong locale or a missing parameter is refused locally, naming
the component, instead of failing at Meta with 132000/132001.

Run it: ``python examples/order_shipped.py`` (it plays on the built-in simulator).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import polychat
from polychat import Address, Template, Text
from polychat.channels.whatsapp.templates import TemplateBody, TemplateHeader, UrlButton
from polychat.testing import Simulator

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"

# What Meta approved, as GET /{waba-id}/message_templates lists it (the simulator is told about it;
# a real account already has it).
ORDER_SHIPPED: dict[str, Any] = {
    "name": "order_shipped", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
    "id": "1689556908129832", "parameter_format": "POSITIONAL",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}",
         "example": {"header_text": ["A1001"]}},
        {"type": "BODY", "text": "Hi {{1}}, your order {{2}} has shipped.",
         "example": {"body_text": [["Ada", "A1001"]]}},
        {"type": "FOOTER", "text": "Lucky Shrub"},
        {"type": "BUTTONS", "buttons": [
            {"type": "URL", "text": "Track parcel", "url": "https://shop.example/track/{{1}}",
             "example": ["https://shop.example/track/A1001"]}]},
    ],
}


def shipped_template(name: str, order_id: str) -> Template:
    """The approved template, filled in with typed components."""
    return Template("order_shipped", "en_US", [
        TemplateHeader.text(order_id), TemplateBody(name, order_id), UrlButton(0, order_id)])


async def notify_shipped(hub: polychat.AsyncHub, customer: Address, name: str,
                         order_id: str) -> polychat.SendResult:
    """Tell ``customer`` their order shipped: free-form inside the window, the template outside."""
    text = Text(f"Good news {name}: order {order_id} is on its way! "
                f"Track it at https://shop.example/track/{order_id}")
    return await hub.send(customer, text, outside_window=shipped_template(name, order_id))


def create_hub(*channels: polychat.channels._base.Channel) -> polychat.AsyncHub:
    """The hub; it only sends here (no handler is needed to notify)."""
    return polychat.AsyncHub(*channels)


async def main() -> list[str]:
    """Play it on the simulator; returns (and prints) what the customer's phone shows."""
    wa = polychat.WhatsApp(phone_number_id=PHONE_NUMBER_ID, access_token="EAAG-simulated",
                           app_secret="simulated-secret", waba_id=WABA_ID)
    hub = create_hub(wa)
    sim = Simulator(hub)
    sim.fake("whatsapp").templates = [ORDER_SHIPPED]  # type: ignore[attr-defined]
    ada = sim.user("whatsapp", name="Ada Lovelace")
    customer = Address(channel="whatsapp", account=PHONE_NUMBER_ID, user=ada.id)
    lines: list[str] = []

    await ada.says("Hi, when will my order ship?")  # opens the 24-hour window
    first = await notify_shipped(hub, customer, "Ada", "A1001")
    lines.append(f"inside the window ({first.degraded or 'as is'}):\n{ada.last.view}")

    sim.advance(timedelta(hours=30))  # the window has closed
    second = await notify_shipped(hub, customer, "Ada", "A1002")
    lines.append(f"outside the window ({second.degraded[0].split(':')[0]}):\n{ada.last.view}")

    try:  # a locale Meta does not have: refused before any request
        await hub.send(customer, Template("order_shipped", "en", [TemplateBody("Ada", "A1003")]))
    except polychat.ContentError as error:
        lines.append(f"refused locally: {error}")
    await hub.aclose()
    for line in lines:
        print(line, end="\n\n")
    return lines


if __name__ == "__main__":
    asyncio.run(main())
