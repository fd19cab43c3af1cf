"""The in-process simulator of the platforms' HTTP APIs, and simulated customers.

:class:`Simulator` is an httpx transport (sync and async): give it to a hub with
:meth:`Simulator.attach` and every request the hub makes is answered by a fake of the platform —
validated like the real API, answered with real-shaped bodies, recorded in :attr:`Simulator.sent`
with a readable view of what the customer's phone would show. Simulated users
(:meth:`Simulator.user`) send correctly signed webhooks to the hub and see the replies::

    sim = Simulator()
    sim.attach(hub)
    ada = sim.user("whatsapp")
    replies = await ada.says("hi")
    await ada.taps("track")          # a reply button or list row, by id or title

Each action delivers its webhook, then the status webhooks the platform would send for the
replies (sent → delivered → read), until nothing is pending, and returns the messages the user
received meanwhile. The simulator's clock starts at a fixed date and moves one second per webhook,
so ids and timestamps are the same on every run.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..address import Address
from ..wire import WebhookResponse
from ._apple_api import FakeApple
from ._fake import FakePlatform
from ._messenger_api import FakeMessenger
from ._whatsapp_api import FakeWhatsApp

__all__ = ["SentMessage", "SimulatedUser", "Simulator", "SimulatorError"]

DEFAULT_START = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)

FAKES: dict[str, type[FakePlatform]] = {
    FakeWhatsApp.name: FakeWhatsApp,
    FakeMessenger.name: FakeMessenger,
    FakeApple.name: FakeApple,
}
"""The fake platform class serving each channel name."""
MAX_ROUNDS = 200


_PLACEHOLDER_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d494441"
    "5478da63f0e9b2fe0f0004480211a3cd5c5a0000000049454e44ae426082")
"""A valid 1×1 PNG (a shrub-green pixel) served for image URLs of the simulated web."""
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/png", ".jpeg": "image/png", ".gif": "image/png"}


class SimulatorError(AssertionError):
    """A simulated user cannot do what the test asked (no such button, unknown channel…)."""


@dataclass(frozen=True)
class SentMessage:
    """A message the business sent, as the fake platform accepted it.

    Attributes:
        channel: channel name. account: business account. user: the recipient.
        message_id: the id the fake platform gave it. body: the request body as sent.
        view: how the customer's phone shows it, as text. time: simulator time of the send.
        choices: the tappable choices it offers, as (id, title, kind).
    """

    channel: str
    account: str
    user: str
    message_id: str
    body: dict[str, Any]
    view: str
    time: datetime
    choices: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Alias of :attr:`view`."""
        return self.view


