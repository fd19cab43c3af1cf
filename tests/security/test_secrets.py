"""Secrets never leak: every channel is configured with distinctive fake secrets, many paths are
driven (sends that succeed, fail with each error class, retry, drop the connection; bad
webhooks and handshakes; media downloads; previews), and every log record (message, args,
extras, traceback), every repr and str and every exception text is searched for each secret —
raw, Base64, hex, URL-encoded — and for the credentials derived from them (``appsecret_proof``,
the Bearer values and Apple JWTs actually sent)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
import respx

import polychat
from polychat import Address, AsyncHub, Hub, RetryPolicy, WebhookRequest
from polychat.channels._meta.webhooks import sign_body
from polychat.channels.apple import crypto

WA_TOKEN = "EAAGwaSECRETtoken7f3a9cDistinct00"
PAGE_TOKEN = "pageSECRETtoken91b2e4Distinct"  # not EAA-shaped: only polychat's own masking helps
APP_SECRET = "appSECRET55d1c8distinct"
VERIFY = "verifySECRETa1e0f7distinct"
MSP_KEY = b"mspSECRETkeyBytes3c9d0123456789a"
MSP_SECRET = base64.b64encode(MSP_KEY).decode()
PROOF = hmac.new(APP_SECRET.encode(), PAGE_TOKEN.encode(), hashlib.sha256).hexdigest()

PNID = "106540352242922"
PAGE = "108457560940232"
MSP_ID = "fake-msp-leak-0000"
BIZ = "fake-business-leak"
NOW = 1_767_000_000
GRAPH = "https://graph.facebook.com/v25.0"
GATEWAY = "https://mspgw.push.apple.com"
WA_USER = Address(channel="whatsapp", account=PNID, user="16505551234")
FB_USER = Address(channel="messenger", account=PAGE, user="1254459154682919")
AP_USER = Address(channel="apple", account=BIZ, user="urn:mbid:AQAAY/fake+leak=")
NO_WAIT = RetryPolicy(attempts=3, initial_wait=0, max_wait=0, jitter=0)


def forms(secret: str | bytes) -> set[str]:
    """The ways a secret could be written down."""
    raw = secret.encode() if isinstance(secret, str) else secret
    found = {base64.b64encode(raw).decode().rstrip("="),
             base64.urlsafe_b64encode(raw).decode().rstrip("="), raw.hex(), raw.hex().upper()}
    text = raw.decode("latin-1")
    found |= {text, quote(text, safe=""), urlencode({"x": text})[2:]}
    return found


NEEDLES = set().union(*(forms(s) for s in (WA_TOKEN, PAGE_TOKEN, APP_SECRET, VERIFY, MSP_SECRET,
                                           MSP_KEY, PROOF)))


def channels() -> tuple[polychat.WhatsApp, polychat.Messenger, polychat.AppleMessages]:
    return (polychat.WhatsApp(phone_number_id=PNID, access_token=WA_TOKEN, app_secret=APP_SECRET,
                              verify_token=VERIFY),
            polychat.Messenger(page_id=PAGE, page_access_token=PAGE_TOKEN, app_secret=APP_SECRET,
                               verify_token=VERIFY),
            polychat.AppleMessages(msp_id=MSP_ID, secret=MSP_SECRET, business_id=BIZ,
                                   clock=lambda: float(NOW)))


class Evidence:
    """Every text a user could end up seeing: reprs, strs, exception texts."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def show(self, where: str, *objects: Any) -> None:
        for obj in objects:
            self.texts += [(f"{where} repr", repr(obj)), (f"{where} str", str(obj))]

    def error(self, where: str, error: BaseException) -> None:
        self.show(where, error)
        self.texts.append((f"{where} args", repr(error.args)))
        self.texts.append((f"{where} traceback", "".join(traceback.format_exception(error))))
        if isinstance(error, polychat.PlatformError):
            self.texts.append((f"{where} dict", json.dumps(error.to_dict())))

    async def expect_error(self, where: str, awaitable: Any) -> BaseException:
        try:
            await awaitable
        except polychat.PolychatError as error:
            self.error(where, error)
            return error
        raise AssertionError(f"{where}: no error")

    def expect_sync_error(self, where: str, call: Any, *args: Any, **kwargs: Any) -> BaseException:
        try:
            call(*args, **kwargs)
        except polychat.PolychatError as error:
            self.error(where, error)
            return error
        raise AssertionError(f"{where}: no error")


