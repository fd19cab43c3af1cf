"""The simulator's fake Apple Messages for Business MSP gateway and its simulated customers.

The HTTP side answers what the MSP gateway answers (``shared/platforms/apple.md``):

- every gateway request needs ``Authorization: Bearer <JWT>`` (HS256 with the Base64-decoded MSP
  secret, ``iss`` = the MSP id, a fresh ``iat``): 401 without it, 403 when it does not verify.
- ``POST /v1/message`` and ``POST /v1/authenticate``: the body is validated by
  :func:`._apple_rules.check_message` (400 when refused); a customer who never wrote is unknown
  (404); the answer is ``200`` with an empty body — or, for an interactive message over 10 KB
  sent with ``include-data-ref: true``, ``{"dataRef": {...}}``, which later messages may send as
  ``interactiveDataRef``. Attachments must point at a file uploaded to the fake MMCS, with its
  owner, checksum and size.
- ``GET /v1/preUpload`` (size in ``MMCS-Size`` or ``size``) → ``upload-url``, ``mmcs-url``,
  ``mmcs-owner``; ``POST <upload-url>`` with the encrypted bytes → ``singleFile {fileChecksum,
  size, receipt}``; ``GET /v1/preDownload`` (``MMCS-Url``/``MMCS-Signature``/``MMCS-Owner`` or the
  older ``url``/``signature``/``owner``) → ``download-url``; ``GET <download-url>`` → the
  ciphertext; ``POST /v1/decodePayload`` (headers ``bid`` and ``source-id``) with the decrypted
  bytes of an ``interactiveDataRef`` → the decoded ``interactiveData`` JSON.

Simulator choices where Apple documents nothing (each marked UNCONFIRMED in apple.md):

- **410 after close.** After a customer's ``close``, sends to them are answered ``410 Gone`` until
  they write again (Apple's policy says the MSP must not send; what the gateway answers is not
  documented). The hub refuses such sends itself once it has seen the ``close``; the 410 is the
  fallback.
- **Checksums.** ``fileChecksum`` (and an attachment's hex ``signature``) is ``0x01`` followed by
  the SHA-1 of the ciphertext — a stand-in, since Apple's MMCS checksum algorithm is not
  documented.
- **Error bodies.** Apple answers errors with a status and no body; the fake adds
  ``{"code", "message"}`` saying what is wrong, to help debugging.
- **Customers' replies.** A list-picker reply echoes the picker with the chosen item marked
  ``"selected": true`` and ``replyMessage.title`` = the item's title, and — like Apple's, which
  carry every image of the picker — always arrives as an ``interactiveDataRef``. A quick reply
  carries ``selectedIdentifier`` and ``selectedIndex``; a time-picker reply the chosen slot alone
  in ``event.timeslots``. Any other reply over 10 KB also arrives by reference. A reference's
  ``title`` is the picker's ``receivedMessage.title`` (as in apple.md's example).
- **No tapbacks, no locations.** Tapbacks are not documented (:meth:`FakeApple.user_reaction`
  raises ``ValueError``); a shared location arrives as a text with an Apple Maps link.

Side effect: creating a :class:`FakeApple` sets the channel's ``clock`` to the simulator's clock,
so the JWTs the channel mints (``iat``) and its checks of inbound tokens use simulated time.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import httpx

from ..channels.apple import crypto
from ..channels.apple.channel import AppleMessages
from ..channels.apple.limits import BID, DEVICE_CAPABILITIES, LIMITS
from ..wire import WebhookRequest
from ._apple_rules import Problem, check_authorization, check_message, interactive_size
from ._fake import Choice, FakePlatform, StoredMedia

if TYPE_CHECKING:
    from .simulator import SentMessage, Simulator

__all__ = ["ALL_CAPABILITIES", "MMCS", "FakeApple", "MmcsObject", "mmcs_checksum"]

MMCS = "https://p42-content.icloud.com/"
"""The fake MMCS host that holds uploaded attachments and references."""
ALL_CAPABILITIES = frozenset({"QUICK", "LIST", "TIME", "AUTH2", "FORM"})
"""What a simulated customer's device can show unless :meth:`FakeApple.set_device` says less."""
CAPABILITY_ORDER = ("QUICK", "LIST", "TIME", "AUTH", "AUTH2", "FORM")
PLACEHOLDER = "\ufffc"
_NAMESPACE = uuid.UUID("6f1c1c0e-3c1b-4f3e-9a55-0d9f4a0c7a11")
_MIME_EXTENSIONS = {"image/jpeg": "jpeg", "image/png": "png", "image/gif": "gif",
                    "image/heic": "heic", "video/mp4": "mp4", "video/quicktime": "mov",
                    "audio/mp4": "m4a", "application/pdf": "pdf"}