class Simulator(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A fake of the platforms' APIs, mounted as the hub's httpx transport.

    Args:
        hub: attach to this hub right away (same as calling :meth:`attach`).
        start: the simulator clock's start (aware datetime).
    """

    def __init__(self, hub: Any = None, *, start: datetime = DEFAULT_START) -> None:
        self.hub: Any = None
        self.sent: list[SentMessage] = []
        """Every message the business sent, in order."""
        self.requests: list[httpx.Request] = []
        """Every HTTP request the hub made."""
        self.webhooks: list[tuple[str, dict[str, Any], WebhookResponse]] = []
        """Every webhook delivered: (channel name, body, the hub's answer)."""
        self.web: dict[str, tuple[bytes, str]] = {}
        """URL → (bytes, MIME type) the simulated web serves (channels that fetch media, like
        Apple's, download from it); any other ``.jpg``/``.png``/``.gif`` URL gets a tiny PNG."""
        self._fakes: list[FakePlatform] = []
        self._pending: list[tuple[FakePlatform, dict[str, Any]]] = []
        self._names: dict[tuple[str, str], str] = {}
        self._clock = start
        self._lock = threading.RLock()
        if hub is not None:
            self.attach(hub)

    # -- wiring --------------------------------------------------------------------------------

    def attach(self, hub: Any) -> None:
        """Serve ``hub``'s channels and become its HTTP transport."""
        self.hub = hub
        self._fakes = []
        for channel in hub.channels:
            fake = FAKES.get(channel.name)
            if fake is None:
                raise SimulatorError(f"the simulator has no fake {channel.name!r} platform")
            self._fakes.append(fake(self, channel))
        hub.use_transport(self)
        hub.core.clock = self.now

    def fake(self, channel: str, account: str | None = None) -> FakePlatform:
        """The fake platform account serving ``channel`` (and ``account``, if several)."""
        for fake in self._fakes:
            if fake.channel.name == channel and (account is None or fake.account == account):
                return fake
        raise SimulatorError(f"the simulator serves no {channel!r} account {account or ''}".strip())

    def other_fake_claims(self, asker: FakePlatform, target: str) -> bool:
        """Whether a fake other than ``asker`` owns the account or media id ``target``."""
        return any(f is not asker and (f.account == target or target in f.media)
                   for f in self._fakes)

    # -- clock ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulator's current time."""
        return self._clock

    def advance(self, delta: timedelta) -> None:
        """Move the simulator's clock forward (e.g. past a 24-hour window)."""
        self._clock += delta

    # -- the transport -------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from a sync hub."""
        request.read()
        with self._lock:
            self.requests.append(request)
            for fake in self._fakes:
                if fake.handles(request):
                    return fake.handle(request)
            if request.method == "GET":
                return self._web(request)
        return httpx.Response(404, json={"error": {"message": f"the simulator does not serve "
                                                   f"{request.url.host}", "code": 0}})

    def _web(self, request: httpx.Request) -> httpx.Response:
        """The simulated public web: :attr:`web` pages, else a placeholder image for image URLs."""
        url = str(request.url)
        if url in self.web:
            data, mime = self.web[url]
            return httpx.Response(200, content=data, headers={"content-type": mime})
        path = request.url.path.lower()
        for extension, mime in _IMAGE_TYPES.items():
            if path.endswith(extension):
                return httpx.Response(200, content=_PLACEHOLDER_PNG, headers={"content-type": mime})
        return httpx.Response(404, text="Not Found")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one request from an async hub."""
        await request.aread()
        return self.handle_request(request)

    # -- what fakes report ---------------------------------------------------------------------

    def record(self, fake: FakePlatform, user: str, message_id: str,
               body: dict[str, Any]) -> SentMessage:
        """Record a message the fake accepted (called by the fakes)."""
        sent = SentMessage(channel=fake.channel.name, account=fake.account, user=user,
                           message_id=message_id, body=body, view=fake.describe(body),
                           time=self.now(), choices=fake.choices(body))
        self.sent.append(sent)
        return sent

    def queue(self, channel: str, body: dict[str, Any], fake: FakePlatform | None = None) -> None:
        """Queue a webhook the platform will deliver after the current action."""
        self._pending.append((fake or self.fake(channel), body))

    def user_name(self, channel: str, user: str) -> str:
        """The display name of a simulated user."""
        return self._names.get((channel, user), "Simulated User")

    # -- users ---------------------------------------------------------------------------------

    def user(self, channel: str = "whatsapp", user_id: str | None = None, *,
             name: str = "Ada Lovelace", account: str | None = None) -> SimulatedUser:
        """A simulated customer on ``channel``.

        Without ``user_id``, each new name gets the platform's next fake id (WhatsApp and
        Messenger: numbers from ``16505551234`` on; Apple: ``urn:mbid:…`` opaque ids); the same
        name gives the same user again.
        """
        fake = self.fake(channel, account)
        if user_id is None:
            known = [u for (ch, u), n in self._names.items() if ch == channel and n == name]
            taken = sum(1 for ch, _ in self._names if ch == channel)
            user_id = known[0] if known else fake.new_user_id(taken)
        uid = user_id
        self._names[(channel, uid)] = name
        return SimulatedUser(self, fake, uid, name)

    # -- delivery ------------------------------------------------------------------------------

    async def deliver(self, fake: FakePlatform, body: dict[str, Any]) -> WebhookResponse:
        """Sign and POST one webhook body to the hub; returns the hub's answer."""
        if self.hub is None:
            raise SimulatorError("attach the simulator to a hub first")
        self._clock += timedelta(seconds=1)
        request = fake.webhook_request(body)
        handle = self.hub.handle
        if asyncio.iscoroutinefunction(handle):
            response: WebhookResponse = await handle(fake.channel.name, request)
        else:
            response = await asyncio.to_thread(handle, fake.channel.name, request)
        self.webhooks.append((fake.channel.name, body, response))
        return response

    async def flush(self) -> None:
        """Deliver every pending platform webhook (statuses), including ones they cause."""
        for _ in range(MAX_ROUNDS):
            with self._lock:
                if not self._pending:
                    return
                fake, body = self._pending.pop(0)
            await self.deliver(fake, body)
        raise SimulatorError("webhooks keep causing webhooks: the bot may be looping")


class SimulatedUser:
    """A customer on one channel; every action returns the messages it got back meanwhile."""

    def __init__(self, sim: Simulator, fake: FakePlatform, user_id: str, name: str) -> None:
        self.sim = sim
        self.fake = fake
        self.id = user_id
        self.name = name

    @property
    def channel(self) -> str:
        """The channel name."""
        return self.fake.channel.name

    @property
    def address(self) -> Address:
        """The conversation's address, as the hub sends to it (``channel:account:user``)."""
        return Address(channel=self.channel, account=self.fake.account, user=self.id)

    @property
    def inbox(self) -> list[SentMessage]:
        """Every message the business sent to this user, in order."""
        return [m for m in self.sim.sent
                if m.user == self.id and m.channel == self.channel and m.account == self.fake.account]

    @property
    def last(self) -> SentMessage:
        """The latest message this user received."""
        inbox = self.inbox
        if not inbox:
            raise SimulatorError(f"{self.name} has received nothing yet")
        return inbox[-1]

    async def _act(self, envelope: dict[str, Any]) -> list[SentMessage]:
        before = len(self.sim.sent)
        response = await self.sim.deliver(self.fake, envelope)
        if response.status != 200:
            raise SimulatorError(f"the hub answered {response.status}: {response.text}")
        await self.sim.flush()
        return [m for m in self.sim.sent[before:] if m.user == self.id]

    async def says(self, text: str) -> list[SentMessage]:
        """Send a text message."""
        return await self._act(self.fake.user_text(self.id, self.name, text))

    async def replies_to(self, message_id: str, text: str) -> list[SentMessage]:
        """Send a text quoting ``message_id``."""
        return await self._act(self.fake.user_text(self.id, self.name, text, reply_to=message_id))

    async def taps(self, choice: str) -> list[SentMessage]:
        """Tap a button, quick reply, list row or card button, by id or title (latest first)."""
        for sent in reversed(self.inbox):
            for option in sent.choices:
                if choice in (option[0], option[1]) or choice.lower() == option[1].lower():
                    return await self._act(self.fake.user_choice(self.id, self.name, sent, option))
        raise SimulatorError(f"{self.name} sees no button or row {choice!r}")

    async def picks(self, choice: str) -> list[SentMessage]:
        """Pick a list row (or any choice) by id or title; the same as :meth:`taps`."""
        return await self.taps(choice)

    async def sends_image(self, data: bytes = b"\xff\xd8\xff\xe0fake-jpeg", *,
                          mime_type: str = "image/jpeg", caption: str | None = None
                          ) -> list[SentMessage]:
        """Send a photo; the bot can download it through the fake platform."""
        return await self._act(self.fake.user_image(self.id, self.name, data, mime_type, caption))

    async def shares_location(self, latitude: float, longitude: float, *,
                              name: str | None = None, address: str | None = None
                              ) -> list[SentMessage]:
        """Share a location pin."""
        return await self._act(self.fake.user_location(self.id, self.name, latitude, longitude,
                                                       name, address))

    async def reacts(self, emoji: str, to: str | None = None) -> list[SentMessage]:
        """React with ``emoji`` to message ``to`` (default: the latest one received)."""
        target = to or self.last.message_id
        return await self._act(self.fake.user_reaction(self.id, self.name, target, emoji))

    async def closes(self) -> list[SentMessage]:
        """Close (delete) the conversation, where the platform has that (Apple ``close``)."""
        return await self._act(self.fake.user_close(self.id, self.name))

    async def clicks_ad(self, ad_id: str, *, text: str = "Hi! Can I get more info on this?",
                        headline: str | None = None, body: str | None = None,
                        ref: str | None = None) -> list[SentMessage]:
        """Tap a click-to-chat ad and send the message it pre-fills (WhatsApp, Messenger).

        The bot gets a ``MessageReceived`` whose ``referral`` names the ad (``ad_id``, the
        ``headline``; on Messenger the ad's ``ref`` too).

        Raises:
            ValueError: the platform has no click-to-chat ads (Apple).
        """
        return await self._act(self.fake.user_ad_click(self.id, self.name, text, ad_id=ad_id,
                                                       headline=headline, body=body, ref=ref))

    async def opens_link(self, ref: str, *, text: str = "Hello") -> list[SentMessage]:
        """Open a link to the business carrying ``ref``: on Messenger an m.me link (a
        standalone ``Referral`` event, nothing typed); on Apple an entry point with
        ``biz-intent-id`` (the first message, ``text``, has ``referral.ref`` = the intent).

        Raises:
            ValueError: the platform's links carry no ref (WhatsApp).
        """
        return await self._act(self.fake.user_link(self.id, self.name, ref, text))
