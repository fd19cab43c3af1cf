"""Every exception polychat raises, in one tree.

::

    PolychatError                  base of everything below
    ├── ConfigurationError         a channel or hub is set up wrongly (missing secret, bad id…)
    ├── ContentError               content breaks a platform rule (too long, too many buttons…)
    │   └── UnsupportedContent     the channel has no way to express this content at all
    ├── WebhookError               an inbound webhook cannot be accepted
    │   ├── SignatureError         missing or wrong signature / JWT            → answer 401
    │   └── MalformedPayload       not the platform's envelope (garbage, wrong type) → answer 400
    └── PlatformError              the platform refused or failed a request
        ├── AuthError              token missing, expired or lacking permission
        ├── RateLimited            throttled; ``retry_after`` seconds when known
        ├── RecipientUnreachable   the user cannot be messaged (not on the platform, blocked…)
        ├── WindowClosed           outside the customer-service window (template / HUMAN_AGENT)
        ├── TemporaryError         the platform failed transiently; retrying may work
        └── PermanentError         any other refusal; retrying the same request will not help

Each channel's ``classify`` turns a platform error response into one of the ``PlatformError``
classes; every code listed in the platform notes maps to exactly one of them. Exception messages
never contain access tokens or secrets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

__all__ = [
    "AuthError",
    "ConfigurationError",
    "ContentError",
    "MalformedPayload",
    "PermanentError",
    "PlatformError",
    "PlatformErrorField",
    "PolychatError",
    "RateLimited",
    "RecipientUnreachable",
    "SignatureError",
    "TemporaryError",
    "UnsupportedContent",
    "WebhookError",
    "WindowClosed",
]


class PolychatError(Exception):
    """Base class of every error raised by polychat."""


class ConfigurationError(PolychatError):
    """A channel, hub or store is configured wrongly (missing secret, unknown channel name…)."""


class ContentError(PolychatError):
    """Content breaks a rule of the target platform; the message names the limit.

    Attributes:
        limit: short machine-readable name of the broken rule (e.g. ``"whatsapp.buttons.max"``),
            or ``None``.
        channel: the channel that refused the content, when known (the hub always sets it).
        feature: the kind of content refused (``"buttons"``, ``"carousel"``…), when known.
    """

    def __init__(self, message: str, *, limit: str | None = None, channel: str | None = None,
                 feature: str | None = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.channel = channel
        self.feature = feature


class UnsupportedContent(ContentError):
    """The channel cannot express this kind of content at all (and the hub was told to raise)."""


class WebhookError(PolychatError):
    """An inbound webhook request cannot be accepted.

    Attributes:
        status_hint: the HTTP status a web endpoint should answer with (each subclass has its
            default; a raiser may pass a more precise one, e.g. 403 for a JWT that fails).
    """

    status_hint: int = 400

    def __init__(self, message: str, *, status_hint: int | None = None) -> None:
        super().__init__(message)
        if status_hint is not None:
            self.status_hint = status_hint


class SignatureError(WebhookError):
    """The webhook's signature (or JWT) is missing or does not verify. Answer 401."""

    status_hint = 401


class MalformedPayload(WebhookError):
    """The webhook body is not the platform's envelope (not JSON, wrong shape…). Answer 400."""

    status_hint = 400


