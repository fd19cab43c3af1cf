"""The interface every channel implements: configuration plus sans-I/O methods.

A channel never does I/O. ``render`` turns content into :class:`~polychat.wire.HttpRequest` objects,
``parse`` turns a :class:`~polychat.wire.WebhookRequest` into events, ``classify`` turns an error
response into a :class:`~polychat.errors.PlatformError`. Multi-step operations whose later requests
depend on earlier responses (upload bytes, then send the media id; resolve a media URL, then
download it) are written as *exchanges*: generators that yield a request, receive its response and
finally return a result. The hubs drive exchanges over httpx; tests drive them with canned responses.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from ..capabilities import Capabilities, Pace
from ..content import Media
from ..errors import ConfigurationError, PlatformError, RateLimited
from ..events import Event
from ..wire import HttpRequest, HttpResponse, WebhookRequest

__all__ = ["Channel", "Exchange", "SendOutcome", "TemplateCatalog"]

Exchange = Generator[HttpRequest, HttpResponse, Any]
"""A sans-I/O conversation: yields requests, is sent each response, returns its result."""


class SendOutcome(list[str]):
    """The message ids one send produced (a list of str), in order."""


@dataclass(frozen=True)
class TemplateCatalog:
    """How a channel's approved message templates are fetched, cached and checked.

    The hub keeps the definitions in its store under ``cache_key`` for ``ttl`` seconds, fetches
    them with ``fetch()`` (an exchange returning the definitions), and checks every ``Template``
    against them before sending (``check`` raises ``ContentError`` naming the component). It drops
    the cached definitions when a send fails for a reason ``is_stale_error`` recognises, or when
    an event ``is_change`` says they changed. Only WhatsApp has one.
    """

    cache_key: str
    ttl: float
    fetch: Callable[[], Exchange]
    create: Callable[[Any], Exchange]
    """Submit a definition for review; the exchange returns the submitted definition."""
    delete: Callable[[str, str | None], Exchange]
    """Delete by name (and the platform's template id, or None); the exchange returns True."""
    dump: Callable[[list[Any]], Any]
    load: Callable[[Any], list[Any] | None]
    check: Callable[[Any, list[Any]], Any]
    is_stale_error: Callable[[PlatformError], bool]
    is_change: Callable[[Event], bool]


class Channel(abc.ABC):
    """Base class of the channels (``WhatsApp``, ``Messenger``, ``AppleMessages``).

    Subclasses set :attr:`name` and implement the abstract methods. Everything here is pure.
    """

    name: ClassVar[str]
    """The channel's name, used in addresses and webhook paths (``"whatsapp"``)."""

    pacing: Sequence[Pace] = ()
    """The outbound rate limits the hub keeps to for this channel (set by each channel's
    ``pacing=`` argument; an empty list turns pacing off)."""

    @property
    @abc.abstractmethod
    def account(self) -> str:
        """The business-side id this channel object speaks for (phone number id, Page id…)."""

    @property
    @abc.abstractmethod
    def capabilities(self) -> Capabilities:
        """What this channel renders natively, and its limits."""

    @abc.abstractmethod
    def send_exchange(self, to: str, content: Any, *, reply_to: str | None = None,
                      **options: Any) -> Exchange:
        """The exchange that sends ``content`` to ``to``; it returns the new message ids.

        ``options`` are the channel's own send options (Messenger ``messaging_type``/``tag``,
        WhatsApp ``callback_data``…); an option the channel does not know raises
        ``ConfigurationError``. Implementations must validate everything before returning the
        generator, so that bad content raises at the call, not at the first ``next()``.

        Raises (before yielding anything):
            UnsupportedContent: the channel has no form for this content.
            ContentError: the content breaks a platform limit (the message names it).
        """

    def render(self, to: str, content: Any, *, reply_to: str | None = None,
               **options: Any) -> list[HttpRequest]:
        """The requests that send ``content`` to ``to``, in order. Pure; never degrades.

        Content that needs a value only the platform can give (the media id of ``data=`` bytes
        being uploaded) renders with a placeholder the hub fills in when it really sends; see the
        channel's docs.

        Raises:
            UnsupportedContent: the channel has no form for this content.
            ContentError: the content breaks a platform limit (the message names it).
        """
        return self.walk(self.send_exchange(to, content, reply_to=reply_to, **options))

    def walk(self, exchange: Exchange) -> list[HttpRequest]:
        """The requests ``exchange`` makes when each is answered by :meth:`dry_run_response`."""
        requests: list[HttpRequest] = []
        try:
            request = next(exchange)
            while True:
                requests.append(request)
                request = exchange.send(self.dry_run_response(request))
        except StopIteration:
            pass
        return requests

    def dry_run_response(self, request: HttpRequest) -> HttpResponse:
        """A stand-in response used by :meth:`render` to walk an exchange without I/O."""
        return HttpResponse(status_code=200, content=b"{}")

    @abc.abstractmethod
    def parse(self, request: WebhookRequest) -> list[Event]:
        """Verify, decode and parse one webhook request into events, in envelope order.

        Raises:
            SignatureError: missing or wrong signature.
            MalformedPayload: the body is not the platform's envelope.
        """

    def verify_subscription(self, query: Mapping[str, str]) -> str:
        """Answer the platform's GET subscription handshake; return the body to reply with.

        Raises:
            SignatureError: the handshake is not for us (wrong token) or not supported.
        """
        from ..errors import SignatureError

        raise SignatureError(f"{self.name} has no subscription handshake")

    @abc.abstractmethod
    def classify(self, response: HttpResponse) -> PlatformError:
        """Turn an error response from the platform into the matching ``PlatformError``."""

    def redact(self, text: str) -> str:
        """Remove this channel's secrets from ``text`` (for log lines and error messages)."""
        for secret in self._secrets():
            if len(secret) >= 6:  # shorter values would mangle ordinary words
                text = text.replace(secret, "[redacted]")
        return text

    def _secrets(self) -> list[str]:
        """The secret strings :meth:`redact` removes; subclasses list their tokens."""
        return []

    def media_exchange(self, media: Media) -> Exchange:
        """The exchange that downloads inbound ``media``; returns ``(bytes, mime_type)``."""
        raise ConfigurationError(f"{self.name} cannot download media")

    def upload_exchange(self, media: Media) -> Exchange:
        """Upload ``media`` (``data=`` bytes, or a ``url=`` the platform fetches) without sending it;
        the exchange returns the platform's reusable id (send it later as ``media_id=``)."""
        raise ConfigurationError(f"{self.name} has no upload-only call")

    def window(self, options: Mapping[str, Any]) -> timedelta | None:
        """How long after the customer's last message a send with ``options`` may go out.

        ``None`` means no limit. The default is the capabilities' window; a channel may widen it
        for some options (Messenger's ``HUMAN_AGENT`` tag gives 7 days).
        """
        return self.capabilities.window

    def capabilities_for(self, options: Mapping[str, Any]) -> Capabilities:
        """What this channel can render for a send with ``options`` (the degrade ladder uses it).

        The default is :attr:`capabilities`; Apple narrows it to the device's capability list.
        """
        return self.capabilities

    def window_hint(self) -> str:
        """What to do when the customer-service window is closed (used in ``WindowClosed``)."""
        if "template" in self.capabilities.content_kinds:
            return "send an approved Template, or pass window='ignore' to let the platform decide"
        return "wait for the customer to write, or pass window='ignore' to let the platform decide"

    def template_catalog(self) -> TemplateCatalog | None:
        """The channel's registry of approved templates, or ``None`` (no templates, or not
        configured: WhatsApp needs its ``waba_id``)."""
        return None

    def pacing_scope(self, error: RateLimited) -> str | None:
        """Which bucket a platform ``RateLimited`` answer should hold back: ``"account"`` (all
        sends of the business), ``"recipient"`` (only this customer) or ``None`` (none: a limit
        pacing cannot model, such as a daily marketing cap)."""
        return "account"

    def conversation_options(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Send options implied by what is known of the conversation (``state`` from the store).

        Apple passes the device's ``capability-list`` this way; the default adds nothing.
        """
        return {}

    def followup_exchange(self, event: Event) -> Exchange | None:
        """An exchange that turns ``event`` into the events it stands for, or ``None``.

        Apple's ``interactiveDataRef`` (a reply too large to send inline) needs downloads before it
        can be parsed; the hub runs this exchange before dispatching and dispatches its result
        (a list of events) instead.
        """
        return None

    @staticmethod
    def refuse_options(channel: str, options: Mapping[str, Any], known: frozenset[str]) -> None:
        """Raise ``ConfigurationError`` naming any option not in ``known``."""
        unknown = sorted(set(options) - known)
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise ConfigurationError(f"{channel} has no send option {', '.join(unknown)} "
                                     f"(it takes: {allowed})")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}:{self.account}>"
