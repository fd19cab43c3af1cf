"""The WhatsApp Business Cloud API channel: configuration and the sans-I/O operations."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from ...capabilities import Capabilities, Pace
from ...content import Media
from ...errors import ConfigurationError, ContentError, PlatformError, RateLimited
from ...events import (
    Event,
    TemplateCategoryChanged,
    TemplateComponentsChanged,
    TemplateQualityChanged,
    TemplateStatusChanged,
)
from ...wire import HttpRequest, HttpResponse, WebhookRequest
from .._base import Channel, Exchange, SendOutcome, TemplateCatalog
from .._hosts import HostPolicy, fetch, normalise_hosts
from .._meta import check_signature, decode_json_body, verify_subscription
from .._meta.media import META_MEDIA_HOSTS
from . import _template_admin
from ._template_admin import TemplateCache
from ._template_definition import TemplateDefinition
from ._template_validate import validate as validate_template
from .errors import classify, is_template_error
from .limits import CAPABILITIES, DEFAULT_API_VERSION, DEFAULT_PACING, GRAPH_URL, LIMITS
from .parse import parse_payload
from .render import build_message, upload_request

__all__ = ["UPLOAD_PLACEHOLDER", "WhatsApp"]

UPLOAD_PLACEHOLDER = "{uploaded-media-id}"
"""Media id shown by ``render`` for ``data=`` bytes; the hub sends the real id from the upload."""


class WhatsApp(Channel):
    """WhatsApp Business Cloud API: one business phone number.

    Args:
        phone_number_id: the Cloud API phone number id (not the phone number itself).
        access_token: system-user or business token, sent as ``Authorization: Bearer``.
        app_secret: the Meta app secret that signs webhooks (``X-Hub-Signature-256``).
        verify_token: your token for the GET subscription handshake.
        api_version: Graph API version, e.g. ``"v25.0"``.
        base_url: Graph API root (the simulator and tests point it elsewhere).
        pacing: outbound rate limits the hub keeps to (default
            :data:`~polychat.channels.whatsapp.limits.DEFAULT_PACING`: 80 msg/s for the number, the
            pair rate limit per customer); pass ``[]`` to turn pacing off.
        media_hosts: more host names media may be downloaded from, besides Meta's
            (:data:`~polychat.channels._meta.media.META_MEDIA_HOSTS`) and ``base_url``'s host;
            ``"cdn.example.com"`` also allows its subdomains. Any other URL is refused.
        waba_id: the WhatsApp Business Account id the number belongs to; template management
            (:meth:`list_templates_exchange`…) uses it unless given one per call.

    Example:
        >>> wa = WhatsApp(phone_number_id="106540352242922", access_token="EAAG-fake",
        ...               app_secret="fake-secret", verify_token="fake-verify")
        >>> wa.render("16505551234", Text("hi"))[0].json["text"]
        {'body': 'hi', 'preview_url': False}
    """

    name = "whatsapp"

    def __init__(
        self,
        *,
        phone_number_id: str,
        access_token: str | SecretStr,
        app_secret: str | SecretStr | None = None,
        verify_token: str | SecretStr | None = None,
        api_version: str = DEFAULT_API_VERSION,
        base_url: str = GRAPH_URL,
        pacing: Sequence[Pace] | None = None,
        media_hosts: Sequence[str] | None = None,
        waba_id: str | None = None,
    ) -> None:
        phone_number_id = str(phone_number_id).strip()
        if not phone_number_id or not phone_number_id.isdigit():
            raise ConfigurationError("phone_number_id must be the numeric Cloud API phone number id")
        if not api_version.startswith("v"):
            raise ConfigurationError(f"api_version must look like 'v25.0', got {api_version!r}")
        self.phone_number_id = phone_number_id
        self.access_token = _secret(access_token)
        if not self.access_token.get_secret_value():
            raise ConfigurationError("access_token is empty")
        if not self.access_token.get_secret_value().isascii():
            raise ConfigurationError("access_token has non-ASCII characters: it travels in HTTP headers "
                                     "and URLs (a copied placeholder such as '…'?)")
        self.app_secret = _secret(app_secret) if app_secret is not None else None
        self.verify_token = _secret(verify_token) if verify_token is not None else None
        self.api_version = api_version
        self.base_url = base_url.rstrip("/")
        self.pacing = list(DEFAULT_PACING if pacing is None else pacing)
        self.media_hosts = normalise_hosts(media_hosts)
        if waba_id is not None and not str(waba_id).strip().isdigit():
            raise ConfigurationError("waba_id must be the numeric WhatsApp Business Account id")
        self.waba_id = str(waba_id).strip() if waba_id is not None else None
        self._catalog: TemplateCatalog | None = None

    # -- configuration -------------------------------------------------------------------------

    @property
    def account(self) -> str:
        """The phone number id."""
        return self.phone_number_id

    @property
    def capabilities(self) -> Capabilities:
        """WhatsApp's capabilities (see :data:`polychat.channels.whatsapp.limits.CAPABILITIES`)."""
        return CAPABILITIES

    def pacing_scope(self, error: RateLimited) -> str | None:
        """131056 (pair rate limit) holds back only that customer; 131049 (daily marketing cap
        per user) and 131048 (quality limit) are not paced; other throttling holds the number."""
        if error.code == 131056:
            return "recipient"
        if error.code in (131048, 131049):
            return None
        return "account"

    def graph_url(self, path: str) -> str:
        """``{base_url}/{api_version}/{path}``."""
        return f"{self.base_url}/{self.api_version}/{path.lstrip('/')}"

    @property
    def media_policy(self) -> HostPolicy:
        """Where media downloads may go: ``https`` on Meta's hosts and :attr:`media_hosts`, or
        ``base_url``'s origin (see :mod:`polychat.channels._hosts`)."""
        return HostPolicy.platform(self.name, self.base_url, META_MEDIA_HOSTS, self.media_hosts)

    def auth_headers(self) -> dict[str, str]:
        """The ``Authorization`` header every Graph call carries."""
        return {"Authorization": f"Bearer {self.access_token.get_secret_value()}"}

    def _secrets(self) -> list[str]:
        return [s.get_secret_value() for s in (self.access_token, self.app_secret,
                                               self.verify_token) if s is not None]

    # -- sending -------------------------------------------------------------------------------

    def send_exchange(self, to: str, content: Any, *, reply_to: str | None = None,
                      **options: Any) -> Exchange:
        """Send ``content`` to ``to`` (a phone number, ``wa_id`` or BSUID); returns message ids.

        ``data=`` media is uploaded first with ``POST /{phone-number-id}/media``; the send then uses
        the media id the upload returned.

        Options:
            callback_data: ``biz_opaque_callback_data`` (≤ 512 characters), echoed back in the
                message's status webhooks as ``MessageStatus.callback_data``.
        """
        # Build (and so validate) everything before yielding, so bad content raises at once.
        self.refuse_options(self.name, options, SEND_OPTIONS)
        extra = _extra_fields(options)
        if isinstance(content, Media) and content.data is not None:
            upload = upload_request(self, content)
            pending = content.model_copy(update={"data": None, "media_id": UPLOAD_PLACEHOLDER})
            build_message(to, pending, reply_to=reply_to)
            return self._upload_and_send(to, content, upload, reply_to, extra)
        return self._send(_with(build_message(to, content, reply_to=reply_to), extra))

    def _upload_and_send(self, to: str, content: Media, upload: HttpRequest,
                         reply_to: str | None, extra: dict[str, Any]) -> Exchange:
        response = yield upload
        uploaded = content.model_copy(update={"data": None, "media_id": _uploaded_id(response)})
        return (yield from self._send(_with(build_message(to, uploaded, reply_to=reply_to), extra)))

    def _send(self, body: dict[str, Any]) -> Exchange:
        if not body:  # e.g. Typing(on=False): WhatsApp has no call for it
            return SendOutcome()
        response = yield HttpRequest(
            method="POST",
            url=self.graph_url(f"{self.phone_number_id}/messages"),
            headers={**self.auth_headers(), "Content-Type": "application/json"},
            json=body,
        )
        return SendOutcome(_message_ids(response))

    def upload_exchange(self, media: Media) -> Exchange:
        """Upload ``data=`` bytes with ``POST /{phone-number-id}/media``; returns the media id
        (valid 30 days)."""
        if media.data is None:
            raise ConfigurationError("WhatsApp uploads take data= bytes (a url= is sent as a link)")
        request = upload_request(self, media)
        return self._upload_only(request)

    def _upload_only(self, request: HttpRequest) -> Exchange:
        response = yield request
        return _uploaded_id(response)

    def dry_run_response(self, request: HttpRequest) -> HttpResponse:
        """Stand-in responses for :meth:`render`: uploads answer with :data:`UPLOAD_PLACEHOLDER`."""
        if request.url.endswith("/media"):
            return HttpResponse(status_code=200, content=json.dumps({"id": UPLOAD_PLACEHOLDER}).encode())
        return super().dry_run_response(request)

    def media_exchange(self, media: Media) -> Exchange:
        """Download inbound media: ``GET /{media-id}`` for a short-lived URL, then GET it with the
        token. A URL that expired in between (404) is fetched anew once. Returns ``(bytes, mime)``.

        The URL must pass :attr:`media_policy` (Meta's hosts) before the token is sent to it;
        each redirect is checked the same way and the token never follows one to another host.

        Raises:
            PermanentError: ``code="media_host"`` for a URL or redirect off the allowed hosts.
        """
        if not media.media_id:
            raise ConfigurationError("WhatsApp media can only be downloaded by its media_id")
        media_id = media.media_id
        for attempt in range(2):
            meta = yield HttpRequest(
                method="GET",
                url=self.graph_url(f"{media_id}?phone_number_id={self.phone_number_id}"),
                headers=self.auth_headers(),
            )
            info = meta.json_body()
            if not isinstance(info, dict) or not isinstance(info.get("url"), str):
                raise PlatformError("media lookup returned no url", channel=self.name,
                                    http_status=meta.status_code)
            data = yield from fetch(self.media_policy, HttpRequest(
                method="GET", url=info["url"], headers=self.auth_headers(), accept=frozenset({404})))
            if data.status_code == 404 and attempt == 0:
                continue
            if not data.ok:
                raise self.classify(data)
            mime = str(info.get("mime_type") or data.headers.get("content-type") or "")
            return data.content, mime
        raise PlatformError("media URL expired twice", channel=self.name)  # pragma: no cover

    def classify(self, response: HttpResponse) -> PlatformError:
        """Classify a Cloud API error response (see :mod:`.errors`)."""
        return classify(response)

    # -- templates (management API) ------------------------------------------------------------

    def template_catalog(self) -> TemplateCatalog | None:
        """The account's approved templates, when ``waba_id`` is configured: the hub caches them
        (:class:`~.templates.TemplateCache`) and checks every ``Template`` send against them."""
        if self.waba_id is None:
            return None
        if self._catalog is not None and self._catalog.cache_key == TemplateCache.cache_key(
                self.waba_id):
            return self._catalog  # the hub asks for it on every inbound event
        waba = self.waba_id

        def is_change(event: Event) -> bool:
            return (isinstance(event, TemplateStatusChanged | TemplateQualityChanged
                               | TemplateCategoryChanged | TemplateComponentsChanged)
                    and event.recipient.account == waba)

        self._catalog = TemplateCatalog(
            cache_key=TemplateCache.cache_key(waba), ttl=TemplateCache.DEFAULT_TTL,
            fetch=self.list_templates_exchange, create=self.create_template_exchange,
            delete=lambda name, hsm_id: self.delete_template_exchange(name, hsm_id=hsm_id),
            dump=TemplateCache.dump, load=TemplateCache.load,
            check=validate_template, is_stale_error=is_template_error, is_change=is_change)
        return self._catalog

    def _waba(self, waba_id: str | None) -> str:
        waba = waba_id or self.waba_id
        if not waba:
            raise ConfigurationError("template management needs the WhatsApp Business Account id: "
                                     "WhatsApp(waba_id=...) or waba_id= on the call")
        return waba

    def list_templates_exchange(self, *, name: str | None = None, status: str | None = None,
                                limit: int = 100, waba_id: str | None = None) -> Exchange:
        """List the account's message templates (``GET /{waba-id}/message_templates``, every page).

        Args:
            name: only this template (all its languages).
            status: only this status (``"APPROVED"``…).
            limit: page size; pages are followed until the last.
            waba_id: the account; default the channel's ``waba_id``.

        Returns (from the exchange):
            ``list[TemplateDefinition]``.

        Raises:
            ConfigurationError: no ``waba_id`` anywhere.
        """
        return _template_admin.list_templates_exchange(
            self.graph_url, self.auth_headers(), self._waba(waba_id), name=name, status=status,
            limit=limit)

    def create_template_exchange(self, definition: TemplateDefinition | Mapping[str, Any], *,
                                 waba_id: str | None = None) -> Exchange:
        """Submit a template for review (``POST /{waba-id}/message_templates``).

        Args:
            definition: a :class:`TemplateDefinition` or the Graph creation body (``name``,
                ``language``, ``category``, ``components``).
            waba_id: the account; default the channel's ``waba_id``.

        Returns (from the exchange):
            The submitted ``TemplateDefinition`` with Meta's ``id``, ``status`` and ``category``.
        """
        return _template_admin.create_template_exchange(
            self.graph_url, self.auth_headers(), self._waba(waba_id), definition)

    def delete_template_exchange(self, name: str, *, hsm_id: str | None = None,
                                 waba_id: str | None = None) -> Exchange:
        """Delete a template (``DELETE /{waba-id}/message_templates?name=…[&hsm_id=…]``): every
        language of ``name``, or only the template whose id is ``hsm_id``. Returns ``True`` on
        success."""
        return _template_admin.delete_template_exchange(
            self.graph_url, self.auth_headers(), self._waba(waba_id), name, hsm_id=hsm_id)

    # -- receiving -----------------------------------------------------------------------------

    def parse(self, request: WebhookRequest) -> list[Event]:
        """Verify ``X-Hub-Signature-256`` and parse every entry, change and item into events."""
        if self.app_secret is None:
            raise ConfigurationError("WhatsApp(app_secret=...) is needed to verify webhooks")
        check_signature(request, self.app_secret.get_secret_value())
        payload = decode_json_body(request, "whatsapp_business_account")
        return parse_payload(payload)

    def verify_subscription(self, query: Mapping[str, str]) -> str:
        """Answer the GET handshake (``hub.mode``, ``hub.verify_token``, ``hub.challenge``)."""
        token = self.verify_token.get_secret_value() if self.verify_token else None
        return verify_subscription(query, token)

    def __repr__(self) -> str:
        return f"<WhatsApp phone_number_id={self.phone_number_id!r} api_version={self.api_version!r}>"


