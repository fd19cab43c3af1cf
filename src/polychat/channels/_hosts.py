"""Which hosts a channel may fetch from, and redirects followed one checked hop at a time (pure).

Media downloads fetch URLs that came from outside: a Graph API answer (WhatsApp), a webhook
(Messenger's ``payload.url``), Apple's ``preDownload`` answer. Left unchecked, a crafted URL
would make the server fetch ``http://169.254.169.254/…`` or an intranet page (server-side request
forgery), or carry the access token to a stranger. So every such URL goes through a
:class:`HostPolicy` first, and the request is made with :func:`fetch`, which sends it with
redirects *not* followed by the transport and follows each ``3xx`` itself: the next hop is
checked by the same policy, at most :data:`MAX_REDIRECTS` hops, and ``Authorization`` is dropped
as soon as a hop leaves the origin it was meant for.

A strict policy (:meth:`HostPolicy.platform`) allows ``https`` URLs whose host is one of the
platform's host suffixes, one of the user's ``media_hosts``, or exactly the origin of the
channel's ``base_url`` (any scheme: the simulator and tests point it at a local server). IP
literals are refused (unless listed in ``media_hosts``), and so is anything odd: user info
(``https://cdn.fbsbx.com@evil.example/``), backslashes, blanks, control characters, a host that
is not plain ASCII.

A public policy (:meth:`HostPolicy.public`) is for URLs the *business* gave (an image to attach,
a rich link's picture): any ``http``/``https`` host, except IP literals that are not globally
routable (loopback, private, link-local, the cloud metadata address…), legacy IPv4 spellings
(``2130706433``, ``0x7f.1``) and names that are never public (``localhost``, ``*.internal``,
``*.local``, single labels). A name that *resolves* to a private address is not caught here —
that needs the resolver; put an egress proxy or firewall in front of the server if business
URLs can come from customers.

The checks raise :class:`~polychat.errors.PermanentError` with ``code="media_host"`` before any
request is yielded, so nothing — and no token — is sent to a refused host.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

from ..errors import ConfigurationError, PermanentError
from ..wire import HttpRequest, HttpResponse
from ._base import Exchange

__all__ = ["MAX_REDIRECTS", "REDIRECT_STATUSES", "HostPolicy", "fetch", "normalise_hosts"]

MAX_REDIRECTS = 5
"""Redirects :func:`fetch` follows before giving up."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
"""Statuses :func:`fetch` follows (with a ``Location``)."""

_HOST_CHARS = re.compile(r"[a-z0-9._-]+|[0-9a-f:.]+")
_NEVER_PUBLIC = ("localhost", "local", "internal", "localdomain", "home.arpa")
"""Names (and their subdomains) that are never a public web server."""
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding",
                           "transfer-encoding"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]
"""(scheme, host, port) of a URL."""


def normalise_hosts(hosts: Sequence[str] | None) -> tuple[str, ...]:
    """Check and normalise a ``media_hosts`` argument: lowercase host suffixes, no ``*.``.

    Raises:
        ConfigurationError: an entry is not a bare host name (a URL, a path, a port, blank…).
    """
    if hosts is None:
        return ()
    if isinstance(hosts, str):
        raise ConfigurationError("media_hosts is a list of host names, e.g. ['cdn.example.com']")
    cleaned: list[str] = []
    for entry in hosts:
        host = str(entry).strip().lower().removeprefix("*.").strip(".")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        if not host or not _HOST_CHARS.fullmatch(host) or ("." not in host and ":" not in host):
            raise ConfigurationError(
                f"media_hosts entries are host names such as 'cdn.example.com', not {entry!r}")
        cleaned.append(host)
    return tuple(cleaned)


