"""Plain-data HTTP messages exchanged between the sans-I/O channels and the I/O layers.

Channels build :class:`HttpRequest` objects and read :class:`HttpResponse` objects; web adapters
turn framework requests into :class:`WebhookRequest` and answer with :class:`WebhookResponse`.
None of them does any I/O. Header lookups are case-insensitive. Reprs hide credentials.
"""

from __future__ import annotations

import json as _json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, PlainSerializer, PlainValidator, WithJsonSchema

from . import _safejson
from ._model import PolychatModel

__all__ = [
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "WebhookRequest",
    "WebhookResponse",
    "redact_url",
]

#: Header names whose values are never printed.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
#: Query parameter names whose values are never printed.
SENSITIVE_PARAMS = frozenset({"access_token", "appsecret_proof", "client_secret", "hub.verify_token",
                              "token", "input_token"})
MASK = "[redacted]"


class Headers(Mapping[str, str]):
    """An immutable, case-insensitive mapping of header names to values (last one wins)."""

    __slots__ = ("_items",)

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for key, value in (data or {}).items():
            self._items[str(key).lower()] = (str(key), str(value))

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def get(self, key: str, default: Any = None) -> Any:  # Mapping.get minus its try/except
        """The value of header ``key`` (any case), or ``default``."""
        found = self._items.get(key.lower()) if isinstance(key, str) else None
        return default if found is None else found[1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return {k.lower(): v for k, v in self.items()} == {
            str(k).lower(): v for k, v in other.items()
        }

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, v) for k, (_, v) in self._items.items())))

    def __repr__(self) -> str:
        shown = {
            name: (MASK if low in SENSITIVE_HEADERS else value)
            for low, (name, value) in self._items.items()
        }
        return f"Headers({shown!r})"

    def to_dict(self) -> dict[str, str]:
        """The headers as a plain dict with their original spelling."""
        return dict(self._items.values())


def _to_headers(value: Any) -> Headers:
    if isinstance(value, Headers):
        return value
    if isinstance(value, Mapping):
        return Headers(value)
    raise ValueError("headers must be a mapping of strings")


HeadersField = Annotated[
    Headers,
    PlainValidator(_to_headers),
    PlainSerializer(lambda h: h.to_dict(), return_type=dict),
    WithJsonSchema({"type": "object", "additionalProperties": {"type": "string"}}),
]


def redact_url(url: str) -> str:
    """Return ``url`` with the values of credential query parameters masked."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (k, MASK if k.lower() in SENSITIVE_PARAMS else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="[]")))


@dataclass(frozen=True, eq=True)
class HttpRequest:
    """One HTTP request a channel wants sent. At most one of ``json`` / ``content`` is the body.

    A plain frozen dataclass (its ``json`` field would shadow pydantic's method). The repr shows
    the method and the URL with credentials masked; header values such as ``Authorization`` and
    the body never show.
    """

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any | None = None
    content: bytes | None = None
    accept: frozenset[int] = frozenset()
    """Non-2xx statuses the exchange handles itself (the transport hands them back, no error)."""

    def __repr__(self) -> str:
        return f"<HttpRequest {self.method} {redact_url(self.url)}>"

    __str__ = __repr__
    __hash__ = None  # type: ignore[assignment]  # holds dicts

    def body_bytes(self) -> bytes:
        """The body as bytes (JSON is encoded compactly as UTF-8)."""
        if self.content is not None:
            return self.content
        if self.json is None:
            return b""
        return _json.dumps(self.json, ensure_ascii=False, separators=(",", ":")).encode()


class HttpResponse(PolychatModel):
    """One HTTP response handed back to a channel."""

    status_code: int
    headers: HeadersField = Field(default_factory=Headers)
    content: bytes = Field(default=b"", repr=False)

    def json_body(self) -> Any:
        """The body parsed as JSON, or ``None`` if it is not JSON."""
        try:
            return _safejson.loads(self.content)
        except ValueError:  # not JSON, too deep, NaN… (see polychat._safejson)
            return None

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status_code < 300


class WebhookRequest(PolychatModel):
    """An inbound webhook request, framework-free: method, headers, raw body bytes, query."""

    method: str = "POST"
    headers: HeadersField = Field(default_factory=Headers)
    body: bytes = Field(default=b"", repr=False)
    query: dict[str, str] = Field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup."""
        found: str | None = self.headers.get(name, default)
        return found

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name == "query" and isinstance(value, dict):
                value = {k: MASK if k.lower() in SENSITIVE_PARAMS else v for k, v in value.items()}
            yield name, value


class WebhookResponse(PolychatModel):
    """What to answer a webhook request with."""


    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = Field(default_factory=lambda: {"content-type": "text/plain"})

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")
