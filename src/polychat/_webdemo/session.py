"""The web demo's conversation state: one bot, the simulator, one customer per channel.

:class:`DemoSession` builds the bot's hub over every simulated channel (the same bot and fake
credentials as ``polychat demo``), runs it on an asyncio loop in a background thread, and keeps a
transcript per channel that the web page draws. Its methods are thread-safe and blocking: the
HTTP server's threads call them, and each customer action runs on the loop, one at a time.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from ..testing import SentMessage, SimulatedUser, Simulator, SimulatorError
from .widgets import widget_for

__all__ = ["TITLES", "DemoError", "DemoSession"]

T = TypeVar("T")

TITLES = {"whatsapp": "WhatsApp", "messenger": "Messenger", "apple": "Apple Messages"}
"""The display name of each channel's pane."""
MAX_TEXT = 4096
"""The longest text the page may send (the platforms' own limits are of this order)."""
PHOTO = b"\xff\xd8\xff\xe0" + b"web-demo-photo-bytes" * 40
"""The bytes of the photo the customer sends (a JPEG signature, then filler)."""


class DemoError(Exception):
    """A customer action the demo cannot do (unknown channel, no such choice, text too long)."""


class _HubLog(logging.Handler):
    """Collects what the hub logs that a developer wants to see: degrade notes, handler errors."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.notes: list[tuple[str, dict[str, str]]] = []
        """(channel name or "", note entry fields) in the order logged."""

    def emit(self, record: logging.LogRecord) -> None:
        channel = str(getattr(record, "channel", "") or "")
        rules = getattr(record, "degraded", None)
        if rules:
            for rule in map(str, rules):
                slug, _, detail = rule.partition(": ")
                self.notes.append((channel, {"kind": "degraded", "text": slug, "detail": detail}))
        elif record.levelno >= logging.ERROR:
            error = record.exc_info[1] if record.exc_info else None
            detail = f"{type(error).__name__}: {error}" if error is not None else ""
            self.notes.append((channel, {"kind": "error", "text": record.getMessage(),
                                         "detail": detail}))


class DemoSession:
    """One bot on the simulated WhatsApp, Messenger and Apple, driven by the web page.

    Args:
        bot: the bot module (with ``create_hub(*channels)``); default: the shipped order bot.
        channels: only these channel names (default: every one the demo can simulate).
        customer: the simulated customer's display name.
        timeout: seconds one action may take before the page gets an error.

    Use it as a context manager, or call :meth:`start` and :meth:`close`::

        with DemoSession() as demo:
            demo.say("whatsapp", "hi")
            print(demo.state()["channels"][0]["entries"][-1]["widget"])
    """

    def __init__(self, bot: ModuleType | None = None, *, channels: Sequence[str] | None = None,
                 customer: str = "Ada Lovelace", timeout: float = 30.0) -> None:
        from ..cli import load_bot

        self.bot = bot if bot is not None else load_bot()
        self.customer = customer
        self.timeout = timeout
        self._only = list(channels) if channels else None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="polychat-webdemo",
                                        daemon=True)
        self._lock: asyncio.Lock | None = None
        self._log = _HubLog()
        self._level = logging.NOTSET
        self._hub: Any = None
        self._sim: Simulator | None = None
        self._users: dict[str, SimulatedUser] = {}
        self._entries: dict[str, list[dict[str, Any]]] = {}
        self._unavailable: list[dict[str, str]] = []
        self._seq = 0
        self._started = False
        self._closed = False

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> DemoSession:
        """Start the loop thread and build the hub (idempotent); returns ``self``."""
        if self._closed:
            raise DemoError("this demo session is closed")
        if not self._started:
            self._started = True
            hub_logger = logging.getLogger("polychat.hub")
            self._level = hub_logger.level
            hub_logger.addHandler(self._log)
            if hub_logger.getEffectiveLevel() > logging.INFO:
                hub_logger.setLevel(logging.INFO)
            self._thread.start()
            try:
                self._run(self._build())
            except BaseException:
                self.close()
                raise
        return self

    def close(self) -> None:
        """Close the hub, stop the loop thread and detach the log handler (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._started:
            try:
                self._run(self._teardown(), closing=True)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=self.timeout)
                hub_logger = logging.getLogger("polychat.hub")
                hub_logger.removeHandler(self._log)
                hub_logger.setLevel(self._level)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> DemoSession:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _run(self, coroutine: Coroutine[Any, Any, T], *, closing: bool = False) -> T:
        if not self._started or (self._closed and not closing):
            coroutine.close()
            raise DemoError("the demo session is not running")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=self.timeout)

    async def _build(self) -> None:
        from ..cli import demo_channels

        self._lock = asyncio.Lock()
        available = demo_channels()
        names = {c.name for c in available}
        selected = [c for c in available if self._only is None or c.name in self._only]
        self._unavailable = [
            {"name": n, "title": TITLES.get(n, n),
             "reason": 'install "polychat[apple]" to simulate Apple Messages (its media are '
                       "encrypted)" if n == "apple" else "not available"}
            for n in TITLES if n not in names and (self._only is None or n in self._only)]
        if not selected:
            raise DemoError(f"no such demo channel: {', '.join(self._only or [])}")
        self._hub = self.bot.create_hub(*selected)
        self._sim = Simulator(self._hub)
        self._users = {c.name: self._sim.user(c.name, name=self.customer) for c in selected}
        self._entries = {c.name: [] for c in selected}
        self._seq = 0
        self._log.notes.clear()

    async def _teardown(self) -> None:
        if self._hub is not None:
            hub, self._hub = self._hub, None
            await hub.aclose()

    # -- what the page asks ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Every pane's transcript, as the JSON the page draws.

        Returns:
            ``{"bot", "business", "customer", "channels", "unavailable", "counts"}``; each
            channel is ``{"name", "title", "account", "user", "entries"}`` and each entry has a
            ``seq`` and a ``sender``: ``customer`` or ``business`` entries carry ``id`` (the
            message id), ``widget`` (see :mod:`polychat._webdemo.widgets`) and ``time``, business
            ones also ``view`` and ``choices``; ``note`` entries carry ``kind`` (``degraded`` or
            ``error``), ``text`` and ``detail``.
        """
        return self._run(self._state())

    def say(self, channel: str, text: str) -> dict[str, Any]:
        """The customer sends ``text`` on ``channel``; returns the new state."""
        text = text.strip()
        if not text:
            raise DemoError("type a message first")
        if len(text) > MAX_TEXT:
            raise DemoError(f"a message is at most {MAX_TEXT} characters")
        return self._run(self._act(channel, "say", text))

    def tap(self, channel: str, message_id: str, choice: str) -> dict[str, Any]:
        """The customer taps ``choice`` (a button, reply, row or slot id) of ``message_id``."""
        return self._run(self._act(channel, "tap", choice, message_id))

    def photo(self, channel: str) -> dict[str, Any]:
        """The customer sends a photo on ``channel``; returns the new state."""
        return self._run(self._act(channel, "photo", ""))

    def reset(self) -> dict[str, Any]:
        """Start every conversation over with a fresh hub; returns the new state."""
        return self._run(self._reset())

    # -- on the loop -----------------------------------------------------------------------------

    async def _reset(self) -> dict[str, Any]:
        assert self._lock is not None
        async with self._lock:
            await self._teardown()
            await self._build()
        return await self._state()

    async def _state(self) -> dict[str, Any]:
        sim = self._sim
        assert sim is not None
        panes = [{"name": name, "title": TITLES.get(name, name), "account": user.fake.account,
                  "user": user.id, "entries": list(self._entries[name])}
                 for name, user in self._users.items()]
        bot_file = Path(getattr(self.bot, "__file__", None) or "bot.py").name
        return {"bot": bot_file, "business": str(getattr(self.bot, "SHOP", "") or "Your bot"),
                "customer": self.customer, "channels": panes, "unavailable": self._unavailable,
                "counts": {"sent": len(sim.sent), "webhooks": len(sim.webhooks),
                           "requests": len(sim.requests)}}

    def _entry(self, channel: str, **fields: Any) -> None:
        self._seq += 1
        self._entries[channel].append({"seq": self._seq, **fields})

    async def _act(self, channel: str, action: str, argument: str,
                   message_id: str | None = None) -> dict[str, Any]:
        assert self._lock is not None
        async with self._lock:
            user = self._users.get(channel)
            if user is None:
                raise DemoError(f"no simulated channel {channel!r} in this demo")
            sim = self._sim
            assert sim is not None
            fake = user.fake
            if action == "say":
                envelope = fake.user_text(user.id, user.name, argument)
                shown: dict[str, Any] = {"type": "text", "text": argument}
            elif action == "photo":
                envelope = fake.user_image(user.id, user.name, PHOTO, "image/jpeg", None)
                shown = {"type": "media", "kind": "image", "name": "photo.jpg", "caption": None}
            else:
                sent, option = self._choice(user, message_id or "", argument)
                envelope = fake.user_choice(user.id, user.name, sent, option)
                shown = {"type": "text", "text": option[1], "choice": option[0],
                         "reply_to": sent.message_id}
            before, notes_before = len(sim.sent), len(self._log.notes)
            response = await sim.deliver(fake, envelope)
            self._entry(channel, sender="customer", id=self._inbound_id(user, envelope),
                        widget=shown, time=f"{sim.now():%H:%M}")
            if response.status != 200:
                self._entry(channel, sender="note", kind="error", detail="",
                            text=f"the hub answered {response.status}")
                return await self._state()
            try:
                await sim.flush()
            except SimulatorError as error:
                self._entry(channel, sender="note", kind="error", text=str(error), detail="")
            for note_channel, note in self._log.notes[notes_before:]:
                if note_channel in ("", channel):
                    self._entry(channel, sender="note", **note)
            for sent in sim.sent[before:]:
                if sent.channel == channel and sent.user == user.id:
                    self._add_sent(channel, sent)
            return await self._state()

    def _choice(self, user: SimulatedUser, message_id: str,
                choice: str) -> tuple[SentMessage, tuple[str, str, str]]:
        for sent in reversed(user.inbox):
            if sent.message_id == message_id:
                for option in sent.choices:
                    if option[0] == choice:
                        return sent, option
                raise DemoError(f"message {message_id} offers no choice {choice!r}")
        raise DemoError(f"no message {message_id!r} in this conversation")

    def _inbound_id(self, user: SimulatedUser, envelope: dict[str, Any]) -> str | None:
        """The id of the customer's message, as the channel itself parses the webhook."""
        try:
            events = user.fake.channel.parse(user.fake.webhook_request(envelope))
        except Exception:  # the id only places reactions and quotes: never fail an action on it
            return None
        for event in events:
            if getattr(event, "id", None):
                return str(event.id)
        return None

    def _add_sent(self, channel: str, sent: SentMessage) -> None:
        extra: dict[str, Any] = {}
        interactive_of = getattr(self._users[channel].fake, "interactive_of", None)
        if channel == "apple" and callable(interactive_of) and sent.body.get("type") == "interactive":
            extra["interactive"] = interactive_of(sent.body)
        widget = widget_for(channel, sent.body, sent.view, sent.choices, **extra)
        if widget is None:
            return
        choices = [c[0] for c in sent.choices]
        self._entry(channel, sender="business", id=sent.message_id, widget=widget,
                    view=sent.view, choices=choices, time=f"{sent.time:%H:%M}")