def mmcs_checksum(ciphertext: bytes) -> bytes:
    """The fake MMCS checksum of an encrypted file: ``0x01`` + SHA-1 (a stand-in for Apple's)."""
    return b"\x01" + hashlib.sha1(ciphertext).digest()  # noqa: S324 - a checksum, not security


@dataclass
class MmcsObject:
    """An encrypted file on the fake MMCS.

    Attributes:
        data: the ciphertext. owner: its ``mmcs-owner``. checksum: :func:`mmcs_checksum` of it.
    """

    data: bytes
    owner: str
    checksum: bytes

    @property
    def signature_hex(self) -> str:
        """The checksum in hex (an inbound attachment's ``signature``)."""
        return self.checksum.hex()

    @property
    def signature_b64(self) -> str:
        """The checksum in Base64 (``fileChecksum`` / ``signature-base64``)."""
        return base64.b64encode(self.checksum).decode()


class FakeApple(FakePlatform):
    """One simulated business on Apple Messages for Business (the MSP gateway and MMCS side).

    Attributes:
        devices: each customer's device capabilities (the ``capability-list`` of their webhooks);
            customers not in it have :data:`ALL_CAPABILITIES`.
        closed: customers who closed (deleted) the conversation and have not written since.
        mmcs: files on the fake MMCS by object id.
        data_refs: the ``dataRef`` objects the gateway issued, by url, with the
            ``interactiveData`` each stands for.
    """

    name: ClassVar[str] = "apple"
    window: ClassVar[timedelta | None] = None

    def new_user_id(self, n: int) -> str:
        """Opaque customer ids shaped like Apple's (``urn:mbid:`` + Base64-like text)."""
        return f"urn:mbid:AQAAY/Simulated+Customer{n:04d}="

    def __init__(self, sim: Simulator, channel: AppleMessages) -> None:
        """Serve ``channel``'s business.

        Side effect: sets ``channel.clock`` to the simulator's clock, so the channel's JWTs and
        its checks of inbound tokens use simulated time. The MSP id and secret are read now:
        they are what Apple has registered, so changing them on the channel later makes its
        requests fail as they would against Apple.
        """
        super().__init__(sim, channel)
        self.apple = channel
        channel.clock = lambda: sim.now().timestamp()
        # The credentials registered with Apple, as they were when the simulator attached.
        self.msp_id = channel.msp_id
        self.key = crypto.decode_secret(channel.secret.get_secret_value())
        self.devices: dict[str, frozenset[str]] = {}
        self.closed: set[str] = set()
        self.mmcs: dict[str, MmcsObject] = {}
        self.data_refs: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._uploads: dict[str, tuple[int, str]] = {}
        self._payloads: dict[str, tuple[str, dict[str, Any]]] = {}

    # -- ids and devices -----------------------------------------------------------------------

    def next_uuid(self) -> str:
        """A new message id (a UUID, deterministic per business)."""
        return str(uuid.uuid5(_NAMESPACE, f"{self.account}:{self.tick()}"))

    def set_device(self, user: str, capabilities: Iterable[str]) -> None:
        """Give ``user``'s device these capabilities (``QUICK``, ``LIST``, ``TIME``, ``AUTH``,
        ``AUTH2``, ``FORM``); their next webhooks declare them in ``capability-list``.

        Raises:
            ValueError: an unknown capability name.
        """
        caps = frozenset(c.strip().upper() for c in capabilities)
        unknown = caps - DEVICE_CAPABILITIES
        if unknown:
            raise ValueError(f"unknown Apple device capabilities: {', '.join(sorted(unknown))}")
        self.devices[user] = caps

    def device(self, user: str) -> frozenset[str]:
        """The capabilities of ``user``'s device."""
        return self.devices.get(user, ALL_CAPABILITIES)

    # -- the fake MMCS -------------------------------------------------------------------------

    def _store(self, ciphertext: bytes) -> tuple[str, MmcsObject]:
        object_id = f"MZ{hashlib.sha256(f'{self.account}:{self.tick()}'.encode()).hexdigest()[:24]}"
        owner = f"p42_{hashlib.sha256(object_id.encode()).hexdigest()[:16]}"
        stored = MmcsObject(ciphertext, owner, mmcs_checksum(ciphertext))
        self.mmcs[object_id] = stored
        return object_id, stored

    def _object_at(self, url: str) -> tuple[str, MmcsObject] | None:
        if not url.startswith(MMCS):
            return None
        object_id = url[len(MMCS):]
        stored = self.mmcs.get(object_id)
        return (object_id, stored) if stored is not None else None

    def _mmcs_owns(self, path: str) -> bool:
        kind, _, ident = path.strip("/").partition("/")
        if kind == "upload":
            return ident in self._uploads
        if kind == "download":
            return ident in self.mmcs
        return False

    # -- HTTP side -----------------------------------------------------------------------------

    def handles(self, request: httpx.Request) -> bool:
        """Gateway requests for this business (by ``Source-Id``) and its MMCS files."""
        url = str(request.url)
        if url.startswith(MMCS):
            return self._mmcs_owns(request.url.path)
        if not url.startswith(self.apple.base_url + "/"):
            return False
        source = request.headers.get("source-id")
        return source is None or source == self.account or not self.sim.other_fake_claims(
            self, source)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer ``request`` as Apple's gateway (or MMCS) would."""
        if str(request.url).startswith(MMCS):
            return self._mmcs(request)
        problem = check_authorization(request.headers, key=self.key, msp_id=self.msp_id,
                                      now=self.sim.now().timestamp())
        if problem is not None:
            return self._refuse(problem)
        path = request.url.path.rstrip("/")
        method = request.method.upper()
        routes = {("POST", "/v1/message"): lambda: self._message(request, "message"),
                  ("POST", "/v1/authenticate"): lambda: self._message(request, "authenticate"),
                  ("GET", "/v1/preUpload"): lambda: self._pre_upload(request),
                  ("GET", "/v1/preDownload"): lambda: self._pre_download(request),
                  ("POST", "/v1/decodePayload"): lambda: self._decode_payload(request)}
        route = routes.get((method, path))
        if route is None:
            return self._error(404, f"{method} {path} is not an MSP gateway endpoint")
        return route()

    def _error(self, status: int, message: str) -> httpx.Response:
        return httpx.Response(status, json={"code": status, "message": message},
                              headers={"apple-request-id": self.next_uuid()})

    def _refuse(self, problem: Problem) -> httpx.Response:
        return self._error(problem.code, problem.details)

    @staticmethod
    def _ok(answer: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"cache-control": "no-cache, no-store"}
        if answer is None:
            return httpx.Response(200, content=b"", headers=headers)
        return httpx.Response(200, json=answer, headers=headers)

    def _source_problem(self, request: httpx.Request) -> httpx.Response | None:
        source = request.headers.get("source-id")
        if source is None:
            return self._error(400, "header source-id: is required (the business id)")
        if source != self.account:
            return self._error(400, f"header source-id: {source!r} is not a business of this MSP")
        return None

    def _message(self, request: httpx.Request, endpoint: str) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except (ValueError, UnicodeDecodeError):
            return self._error(400, "request body: is not JSON")
        problems = check_message(body, request.headers,
                                 endpoint="authenticate" if endpoint == "authenticate" else "message",
                                 business_id=self.account, resolve_data_ref=self.resolve_data_ref)
        if problems:
            return self._refuse(problems[0])
        user = str(body["destinationId"])
        if user not in self.last_user_message:
            return self._error(404, f"destinationId: Apple does not know {user!r} (only customers "
                               "who wrote to the business can be messaged)")
        if user in self.closed:
            return self._error(410, f"destinationId: {user!r} closed the conversation; send "
                               "nothing until they write again")
        refused = self._check_attachments(body.get("attachments") or [])
        if refused is not None:
            return self._error(400, refused)
        if body["type"] in ("typing_start", "typing_end"):
            return self._ok()
        self.sim.record(self, user, str(body["id"]), body)
        interactive = body.get("interactiveData")
        wants_ref = request.headers.get("include-data-ref", "").strip().lower() == "true"
        if wants_ref and isinstance(interactive, dict) \
                and interactive_size(interactive) > LIMITS["interactive.inline"]:
            return self._ok({"dataRef": self._issue_data_ref(interactive)})
        return self._ok()

    def _check_attachments(self, attachments: list[dict[str, Any]]) -> str | None:
        for number, attachment in enumerate(attachments):
            where = f"attachments[{number}]"
            found = self._object_at(str(attachment["url"]))
            if found is None:
                return f"{where}.url: is not a file uploaded to MMCS"
            object_id, stored = found
            if attachment["owner"] != stored.owner:
                return f"{where}.owner: is not the mmcs-owner of that upload"
            if attachment["signature-base64"] != stored.signature_b64:
                return f"{where}.signature-base64: is not the upload's fileChecksum"
            if int(attachment["size"]) != len(stored.data):
                return f"{where}.size: the upload has {len(stored.data)} bytes, not {attachment['size']}"
            plain = crypto.decrypt(stored.data, crypto.parse_key(str(attachment["key"])))
            self.media[object_id] = StoredMedia(plain, str(attachment["mimeType"]))
        return None

    def _issue_data_ref(self, interactive: dict[str, Any]) -> dict[str, Any]:
        encoded = json.dumps(interactive, separators=(",", ":")).encode()
        object_id, stored = self._store(crypto.encrypt(encoded, crypto.new_key()))
        url = MMCS + object_id
        received = interactive.get("receivedMessage") or {}
        ref: dict[str, Any] = {
            "bid": interactive.get("bid", BID), "owner": stored.owner, "url": url,
            "size": len(stored.data), "signature": stored.signature_hex,
            "signature-base64": stored.signature_b64,
            "title": str(received.get("title") or ""),
        }
        ref["dataRefSig"] = base64.b64encode(hmac.new(
            self.key, f"{url}|{stored.owner}|{stored.signature_hex}".encode(),
            hashlib.sha256).digest()).decode()
        self.data_refs[url] = (ref, copy.deepcopy(interactive))
        return ref

    def resolve_data_ref(self, ref: Mapping[str, Any]) -> dict[str, Any] | None:
        """The ``interactiveData`` a ``dataRef`` this gateway issued stands for (``None``: unknown)."""
        issued = self.data_refs.get(str(ref.get("url")))
        if issued is None or dict(ref) != issued[0]:
            return None
        return issued[1]

    def _pre_upload(self, request: httpx.Request) -> httpx.Response:
        refused = self._source_problem(request)
        if refused is not None:
            return refused
        size = request.headers.get("mmcs-size") or request.headers.get("size")
        if size is None:
            return self._error(400, "header MMCS-Size: is required (the encrypted file's size)")
        if not size.strip().isdigit() or not 0 < int(size) <= LIMITS["attachment.size"]:
            return self._error(400, f"header MMCS-Size: must be 1 to {LIMITS['attachment.size']} "
                               f"bytes, got {size!r}")
        object_id = f"MZ{hashlib.sha256(f'{self.account}:{self.tick()}'.encode()).hexdigest()[:24]}"
        token = hashlib.sha256(f"upload:{object_id}".encode()).hexdigest()[:32]
        self._uploads[token] = (int(size), object_id)
        owner = f"p42_{hashlib.sha256(object_id.encode()).hexdigest()[:16]}"
        return self._ok({"upload-url": f"{MMCS}upload/{token}", "mmcs-url": MMCS + object_id,
                         "mmcs-owner": owner})

    def _pre_download(self, request: httpx.Request) -> httpx.Response:
        refused = self._source_problem(request)
        if refused is not None:
            return refused
        headers = request.headers
        url = headers.get("mmcs-url") or headers.get("url")
        signature = headers.get("mmcs-signature") or headers.get("signature")
        owner = headers.get("mmcs-owner") or headers.get("owner")
        missing = [n for n, v in (("MMCS-Url", url), ("MMCS-Signature", signature),
                                  ("MMCS-Owner", owner)) if not v]
        if missing:
            return self._error(400, f"headers {', '.join(missing)}: required")
        found = self._object_at(str(url))
        try:
            checksum = base64.b64decode(str(signature), validate=True)
        except (binascii.Error, ValueError):
            return self._error(400, "header MMCS-Signature: must be the Base64 checksum")
        if found is None or found[1].owner != owner or found[1].checksum != checksum:
            return self._error(404, "no MMCS file has this url, owner and signature")
        return self._ok({"download-url": f"{MMCS}download/{found[0]}"})

    def _decode_payload(self, request: httpx.Request) -> httpx.Response:
        refused = self._source_problem(request)
        if refused is not None:
            return refused
        bid = request.headers.get("bid")
        if not bid:
            return self._error(400, "header bid: is required (the interactiveDataRef's bid)")
        payload = request.content
        if payload[:2] == b"\x1f\x8b":
            payload = gzip.decompress(payload)
        known = self._payloads.get(hashlib.sha256(payload).hexdigest())
        if known is None:
            return self._error(400, "request body: is not the decrypted payload of an "
                               "interactiveDataRef")
        if known[0] != bid:
            return self._error(400, f"header bid: the payload belongs to {known[0]!r}")
        return self._ok(copy.deepcopy(known[1]))

    def _mmcs(self, request: httpx.Request) -> httpx.Response:
        kind, _, ident = request.url.path.strip("/").partition("/")
        if kind == "upload" and request.method.upper() == "POST":
            declared, object_id = self._uploads.pop(ident)
            data = request.content
            if len(data) != declared:
                self._uploads[ident] = (declared, object_id)
                return httpx.Response(400, json={"code": 400, "message": f"the upload has "
                                                 f"{len(data)} bytes; preUpload said {declared}"})
            owner = f"p42_{hashlib.sha256(object_id.encode()).hexdigest()[:16]}"
            stored = MmcsObject(data, owner, mmcs_checksum(data))
            self.mmcs[object_id] = stored
            return httpx.Response(200, json={"singleFile": {
                "fileChecksum": stored.signature_b64, "size": len(data),
                "receipt": hashlib.sha256(f"receipt:{object_id}".encode()).hexdigest()}})
        if kind == "download" and request.method.upper() == "GET":
            return httpx.Response(200, content=self.mmcs[ident].data,
                                  headers={"content-type": "application/octet-stream"})
        return httpx.Response(405, text="method not allowed")

    # -- webhooks ------------------------------------------------------------------------------

    def sign(self, body: bytes) -> dict[str, str]:
        """The ``Authorization`` Apple sends: a JWT with ``aud`` = MSP id, ``iat`` = now."""
        token = crypto.encode_jwt({"aud": self.msp_id, "iat": int(self.sim.now().timestamp())},
                                  self.key)
        return {"Authorization": f"Bearer {token}"}

    def webhook_request(self, envelope: dict[str, Any]) -> WebhookRequest:
        """Apple's POST of ``envelope``: gzip-compressed JSON, ids and device in the headers."""
        raw = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        user = str(envelope.get("sourceId", ""))
        caps = self.device(user)
        headers = {
            **self.sign(raw),
            "id": str(envelope.get("id", "")),
            "source-id": user,
            "destination-id": str(envelope.get("destinationId", "")),
            "capability-list": ",".join(c for c in CAPABILITY_ORDER if c in caps),
            "device-agent": "iPhone OS",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        return WebhookRequest(method="POST", headers=headers, body=gzip.compress(raw, mtime=0))

    def _inbound(self, user: str, kind: str, **fields: Any) -> dict[str, Any]:
        self.user_wrote(user)
        self.closed.discard(user)
        return {"v": 1, "type": kind, "id": self.next_uuid(), "sourceId": user,
                "destinationId": self.account, **fields}

    def _interactive_reply(self, user: str, interactive: dict[str, Any], *,
                           by_reference: bool = False) -> dict[str, Any]:
        if not by_reference and interactive_size(interactive) <= LIMITS["interactive.inline"]:
            return self._inbound(user, "interactive", interactiveData=interactive)
        plain = json.dumps(interactive, separators=(",", ":"), ensure_ascii=False).encode()
        key = crypto.new_key()
        object_id, stored = self._store(crypto.encrypt(plain, key))
        bid = str(interactive.get("bid", BID))
        self._payloads[hashlib.sha256(plain).hexdigest()] = (bid, copy.deepcopy(interactive))
        data = interactive.get("data") or {}
        title = ((interactive.get("receivedMessage") or {}).get("title")
                 or (data.get("replyMessage") or {}).get("title") or "")
        ref = {"bid": bid, "url": MMCS + object_id, "owner": stored.owner,
               "key": crypto.format_key(key), "size": len(stored.data),
               "signature": stored.signature_hex, "signature-base64": stored.signature_b64,
               "title": title}
        return self._inbound(user, "interactive", interactiveDataRef=ref)

    # -- the customer's actions ----------------------------------------------------------------

    def user_text(self, user: str, name: str, text: str, *,
                  reply_to: str | None = None) -> dict[str, Any]:
        """A text message (``reply_to`` is ignored: Apple has no quoted replies)."""
        return self._inbound(user, "text", body=text, locale="en_US")

    def user_link(self, user: str, name: str, ref: str, text: str) -> dict[str, Any]:
        """An entry-point URL with ``biz-intent-id=ref``: the customer's first message, ``text``,
        carries the intent in its ``intent`` field."""
        return self._inbound(user, "text", body=text, locale="en_US", intent=ref)

    def user_choice(self, user: str, name: str, sent: SentMessage,
                    choice: Choice) -> dict[str, Any]:
        """The reply to a list picker (by reference), a time picker or a quick reply."""
        choice_id, title, kind = choice
        interactive = self.interactive_of(sent.body) or {}
        data = interactive.get("data") or {}
        reply_data: dict[str, Any] = {"requestIdentifier": data.get("requestIdentifier")}
        for key in ("version", "mspVersion"):
            if key in data:
                reply_data[key] = data[key]
        received = interactive.get("receivedMessage") or {}
        style = received.get("style", "small")
        if kind == "list":
            picker = copy.deepcopy(data.get("listPicker") or {})
            for section in picker.get("sections") or []:
                for item in section.get("items") or []:
                    if item.get("identifier") == choice_id:
                        item["selected"] = True
            reply_data["images"] = copy.deepcopy(data.get("images") or [])
            reply_data["listPicker"] = picker
        elif kind == "time_slot":
            event = copy.deepcopy(data.get("event") or {})
            event["timeslots"] = [s for s in event.get("timeslots") or []
                                  if s.get("identifier") == choice_id]
            reply_data["event"] = event
        elif kind == "quick_reply":
            quick = copy.deepcopy(data.get("quick-reply") or {})
            idents = [i.get("identifier") for i in quick.get("items") or []]
            quick["selectedIdentifier"] = choice_id
            quick["selectedIndex"] = idents.index(choice_id) if choice_id in idents else 0
            reply_data["quick-reply"] = quick
        else:
            raise ValueError(f"Apple has no {kind!r} choices")
        reply_data["replyMessage"] = {"title": title, "alternateTitle": title, "style": style}
        reply: dict[str, Any] = {"bid": interactive.get("bid", BID),
                                 "sessionIdentifier": interactive.get("sessionIdentifier")
                                 or self.next_uuid(), "data": reply_data}
        if received:
            reply["receivedMessage"] = copy.deepcopy(received)
        return self._interactive_reply(user, reply, by_reference=kind == "list")

    def user_image(self, user: str, name: str, data: bytes, mime: str,
                   caption: str | None) -> dict[str, Any]:
        """A photo: encrypted (AES-256-CTR) on the fake MMCS, shown as ``\\ufffc`` in ``body``."""
        key = crypto.new_key()
        object_id, stored = self._store(crypto.encrypt(data, key))
        self.media[object_id] = StoredMedia(data, mime)
        extension = _MIME_EXTENSIONS.get(mime, mime.rsplit("/", 1)[-1] or "bin")
        attachment = {"name": f"IMG_{len(self.mmcs):04d}.{extension}", "mimeType": mime,
                      "size": len(data), "url": MMCS + object_id, "owner": stored.owner,
                      "key": crypto.format_key(key), "signature": stored.signature_hex}
        text = f"{PLACEHOLDER}{caption}" if caption else PLACEHOLDER
        return self._inbound(user, "text", body=text, attachments=[attachment])

    def user_location(self, user: str, name: str, latitude: float, longitude: float,
                      place: str | None, address: str | None) -> dict[str, Any]:
        """A location: Apple has no location message, so an Apple Maps link in a text."""
        label = place or address or "Dropped Pin"
        link = f"https://maps.apple.com/?ll={latitude},{longitude}&q={quote(label)}"
        return self._inbound(user, "text", body=link, locale="en_US")

    def user_reaction(self, user: str, name: str, message_id: str,
                      emoji: str) -> dict[str, Any]:
        """Not simulated: how Apple delivers tapbacks is not documented.

        Raises:
            ValueError: always.
        """
        raise ValueError("apple tapbacks are not documented (apple.md §5.2, UNCONFIRMED); the "
                         "simulator cannot send them")

    def user_close(self, user: str, name: str) -> dict[str, Any]:
        """The customer deletes the conversation (``type: close``); sends get 410 until they write."""
        self.closed.add(user)
        return {"v": 1, "type": "close", "id": self.next_uuid(), "sourceId": user,
                "destinationId": self.account}

    # -- what the customer's iPhone shows ------------------------------------------------------

    def interactive_of(self, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """The ``interactiveData`` of a sent body (resolving an ``interactiveDataRef``)."""
        inline = body.get("interactiveData")
        if isinstance(inline, dict):
            return inline
        ref = body.get("interactiveDataRef")
        return self.resolve_data_ref(ref) if isinstance(ref, dict) else None

    def describe(self, body: dict[str, Any]) -> str:
        """A sent body as the customer's iPhone shows it, as text."""
        kind = body.get("type")
        if kind == "text":
            return _describe_text(body)
        if kind == "typing_start":
            return "[typing…]"
        if kind == "typing_end":
            return "[typing ended]"
        if kind == "richLink":
            link = body.get("richLinkData") or {}
            return f"[rich link] {link.get('title', '')} {link.get('url', '')}".replace("  ", " ")
        if kind == "interactive":
            interactive = self.interactive_of(body)
            return _describe_interactive(interactive) if interactive else "[interactive message]"
        return f"[{kind}]"

    def choices(self, body: dict[str, Any]) -> list[Choice]:
        """List-picker items, time slots and quick-reply items of a sent body."""
        interactive = self.interactive_of(body) if body.get("type") == "interactive" else None
        data = (interactive or {}).get("data") or {}
        out: list[Choice] = []
        for section in (data.get("listPicker") or {}).get("sections") or []:
            out.extend((str(i.get("identifier")), str(i.get("title")), "list")
                       for i in section.get("items") or [])
        event = data.get("event") or {}
        offset = event.get("timezoneOffset")
        out.extend((str(s.get("identifier")), slot_title(s, offset), "time_slot")
                   for s in event.get("timeslots") or [])
        out.extend((str(i.get("identifier")), str(i.get("title")), "quick_reply")
                   for i in (data.get("quick-reply") or {}).get("items") or [])
        return out


# -- views -----------------------------------------------------------------------------------------


def slot_title(slot: Mapping[str, Any], offset: Any = None) -> str:
    """A time slot as the picker shows it: local start and end (``Thu 15 Jan 2026 10:00–10:30``).

    Times are shown at ``timezoneOffset`` minutes from UTC when the picker pins one; otherwise in
    the simulated customer's timezone, which is UTC.
    """
    try:
        start = datetime.strptime(str(slot.get("startTime")), "%Y-%m-%dT%H:%M%z")
        minutes = int(offset) if isinstance(offset, int | float) and not isinstance(offset, bool) else 0
        local = start + timedelta(minutes=minutes)
        end = local + timedelta(seconds=int(slot.get("duration") or 0))
    except (TypeError, ValueError):
        return str(slot.get("startTime"))
    return f"{local:%a %d %b %Y %H:%M}–{end:%H:%M}"


def _describe_text(body: Mapping[str, Any]) -> str:
    text = str(body.get("body", ""))
    attachments = list(body.get("attachments") or [])
    parts = text.split(PLACEHOLDER)
    lines: list[str] = []
    for number, part in enumerate(parts):
        if part.strip():
            lines.append(part.strip())
        if number < len(parts) - 1:
            item = attachments[number] if number < len(attachments) else {}
            lines.append(f"[attachment] {item.get('name', '?')} ({item.get('mimeType', '?')})")
    return "\n".join(lines)


def _bubble_lines(interactive: Mapping[str, Any]) -> tuple[str, list[str]]:
    received = interactive.get("receivedMessage") or {}
    extra = [str(received[k]) for k in ("subtitle", "secondarySubtitle", "tertiarySubtitle")
             if received.get(k)]
    return str(received.get("title") or ""), extra


def _describe_interactive(interactive: Mapping[str, Any]) -> str:
    data = interactive.get("data") or {}
    title, extra = _bubble_lines(interactive)
    lines: list[str] = []
    if "listPicker" in data:
        lines.append(f"[ ☰ {title or 'Select'} ]")
        lines.extend(extra)
        for section in (data["listPicker"] or {}).get("sections") or []:
            if section.get("title"):
                lines.append(f"  {section['title']}")
            for item in section.get("items") or []:
                subtitle = f" — {item['subtitle']}" if item.get("subtitle") else ""
                lines.append(f"   • {item.get('title')}{subtitle}")
    elif "event" in data:
        event = data["event"] or {}
        lines.append(f"[ 🕒 {title or event.get('title') or 'Pick a time'} ]")
        lines.extend(extra)
        offset = event.get("timezoneOffset")
        lines.extend(f"   • {slot_title(s, offset)}" for s in event.get("timeslots") or [])
        if isinstance(offset, int) and not isinstance(offset, bool):
            sign = "+" if offset >= 0 else "-"
            lines.append(f"  (times in UTC{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d})")
    elif "quick-reply" in data:
        quick = data["quick-reply"] or {}
        if quick.get("summaryText"):
            lines.append(str(quick["summaryText"]))
        lines.append(" ".join(f"( {i.get('title')} )" for i in quick.get("items") or []))
    elif "payment" in data:
        request = (data["payment"] or {}).get("paymentRequest") or {}
        total = request.get("total") or {}
        if title:
            lines.append(title)
        lines.extend(extra)
        lines.append(f"[Apple Pay] {total.get('amount')} {request.get('currencyCode')}")
    elif "authenticate" in data:
        lines.append(f"[Sign in] {title}".rstrip())
        lines.extend(extra)
    elif "dynamic" in data:
        pages = ((data["dynamic"] or {}).get("data") or {}).get("pages") or []
        lines.append(f"[Form] {title} ({len(pages)} page{'s' if len(pages) != 1 else ''})")
        lines.extend(extra)
    elif interactive.get("appName") or interactive.get("URL"):
        lines.append(f"[iMessage app] {interactive.get('appName') or ''}".rstrip())
        if title:
            lines.append(title)
    else:
        lines.append(f"[interactive] {title}".rstrip())
    return "\n".join(line for line in lines if line)
