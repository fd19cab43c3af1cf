"""The Facebook Messenger Platform channel: configuration and the sans-I/O operations."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr

from ..._multipart import encode_multipart
from ...capabilities import Capabilities, Pace
from ...content import Media
from ...errors import ConfigurationError, PlatformError
from ...events import Event
from ...wire import HttpRequest, HttpResponse, WebhookRequest
from .._base import Channel, Exchange, SendOutcome
from .._hosts import HostPolicy, fetch, normalise_hosts
from .._meta import check_signature, decode_json_body, verify_subscription
from .._meta.media import META_MEDIA_HOSTS
from .errors import classify
from .limits import (
    CAPABILITIES,
    DEFAULT_PACING,
    HUMAN_AGENT_WINDOW,
    MESSAGING_TYPES,
    NOTIFICATION_TYPES,
    TAGS,
)
from .parse import parse_payload
from .render import attachment_upload_body, build_message, upload_form

__all__ = ["SEND_OPTIONS", "Messenger"]

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"

SEND_OPTIONS = frozenset({"messaging_type", "tag", "notification_type", "persona_id", "metadata"})
"""Send options Messenger takes (see :meth:`Messenger.send_exchange`)."""


class Messenger(Channel):
    """Facebook Messenger Platform: one Facebook Page.

    Args:
        page_id: the Page id (the business side of every conversation).
        page_access_token: the Page token; Meta takes it as the ``access_token`` query parameter.
            It never appears in reprs, log lines or exception messages.
        app_secret: the app secret: verifies webhooks (``X-Hub-Signature-256``) and, with
            ``appsecret_proof=True``, signs every call with ``appsecret_proof``.
        verify_token: your token for the GET subscription handshake.
        api_version: Graph API version, e.g. ``"v25.0"``.
        base_url: Graph API root (the simulator and tests point it elsewhere).
        messaging_type: default ``messaging_type`` of sends (``RESPONSE`` or ``UPDATE``).
        appsecret_proof: send ``appsecret_proof`` when an app secret is configured (needed when the
            app has "Require App Secret" on; harmless otherwise).
        pacing: outbound rate limits the hub keeps to (default
            :data:`~polychat.channels.messenger.limits.DEFAULT_PACING`: 300 calls/s per Page, 10/s
            for audio and video); pass ``[]`` to turn pacing off.
        media_hosts: more host names inbound attachments may be downloaded from, besides Meta's
            (:data:`~polychat.channels._meta.media.META_MEDIA_HOSTS`) and ``base_url``'s host;
            ``"cdn.example.com"`` also allows its subdomains. Any other URL is refused.

    Recipients are written as the address' user part: a PSID (``"1254459154682919"``), or
    ``"user_ref:<ref>"`` (checkbox / chat plugin), ``"post:<post id>"`` or
    ``"comment:<comment id>"`` (a private reply), ``"token:<notification_messages_token>"``
    (marketing messages) or ``"phone:<+number>"`` (customer matching).
    """

    name = "messenger"

    def __init__(
        self,
        *,
        page_id: str,
        page_access_token: str | SecretStr,
        app_secret: str | SecretStr | None = None,
        verify_token: str | SecretStr | None = None,
        api_version: str = DEFAULT_API_VERSION,
        base_url: str = GRAPH_URL,
        messaging_type: str = "RESPONSE",
        appsecret_proof: bool = True,
        pacing: Sequence[Pace] | None = None,
        media_hosts: Sequence[str] | None = None,
    ) -> None:
        page_id = str(page_id).strip()
        if not page_id.isdigit():
            raise ConfigurationError("page_id must be the numeric Facebook Page id")
        if not api_version.startswith("v"):
            raise ConfigurationError(f"api_version must look like 'v25.0', got {api_version!r}")
        if messaging_type not in ("RESPONSE", "UPDATE"):
            raise ConfigurationError("the default messaging_type must be RESPONSE or UPDATE")
        self.page_id = page_id
        self.page_access_token = _secret(page_access_token)
        if not self.page_access_token.get_secret_value():
            raise ConfigurationError("page_access_token is empty")
        if not self.page_access_token.get_secret_value().isascii():
            raise ConfigurationError("page_access_token has non-ASCII characters: it travels in HTTP headers "
                                     "and URLs (a copied placeholder such as '…'?)")
        self.app_secret = _secret(app_secret) if app_secret is not None else None
        self.verify_token = _secret(verify_token) if verify_token is not None else None
        self.api_version = api_version
        self.base_url = base_url.rstrip("/")
        self.messaging_type = messaging_type
        self.appsecret_proof = appsecret_proof
        self.pacing = list(DEFAULT_PACING if pacing is None else pacing)
        self.media_hosts = normalise_hosts(media_hosts)

    # -- configuration -------------------------------------------------------------------------

    @property
    def account(self) -> str:
        """The Page id."""
        return self.page_id

    @property
    def capabilities(self) -> Capabilities:
        """Messenger's capabilities (see :data:`polychat.channels.messenger.limits.CAPABILITIES`)."""
        return CAPABILITIES

    @property
    def media_policy(self) -> HostPolicy:
        """Where attachment downloads may go: ``https`` on Meta's hosts and :attr:`media_hosts`,
        or ``base_url``'s origin (see :mod:`polychat.channels._hosts`)."""
        return HostPolicy.platform(self.name, self.base_url, META_MEDIA_HOSTS, self.media_hosts)

    def auth_query(self) -> dict[str, str]:
        """``access_token`` and, when an app secret is set, ``appsecret_proof`` (query parameters)."""
        token = self.page_access_token.get_secret_value()
        query = {"access_token": token}
        if self.appsecret_proof and self.app_secret is not None:
            query["appsecret_proof"] = hmac.new(self.app_secret.get_secret_value().encode(),
                                                token.encode(), hashlib.sha256).hexdigest()
        return query

    def graph_url(self, path: str, **params: str) -> str:
        """``{base_url}/{api_version}/{path}?access_token=…`` (credentials in the query string)."""
        query = urlencode({**params, **self.auth_query()})
        return f"{self.base_url}/{self.api_version}/{path.lstrip('/')}?{query}"

    def _secrets(self) -> list[str]:
        secrets = [s.get_secret_value() for s in (self.page_access_token, self.app_secret,
                                                  self.verify_token) if s is not None]
        secrets.extend(v for k, v in self.auth_query().items() if k == "appsecret_proof")
        return secrets

    def window(self, options: Mapping[str, Any]) -> timedelta | None:
        """24 hours, or 7 days for a ``HUMAN_AGENT`` tagged send."""
        if options.get("tag") == "HUMAN_AGENT":
            return HUMAN_AGENT_WINDOW
        return CAPABILITIES.window

    def window_hint(self) -> str:
        """Outside 24 h: a human agent may answer for 7 days with the HUMAN_AGENT tag."""
        return ("a human agent can still answer within 7 days with messaging_type='MESSAGE_TAG', "
                "tag='HUMAN_AGENT' (needs the Human Agent permission); otherwise wait for the "
                "customer, or pass window='ignore' to let the platform decide")

    # -- sending -------------------------------------------------------------------------------

    def send_exchange(self, to: str, content: Any, *, reply_to: str | None = None,
                      **options: Any) -> Exchange:
        """Send ``content`` to ``to`` (a PSID or a prefixed recipient, see the class docs).

        Options:
            messaging_type: ``RESPONSE`` (default), ``UPDATE`` or ``MESSAGE_TAG``.
            tag: with ``MESSAGE_TAG``: ``HUMAN_AGENT`` (a human replying within 7 days; needs the
                Human Agent permission). Other tags were switched off in April 2026.
            notification_type: ``REGULAR``, ``SILENT_PUSH`` or ``NO_PUSH``.
            persona_id: send as a Persona.
            metadata: a string echoed back in the message echo.

        ``data=`` media is uploaded and sent in one multipart call.
        """
        self.refuse_options(self.name, options, SEND_OPTIONS)
        send = _send_fields(options, self.messaging_type)
        url = self.graph_url(f"{self.page_id}/messages")
        if isinstance(content, Media) and content.data is not None:
            fields, files = upload_form(to, content, reply_to=reply_to, **send)
            body, content_type = encode_multipart(fields, files)
            request = HttpRequest("POST", url, {"Content-Type": content_type}, None, body)
        else:
            request = HttpRequest("POST", url, {"Content-Type": "application/json"},
                                  build_message(to, content, reply_to=reply_to, **send))
        return self._send(request)

    def _send(self, request: HttpRequest) -> Exchange:
        response = yield request
        return SendOutcome(_message_ids(response))

    def upload_exchange(self, media: Media) -> Exchange:
        """Save ``media`` with the Attachment Upload API (``POST /{page-id}/message_attachments``);
        returns the ``attachment_id`` (reusable for 90 days)."""
        json_body, fields, files = attachment_upload_body(media)
        url = self.graph_url(f"{self.page_id}/message_attachments")
        if json_body is not None:
            request = HttpRequest("POST", url, {"Content-Type": "application/json"}, json_body)
        else:
            content, content_type = encode_multipart(fields, files)
            request = HttpRequest("POST", url, {"Content-Type": content_type}, None, content)
        return self._save(request)

    def _save(self, request: HttpRequest) -> Exchange:
        response = yield request
        data = response.json_body()
        if not isinstance(data, dict) or not isinstance(data.get("attachment_id"), str):
            raise PlatformError("the Attachment Upload API answered without attachment_id",
                                channel=self.name, http_status=response.status_code)
        return data["attachment_id"]

    def media_exchange(self, media: Media) -> Exchange:
        """Download inbound media from its attachment URL (Meta's CDN; no token is sent).

        The URL comes from a webhook, so it must pass :attr:`media_policy` (Meta's hosts) before
        it is fetched, and so must every redirect.

        Raises:
            PermanentError: ``code="media_host"`` for a URL or redirect off the allowed hosts.
        """
        if not media.url:
            raise ConfigurationError("Messenger media can only be downloaded from its url")
        return self._download(fetch(self.media_policy, HttpRequest("GET", media.url)), media)

    @staticmethod
    def _download(request: Exchange, media: Media) -> Exchange:
        response = yield from request
        return response.content, str(media.mime_type or response.headers.get("content-type") or "")

    def classify(self, response: HttpResponse) -> PlatformError:
        """Classify a Send API error response (see :mod:`.errors`)."""
        return classify(response)

    # -- receiving -----------------------------------------------------------------------------

    def parse(self, request: WebhookRequest) -> list[Event]:
        """Verify ``X-Hub-Signature-256`` and parse every entry and item into events.

        Bodies whose ``object`` is not ``page`` (Instagram wired to the same app) become
        ``UnknownEvent`` items rather than errors, so Meta does not retry them.
        """
        if self.app_secret is None:
            raise ConfigurationError("Messenger(app_secret=...) is needed to verify webhooks")
        check_signature(request, self.app_secret.get_secret_value())
        return parse_payload(decode_json_body(request, None))

    def verify_subscription(self, query: Mapping[str, str]) -> str:
        """Answer the GET handshake (``hub.mode``, ``hub.verify_token``, ``hub.challenge``)."""
        token = self.verify_token.get_secret_value() if self.verify_token else None
        return verify_subscription(query, token)

    def __repr__(self) -> str:
        return f"<Messenger page_id={self.page_id!r} api_version={self.api_version!r}>"