def record_texts(records: Iterable[logging.LogRecord]) -> list[tuple[str, str]]:
    texts = []
    formatter = logging.Formatter()
    for record in records:
        where = f"log {record.name}:{record.levelname}"
        texts.append((where, record.getMessage()))
        texts.append((where + " msg/args", f"{record.msg!r} {record.args!r}"))
        extras = {k: v for k, v in vars(record).items() if k not in ("exc_info", "msg", "args")}
        texts.append((where + " extras", repr(extras)))
        if record.exc_info:
            texts.append((where + " exc", formatter.formatException(record.exc_info)))
        if record.exc_text:
            texts.append((where + " exc_text", record.exc_text))
    return texts


def leaks(texts: Iterable[tuple[str, str]], needles: Iterable[str]) -> list[str]:
    found = []
    for where, text in texts:
        for needle in needles:
            if len(needle) >= 8 and needle in text:
                found.append(f"{where}: …{text[max(0, text.index(needle) - 60):][:160]}…")
    return found


def test_the_search_finds_what_it_looks_for() -> None:
    assert leaks([("x", f"GET /?access_token={quote(PAGE_TOKEN)}")], NEEDLES)
    assert leaks([("x", MSP_KEY.hex())], NEEDLES)
    assert not leaks([("x", "access_token=[redacted]")], NEEDLES)


def graph_error(code: int, status: int = 400, subcode: int | None = None,
                token: str = WA_TOKEN) -> httpx.Response:
    """A Graph error whose message and details echo the caller's credentials back (worst case):
    its token, and for Messenger (which sends one) its ``appsecret_proof``."""
    proof = PROOF if token == PAGE_TOKEN else "none"
    error: dict[str, Any] = {
        "message": f"(#{code}) Invalid OAuth access token {token} appsecret_proof={proof} "
                   f"access_token={token} proof {proof}",
        "type": "OAuthException", "code": code, "fbtrace_id": "AbCdFAKE",
        "error_data": {"details": f"token {token} / secret {APP_SECRET}"}}
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error})


def graph_failures(token: str) -> list[httpx.Response]:
    """One Graph error of each class, echoing ``token``."""
    return [graph_error(code, status, subcode, token) for code, status, subcode in (
        (190, 401, None), (130429, 400, None), (131026, 400, None), (131047, 400, None),
        (10, 400, 2018278), (551, 400, None), (2, 503, None), (100, 400, None),
        (131056, 400, None), (4, 403, None))]


GRAPH_FAILURES = graph_failures(WA_TOKEN)
APPLE_FAILURES = [httpx.Response(status, text=f"refused {MSP_SECRET} {MSP_KEY.decode()}")
                  for status in (400, 401, 403, 404, 410, 413, 429, 500, 503)]


def wa_ok() -> httpx.Response:
    return httpx.Response(200, json={"messaging_product": "whatsapp",
                                     "contacts": [{"input": "1", "wa_id": "1"}],
                                     "messages": [{"id": "wamid.FAKE"}]})


