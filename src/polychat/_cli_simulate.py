"""``polychat simulate``: chat as the customer with a bot, in the terminal.

Two ways to reach the bot, one conversation loop (:class:`ChatSession`):

- **In-process** (``polychat simulate whatsapp --bot bot.py``): the bot module's ``create_hub``
  builds a hub on the :class:`~polychat.testing.Simulator`, as ``polychat demo`` does.
- **Over HTTP** (``polychat simulate --url http://127.0.0.1:8000/webhooks --channel whatsapp``):
  the user's own bot runs in its own process. The fake platform API is served on
  ``http://127.0.0.1:8765`` (:mod:`polychat._cli_fakeapi`); the bot's channel uses it as
  ``base_url`` and the fake credentials printed at start. Each customer action is a correctly
  signed webhook POSTed to the bot; what the bot sends back is captured by the fake, drawn with the
  platform's native UI, and answered with the statuses the platform would send.

Typing: plain text is sent as a text message; ``#N`` taps choice ``N`` of the latest numbered
choices; ``/tap TEXT`` taps a choice by id or title; ``/image [PATH]`` sends a photo;
``/location LAT LON [NAME]``; ``/react EMOJI``; ``/close`` (Apple); ``/help``; ``/quit``.
A line starting with ``//`` is sent as text without its first ``/``.
"""

from __future__ import annotations

import asyncio
import base64
import mimetypes
import shlex
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlencode, urlsplit

import httpx

from ._cli_draw import Choice, number_choices
from ._cli_fakeapi import DEFAULT_PORT, FakeApiServer
from ._cli_output import Output, make_output, mask
from .testing import SentMessage, SimulatedUser, Simulator, SimulatorError
from .wire import WebhookRequest, WebhookResponse

__all__ = ["CHANNELS", "SIMULATOR_SECRET", "SIMULATOR_TOKEN", "ChatSession", "bot_settings",
           "simulate_url", "simulator_channel", "webhook_url"]

CHANNELS = ("whatsapp", "messenger", "apple")
SIMULATOR_SECRET = "polychat-simulator"
"""The fake app secret the simulator signs Meta webhooks with (and the verify token)."""
SIMULATOR_TOKEN = "polychat-simulator-token"
"""The fake access token the fake Graph API expects from the bot."""
SIMULATOR_MSP_ID = "polychat-simulator-msp"
SIMULATOR_MSP_SECRET = base64.b64encode(b"polychat-simulator-msp-secret-00").decode()
"""The fake Base64 MSP secret of the simulated Apple gateway (not a real credential)."""
DEFAULT_ACCOUNTS = {"whatsapp": "106540352242922", "messenger": "108457560940232",
                    "apple": "polychat-simulator-business"}
_DEFAULT_PHOTO = b"\xff\xd8\xff\xe0fake-jpeg"
MAX_ROUNDS = 20

HELP = """\
  text                      send a text message (// at the start sends one beginning with /)
  #N                        tap choice N (buttons, quick replies, list rows, time slots)
  /tap TEXT                 tap a choice by its id or title
  /image [PATH]             send a photo (default: a tiny placeholder)
  /location LAT LON [NAME]  share a location
  /react EMOJI              react to the latest message
  /close                    close the conversation (Apple)
  /help                     this list
  /quit                     stop"""


# -- configuration -----------------------------------------------------------------------------


def simulator_channel(name: str, base_url: str, *, account: str | None = None,
                      secret: str | None = None, token: str | None = None) -> Any:
    """The channel the fake platform serves, with the simulator's fake credentials.

    The bot must be configured with the same values (:func:`bot_settings` lists them).
    """
    from . import AppleMessages, Messenger, WhatsApp

    account = account or DEFAULT_ACCOUNTS[name]
    if name == "whatsapp":
        return WhatsApp(phone_number_id=account, access_token=token or SIMULATOR_TOKEN,
                        app_secret=secret or SIMULATOR_SECRET, verify_token=SIMULATOR_SECRET,
                        base_url=base_url)
    if name == "messenger":
        return Messenger(page_id=account, page_access_token=token or SIMULATOR_TOKEN,
                         app_secret=secret or SIMULATOR_SECRET, verify_token=SIMULATOR_SECRET,
                         base_url=base_url)
    if name == "apple":
        return AppleMessages(msp_id=SIMULATOR_MSP_ID, secret=secret or SIMULATOR_MSP_SECRET,
                             business_id=account, base_url=base_url)
    raise ValueError(f"unknown channel {name!r}")


