"""What every fake platform of the simulator provides (one subclass per platform).

A fake answers the hub's HTTP requests like the real API (``handles`` / ``handle``), records what
the business sent (through :meth:`Simulator.record`), queues the webhooks the platform would send
back, and builds the webhooks of a simulated customer's actions (the ``user_*`` methods return
envelopes; the simulator signs and delivers them with :meth:`sign`). Adding a platform to the
simulator means one subclass and one line in ``simulator.FAKES``.
"""

from __future__ import annotations

import abc
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from ..channels._base import Channel
from ..wire import WebhookRequest

if TYPE_CHECKING:
    from .simulator import SentMessage, Simulator

__all__ = ["Choice", "FakePlatform", "StoredMedia"]

Choice = tuple[str, str, str]
"""A tappable choice of a sent message: (id, title, kind); kind is platform-specific."""


@dataclass
class StoredMedia:
    """Bytes the fake platform holds (uploads from the business, photos from users)."""

    data: bytes
    mime: str

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        return hashlib.sha256(self.data).hexdigest()


class FakePlatform(abc.ABC):
    """Base of the simulator's fake platforms: one business account on one platform."""

    name: ClassVar[str]
    window: ClassVar[timedelta | None] = timedelta(hours=24)

    def __init__(self, sim: Simulator, channel: Channel) -> None:
        self.sim = sim
        self.channel = channel
        self.media: dict[str, StoredMedia] = {}
        self.last_user_message: dict[str, datetime] = {}
        self._counter = 0

    @property
    def account(self) -> str:
        """The business account id."""
        return self.channel.account

    def new_user_id(self, n: int) -> str:
        """The id of the ``n``-th simulated customer (0-based) on this platform."""
        return str(16505551234 + n)

    def tick(self) -> int:
        """A new number for ids (deterministic)."""
        self._counter += 1
        return self._counter

    def trace(self) -> str:
        """A fake trace id for error envelopes."""
        return f"SimTrace{self._counter:06d}"

    def window_open(self, user: str, *, within: timedelta | None = None) -> bool:
        """Whether ``user`` wrote within ``within`` (default: the platform's window)."""
        limit = within or self.window
        last = self.last_user_message.get(user)
        return limit is None or (last is not None and self.sim.now() - last <= limit)

    def user_wrote(self, user: str) -> None:
        """Note that ``user`` just wrote (opens the window)."""
        self.last_user_message[user] = self.sim.now()

    def keep_media(self, data: bytes, mime: str) -> str:
        """Keep bytes a simulated user sends; returns their media id."""
        media_id = str(2 * 10**15 + len(self.media) + 1)
        self.media[media_id] = StoredMedia(data, mime)
        return media_id

    # -- the HTTP side -------------------------------------------------------------------------

    @abc.abstractmethod
    def handles(self, request: httpx.Request) -> bool:
        """Whether this fake serves ``request``."""

    @abc.abstractmethod
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer ``request`` as the platform would."""

    @abc.abstractmethod
    def sign(self, body: bytes) -> dict[str, str]:
        """The headers the platform sends with a webhook POST of ``body``."""

    def webhook_request(self, envelope: dict[str, Any]) -> WebhookRequest:
        """The webhook POST the platform sends for ``envelope`` (JSON, signed by :meth:`sign`).

        Platforms that compress bodies or put data in headers (Apple) override this.
        """
        raw = json.dumps(envelope, separators=(",", ":")).encode()
        return WebhookRequest(method="POST", headers=self.sign(raw), body=raw)

    @abc.abstractmethod
    def describe(self, body: dict[str, Any]) -> str:
        """How the customer's device shows a sent body, as text."""

    @abc.abstractmethod
    def choices(self, body: dict[str, Any]) -> list[Choice]:
        """The tappable choices of a sent body."""

    # -- the customer's actions (each returns a webhook envelope) -----------------------------

    @abc.abstractmethod
    def user_text(self, user: str, name: str, text: str, *,
                  reply_to: str | None = None) -> dict[str, Any]:
        """The customer sends ``text`` (quoting ``reply_to`` if given)."""

    @abc.abstractmethod
    def user_choice(self, user: str, name: str, sent: SentMessage,
                    choice: Choice) -> dict[str, Any]:
        """The customer taps ``choice`` of the message ``sent``."""

    @abc.abstractmethod
    def user_image(self, user: str, name: str, data: bytes, mime: str,
                   caption: str | None) -> dict[str, Any]:
        """The customer sends a photo."""

    @abc.abstractmethod
    def user_location(self, user: str, name: str, latitude: float, longitude: float,
                      place: str | None, address: str | None) -> dict[str, Any]:
        """The customer shares a location."""

    @abc.abstractmethod
    def user_reaction(self, user: str, name: str, message_id: str,
                      emoji: str) -> dict[str, Any]:
        """The customer reacts to ``message_id`` (an empty emoji removes the reaction)."""

    def user_close(self, user: str, name: str) -> dict[str, Any]:
        """The customer closes (deletes) the conversation; only some platforms have this.

        Raises:
            ValueError: the platform has no close (the default).
        """
        raise ValueError(f"{self.name} has no close")

    def user_ad_click(self, user: str, name: str, text: str, *, ad_id: str,
                      headline: str | None = None, body: str | None = None,
                      ref: str | None = None) -> dict[str, Any]:
        """The customer taps a click-to-chat ad and sends the ``text`` it pre-fills; the
        message carries the ad's referral. Only Meta's platforms have such ads.

        Raises:
            ValueError: the platform has no click-to-chat ads (the default).
        """
        raise ValueError(f"{self.name} has no click-to-chat ads")

    def user_link(self, user: str, name: str, ref: str, text: str) -> dict[str, Any]:
        """The customer opens a link to the business that carries ``ref`` (an m.me link, an
        Apple entry point); platforms that need a message to start send ``text`` with it.

        Raises:
            ValueError: the platform's links carry no ref (the default).
        """
        raise ValueError(f"{self.name} links carry no ref")