def _secret(value: str | SecretStr) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(str(value))


def _send_fields(options: Mapping[str, Any], default_type: str) -> dict[str, Any]:
    messaging_type = options.get("messaging_type") or default_type
    tag = options.get("tag")
    if messaging_type not in MESSAGING_TYPES:
        raise ConfigurationError(f"messaging_type must be one of {sorted(MESSAGING_TYPES)}")
    if tag is not None and messaging_type != "MESSAGE_TAG":
        messaging_type = "MESSAGE_TAG"
    if messaging_type == "MESSAGE_TAG" and tag not in TAGS:
        raise ConfigurationError(
            f"messaging_type MESSAGE_TAG needs tag={' or '.join(sorted(TAGS))} (other tags were "
            "switched off on 27 April 2026 and get error 100)")
    notification = options.get("notification_type")
    if notification is not None and notification not in NOTIFICATION_TYPES:
        raise ConfigurationError(f"notification_type must be one of {sorted(NOTIFICATION_TYPES)}")
    return {"messaging_type": messaging_type, "tag": tag, "notification_type": notification,
            "persona_id": options.get("persona_id"), "metadata": options.get("metadata")}


def _message_ids(response: HttpResponse) -> list[str]:
    data = response.json_body()
    if not isinstance(data, dict):
        # Graph always answers a JSON object: this came from a proxy or was cut short. The message
        # may have gone out, so this is not retried; the caller must not assume it was not sent.
        raise PlatformError(f"the send was answered {response.status_code} without a JSON object "
                            "body: it may have been sent, its message id is unknown",
                            channel=Messenger.name, retryable=False,
                            http_status=response.status_code)
    if isinstance(data.get("message_id"), str):
        return [data["message_id"]]
    return []


def _as_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