def routes(mock: respx.MockRouter) -> dict[str, respx.Route]:
    lookaside = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"
    key = bytes(range(32))
    return {
        "wa_send": mock.post(f"{GRAPH}/{PNID}/messages"),
        "wa_media": mock.post(f"{GRAPH}/{PNID}/media").mock(
            return_value=httpx.Response(200, json={"id": "1037543291543636"})),
        "wa_lookup": mock.get(f"{GRAPH}/4490709327384033").mock(return_value=httpx.Response(
            200, json={"url": lookaside, "mime_type": "image/jpeg"})),
        "wa_evil_lookup": mock.get(f"{GRAPH}/4490709327384034").mock(return_value=httpx.Response(
            200, json={"url": f"https://evil.example/?access_token={WA_TOKEN}"})),
        "lookaside": mock.get(lookaside).mock(return_value=httpx.Response(
            302, headers={"Location": "https://mmg.whatsapp.net/f.jpg"})),
        "cdn": mock.get("https://mmg.whatsapp.net/f.jpg").mock(
            return_value=httpx.Response(200, content=b"jpeg")),
        "fb_send": mock.post(url__startswith=f"{GRAPH}/{PAGE}/messages"),
        "fb_cdn": mock.get("https://scontent.xx.fbcdn.net/v/fake.png").mock(
            return_value=httpx.Response(200, content=b"png")),
        "ap_send": mock.post(f"{GATEWAY}/v1/message"),
        "ap_pre_upload": mock.get(f"{GATEWAY}/v1/preUpload").mock(return_value=httpx.Response(
            200, json={"upload-url": "https://p42-content.icloud.com/upload/1",
                       "mmcs-url": "https://p42-content.icloud.com/MZ1", "mmcs-owner": "p42_o"})),
        "ap_upload": mock.post("https://p42-content.icloud.com/upload/1").mock(
            return_value=httpx.Response(200, json={"singleFile": {"fileChecksum": "AQID"}})),
        "ap_pre_download": mock.get(f"{GATEWAY}/v1/preDownload").mock(return_value=httpx.Response(
            200, json={"download-url": "https://p42-content.icloud.com/download/1"})),
        "ap_download": mock.get("https://p42-content.icloud.com/download/1").mock(
            return_value=httpx.Response(200, content=crypto.encrypt(b"jpeg", key))),
        "key": key,  # type: ignore[dict-item]
    }


def meta_webhooks(body: bytes) -> list[WebhookRequest]:
    good = sign_body(body, APP_SECRET)
    return [
        WebhookRequest(headers={"X-Hub-Signature-256": good}, body=body),
        WebhookRequest(headers={"X-Hub-Signature-256": "sha256=" + "0" * 64}, body=body),
        WebhookRequest(headers={}, body=body),
        WebhookRequest(headers={"X-Hub-Signature-256": sign_body(b"{not json", APP_SECRET)},
                       body=b"{not json"),
        WebhookRequest(method="GET", query={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                            "hub.challenge": "1158201444"}),
        WebhookRequest(method="GET", query={"hub.mode": "subscribe",
                                            "hub.verify_token": VERIFY + "-wrong",
                                            "hub.challenge": "1"}),
        WebhookRequest(method="GET", query={"hub.mode": "unsubscribe", "hub.verify_token": VERIFY}),
    ]


def apple_webhooks() -> list[WebhookRequest]:
    good = crypto.encode_jwt({"aud": MSP_ID, "iat": NOW}, MSP_KEY)
    body = json.dumps({"v": 1, "type": "text", "id": "fake-leak-1", "sourceId": AP_USER.user,
                       "destinationId": BIZ, "body": "hi"}).encode()
    return [
        WebhookRequest(headers={"Authorization": f"Bearer {good}"}, body=body),
        WebhookRequest(headers={"Authorization": f"Bearer {good}"}, body=b"\x1f\x8bnot gzip"),
        WebhookRequest(headers={"Authorization": f"Bearer {good}x"}, body=body),
        WebhookRequest(headers={"Authorization": f"Bearer {MSP_SECRET}"}, body=body),
        WebhookRequest(headers={"Authorization": crypto.encode_jwt({"aud": "other", "iat": NOW},
                                                                   MSP_KEY)}, body=body),
        WebhookRequest(headers={}, body=body),
    ]


WA_BODY = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
    "field": "messages", "value": {"messaging_product": "whatsapp",
                                   "metadata": {"phone_number_id": PNID},
                                   "contacts": [{"wa_id": WA_USER.user}],
                                   "messages": [{"from": WA_USER.user, "id": "wamid.IN1",
                                                 "timestamp": str(NOW), "type": "text",
                                                 "text": {"body": "hi"}}]}}]}]}).encode()