def bot_settings(channel: Any, *, show: Callable[[str], str] = str) -> list[tuple[str, str, str]]:
    """What the bot's channel must be built with: (keyword argument, ``POLYCHAT_…`` environment
    variable, value) rows. ``show`` formats secret values (e.g. a mask)."""
    if channel.name == "whatsapp":
        rows = [("base_url", "BASE_URL", channel.base_url),
                ("phone_number_id", "PHONE_NUMBER_ID", channel.account),
                ("access_token", "TOKEN", show(channel.access_token.get_secret_value())),
                ("app_secret", "APP_SECRET", show(channel.app_secret.get_secret_value())),
                ("verify_token", "VERIFY_TOKEN", channel.verify_token.get_secret_value())]
    elif channel.name == "messenger":
        rows = [("base_url", "BASE_URL", channel.base_url),
                ("page_id", "PAGE_ID", channel.account),
                ("page_access_token", "TOKEN", show(channel.page_access_token.get_secret_value())),
                ("app_secret", "APP_SECRET", show(channel.app_secret.get_secret_value())),
                ("verify_token", "VERIFY_TOKEN", channel.verify_token.get_secret_value())]
    else:
        rows = [("base_url", "BASE_URL", channel.base_url),
                ("business_id", "BUSINESS_ID", channel.account),
                ("msp_id", "MSP_ID", channel.msp_id),
                ("secret", "SECRET", show(channel.secret.get_secret_value()))]
    prefix = f"POLYCHAT_{channel.name.upper()}_"
    return [(argument, prefix + variable, value) for argument, variable, value in rows]


def webhook_url(url: str, channel: str, *, exact: bool = False) -> str:
    """Where the channel's webhooks go: ``url`` itself when ``exact`` or when its path already
    ends with the channel's name, else ``url/<channel>`` (``url`` being the hub's webhook prefix,
    as ``hub.asgi(path_prefix="/webhooks")`` serves ``/webhooks/whatsapp``)."""
    if exact or urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] == channel:
        return url
    parts = urlsplit(url)
    return parts._replace(path=parts.path.rstrip("/") + "/" + channel).geturl()


# -- the bot over HTTP -------------------------------------------------------------------------


class _LiveSimulator(Simulator):
    """A simulator on wall-clock time: the bot in the other process checks tokens and windows
    against its own clock."""

    def now(self) -> datetime:
        """The current time (UTC)."""
        return datetime.now(UTC)


class _RemoteBot:
    """Stands in for a hub in :meth:`Simulator.attach`: webhooks go to ``url`` over HTTP."""

    def __init__(self, channel: Any, url: str, client: httpx.AsyncClient,
                 server: FakeApiServer) -> None:
        self.channels = [channel]
        self.url = url
        self.client = client
        self.server = server
        self.sim: Simulator | None = None

        class _Core:
            clock: Any = None

        self.core = _Core()

    def use_transport(self, transport: Any) -> None:
        """Nothing to do: the bot reaches the fakes over HTTP (:class:`FakeApiServer`)."""

    async def handle(self, channel_name: str, request: WebhookRequest) -> WebhookResponse:
        """POST the signed webhook to the bot; its answer is the platform's view of it."""
        body, headers = request.body, dict(request.headers)
        if channel_name != "apple" and self.sim is not None:
            local = self.server.urls.to_local(body)  # file URLs the bot must fetch from here
            if local != body:
                body, headers = local, self.sim.fake(channel_name).sign(local)
                headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Content-Type", "application/json")
        response = await self.client.post(self.url, content=body, headers=headers)
        return WebhookResponse(status=response.status_code, body=response.content,
                               headers={"content-type": response.headers.get("content-type", "")})