SEND_OPTIONS = frozenset({"callback_data"})
"""Send options WhatsApp takes (see :meth:`WhatsApp.send_exchange`)."""


def _extra_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    data = options.get("callback_data")
    if data is None:
        return {}
    if not isinstance(data, str) or len(data) > LIMITS["biz_opaque_callback_data"]:
        raise ContentError(
            f"WhatsApp callback_data must be a string of at most {LIMITS['biz_opaque_callback_data']} "
            "characters (limit whatsapp.biz_opaque_callback_data)",
            limit="whatsapp.biz_opaque_callback_data")
    return {"biz_opaque_callback_data": data}


def _with(body: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    if not body or not extra or body.get("status") == "read":
        return body
    return {**body, **extra}


def _secret(value: str | SecretStr) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(str(value))


def _uploaded_id(response: HttpResponse) -> str:
    data = response.json_body()
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise PlatformError("media upload response has no 'id'", channel=WhatsApp.name,
                            http_status=response.status_code)
    return str(data["id"])


def _message_ids(response: HttpResponse) -> list[str]:
    data = response.json_body()
    if not isinstance(data, dict):
        # Graph always answers a JSON object: this came from a proxy or was cut short. The message
        # may have gone out, so this is not retried; the caller must not assume it was not sent.
        raise PlatformError(f"the send was answered {response.status_code} without a JSON object "
                            "body: it may have been sent, its message id is unknown",
                            channel=WhatsApp.name, retryable=False,
                            http_status=response.status_code)
    return [
        str(m["id"]) for m in data.get("messages") or []
        if isinstance(m, dict) and isinstance(m.get("id"), str)
    ]
