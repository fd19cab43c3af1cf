"""The simulator's fake WhatsApp Cloud API and its simulated WhatsApp users.

It answers what the real API answers: ``POST /{phone-number-id}/messages`` validated by the
rules in :mod:`._whatsapp_rules` (Graph error envelope on refusal, HTTP 400), ``{"messaging_product",
"contacts", "messages"}`` on success; ``POST /{phone-number-id}/media`` uploads; ``GET /{media-id}``
and the authenticated lookaside download. Accepted messages produce status webhooks
(sent → delivered → read; reactions only ``sent``); a non-template message to a customer whose
24-hour window is closed is accepted and then fails asynchronously with 131047, as on the real API.
Inbound webhooks are real-shaped and signed with the app secret.

Templates: :attr:`FakeWhatsApp.templates` is the account's template registry (see
:mod:`._templates`). Once it holds templates, template sends are checked against them as Meta
does (132xxx refusals), the transcript shows the template's text with the parameters filled in,
its quick-reply buttons can be tapped, and ``GET``/``POST``/``DELETE /{waba-id}/message_templates``
are served.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx

from ..channels._meta import sign_body
from ..channels.whatsapp import WhatsApp
from ..channels.whatsapp._template_text import template_text_wire
from ..channels.whatsapp.templates import TemplateDefinition
from ._fake import Choice, FakePlatform, StoredMedia
from ._graph_rules import GRAPH_PATH, decode_send_body
from ._render_view import describe_whatsapp
from ._templates import TemplateRegistry
from ._whatsapp_rules import Problem, check_send_body, check_upload, error_envelope

if TYPE_CHECKING:
    from .simulator import SentMessage, Simulator

__all__ = ["FakeWhatsApp", "meta_webhook_headers", "parse_multipart"]

LOOKASIDE = "https://lookaside.fbsbx.com/whatsapp_business/attachments/"


class FakeWhatsApp(FakePlatform):
    """One simulated WhatsApp business number (the API side and its webhooks)."""

    name: ClassVar[str] = "whatsapp"
    display_phone_number = "15550783881"
    waba_id = "102290129340398"

    def __init__(self, sim: Simulator, channel: WhatsApp) -> None:
        super().__init__(sim, channel)
        self.wa = channel
        if channel.waba_id:
            self.waba_id = channel.waba_id
        self._templates = TemplateRegistry()

    @property
    def templates(self) -> TemplateRegistry:
        """The account's message templates; assign a list of definitions (or Graph dicts) to
        replace them."""
        return self._templates

    @templates.setter
    def templates(self, definitions: Iterable[TemplateDefinition | Mapping[str, Any]]) -> None:
        self._templates.set(definitions)

    def template_status(self, name: str, status: str, *, language: str | None = None,
                        reason: str = "NONE") -> None:
        """Meta changes template ``name``'s status (pauses, disables, approves it…): the registry
        is updated and a ``message_template_status_update`` webhook is queued per language."""
        self._templates.set_status(name, status, language)
        for definition in self._templates:
            if definition.name == name and language in (None, definition.language):
                self._queue_template_status(definition, reason)

    def _queue_template_status(self, definition: TemplateDefinition,
                               reason: str = "NONE") -> None:
        template_id = definition.id or ""
        self.sim.queue("whatsapp", self.template_update("message_template_status_update", {
            "event": definition.status,
            "message_template_id": int(template_id) if template_id.isdigit() else template_id,
            "message_template_name": definition.name,
            "message_template_language": definition.language,
            "reason": reason}))

    def template_update(self, field: str, value: dict[str, Any]) -> dict[str, Any]:
        """The webhook envelope of an account-level template change (no ``metadata``)."""
        return {"object": "whatsapp_business_account", "entry": [{
            "id": self.waba_id, "time": int(self.sim.now().timestamp()),
            "changes": [{"field": field, "value": value}]}]}

    def next_id(self) -> str:
        """A new wamid."""
        token = base64.b64encode(f"{self.account}:{self.tick():06d}".encode()).decode()
        return f"wamid.HBgL{token}"

    # -- HTTP side -----------------------------------------------------------------------------

    def handles(self, request: httpx.Request) -> bool:
        """Requests for this number: its own paths, and the media it holds."""
        url = str(request.url)
        if url.startswith(LOOKASIDE):
            return (parse_qs(urlsplit(url).query).get("mid") or [""])[0] in self.media
        if not url.startswith(self.wa.base_url + "/"):
            return False
        match = GRAPH_PATH.match(request.url.path)
        target = match["rest"].strip("/").split("/")[0] if match else ""
        return target == self.account or target in self.media or not self.sim.other_fake_claims(
            self, target)

    def handle(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if not self._authorised(request):
            return self._error(401, Problem(190, "Invalid OAuth access token - Cannot parse access token",
                                            "The access token is missing or wrong."))
        if url.startswith(LOOKASIDE):
            return self._download(request)
        match = GRAPH_PATH.match(request.url.path)
        if match is None:
            return self._error(400, Problem(100, "Unknown path components", request.url.path))
        rest = match["rest"].strip("/")
        if request.method == "POST" and rest == f"{self.account}/messages":
            return self._messages(request)
        if request.method == "POST" and rest == f"{self.account}/media":
            return self._upload(request)
        if rest == f"{self.waba_id}/message_templates":
            return self._message_templates(request)
        if request.method == "GET" and "/" not in rest:
            return self._media_info(rest)
        if request.method == "DELETE" and "/" not in rest and rest in self.media:
            del self.media[rest]
            return httpx.Response(200, json={"success": True})
        return self._error(400, Problem(
            100, f"Unsupported {request.method.lower()} request. Object with ID '{rest.split('/')[0]}' "
            "does not exist, cannot be loaded due to missing permissions, or does not support this "
            "operation", "unknown endpoint"))

    def _authorised(self, request: httpx.Request) -> bool:
        expected = f"Bearer {self.wa.access_token.get_secret_value()}"
        return hmac.compare_digest(str(request.headers.get("authorization", "")).encode(),
                                   expected.encode())

    def _error(self, status: int, problem: Problem) -> httpx.Response:
        return httpx.Response(status, json=error_envelope(problem, self.trace()),
                              headers={"x-fb-trace-id": self.trace()})

    def _messages(self, request: httpx.Request) -> httpx.Response:
        body, problem = decode_send_body(request.content, check_send_body)
        if problem is None and body.get("type") == "template":
            problem = self._templates.check_send(body["template"])
        if problem is not None:
            return self._error(400, problem)
        if body.get("status") == "read":
            return httpx.Response(200, json={"success": True})
        user = str(body.get("to") or body.get("recipient"))
        user = re.sub(r"[^\d]", "", user) if body.get("to") else user
        message_id = self.next_id()
        kind = body.get("type", "text")
        sent = self.sim.record(self, user, message_id, body)
        self._queue_statuses(sent, user, kind)
        contact: dict[str, str] = {"input": str(body.get("to") or body.get("recipient"))}
        contact["wa_id" if body.get("to") else "user_id"] = user
        message: dict[str, str] = {"id": message_id}
        if kind == "template":
            message["message_status"] = "accepted"
        return httpx.Response(200, json={"messaging_product": "whatsapp", "contacts": [contact],
                                         "messages": [message]})

    def _queue_statuses(self, sent: SentMessage, user: str, kind: str) -> None:
        if kind != "template" and not self.window_open(user):
            self.sim.queue("whatsapp", self._status(sent, user, "failed"))
            return
        steps = ["sent"] if kind == "reaction" else ["sent", "delivered", "read"]
        for status in steps:
            self.sim.queue("whatsapp", self._status(sent, user, status))

    def _message_templates(self, request: httpx.Request) -> httpx.Response:
        query = request.url.query.decode()
        if request.method == "GET":
            url = str(request.url).split("?", 1)[0]
            return httpx.Response(200, json=self._templates.list_page(query, url))
        if request.method == "POST":
            answer, problem = self._templates.create(request.content)
            if problem is not None or answer is None:
                return self._error(400, problem or Problem(100, "Invalid parameter", "refused"))
            for created in self._templates:
                if created.id == answer["id"]:
                    self._queue_template_status(created)
            return httpx.Response(200, json=answer)
        if request.method == "DELETE":
            problem = self._templates.delete(query)
            if problem is not None:
                return self._error(400, problem)
            return httpx.Response(200, json={"success": True})
        return self._error(400, Problem(100, f"Unsupported {request.method.lower()} request",
                                        "message_templates takes GET, POST and DELETE"))

    def _definition(self, body: dict[str, Any]) -> TemplateDefinition | None:
        template = body.get("template") or {}
        language = template.get("language") or {}
        code = language.get("code") if isinstance(language, dict) else None
        return self._templates.find(str(template.get("name")), str(code))

    def _upload(self, request: httpx.Request) -> httpx.Response:
        fields, files = parse_multipart(request)
        if "file" not in files:
            return self._error(400, Problem(131008, "Required parameter is missing",
                                            "the multipart body has no 'file' part"))
        filename, data, mime = files["file"]
        problems = check_upload(fields, filename, mime, len(data))
        if problems:
            return self._error(400, problems[0])
        media_id = str(10**15 + self.tick())
        self.media[media_id] = StoredMedia(data, fields.get("type") or mime)
        return httpx.Response(200, json={"id": media_id})

    def _media_info(self, media_id: str) -> httpx.Response:
        stored = self.media.get(media_id)
        if stored is None:
            return self._error(400, Problem(100, f"Unsupported get request. Object with ID "
                                            f"'{media_id}' does not exist", "unknown media id"))
        return httpx.Response(200, json={
            "messaging_product": "whatsapp",
            "url": f"{LOOKASIDE}?mid={media_id}&source=getMedia&ext=1",
            "mime_type": stored.mime,
            "sha256": stored.sha256,
            "file_size": str(len(stored.data)),
            "id": media_id,
        })

    def _download(self, request: httpx.Request) -> httpx.Response:
        media_id = (parse_qs(urlsplit(str(request.url)).query).get("mid") or [""])[0]
        stored = self.media.get(media_id)
        if stored is None:
            return httpx.Response(404, text="Not Found")
        return httpx.Response(200, content=stored.data, headers={"content-type": stored.mime})

    # -- webhooks ------------------------------------------------------------------------------

    def envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        """Wrap a change ``value`` in the webhook envelope of this number."""
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": self.waba_id, "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": self.display_phone_number,
                             "phone_number_id": self.account},
                **value,
            }}]}],
        }

    def _inbound(self, user: str, name: str, message: dict[str, Any]) -> dict[str, Any]:
        self.user_wrote(user)
        item = {"from": user, "id": self.next_id(),
                "timestamp": str(int(self.sim.now().timestamp())), **message}
        return self.envelope({"contacts": [{"profile": {"name": name}, "wa_id": user}],
                              "messages": [item]})

    def user_text(self, user: str, name: str, text: str, *,
                  reply_to: str | None = None) -> dict[str, Any]:
        """A text message webhook (quoting ``reply_to``)."""
        message: dict[str, Any] = {"type": "text", "text": {"body": text}}
        if reply_to:
            message["context"] = {"from": self.display_phone_number, "id": reply_to}
        return self._inbound(user, name, message)

    def user_ad_click(self, user: str, name: str, text: str, *, ad_id: str,
                      headline: str | None = None, body: str | None = None,
                      ref: str | None = None) -> dict[str, Any]:
        """A click-to-WhatsApp ad's first message: the pre-filled text with a ``referral``
        (``source_type: ad``, ``source_id`` = the ad id, a ``ctwa_clid``). WhatsApp ads have no
        ref parameter, so ``ref`` is not sent."""
        referral: dict[str, Any] = {
            "source_url": f"https://fb.me/sim{ad_id[-8:]}", "source_id": ad_id,
            "source_type": "ad", "headline": headline or "", "body": body or "",
            "media_type": "image", "image_url": f"https://scontent.whatsapp.net/v/sim-ad-{ad_id}.jpg",
            "ctwa_clid": f"ARAkSim{self.tick():06d}"}
        return self._inbound(user, name, {"type": "text", "text": {"body": text},
                                          "referral": referral})

    def user_choice(self, user: str, name: str, sent: SentMessage,
                    choice: Choice) -> dict[str, Any]:
        """A button reply, list reply or template quick-reply webhook."""
        choice_id, title, kind = choice
        context = {"from": self.display_phone_number, "id": sent.message_id}
        if kind == "button":
            message: dict[str, Any] = {"type": "interactive", "interactive": {
                "type": "button_reply", "button_reply": {"id": choice_id, "title": title}}}
        elif kind == "list":
            message = {"type": "interactive", "interactive": {
                "type": "list_reply", "list_reply": {"id": choice_id, "title": title}}}
        else:
            message = {"type": "button", "button": {"payload": choice_id, "text": title}}
        return self._inbound(user, name, {**message, "context": context})

    def user_image(self, user: str, name: str, data: bytes, mime: str,
                   caption: str | None) -> dict[str, Any]:
        """An image webhook; the bytes are downloadable through the fake media API."""
        media_id = self.keep_media(data, mime)
        image: dict[str, Any] = {"mime_type": mime, "sha256": self.media[media_id].sha256,
                                 "id": media_id}
        if caption:
            image["caption"] = caption
        return self._inbound(user, name, {"type": "image", "image": image})

    def user_location(self, user: str, name: str, latitude: float, longitude: float,
                      place: str | None, address: str | None) -> dict[str, Any]:
        """A location webhook."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if place:
            location["name"] = place
        if address:
            location["address"] = address
        return self._inbound(user, name, {"type": "location", "location": location})

    def user_reaction(self, user: str, name: str, message_id: str,
                      emoji: str) -> dict[str, Any]:
        """A reaction webhook."""
        return self._inbound(user, name, {"type": "reaction",
                                          "reaction": {"message_id": message_id, "emoji": emoji}})

    def describe(self, body: dict[str, Any]) -> str:
        """The customer's view of a send body (a known template's text, filled in)."""
        definition = self._definition(body) if body.get("type") == "template" else None
        if definition is not None:
            return template_text_wire(body["template"], definition)
        return describe_whatsapp(body)

    def choices(self, body: dict[str, Any]) -> list[Choice]:
        """Reply buttons, list rows and template quick replies of a send body.

        A known template offers every quick-reply button, titled with its label, its payload
        being the one sent for it (else the label, as WhatsApp does).
        """
        definition = self._definition(body) if body.get("type") == "template" else None
        if definition is None:
            return whatsapp_choices(body)
        payloads = {str(index): payload for payload, _, index in _template_payloads(body)}
        return [(payloads.get(str(i), button.text or ""), button.text or "", "template")
                for i, button in enumerate(definition.buttons)
                if button.type == "QUICK_REPLY" and (button.text or str(i) in payloads)]

    def _status(self, sent: SentMessage, user: str, status: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": sent.message_id,
            "status": status,
            "timestamp": str(int(self.sim.now().timestamp())),
            "recipient_id": user,
        }
        if sent.body.get("biz_opaque_callback_data"):
            item["biz_opaque_callback_data"] = sent.body["biz_opaque_callback_data"]
        if status == "sent":
            item["pricing"] = {"billable": True, "pricing_model": "PMP", "type":
                               "free_customer_service", "category": "service"}
        if status == "failed":
            item["errors"] = [{
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have "
                               "passed since the customer last replied to this number."},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }]
        value: dict[str, Any] = {"statuses": [item]}
        if status != "failed":
            value["contacts"] = [{"profile": {"name": self.sim.user_name("whatsapp", user)},
                                  "wa_id": user}]
        return self.envelope(value)

    def sign(self, body: bytes) -> dict[str, str]:
        """Headers Meta sends with a webhook POST of ``body``."""
        return meta_webhook_headers(self.wa.app_secret, body)