async def _settle(sim: Simulator, *, quiet: float, limit: float) -> None:
    """Wait until the bot has made no request to the fake API for ``quiet`` seconds."""
    deadline = time.monotonic() + limit
    seen, since = len(sim.requests), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.03)
        if len(sim.requests) != seen:
            seen, since = len(sim.requests), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


# -- the conversation --------------------------------------------------------------------------


def _statuses(sim: Simulator, webhooks: list[tuple[str, dict[str, Any], WebhookResponse]]) -> str:
    """Count the delivery statuses among ``webhooks``, parsed by the fakes' own channels."""
    from .events import MessageStatus

    counts: dict[str, int] = {}
    for name, body, _response in webhooks:
        fake = sim.fake(name)
        try:
            events = fake.channel.parse(fake.webhook_request(body))
        except Exception:  # noqa: S112 - a status the channel cannot parse is just not counted
            continue
        for event in events:
            if isinstance(event, MessageStatus):
                counts[event.status] = counts.get(event.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in counts.items())


class ChatSession:
    """One simulated customer typing to a bot, line by line.

    Args:
        sim: the simulator (attached to an in-process hub or to a bot over HTTP).
        customer: the simulated customer.
        output: where to draw the conversation.
        settle: awaited after each webhook, until the bot has finished answering (over HTTP);
            ``None`` in-process, where the hub answers before the webhook returns.
    """

    def __init__(self, sim: Simulator, customer: SimulatedUser, output: Output, *,
                 settle: Callable[[], Awaitable[None]] | None = None) -> None:
        self.sim = sim
        self.customer = customer
        self.output = output
        self.settle = settle
        self.choices: list[tuple[SentMessage, Choice]] = []
        """The choices ``#N`` picks from (``#1`` is the first), from the latest turn offering any."""
        self._shown = len(sim.sent)

    # -- drawing -------------------------------------------------------------------------------

    def show_new(self) -> list[SentMessage]:
        """Draw the messages the customer received since the last call, choices numbered."""
        new = [m for m in self.sim.sent[self._shown:] if m.user == self.customer.id
               and m.channel == self.customer.channel]
        self._shown = len(self.sim.sent)
        offered: list[tuple[SentMessage, Choice]] = []
        for message in new:
            numbered = number_choices(message.view, message.choices, first=len(offered) + 1)
            offered.extend((message, choice) for choice in message.choices)
            self.output.business(numbered.view, title=f"{message.channel} · business")
        if offered:
            self.choices = offered
        return new

    # -- actions -------------------------------------------------------------------------------

    async def act(self, envelope: dict[str, Any]) -> list[SentMessage]:
        """Deliver one customer action, wait for the bot, deliver the statuses; draw the replies."""
        sim, fake = self.sim, self.customer.fake
        first_hook = len(sim.webhooks) + 1
        try:
            response = await sim.deliver(fake, envelope)
        except httpx.HTTPError as exc:
            self.output.error(f"cannot reach the bot ({type(exc).__name__}): is it running?")
            return []
        if response.status != 200:
            hint = {401: " — is the bot's app secret / MSP secret the simulator's?",
                    403: " — is the bot's app secret / MSP secret the simulator's?",
                    404: " — is --url the bot's webhook URL?"}.get(response.status, "")
            self.output.error(f"the bot answered {response.status}: "
                              f"{response.text.strip()[:200]}{hint}")
        try:
            for _ in range(MAX_ROUNDS):
                before = (len(sim.requests), len(sim.webhooks))
                if self.settle is not None:
                    await self.settle()
                await sim.flush()
                if (len(sim.requests), len(sim.webhooks)) == before:
                    break
        except SimulatorError as error:
            self.output.error(str(error))
        except httpx.HTTPError as exc:
            self.output.error(f"cannot reach the bot ({type(exc).__name__}): is it running?")
        replies = self.show_new()
        if not replies and self.settle is not None:
            self.output.note("(nothing from the bot yet: a late answer shows with your next line)")
        statuses = _statuses(sim, sim.webhooks[first_hook:])
        if statuses:
            self.output.note(f"✓ statuses: {statuses}")
        return replies

    def _tap_target(self, text: str) -> tuple[SentMessage, Choice]:
        for sent in reversed(self.customer.inbox):
            for option in sent.choices:
                if text in (option[0], option[1]) or text.lower() == option[1].lower():
                    return sent, option
        raise SimulatorError(f"{self.customer.name} sees no button or row {text!r}")

    def _envelope(self, line: str) -> dict[str, Any] | None:
        """The webhook envelope for one typed line (None: nothing to send)."""
        fake, user, name = self.customer.fake, self.customer.id, self.customer.name
        if line.startswith("#") and line[1:].strip().isdigit():
            number = int(line[1:])
            if not self.choices:
                raise SimulatorError("no choices are shown yet")
            if not 1 <= number <= len(self.choices):
                raise SimulatorError(f"choose #1 to #{len(self.choices)}")
            sent, choice = self.choices[number - 1]
            return fake.user_choice(user, name, sent, choice)
        if line.startswith("//"):
            return fake.user_text(user, name, line[1:])
        if not line.startswith("/"):
            return fake.user_text(user, name, line)
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if command == "/tap" and rest:
            sent, choice = self._tap_target(rest)
            return fake.user_choice(user, name, sent, choice)
        if command in ("/image", "/photo"):
            data, mime = _DEFAULT_PHOTO, "image/jpeg"
            if rest:
                path = Path(rest).expanduser()
                data = path.read_bytes()
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return fake.user_image(user, name, data, mime, None)
        if command == "/location":
            words = shlex.split(rest)
            if len(words) < 2:
                raise SimulatorError("usage: /location LAT LON [NAME]")
            try:
                latitude, longitude = float(words[0]), float(words[1])
            except ValueError:
                raise SimulatorError("usage: /location LAT LON [NAME]") from None
            return fake.user_location(user, name, latitude, longitude,
                                      " ".join(words[2:]) or None, None)
        if command == "/react" and rest:
            return fake.user_reaction(user, name, self.customer.last.message_id, rest)
        if command == "/close":
            return fake.user_close(user, name)
        raise SimulatorError(f"unknown command {command!r}: /help lists them")

    async def run(self, lines: Iterable[str] | None = None, *, echo: bool | None = None) -> int:
        """Read lines (default: standard input) until ``/quit`` or the end; returns 0."""
        if echo is None:
            echo = lines is not None or not sys.stdin.isatty()
        for raw in lines if lines is not None else _stdin_lines():
            line = raw.strip()
            if not line:
                continue
            if echo:
                self.output.customer(line)
            if line in ("/quit", "/exit"):
                break
            if line == "/help":
                self.output.line(HELP)
                continue
            self.show_new()  # anything the bot sent late, or on its own
            try:
                envelope = self._envelope(line)
            except (SimulatorError, ValueError, OSError) as error:
                self.output.error(str(error))
                continue
            if envelope is not None:
                await self.act(envelope)
        if self.settle is not None:  # what the bot sends after the last line
            await self.settle()
        self.show_new()
        return 0