@dataclass(frozen=True)
class HostPolicy:
    """Where a channel may fetch from (see the module docs); pure and immutable.

    Attributes:
        channel: the channel's name (for error messages).
        suffixes: allowed host suffixes: ``fbsbx.com`` allows ``fbsbx.com`` and ``*.fbsbx.com``.
        origin: the ``base_url``'s (scheme, host, port), allowed whatever its scheme.
        public: allow any public ``http(s)`` host (URLs the business gave), not only ``suffixes``.
    """

    channel: str
    suffixes: tuple[str, ...] = ()
    origin: Origin | None = None
    public: bool = False

    @classmethod
    def platform(cls, channel: str, base_url: str, hosts: Iterable[str],
                 extra: Iterable[str] = ()) -> HostPolicy:
        """A strict policy: ``https`` on the platform's ``hosts`` and ``extra`` (the user's
        ``media_hosts``), or the origin of ``base_url``."""
        return cls(channel, (*hosts, *extra), _origin(base_url), public=False)

    @classmethod
    def public_web(cls, channel: str, base_url: str, extra: Iterable[str] = ()) -> HostPolicy:
        """A public policy: any public ``http(s)`` host; ``extra`` hosts and ``base_url``'s
        origin are allowed even when they are private."""
        return cls(channel, tuple(extra), _origin(base_url), public=True)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, or ``None`` when it may."""
        parsed = _parse(url)
        if isinstance(parsed, str):
            return parsed
        scheme, host, port = parsed
        if self.origin is not None and (scheme, host, port) == self.origin:
            return None
        if scheme != "https" and not (self.public and scheme == "http"):
            return f"{scheme}:// is not allowed (only https)"
        address = _ip_literal(host)
        if host in self.suffixes:
            return None
        if address is not None:
            if not self.public:
                return "IP addresses are not allowed (only the platform's host names)"
            if not address.is_global or address.is_multicast:
                return "the address is not a public one"
            return None
        if any(host.endswith("." + suffix) for suffix in self.suffixes):
            return None
        if not self.public:
            return f"the host is not one of {self.channel}'s media hosts"
        if "." not in host or any(host == n or host.endswith("." + n) for n in _NEVER_PUBLIC):
            return "the host is not a public name"
        return None

    def check(self, url: str) -> str:
        """Return ``url`` when it may be fetched.

        Raises:
            PermanentError: ``code="media_host"``; the message names the host, never the path
                or query (which may hold credentials).
        """
        reason = self.refusal(url)
        if reason is None:
            return url
        hint = (f"pass media_hosts=[...] to the {self.channel} channel to allow another host"
                if not self.public else "fetch it yourself and send the bytes (data=)")
        raise PermanentError(f"refused to fetch from {_shown(url)}: {reason}", channel=self.channel,
                             code="media_host", hint=hint)


def fetch(policy: HostPolicy, request: HttpRequest, *,
          max_redirects: int = MAX_REDIRECTS) -> Exchange:
    """Make ``request`` under ``policy``, following redirects hop by hop; returns the response.

    Each hop is sent with :data:`REDIRECT_STATUSES` in ``accept`` (which tells the transport not
    to follow redirects itself). A hop's ``Location`` must pass ``policy``; credential headers
    are dropped when a hop leaves the current origin; ``303`` (and ``301``/``302`` after a POST)
    becomes a GET without body, as browsers do. The final response is returned as the transport
    handed it back (statuses in the request's own ``accept`` included).

    Raises:
        PermanentError: a URL refused by ``policy`` (before it is requested), a redirect without
            ``Location``, or more than ``max_redirects`` redirects.
    """
    policy.check(request.url)
    return _follow(policy, request, max_redirects)


def _follow(policy: HostPolicy, request: HttpRequest, max_redirects: int) -> Exchange:
    own = request.accept
    current = replace(request, accept=own | REDIRECT_STATUSES)
    for hop in range(max_redirects + 1):
        response: HttpResponse = yield current
        if response.status_code not in REDIRECT_STATUSES:
            return response
        location = (response.headers.get("location") or "").strip()
        if not location:
            raise PermanentError(f"{_shown(current.url)} answered {response.status_code} without "
                                 "a Location", channel=policy.channel,
                                 http_status=response.status_code)
        if hop == max_redirects:
            break
        target = policy.check(urljoin(current.url, location))
        current = _redirected(current, target, response.status_code)
    raise PermanentError(f"more than {max_redirects} redirects from {_shown(request.url)}",
                         channel=policy.channel, code="too_many_redirects")


def _redirected(request: HttpRequest, target: str, status: int) -> HttpRequest:
    headers: Mapping[str, str] = request.headers
    if _origin(target) != _origin(request.url):
        headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
    method, json, content = request.method, request.json, request.content
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, json, content = "GET", None, None
        headers = {k: v for k, v in headers.items() if k.lower() not in _BODY_HEADERS}
    return replace(request, method=method, url=target, headers=dict(headers), json=json,
                   content=content)


def _parse(url: str) -> Origin | str:
    """(scheme, host, port) of ``url``, or why it is refused outright."""
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in url):
        return "the URL holds blanks, control characters or backslashes"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the URL cannot be parsed"
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return f"{scheme or 'a relative URL'}: is not an http(s) URL"
    if "@" in parts.netloc:
        return "URLs with user info are not allowed"
    host = (parts.hostname or "").lower()
    if host.endswith("."):
        host = host[:-1]
    if not host or not _HOST_CHARS.fullmatch(host):
        return "the host name is empty or not plain ASCII"
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def _origin(url: str) -> Origin | None:
    parsed = _parse(url)
    return None if isinstance(parsed, str) else parsed


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` spells, including legacy IPv4 forms resolvers accept (``127.1``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if all(c in "0123456789abcdefx." for c in host):
        try:  # inet_aton is pure parsing: "2130706433", "0x7f.1", "127.1" all mean 127.0.0.1
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _shown(url: str) -> str:
    """``scheme://host`` of ``url`` for messages (no path or query: they may hold secrets)."""
    parsed = _parse(url)
    if isinstance(parsed, str):
        return "a malformed URL"
    scheme, host, port = parsed
    default = _DEFAULT_PORTS[scheme] == port
    return f"{scheme}://{host}" + ("" if default else f":{port}")