class PlatformError(PolychatError):
    """The platform refused or failed a request.

    Attributes:
        channel: channel name (``"whatsapp"``…).
        code: the platform's error code (an ``int`` for Meta), or ``None``.
        message: the platform's message, secrets removed.
        retryable: whether sending the same request again later may succeed.
        subcode: Meta's ``error_subcode`` when present.
        trace_id: Meta's ``fbtrace_id`` (quote it to Meta support) or Apple's request id.
        http_status: HTTP status of the response, when there was one.
        details: the platform's extra details (``error_data.details`` for Meta).
        hint: what to do about it, in a sentence, when polychat knows.
    """

    default_retryable = False

    def __init__(
        self,
        message: str,
        *,
        channel: str = "",
        code: int | str | None = None,
        retryable: bool | None = None,
        subcode: int | None = None,
        trace_id: str | None = None,
        http_status: int | None = None,
        details: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.channel = channel
        self.code = code
        self.message = message
        self.retryable = self.default_retryable if retryable is None else retryable
        self.subcode = subcode
        self.trace_id = trace_id
        self.http_status = http_status
        self.details = details
        self.hint = hint

    @property
    def fbtrace_id(self) -> str | None:
        """Alias of :attr:`trace_id` under Meta's name."""
        return self.trace_id

    def __str__(self) -> str:
        where = f"{self.channel} " if self.channel else ""
        code = f"error {self.code}" if self.code is not None else "error"
        if self.subcode is not None:
            code += f"/{self.subcode}"
        text = f"{where}{code}: {self.message}"
        if self.details and self.details not in self.message:
            text += f" ({self.details})"
        if self.hint:
            text = text.rstrip(".") + f". Hint: {self.hint}"
        if self.trace_id:
            text += f" [trace {self.trace_id}]"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(channel={self.channel!r}, code={self.code!r}, "
            f"message={self.message!r}, retryable={self.retryable!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlatformError):
            return NotImplemented
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.channel, self.code, self.message))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_platform_error, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of this error, readable back with :meth:`from_dict`."""
        data: dict[str, Any] = {
            "type": type(self).__name__,
            "channel": self.channel,
            "code": self.code,
            "message": self.message,
            "retryable": self.retryable,
            "subcode": self.subcode,
            "trace_id": self.trace_id,
            "http_status": self.http_status,
            "details": self.details,
            "hint": self.hint,
        }
        if isinstance(self, RateLimited):
            data["retry_after"] = self.retry_after
        if isinstance(self, WindowClosed) and self.window_end is not None:
            data["window_end"] = self.window_end.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlatformError:
        """Rebuild an error written by :meth:`to_dict` (the subclass comes from ``type``)."""
        kind = _PLATFORM_ERRORS.get(str(data.get("type")), PlatformError)
        kwargs: dict[str, Any] = {
            k: data.get(k)
            for k in ("channel", "code", "retryable", "subcode", "trace_id", "http_status",
                      "details", "hint")
        }
        kwargs["channel"] = kwargs["channel"] or ""
        if kind is RateLimited:
            return RateLimited(str(data.get("message", "")), retry_after=data.get("retry_after"),
                               **kwargs)
        if kind is WindowClosed and data.get("window_end"):
            end = datetime.fromisoformat(str(data["window_end"]))
            return WindowClosed(str(data.get("message", "")), window_end=end, **kwargs)
        return kind(str(data.get("message", "")), **kwargs)


class AuthError(PlatformError):
    """The access token is missing, expired or invalid, or lacks a permission."""


class RateLimited(PlatformError):
    """The platform throttled the request.

    Attributes:
        retry_after: seconds to wait before trying again, when the platform said so.
    """

    default_retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class RecipientUnreachable(PlatformError):
    """The recipient cannot receive messages from this business (not on the platform, blocked…)."""


class WindowClosed(PlatformError):
    """The customer-service window is closed: send a template (WhatsApp) or a HUMAN_AGENT tag.

    Attributes:
        window_end: when the window closed (aware UTC), when the hub knows it: raised by the hub's
            own check, before any request, it is the customer's last message plus the window.
    """

    def __init__(self, message: str, *, window_end: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.window_end = window_end


class TemporaryError(PlatformError):
    """The platform failed transiently (overload, unknown error, timeout); a retry may succeed."""

    default_retryable = True


class PermanentError(PlatformError):
    """The platform refused the request for a reason a retry will not fix (bad parameter…)."""


_PLATFORM_ERRORS: dict[str, type[PlatformError]] = {
    c.__name__: c
    for c in (PlatformError, AuthError, RateLimited, RecipientUnreachable, WindowClosed,
              TemporaryError, PermanentError)
}


def _rebuild_platform_error(data: dict[str, Any]) -> PlatformError:
    return PlatformError.from_dict(data)


def _validate_platform_error(value: Any) -> PlatformError:
    if isinstance(value, PlatformError):
        return value
    if isinstance(value, dict):
        return PlatformError.from_dict(value)
    raise ValueError("expected a PlatformError or its dict form")


PlatformErrorField = Annotated[
    PlatformError,
    PlainValidator(_validate_platform_error),
    PlainSerializer(lambda e: e.to_dict(), return_type=dict),
    WithJsonSchema({"type": "object"}),
]
"""A ``PlatformError`` as a pydantic field: serialised with ``to_dict``, read with ``from_dict``."""