def meta_webhook_headers(app_secret: Any, body: bytes) -> dict[str, str]:
    """Headers Meta sends with a webhook POST of ``body`` signed with ``app_secret``."""
    if app_secret is None:
        raise ValueError("the channel has no app_secret to sign webhooks with")
    return {"Content-Type": "application/json",
            "X-Hub-Signature-256": sign_body(body, app_secret.get_secret_value()),
            "User-Agent": "facebookexternalua"}


def parse_multipart(request: httpx.Request
                    ) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """Split a multipart/form-data request into its fields and files (name → filename, data, mime)."""
    content_type = request.headers.get("content-type", "")
    match = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    if not content_type.startswith("multipart/form-data") or match is None:
        return fields, files
    boundary = b"--" + match.group(1).encode()
    for part in request.content.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, _, data = part.partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'name="([^"]*)"', headers)
        if name is None:
            continue
        filename = re.search(r'filename="([^"]*)"', headers)
        if filename is not None:
            mime = re.search(r"Content-Type:\s*([^\r\n]+)", headers, re.IGNORECASE)
            files[name.group(1)] = (filename.group(1), data,
                                    mime.group(1).strip() if mime else "application/octet-stream")
        else:
            fields[name.group(1)] = data.decode("utf-8", "replace")
    return fields, files


def _template_payloads(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(payload, payload, index) of a template send's quick-reply button components."""
    out = []
    for comp in (body.get("template") or {}).get("components", []):
        if comp.get("type") == "button" and str(comp.get("sub_type", "")).lower() == "quick_reply":
            for param in comp.get("parameters", []):
                if param.get("type") == "payload":
                    out.append((param["payload"], param["payload"], str(comp.get("index"))))
    return out


def whatsapp_choices(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The tappable choices of a sent body: (id, title, kind) with kind button | list | template."""
    if body.get("type") == "interactive":
        obj = body.get("interactive") or {}
        action = obj.get("action") or {}
        if obj.get("type") == "button":
            return [(b["reply"]["id"], b["reply"]["title"], "button")
                    for b in action.get("buttons", []) if isinstance(b.get("reply"), dict)]
        if obj.get("type") == "list":
            return [(r["id"], r["title"], "list")
                    for s in action.get("sections", []) for r in s.get("rows", [])]
    if body.get("type") == "template":
        return [(payload, title, "template") for payload, title, _ in _template_payloads(body)]
    return []
