"""The Apple Messages for Business channel (MSP REST API): configuration and sans-I/O operations."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from ... import _safejson
from ...capabilities import Capabilities, Pace
from ...content import AuthRequest, Media, RichLink
from ...errors import (
    ConfigurationError,
    ContentError,
    MalformedPayload,
    PermanentError,
    PlatformError,
    SignatureError,
)
from ...events import Event, UnknownEvent
from ...wire import HttpRequest, HttpResponse, WebhookRequest, redact_url
from .._base import Channel, Exchange, SendOutcome
from .._hosts import HostPolicy, fetch, normalise_hosts
from . import crypto
from .errors import classify
from .limits import CAPABILITIES, DEFAULT_PACING, LIMITS, MSP_GATEWAY
from .parse import IDR_EVENT_TYPE, parse_message, parse_resolved
from .render import attachment_message, build_message

__all__ = ["SEND_OPTIONS", "AppleMessages"]

SEND_OPTIONS = frozenset({"device_capabilities", "auto_reply", "locale"})
"""Send options Apple takes (see :meth:`AppleMessages.send_exchange`)."""

_DATA_REFS_KEPT = 256

MEDIA_HOSTS: tuple[str, ...] = ("icloud.com", "icloud-content.com", "apple.com")
"""Host suffixes attachment uploads and downloads may use: the ``upload-url`` and
``download-url`` Apple's gateway hands out point at iCloud's content servers (MMCS). Apple's docs
do not list these hosts; add others with ``AppleMessages(media_hosts=[...])``."""

_DRY_UPLOAD = "https://upload.invalid/"
"""The ``upload-url`` :meth:`AppleMessages.dry_run_response` invents (``.invalid`` never resolves)."""


class AppleMessages(Channel):
    """Apple Messages for Business through the MSP REST API: one business.

    Args:
        msp_id: your Messaging Service Provider id (JWT ``iss`` outbound, ``aud`` inbound).
        secret: the MSP secret exactly as Apple Business Register shows it (Base64 text; it is
            decoded to the HMAC key). Never printed.
        business_id: the business id (``Source-Id`` of sends, ``destination-id`` of webhooks).
        base_url: the MSP gateway (``https://mspgw.push.apple.com``).
        msp_agent: sent as ``msp-agent`` (Apple logs its first 64 characters).
        auto_reply: send ``auto-reply: true`` (a bot wrote the message); per-send option too.
        clock: current Unix time, injectable (JWT ``iat`` and inbound token checks).
        token_leeway: clock skew tolerated on inbound tokens, in seconds.
        token_max_age: inbound tokens issued longer ago than this are refused, in seconds.
        pacing: outbound rate limits the hub keeps to; none by default (Apple documents none).
        media_hosts: more host names attachments may be uploaded to and downloaded from, besides
            iCloud's (:data:`MEDIA_HOSTS`) and ``base_url``'s host; ``"cdn.example.com"`` also
            allows its subdomains. URLs you give (``Image(url=…)``, ``RichLink.image_url``) may
            be on any public host; these hosts are allowed there even when private.

    Apple does not guarantee delivery order: the hub waits for each send's 200 before the next
    send to the same conversation. Customers' devices declare what they can show in
    ``capability-list``; the hub remembers it per conversation and renders pickers only where
    the device has them (``Buttons`` become a quick reply or a list picker, or degrade to text).
    """

    name = "apple"

    def __init__(
        self,
        *,
        msp_id: str,
        secret: str | SecretStr,
        business_id: str,
        base_url: str = MSP_GATEWAY,
        msp_agent: str | None = "polychat",
        auto_reply: bool = True,
        clock: Callable[[], float] = time.time,
        token_leeway: float = crypto.DEFAULT_LEEWAY,
        token_max_age: float | None = crypto.DEFAULT_MAX_AGE,
        pacing: Sequence[Pace] | None = None,
        media_hosts: Sequence[str] | None = None,
    ) -> None:
        if not msp_id or not business_id:
            raise ConfigurationError("AppleMessages needs msp_id and business_id")
        if ":" in business_id:
            raise ConfigurationError("business_id is the bare id (no 'urn:biz:' prefix)")
        self.msp_id = msp_id
        self.secret = secret if isinstance(secret, SecretStr) else SecretStr(secret)
        self._key = crypto.decode_secret(self.secret.get_secret_value())
        self.business_id = business_id
        self.base_url = base_url.rstrip("/")
        self.msp_agent = msp_agent
        self.auto_reply = auto_reply
        self.clock = clock
        self.token_leeway = token_leeway
        self.token_max_age = token_max_age
        self._data_refs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.pacing = list(DEFAULT_PACING if pacing is None else pacing)
        self.media_hosts = normalise_hosts(media_hosts)

    # -- configuration -------------------------------------------------------------------------

    @property
    def account(self) -> str:
        """The business id."""
        return self.business_id

    @property
    def capabilities(self) -> Capabilities:
        """Apple's capabilities (pickers also need the device's ``capability-list``)."""
        return CAPABILITIES

    @property
    def media_policy(self) -> HostPolicy:
        """Where Apple's upload and download URLs may point: ``https`` on iCloud's hosts
        (:data:`MEDIA_HOSTS`) and :attr:`media_hosts`, or ``base_url``'s origin."""
        return HostPolicy.platform(self.name, self.base_url, MEDIA_HOSTS, self.media_hosts)

    @property
    def web_policy(self) -> HostPolicy:
        """Where URLs the business gives (media to attach, rich-link images) may point: any
        public ``http(s)`` host, never a private or loopback address (unless in
        :attr:`media_hosts`), checked again on every redirect."""
        return HostPolicy.public_web(self.name, self.base_url, self.media_hosts)

    def _secrets(self) -> list[str]:
        key = self._key
        found = {self.secret.get_secret_value(), base64.b64encode(key).decode().rstrip("="),
                 base64.urlsafe_b64encode(key).decode().rstrip("="), key.hex(), key.hex().upper()}
        if key.isascii() and key.decode().isprintable():  # a key typed as text could be echoed
            found.add(key.decode())
        return sorted(found, key=len, reverse=True)

    def token(self) -> str:
        """A fresh ``Authorization`` JWT: HS256, ``iss`` = MSP id, ``iat`` = now."""
        return crypto.encode_jwt({"iss": self.msp_id, "iat": int(self.clock())}, self._key)

    def _headers(self, to: str | None = None, message_id: str | None = None,
                 **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token()}", "Source-Id": self.business_id}
        if message_id is not None:
            headers["id"] = message_id
        if to is not None:
            headers["Destination-Id"] = to
        headers.update(extra)
        return headers

    def capabilities_for(self, options: Mapping[str, Any]) -> Capabilities:
        """Apple's capabilities narrowed to the device's ``capability-list`` (unknown: none)."""
        device = options.get("device_capabilities")
        have = frozenset(c.upper() for c in device) if device is not None else frozenset()
        needs = {"list": {"LIST"}, "time_picker": {"TIME"}, "quick_replies": {"QUICK"},
                 "buttons": {"QUICK", "LIST"}, "auth_request": {"AUTH", "AUTH2"},
                 "form": {"FORM"}}
        kinds = frozenset(k for k in CAPABILITIES.content_kinds
                          if k not in needs or needs[k] & have)
        return CAPABILITIES.model_copy(update={"content_kinds": kinds})

    def conversation_options(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Pass the device's remembered ``capability-list`` to rendering."""
        caps = state.get("capabilities")
        return {"device_capabilities": frozenset(caps)} if caps is not None else {}

    # -- sending -------------------------------------------------------------------------------

    def send_exchange(self, to: str, content: Any, *, reply_to: str | None = None,
                      **options: Any) -> Exchange:
        """Send ``content`` to the customer's opaque id ``to``; returns the message id we chose.

        Options:
            device_capabilities: the device's ``capability-list`` (the hub passes what the
                customer's last message said; without it, pickers are not sent).
            auto_reply: override the channel's ``auto_reply`` for this send.
            locale: the message ``locale`` (e.g. ``en_US``).

        ``reply_to`` is ignored: Apple has no quoted replies.
        """
        self.refuse_options(self.name, options, SEND_OPTIONS)
        device = options.get("device_capabilities")
        device_caps = frozenset(c.upper() for c in device) if device is not None else None
        auto = options.get("auto_reply", self.auto_reply)
        locale = options.get("locale")
        message_id = str(uuid.uuid4())
        extra = {"auto-reply": "true"} if auto else {}
        if self.msp_agent:
            extra["msp-agent"] = self.msp_agent[:64]
        if isinstance(content, Media):
            return self._send_attachment(to, content, message_id, extra, locale)
        if isinstance(content, RichLink) and content.image_url:
            build_message(to, self.business_id, content, message_id=message_id,
                          device=device_caps, locale=locale)  # validate before any I/O
            return self._send_rich_link(to, content, message_id, extra, device_caps, locale)
        body = build_message(to, self.business_id, content, message_id=message_id,
                             device=device_caps, locale=locale)
        message_id = str(body.get("id") or message_id)  # a Raw payload may bring its own id
        path = "/v1/authenticate" if isinstance(content, AuthRequest) else "/v1/message"
        return self._send_body(to, body, message_id, extra, path)

    def _send_body(self, to: str, body: dict[str, Any], message_id: str, extra: dict[str, str],
                   path: str = "/v1/message") -> Exchange:
        interactive = body.get("interactiveData")
        digest = None
        if interactive is not None:
            encoded = json.dumps(interactive, sort_keys=True, separators=(",", ":")).encode()
            digest = _reference_key(interactive)
            reference = self._data_refs.get(digest)
            if reference is not None:
                body = {k: v for k, v in body.items() if k != "interactiveData"}
                body["interactiveDataRef"] = reference
            elif len(encoded) > LIMITS["interactive.inline"]:
                extra = {**extra, "include-data-ref": "true"}
        response = yield HttpRequest("POST", f"{self.base_url}{path}",
                                     {**self._headers(to, message_id, **extra),
                                      "Content-Type": "application/json"}, body)
        answer = response.json_body()
        if digest is not None and isinstance(answer, dict) and isinstance(answer.get("dataRef"), dict):
            self._data_refs[digest] = answer["dataRef"]
            while len(self._data_refs) > _DATA_REFS_KEPT:
                self._data_refs.popitem(last=False)
        return SendOutcome([message_id])

    def _fetch(self, url: str, *, required: bool) -> Exchange:
        """GET a public URL (not Apple's): its failures are the URL's, not the gateway's.

        The URL and each redirect must pass :attr:`web_policy` (a refusal raises even when the
        file is optional: a link into a private network is a bug or an attack, not a miss).
        """
        response = yield from fetch(self.web_policy, HttpRequest("GET", url, accept=_ANY_ERROR))
        if not response.ok:
            if required:
                raise PermanentError(f"could not fetch {redact_url(url)}: HTTP "
                                     f"{response.status_code}", channel=self.name,
                                     http_status=response.status_code)
            return b"", ""
        return response.content, response.headers.get("content-type", "")

    def _send_rich_link(self, to: str, content: RichLink, message_id: str, extra: dict[str, str],
                        device: frozenset[str] | None, locale: str | None) -> Exchange:
        image: tuple[bytes, str] | None = None
        data, mime = yield from self._fetch(str(content.image_url), required=False)
        if 0 < len(data) <= LIMITS["rich_link.image"]:
            image = (data, mime.split(";")[0].strip() or "image/jpeg")
        try:
            body = build_message(to, self.business_id, content, message_id=message_id,
                                 device=device, locale=locale, image=image)
        except ContentError:  # the fetched file is not a usable image: send the link without it
            body = build_message(to, self.business_id, content, message_id=message_id,
                                 device=device, locale=locale)
        return (yield from self._send_body(to, body, message_id, extra))

    def _send_attachment(self, to: str, media: Media, message_id: str, extra: dict[str, str],
                         locale: str | None) -> Exchange:
        if media.data is None and media.url is None:
            raise ContentError("Apple attachments are sent from bytes or a URL, not a media id "
                               "(limit apple.attachment.source)", limit="apple.attachment.source")
        if media.data is not None:
            _check_size(len(media.data))
        # Validate the message (caption…) before anything is uploaded.
        attachment_message(to, self.business_id, [_PROBE_ATTACHMENT], message_id=message_id,
                           text=media.caption, locale=locale)
        return self._upload_and_send(to, media, message_id, extra, locale)

    def _upload_and_send(self, to: str, media: Media, message_id: str, extra: dict[str, str],
                         locale: str | None) -> Exchange:
        data, mime = (media.data, media.mime_type or "") if media.data is not None else (
            yield from self._fetch(str(media.url), required=True))
        mime = media.mime_type or mime.split(";")[0].strip() or "application/octet-stream"
        _check_size(len(data))
        key = crypto.new_key()
        encrypted = crypto.encrypt(data, key)
        size = str(len(encrypted))
        pre = yield HttpRequest("GET", f"{self.base_url}/v1/preUpload",
                                self._headers(**{"MMCS-Size": size, "size": size}))
        info = pre.json_body()
        if not isinstance(info, dict) or not all(
                isinstance(info.get(k), str) for k in ("upload-url", "mmcs-url", "mmcs-owner")):
            raise PlatformError("Apple preUpload answered without upload-url / mmcs-url / "
                                "mmcs-owner", channel=self.name, http_status=pre.status_code)
        upload = HttpRequest("POST", info["upload-url"], {"Content-Type": "application/octet-stream",
                                                          "Content-Length": size}, None, encrypted)
        if info["upload-url"].startswith(_DRY_UPLOAD):  # render's stand-in: nothing is sent
            uploaded = yield upload
        else:
            uploaded = yield from fetch(self.media_policy, upload)
        receipt = uploaded.json_body()
        single = receipt.get("singleFile") if isinstance(receipt, dict) else None
        if not isinstance(single, dict) or not isinstance(single.get("fileChecksum"), str):
            raise PlatformError("Apple's upload answered without singleFile.fileChecksum",
                                channel=self.name, http_status=uploaded.status_code)
        name = media.filename or _default_name(getattr(media, "kind", "file"), mime)
        attachment = {"name": name, "mimeType": mime, "size": size,
                      "signature-base64": single["fileChecksum"], "url": info["mmcs-url"],
                      "owner": info["mmcs-owner"], "key": crypto.format_key(key)}
        body = attachment_message(to, self.business_id, [attachment], message_id=message_id,
                                  text=media.caption, locale=locale)
        return (yield from self._send_body(to, body, message_id, extra))

    # -- downloads -----------------------------------------------------------------------------

    def _download_exchange(self, url: str, owner: str, signature_hex: str | None,
                           signature_b64: str | None, key_text: str,
                           size: int | None) -> Exchange:
        try:
            signature = signature_b64 or base64.b64encode(
                bytes.fromhex((signature_hex or "").strip())).decode()
            key = crypto.parse_key(key_text)
        except ValueError as exc:
            raise MalformedPayload(f"the attachment reference is invalid: {exc}") from None
        pre = yield HttpRequest("GET", f"{self.base_url}/v1/preDownload", self._headers(**{
            "MMCS-Url": url, "MMCS-Signature": signature, "MMCS-Owner": owner,
            "url": url, "signature": signature, "owner": owner}))
        info = pre.json_body()
        if not isinstance(info, dict) or not isinstance(info.get("download-url"), str):
            raise PlatformError("Apple preDownload answered without download-url",
                                channel=self.name, http_status=pre.status_code)
        blob = yield from fetch(self.media_policy, HttpRequest("GET", info["download-url"]))
        if size is not None and len(blob.content) != size:
            raise PlatformError(f"the downloaded file has {len(blob.content)} bytes, "
                                f"Apple said {size}", channel=self.name)
        return crypto.decrypt(blob.content, key)

    def media_exchange(self, media: Media) -> Exchange:
        """Download an inbound attachment: preDownload, GET, check the size, decrypt.

        The attachment's MMCS ``url`` from the webhook is only handed to Apple's gateway (in a
        header of ``preDownload``); the ``download-url`` Apple answers must pass
        :attr:`media_policy`, and so must every redirect.

        Raises:
            PermanentError: ``code="media_host"`` for a download URL off the allowed hosts.
        """
        ref = media.ref or {}
        if not media.url or not ref.get("owner") or not ref.get("key"):
            raise ConfigurationError("this media has no Apple MMCS reference to download")
        data = yield from self._download_exchange(
            media.url, ref["owner"], ref.get("signature"), ref.get("signature-base64"),
            ref["key"], media.size)
        return data, media.mime_type or ""

    def followup_exchange(self, event: Event) -> Exchange | None:
        """Resolve an ``interactiveDataRef`` reply into the events it carries."""
        if not isinstance(event, UnknownEvent) or event.type != IDR_EVENT_TYPE:
            return None
        return self._resolve_idr(event)

    def _resolve_idr(self, event: UnknownEvent) -> Exchange:
        raw = event.raw if isinstance(event.raw, dict) else {}
        ref = raw.get("interactiveDataRef") or {}
        try:
            size = int(ref["size"]) if ref.get("size") is not None else None
            payload = yield from self._download_exchange(
                str(ref["url"]), str(ref["owner"]), ref.get("signature"),
                ref.get("signature-base64"), str(ref["key"]), size)
        except (KeyError, ValueError) as exc:
            raise MalformedPayload(f"interactiveDataRef is incomplete: {exc}") from None
        decoded = yield HttpRequest("POST", f"{self.base_url}/v1/decodePayload", {
            **self._headers(), "bid": str(ref.get("bid", "")), "accept": "*/*",
            "Content-Type": "application/octet-stream"}, None, payload)
        data = decoded.json_body()
        if data is None:
            try:
                data = json.loads(crypto.decompress(decoded.content, limit=LIMITS["body.inbound"]))
            except (ValueError, UnicodeDecodeError) as exc:
                raise MalformedPayload(f"decodePayload did not answer JSON: {exc}") from None
        return parse_resolved(event, data)

    def dry_run_response(self, request: HttpRequest) -> HttpResponse:
        """Stand-in answers for :meth:`render`: placeholders for what only Apple can give."""
        if request.url.endswith("/v1/preUpload"):
            urls = {"upload-url": f"{_DRY_UPLOAD}{{upload-url}}",
                    "mmcs-url": "https://mmcs.invalid/{mmcs-url}", "mmcs-owner": "{mmcs-owner}"}
            return HttpResponse(status_code=200, content=json.dumps(urls).encode())
        if request.url.startswith(_DRY_UPLOAD):
            receipt = {"singleFile": {"fileChecksum": "{file-checksum}"}}
            return HttpResponse(status_code=200, content=json.dumps(receipt).encode())
        if request.method == "GET":  # a media URL: render does no I/O, so a stand-in byte
            return HttpResponse(status_code=200, content=b"\0")
        return super().dry_run_response(request)

    def classify(self, response: HttpResponse) -> PlatformError:
        """Classify an MSP gateway error answer (by HTTP status; see :mod:`.errors`)."""
        return classify(response)

    # -- receiving -----------------------------------------------------------------------------

    def parse(self, request: WebhookRequest) -> list[Event]:
        """Verify the JWT, gunzip (bounded), decode and parse one message from Apple.

        Raises:
            SignatureError: no ``Authorization`` (401) or a JWT that fails (403).
            MalformedPayload: not gzip/JSON, a decompression bomb, no ``type``, ``v`` not 1.
        """
        # The scheme is case-insensitive and may be padded by blanks (RFC 9110 §11.1).
        parts = (request.header("authorization") or "").split(None, 1)
        if len(parts) != 2 or parts[0].lower() != "bearer" or not parts[1].strip():
            raise SignatureError("missing Authorization: Bearer <JWT>", status_hint=401)
        crypto.verify_jwt(parts[1].strip(), self._key, audience=self.msp_id, now=self.clock(),
                          leeway=self.token_leeway, max_age=self.token_max_age)
        raw = crypto.decompress(request.body, limit=LIMITS["body.inbound"])
        try:
            body = _safejson.loads(raw)
        except ValueError as exc:  # UnicodeDecodeError, too deep, NaN… (see polychat._safejson)
            raise MalformedPayload(f"Apple body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise MalformedPayload("Apple body is not a JSON object")
        if body.get("v", 1) not in (1, "1"):
            raise MalformedPayload(f"unknown Apple message schema v={body.get('v')!r}")
        if not isinstance(body.get("type"), str):
            raise MalformedPayload("Apple body has no 'type'")
        return parse_message(body, request.headers,
                             received_at=datetime.fromtimestamp(self.clock(), UTC))

    def __repr__(self) -> str:
        return f"<AppleMessages business_id={self.business_id!r} msp_id={self.msp_id!r}>"


def _default_name(kind: str, mime: str) -> str:
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/heic": "heic",
                 "image/webp": "webp",
                 "video/mp4": "mp4", "video/quicktime": "mov", "audio/mpeg": "mp3",
                 "audio/mp4": "m4a", "application/pdf": "pdf"}.get(mime, "bin")
    return f"{kind}.{extension}"


def _reference_key(interactive: Mapping[str, Any]) -> str:
    """What makes two interactive messages the same for ``dataRef`` reuse: everything but the
    per-send ``requestIdentifier`` (a reused reference replays the first send's identifier, so
    replies to it point back at the first message)."""
    data = {k: v for k, v in (interactive.get("data") or {}).items() if k != "requestIdentifier"}
    same = {**interactive, "data": data}
    return hashlib.sha256(json.dumps(same, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


_ANY_ERROR = frozenset(range(300, 600))
_PROBE_ATTACHMENT = {"name": "probe", "mimeType": "application/octet-stream", "size": "1",
                     "signature-base64": "probe", "url": "https://probe.invalid/", "owner": "probe",
                     "key": "00" + "0" * 64}
"""A well-formed attachment, to validate a caption before the real file is uploaded."""


def _check_size(size: int) -> None:
    if size > LIMITS["attachment.size"]:
        raise ContentError(f"Apple attachments are at most {LIMITS['attachment.size']} bytes, "
                           f"got {size} (limit apple.attachment.size)", limit="apple.attachment.size")
