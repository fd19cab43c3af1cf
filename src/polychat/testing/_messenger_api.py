"""The simulator's fake Messenger Send API and its simulated Messenger users.

It answers ``POST /{page-id}/messages`` (JSON or multipart upload-and-send) with the token in
the query string — refused with error 190 when wrong, and checked against ``appsecret_proof``
when one is sent — validated by :mod:`._messenger_rules`, answered ``{"recipient_id",
"message_id"}``; ``POST /{page-id}/message_attachments`` saves reusable attachments. Like Meta,
it refuses a message outside the 24-hour window synchronously (error 10 / 2018278) unless it
carries the ``HUMAN_AGENT`` tag within 7 days, and after each accepted message it sends the
webhooks Messenger sends: the echo, a delivery (with the mid) and a read watermark. Simulated users
write, tap quick replies (a message with ``quick_reply``) and buttons (a ``postback``), send
photos hosted on a fake CDN the bot can download, and react.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx

from ..channels.messenger import Messenger
from ._fake import Choice, FakePlatform, StoredMedia
from ._graph_rules import GRAPH_PATH, Problem, decode_send_body
from ._messenger_rules import check_send_body, check_upload, error_envelope
from ._render_view import describe_messenger
from ._whatsapp_api import meta_webhook_headers, parse_multipart

if TYPE_CHECKING:
    from .simulator import SentMessage, Simulator

__all__ = ["FakeMessenger"]

CDN = "https://scontent.xx.fbcdn.net/v/t1.15752-9/"
APP_ID = 1517776481860111
HUMAN_AGENT = timedelta(days=7)


class FakeMessenger(FakePlatform):
    """One simulated Facebook Page on the Messenger Platform."""

    name: ClassVar[str] = "messenger"

    def __init__(self, sim: Simulator, channel: Messenger) -> None:
        super().__init__(sim, channel)
        self.fb = channel

    def next_mid(self) -> str:
        """A new message id in Meta's ``m_`` form."""
        digest = hashlib.sha256(f"{self.account}:{self.tick()}".encode()).hexdigest()
        return f"m_{digest[:40]}"

    def _ms(self) -> int:
        return int(self.sim.now().timestamp() * 1000)

    # -- HTTP side -----------------------------------------------------------------------------

    def handles(self, request: httpx.Request) -> bool:
        """Requests for this Page (its id or ``me`` with its token) and its CDN files."""
        url = str(request.url)
        if url.startswith(CDN):
            return request.url.path.rsplit("/", 1)[-1] in self.media
        if not url.startswith(self.fb.base_url + "/"):
            return False
        match = GRAPH_PATH.match(request.url.path)
        target = match["rest"].strip("/").split("/")[0] if match else ""
        if target == "me":
            token = (parse_qs(urlsplit(url).query).get("access_token") or [""])[0]
            return token == self.fb.page_access_token.get_secret_value()
        return target == self.account or not self.sim.other_fake_claims(self, target)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if str(request.url).startswith(CDN):
            return self._cdn(request)
        problem = self._auth_problem(request)
        if problem is not None:
            return self._error(400, problem)
        match = GRAPH_PATH.match(request.url.path)
        rest = match["rest"].strip("/") if match else ""
        target, _, edge = rest.partition("/")
        if request.method == "POST" and target in (self.account, "me") and edge == "messages":
            return self._messages(request)
        if request.method == "POST" and target in (self.account, "me") and edge == "message_attachments":
            return self._save_attachment(request)
        return self._error(400, Problem(
            100, f"Unsupported {request.method.lower()} request. Object with ID '{target}' does "
            "not exist, cannot be loaded due to missing permissions, or does not support this "
            "operation", "unknown endpoint"))

    def _auth_problem(self, request: httpx.Request) -> Problem | None:
        query = parse_qs(urlsplit(str(request.url)).query)
        token = (query.get("access_token") or [""])[0]
        header = request.headers.get("authorization", "")
        if not token and header.lower().startswith("bearer "):
            token = header[7:]
        expected = self.fb.page_access_token.get_secret_value()
        if not hmac.compare_digest(token.encode(), expected.encode()):
            return Problem(190, "Invalid OAuth access token - Cannot parse access token",
                           "the access_token is missing or wrong")
        proofs = query.get("appsecret_proof")
        proof = proofs[0] if proofs else None
        if proof is not None and self.fb.app_secret is not None:
            good = hmac.new(self.fb.app_secret.get_secret_value().encode(), token.encode(),
                            hashlib.sha256).hexdigest()
            if not hmac.compare_digest(proof.encode(), good.encode()):
                return Problem(100, "Invalid appsecret_proof provided in the API argument",
                               "appsecret_proof does not match the token")
        return None

    def _error(self, status: int, problem: Problem) -> httpx.Response:
        envelope = error_envelope(problem, self.trace())
        return httpx.Response(status, json=envelope, headers={"x-fb-trace-id": self.trace()})

    def _messages(self, request: httpx.Request) -> httpx.Response:
        upload: tuple[str, bytes, str] | None = None
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            fields, files = parse_multipart(request)
            problems = check_upload(fields, files)
            if problems:
                return self._error(400, problems[0])
            body: dict[str, Any] = {k: _maybe_json(v) for k, v in fields.items()}
            upload = files["filedata"]
        else:
            body, problem = decode_send_body(request.content, check_send_body)
            if problem is not None:
                return self._error(400, problem)
        user = _recipient_key(body.get("recipient") or {})
        action = body.get("sender_action")
        if action in ("typing_on", "typing_off", "mark_seen"):
            return httpx.Response(200, json={"recipient_id": user})
        within = HUMAN_AGENT if body.get("tag") == "HUMAN_AGENT" else None
        if not self.window_open(user, within=within):
            return self._error(400, Problem(
                10, "(#10) This message is sent outside of allowed window. Learn more about the "
                "new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
                "outside the 24-hour standard messaging window", subcode=2018278))
        mid = self.next_mid()
        if upload is not None:
            _filename, data, mime = upload
            media_id = str(10**15 + self.tick())
            self.media[media_id] = StoredMedia(data, mime)
            attachment = body["message"]["attachment"]
            attachment["payload"] = {**attachment.get("payload", {}), "url": f"{CDN}{media_id}"}
        sent = self.sim.record(self, user, mid, body)
        if action in ("react", "unreact"):
            return httpx.Response(200, json={"recipient_id": user, "message_id": mid})
        self._queue_receipts(sent, user)
        answer: dict[str, Any] = {"recipient_id": user, "message_id": mid}
        if upload is not None:
            answer["attachment_id"] = str(10**15 + self._counter)
        return httpx.Response(200, json=answer)

    def _save_attachment(self, request: httpx.Request) -> httpx.Response:
        attachment_id = str(3 * 10**15 + self.tick())
        return httpx.Response(200, json={"attachment_id": attachment_id})

    def _cdn(self, request: httpx.Request) -> httpx.Response:
        stored = self.media.get(request.url.path.rsplit("/", 1)[-1])
        if stored is None:
            return httpx.Response(404, text="URL signature expired")
        return httpx.Response(200, content=stored.data, headers={"content-type": stored.mime})

    # -- webhooks ------------------------------------------------------------------------------

    def envelope(self, item: dict[str, Any]) -> dict[str, Any]:
        """Wrap one messaging item in the Page webhook envelope."""
        return {"object": "page", "entry": [{"id": self.account, "time": self._ms(),
                                             "messaging": [item]}]}

    def _item(self, user: str, **event: Any) -> dict[str, Any]:
        return {"sender": {"id": user}, "recipient": {"id": self.account},
                "timestamp": self._ms(), **event}

    def _queue_receipts(self, sent: SentMessage, user: str) -> None:
        message = dict(sent.body.get("message") or {})
        message.pop("quick_replies", None)
        echo = {"sender": {"id": self.account}, "recipient": {"id": user},
                "timestamp": self._ms(),
                "message": {"is_echo": True, "app_id": APP_ID, "mid": sent.message_id,
                            **_echo_content(message)}}
        self.sim.queue(self.name, self.envelope(echo), self)
        self.sim.queue(self.name, self.envelope(self._item(
            user, delivery={"mids": [sent.message_id], "watermark": self._ms()})), self)
        self.sim.queue(self.name, self.envelope(self._item(
            user, read={"watermark": self._ms()})), self)

    def sign(self, body: bytes) -> dict[str, str]:
        """Headers Meta sends with a webhook POST of ``body``."""
        return meta_webhook_headers(self.fb.app_secret, body)

    def describe(self, body: dict[str, Any]) -> str:
        """The customer's view of a send body."""
        return describe_messenger(body)

    def choices(self, body: dict[str, Any]) -> list[Choice]:
        """Quick replies and postback buttons (of button and generic templates)."""
        message = body.get("message") or {}
        out: list[Choice] = [(q.get("payload", ""), q.get("title", ""), "quick_reply")
                             for q in message.get("quick_replies") or []
                             if q.get("content_type", "text") == "text"]
        payload = (message.get("attachment") or {}).get("payload") or {}
        buttons = list(payload.get("buttons") or [])
        for element in payload.get("elements") or []:
            buttons.extend(element.get("buttons") or [])
        out.extend((b.get("payload", ""), b.get("title", ""), "postback")
                   for b in buttons if b.get("type") == "postback")
        return out

    def user_text(self, user: str, name: str, text: str, *,
                  reply_to: str | None = None) -> dict[str, Any]:
        """A text message webhook (quoting ``reply_to``)."""
        self.user_wrote(user)
        message: dict[str, Any] = {"mid": self.next_mid(), "text": text}
        if reply_to:
            message["reply_to"] = {"mid": reply_to}
        return self.envelope(self._item(user, message=message))

    def user_ad_click(self, user: str, name: str, text: str, *, ad_id: str,
                      headline: str | None = None, body: str | None = None,
                      ref: str | None = None) -> dict[str, Any]:
        """A click-to-Messenger ad's first message: the text with a ``message.referral``
        (``source: ADS``, the ad id, its ``ref`` if any, the ad title in ``ads_context_data``)."""
        self.user_wrote(user)
        referral: dict[str, Any] = {"ad_id": ad_id, "source": "ADS", "type": "OPEN_THREAD"}
        if ref:
            referral["ref"] = ref
        context: dict[str, Any] = {"photo_url": f"{CDN}sim-ad-{ad_id}.jpg",
                                   "post_id": f"{self.account}_{ad_id[-8:]}"}
        if headline:
            context["ad_title"] = headline
        referral["ads_context_data"] = context
        return self.envelope(self._item(user, message={
            "mid": self.next_mid(), "text": text, "referral": referral}))

    def user_link(self, user: str, name: str, ref: str, text: str) -> dict[str, Any]:
        """An m.me link with ``?ref=`` opened in an existing thread: a standalone ``referral``
        item (``source: SHORTLINK``); nothing is typed, so ``text`` is not sent."""
        self.user_wrote(user)
        return self.envelope(self._item(user, referral={
            "ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}))

    def user_choice(self, user: str, name: str, sent: SentMessage,
                    choice: Choice) -> dict[str, Any]:
        """A quick-reply message or a postback webhook."""
        self.user_wrote(user)
        payload, title, kind = choice
        if kind == "quick_reply":
            return self.envelope(self._item(user, message={
                "mid": self.next_mid(), "text": title, "quick_reply": {"payload": payload}}))
        return self.envelope(self._item(user, postback={
            "mid": self.next_mid(), "title": title, "payload": payload}))

    def user_image(self, user: str, name: str, data: bytes, mime: str,
                   caption: str | None) -> dict[str, Any]:
        """An image attachment hosted on the fake CDN (captions are sent as a second text)."""
        self.user_wrote(user)
        media_id = self.keep_media(data, mime)
        message: dict[str, Any] = {"mid": self.next_mid(), "attachments": [
            {"type": "image", "payload": {"url": f"{CDN}{media_id}"}}]}
        if caption:
            message["text"] = caption
        return self.envelope(self._item(user, message=message))

    def user_location(self, user: str, name: str, latitude: float, longitude: float,
                      place: str | None, address: str | None) -> dict[str, Any]:
        """A legacy location attachment."""
        self.user_wrote(user)
        return self.envelope(self._item(user, message={"mid": self.next_mid(), "attachments": [
            {"type": "location", "title": place or "Pinned location",
             "payload": {"coordinates": {"lat": latitude, "long": longitude}}}]}))

    def user_reaction(self, user: str, name: str, message_id: str,
                      emoji: str) -> dict[str, Any]:
        """A reaction (or its removal) webhook."""
        self.user_wrote(user)
        reaction: dict[str, Any] = {"mid": message_id, "action": "react" if emoji else "unreact"}
        if emoji:
            reaction.update({"reaction": "other", "emoji": emoji})
        return self.envelope(self._item(user, reaction=reaction))


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _recipient_key(recipient: dict[str, Any]) -> str:
    if "id" in recipient:
        return str(recipient["id"])
    prefixes = {"user_ref": "user_ref:", "post_id": "post:", "comment_id": "comment:",
                "notification_messages_token": "token:", "phone_number": "phone:"}
    for key, prefix in prefixes.items():
        if key in recipient:
            return prefix + str(recipient[key])
    return "unknown"


def _echo_content(message: dict[str, Any]) -> dict[str, Any]:
    if "text" in message:
        return {"text": message["text"], **({"metadata": message["metadata"]}
                                            if "metadata" in message else {})}
    attachment = message.get("attachment") or {}
    return {"attachments": [{"type": attachment.get("type", "fallback"),
                             "payload": attachment.get("payload") or {}}]}