FB_BODY = json.dumps({"object": "page", "entry": [{"id": PAGE, "time": NOW * 1000, "messaging": [{
    "sender": {"id": FB_USER.user}, "recipient": {"id": PAGE}, "timestamp": NOW * 1000,
    "message": {"mid": "m_IN1", "text": "hi"}}]}]}).encode()


@pytest.fixture
def capture(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "polychat", "respx"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@respx.mock(assert_all_called=False)
async def test_no_secret_reaches_a_log_a_repr_or_an_error(
        respx_mock: respx.MockRouter, capture: pytest.LogCaptureFixture) -> None:
    seen = Evidence()
    r = routes(respx_mock)
    wa, fb, ap = channels()
    hub = AsyncHub(wa, fb, ap, window="ignore", retry=NO_WAIT)
    replies: list[str] = []

    @hub.on(polychat.MessageReceived)
    async def answer(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        replies.append(event.channel)
        await ctx.reply(polychat.Text("thanks"))  # fails (AuthError): logged with a traceback

    seen.show("config", wa, fb, ap, hub, wa.media_policy, ap.web_policy)

    # Sends that succeed after a retry, and fail with every class (and dropped connections).
    wa_failures = [*GRAPH_FAILURES, httpx.ConnectError(f"refused ?access_token={WA_TOKEN}"),
                   httpx.ReadTimeout(f"timeout Bearer {WA_TOKEN}")]
    fb_failures = [*graph_failures(PAGE_TOKEN), httpx.ConnectTimeout(f"connect {PAGE_TOKEN}"),
                   httpx.RemoteProtocolError(f"dropped {PROOF}")]
    fb_ok = httpx.Response(200, json={"recipient_id": FB_USER.user, "message_id": "m_1"})
    for route, address, ok, failures in (
            (r["wa_send"], WA_USER, wa_ok(), wa_failures),
            (r["fb_send"], FB_USER, fb_ok, fb_failures),
            (r["ap_send"], AP_USER, httpx.Response(200), APPLE_FAILURES)):
        route.mock(side_effect=[httpx.Response(503), ok])
        seen.show(f"{address.channel} result", await hub.send(address, polychat.Text("hi")))
        for n, failure in enumerate(failures):
            route.mock(side_effect=[failure] * NO_WAIT.attempts)
            await seen.expect_error(f"{address.channel} failure {n}",
                                    hub.send(address, polychat.Text("hi")))

    # Uploads and media downloads (allowed and refused).
    r["wa_send"].mock(side_effect=None, return_value=wa_ok())
    r["fb_send"].mock(side_effect=None, return_value=httpx.Response(
        200, json={"recipient_id": FB_USER.user, "message_id": "m_2", "attachment_id": "1"}))
    r["ap_send"].mock(side_effect=None, return_value=httpx.Response(200))
    image = polychat.Image(data=b"\x89PNG fake", mime_type="image/png")
    for address in (WA_USER, FB_USER, AP_USER):
        seen.show(f"upload {address.channel}", await hub.send(address, image))
    seen.show("wa download", await hub.download(WA_USER, polychat.Image(media_id="4490709327384033")))
    await seen.expect_error("wa refused", hub.download(
        WA_USER, polychat.Image(media_id="4490709327384034")))
    await seen.expect_error("fb refused", hub.download(FB_USER, polychat.Image(
        url=f"http://127.0.0.1/x?access_token={PAGE_TOKEN}")))
    seen.show("fb download", await hub.download(
        FB_USER, polychat.Image(url="https://scontent.xx.fbcdn.net/v/fake.png")))
    ref = {"owner": "p42_o", "key": crypto.format_key(r["key"]), "signature": "0a0b"}  # type: ignore[arg-type]
    seen.show("apple download", await hub.download(AP_USER, polychat.Image(
        url="https://p42-content.icloud.com/MZ1", ref=ref, size=4)))

    # Previews.
    for address in (WA_USER, FB_USER, AP_USER):
        for content in (polychat.Text("hi"), image):
            preview = hub.preview(address, content)
            seen.show(f"preview {address.channel}", preview, *preview.requests)

    # Webhooks and handshakes: good, tampered, malformed; replies that fail inside handlers.
    r["wa_send"].mock(return_value=graph_error(190, 401))
    r["fb_send"].mock(return_value=graph_error(190, 401, token=PAGE_TOKEN))
    r["ap_send"].mock(return_value=APPLE_FAILURES[1])
    for name, requests in (("whatsapp", meta_webhooks(WA_BODY)), ("messenger", meta_webhooks(FB_BODY)),
                           ("apple", apple_webhooks())):
        for request in requests:
            seen.show(f"{name} webhook", request, await hub.handle(name, request))
    assert sorted(replies) == ["apple", "messenger", "whatsapp"]
    seen.show("sync hub", Hub(wa, fb, ap))
    await hub.aclose()

    sent = [call.request for call in respx_mock.calls]
    credentials = {c.request.headers.get("authorization", "").removeprefix("Bearer ") for c in
                   respx_mock.calls} - {""}
    needles = NEEDLES | credentials | {c.rsplit(".", 1)[-1] for c in credentials}
    assert any(WA_TOKEN in (req.headers.get("authorization") or "") for req in sent)  # sanity
    assert any(PAGE_TOKEN in str(req.url) and PROOF in str(req.url) for req in sent)
    assert any("." in c for c in credentials)  # Apple JWTs were sent and are searched for
    assert any(rec.name == "httpx" for rec in capture.records)  # httpx logged every request
    assert any(rec.levelno >= logging.WARNING and rec.exc_info for rec in capture.records)
    found = leaks([*seen.texts, *record_texts(capture.records)], needles)
    assert not found, "\n".join(found[:20])


def test_sync_hub_paths_leak_nothing(capture: pytest.LogCaptureFixture) -> None:
    seen = Evidence()
    wa, fb, ap = channels()
    hub = Hub(wa, fb, ap, window="ignore", retry=NO_WAIT)
    with respx.mock(assert_all_called=False) as mock:
        wa_send = mock.post(f"{GRAPH}/{PNID}/messages")
        mock.post(url__startswith=f"{GRAPH}/{PAGE}/messages").mock(
            return_value=graph_error(100, token=PAGE_TOKEN))
        mock.post(f"{GATEWAY}/v1/message").mock(return_value=APPLE_FAILURES[0])
        for n, failure in enumerate(GRAPH_FAILURES):
            wa_send.mock(return_value=failure)
            seen.expect_sync_error(f"wa {n}", hub.send, WA_USER, polychat.Text("hi"))
        seen.expect_sync_error("fb", hub.send, FB_USER, polychat.Text("hi"))
        seen.expect_sync_error("apple", hub.send, AP_USER, polychat.Text("hi"))
        for name, body in (("whatsapp", WA_BODY), ("messenger", FB_BODY)):
            for request in meta_webhooks(body):
                seen.show(name, hub.handle(name, request))
        credentials = {c.request.headers.get("authorization", "").removeprefix("Bearer ")
                       for c in mock.calls} - {""}
    seen.expect_sync_error("verify", wa.verify_subscription, {"hub.mode": "subscribe",
                                                              "hub.verify_token": "nope"})
    seen.expect_sync_error("config", polychat.WhatsApp, phone_number_id="abc", access_token=WA_TOKEN)
    hub.close()
    found = leaks([*seen.texts, *record_texts(capture.records)], NEEDLES | credentials)
    assert not found, "\n".join(found[:20])


def test_non_ascii_tokens_are_refused_at_construction() -> None:
    import polychat as _pc

    with pytest.raises(_pc.ConfigurationError, match="non-ASCII"):
        _pc.WhatsApp(phone_number_id="106540352242922", access_token="EAAG…")
    with pytest.raises(_pc.ConfigurationError, match="non-ASCII"):
        _pc.Messenger(page_id="1029384756", page_access_token="EAAP…")