def _stdin_lines() -> Iterator[str]:
    """Standard input, with a prompt when it is a terminal."""
    if not sys.stdin.isatty():
        yield from sys.stdin
        return
    while True:
        try:
            yield input("› ")
        except EOFError:
            return


# -- the two commands --------------------------------------------------------------------------


async def run_in_process(hub: Any, channel: str, *, bot_name: str, lines: Iterable[str] | None,
                         out: TextIO | None = None, plain: bool | None = None) -> int:
    """Chat with ``hub`` (built by a bot module) on the in-process simulator."""
    output = make_output(out, plain=plain)
    sim = Simulator(hub)
    customer = sim.user(channel, name="Ada Lovelace")
    output.line(f"chatting with {bot_name} on the simulated {channel}; type a message, #N picks "
                "choice N, /help lists commands")
    try:
        return await ChatSession(sim, customer, output).run(lines)
    finally:
        await hub.aclose()


async def _handshake(client: httpx.AsyncClient, url: str, output: Output) -> None:
    """Meta's GET subscription handshake, as the platform does when the webhook is set up."""
    query = urlencode({"hub.mode": "subscribe", "hub.verify_token": SIMULATOR_SECRET,
                       "hub.challenge": "1158201444"})
    try:
        response = await client.get(f"{url}{'&' if '?' in url else '?'}{query}")
    except httpx.HTTPError as exc:
        output.error(f"cannot reach {url} ({type(exc).__name__}): start your bot, then type on")
        return
    if response.status_code == 200 and response.text.strip() == "1158201444":
        output.note("✓ the bot answered the webhook verification handshake")
    else:
        output.error(f"the bot answered the verification handshake with {response.status_code}"
                     f" (is its verify_token {SIMULATOR_SECRET!r}?)")


async def simulate_url(url: str, channel: str, *, port: int = DEFAULT_PORT,
                       secret: str | None = None, token: str | None = None,
                       account: str | None = None, exact: bool = False,
                       name: str = "Ada Lovelace", quiet: float = 0.4, wait: float = 10.0,
                       lines: Iterable[str] | None = None, out: TextIO | None = None,
                       plain: bool | None = None,
                       ready: Callable[[FakeApiServer], None] | None = None) -> int:
    """``polychat simulate --url``: serve the fake API, post signed webhooks to the bot at ``url``.

    Args:
        url: the bot's webhook URL (or the hub's prefix; see :func:`webhook_url`).
        channel: ``whatsapp``, ``messenger`` or ``apple``.
        port: the fake API's port on 127.0.0.1 (0: any free port).
        secret: the app secret (Meta) or Base64 MSP secret (Apple) to sign with, instead of the
            simulator's fake one. token: the access token the fake API expects.
        account: the phone number id, Page id or business id to simulate.
        exact: post to ``url`` as given.
        name: the simulated customer's display name.
        quiet: seconds without a request from the bot after which its answer is complete.
        wait: the most seconds to wait for the bot's answer to one action.
        lines: the customer's lines (default: standard input).
        out: where to write. plain: force plain text (True) or rich (False).
        ready: called with the running server before the first line is read (tests).
    """
    output = make_output(out, plain=plain)
    target = webhook_url(url, channel, exact=exact)
    with FakeApiServer(port=port, report=output.error) as server:
        fake_channel = simulator_channel(channel, server.base_url, account=account,
                                         secret=secret, token=token)
        custom = bool(secret or token)
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0)) as client:
            bot = _RemoteBot(fake_channel, target, client, server)
            sim = _LiveSimulator()
            sim.attach(bot)
            bot.sim = sim
            server.start(sim)
            label = {"whatsapp": "WhatsApp Cloud API", "messenger": "Messenger Platform",
                     "apple": "Apple Messages for Business gateway"}[channel]
            output.line(f"polychat simulate: a fake {label} on {server.base_url}", style="bold")
            settings = bot_settings(fake_channel, show=mask if custom else str)
            output.settings(f"Build your bot's {type(fake_channel).__name__}(...) with these fake "
                            "values (base_url is the fake API):",
                            [(argument, value) for argument, _, value in settings])
            output.settings("or, from the environment:",
                            [(variable, value) for _, variable, value in settings])
            output.line(f"Customer webhooks go to {target}")
            if ready is not None:
                ready(server)
            if channel != "apple":
                await _handshake(client, target, output)
            output.line(f"You are {name} on {channel}: type a message, #N picks choice N, "
                        "/help lists commands, /quit stops.")
            customer = sim.user(channel, name=name)
            session = ChatSession(sim, customer, output,
                                  settle=lambda: _settle(sim, quiet=quiet, limit=wait))
            return await session.run(lines)
