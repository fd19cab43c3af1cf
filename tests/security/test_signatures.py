"""Webhook authenticity: signatures over the exact bytes, constant-time comparisons only, and no
JWT algorithm confusion."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest

import polychat
from polychat import SignatureError, WebhookRequest
from polychat.channels._meta import webhooks as meta_webhooks
from polychat.channels._meta.webhooks import sign_body
from polychat.channels.apple import crypto

DATA = Path(__file__).resolve().parents[1] / "data"
APP_SECRET = "fake-app-secret-sig-0000"
VERIFY = "fake-verify-token-sig"
MSP_ID = "fake-msp-sig-0000"
KEY = b"fake-msp-secret-bytes-sig-012345"
NOW = 1_767_000_000


def wa() -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id="106540352242922", access_token="EAAG-FAKE-SIG",
                             app_secret=APP_SECRET, verify_token=VERIFY)


def fb() -> polychat.Messenger:
    return polychat.Messenger(page_id="108457560940232", page_access_token="EAAG-FAKE-SIG",
                              app_secret=APP_SECRET, verify_token=VERIFY)


def apple() -> polychat.AppleMessages:
    return polychat.AppleMessages(msp_id=MSP_ID, secret=base64.b64encode(KEY).decode(),
                                  business_id="fake-business-sig", clock=lambda: float(NOW))


META = [(wa, "whatsapp/image.json"), (fb, "messenger/image.json"),
        (wa, "whatsapp/contacts.json"), (fb, "messenger/quick_reply.json")]


def signed(body: bytes, signature: str | None = None) -> WebhookRequest:
    return WebhookRequest(headers={"X-Hub-Signature-256": signature or sign_body(body, APP_SECRET),
                                   "Content-Type": "application/json"}, body=body)


def reserialised(body: bytes) -> list[bytes]:
    """The same JSON document written other ways: spacing, key order, escaping, a newline."""
    data = json.loads(body)
    forms = [json.dumps(data).encode(), json.dumps(data, sort_keys=True).encode(),
             json.dumps(data, indent=2).encode(), json.dumps(data, ensure_ascii=False).encode(),
             json.dumps(data, separators=(",", ":"), sort_keys=True).encode(),
             body + b"\n", b" " + body]
    return [form for form in forms if form != body]


# -- Meta: the signature covers the bytes as received -------------------------------------------

@pytest.mark.parametrize(("channel", "fixture"), META)
def test_a_reserialised_body_does_not_verify(channel: Any, fixture: str) -> None:
    data = json.loads((DATA / fixture).read_text())
    body = json.dumps(data, separators=(",", ":")).encode()
    signature = sign_body(body, APP_SECRET)
    assert channel().parse(signed(body, signature))  # the original verifies
    forms = reserialised(body)
    assert len(forms) >= 5
    for form in forms:
        with pytest.raises(SignatureError):
            channel().parse(signed(form, signature))


@pytest.mark.parametrize("channel", [wa, fb])
def test_signature_spellings_that_must_fail(channel: Any) -> None:
    body = (DATA / "whatsapp/image.json").read_bytes()
    good = sign_body(body, APP_SECRET)
    digest = good.partition("=")[2]
    for header in ["", "sha256=", digest, f"sha1={digest}", f"md5={digest}",
                   "sha256=" + digest[:-2], "sha256=" + digest + "00",
                   "sha256=" + hmac.new(b"other-secret", body, hashlib.sha256).hexdigest(),
                   "sha256=" + hashlib.sha256(body).hexdigest(),  # unkeyed
                   "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest(),
                   "sha256=" + "é" * 64]:
        request = WebhookRequest(headers={"X-Hub-Signature-256": header} if header else {},
                                 body=body)
        with pytest.raises(SignatureError):
            channel().parse(request)


# -- constant-time comparisons ------------------------------------------------------------------

class CompareSpy:
    """Stands in for ``hmac.compare_digest``: records calls, answers ``verdict`` (or the truth)."""

    def __init__(self, verdict: bool | None = None) -> None:
        self.calls: list[tuple[Any, Any]] = []
        self.verdict = verdict
        self.real = hmac.compare_digest

    def __call__(self, a: Any, b: Any) -> bool:
        self.calls.append((a, b))
        return self.real(a, b) if self.verdict is None else self.verdict


def spy(monkeypatch: pytest.MonkeyPatch, verdict: bool | None = None) -> CompareSpy:
    fake = CompareSpy(verdict)
    for module in (meta_webhooks.hmac, crypto.hmac):
        monkeypatch.setattr(module, "compare_digest", fake)
    return fake


@pytest.mark.parametrize("channel", [wa, fb])
def test_meta_signatures_are_compared_with_compare_digest_only(
        channel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (DATA / "whatsapp/image.json").read_bytes() if channel is wa else \
        (DATA / "messenger/image.json").read_bytes()
    good = sign_body(body, APP_SECRET)
    calls = spy(monkeypatch)
    channel().parse(signed(body, good))
    assert calls.calls == [(good.partition("=")[2].encode(), good.partition("=")[2].encode())]
    # The decision is compare_digest's alone: a forced "equal" lets a wrong signature through,
    # a forced "different" refuses the right one. No == on the side.
    spy(monkeypatch, verdict=True)
    channel().parse(signed(body, "sha256=" + "0" * 64))
    spy(monkeypatch, verdict=False)
    with pytest.raises(SignatureError):
        channel().parse(signed(body, good))


@pytest.mark.parametrize("channel", [wa, fb])
def test_the_verify_token_is_compared_with_compare_digest_only(
        channel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    calls = spy(monkeypatch)
    assert channel().verify_subscription(query) == "1158201444"
    assert calls.calls == [(VERIFY.encode(), VERIFY.encode())]
    spy(monkeypatch, verdict=True)
    assert channel().verify_subscription({**query, "hub.verify_token": "wrong"}) == "1158201444"
    spy(monkeypatch, verdict=False)
    with pytest.raises(SignatureError):
        channel().verify_subscription(query)


def test_apple_jwt_signature_is_compared_with_compare_digest_only(
        monkeypatch: pytest.MonkeyPatch) -> None:
    token = crypto.encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY)
    calls = spy(monkeypatch)
    crypto.verify_jwt(token, KEY, audience=MSP_ID, now=NOW)
    expected = hmac.new(KEY, token.rsplit(".", 1)[0].encode(), hashlib.sha256).digest()
    assert calls.calls == [(expected, expected)]
    spy(monkeypatch, verdict=True)
    forged = token.rsplit(".", 1)[0] + "." + base64.urlsafe_b64encode(b"\0" * 32).rstrip(b"=").decode()
    crypto.verify_jwt(forged, KEY, audience=MSP_ID, now=NOW)
    spy(monkeypatch, verdict=False)
    with pytest.raises(SignatureError):
        crypto.verify_jwt(token, KEY, audience=MSP_ID, now=NOW)


# -- Apple: JWT algorithm confusion and claims --------------------------------------------------

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: Any, claims: Any = None, key: bytes | None = KEY, digest: Any = hashlib.sha256,
          signature: bytes | None = None) -> str:
    """A token with any header, HMAC-signed with ``key`` (or carrying ``signature``)."""
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims if claims is not None else {"aud": MSP_ID, "iat": NOW}).encode())
    if signature is None:
        signature = hmac.new(key or b"", f"{head}.{body}".encode(), digest).digest()
    return f"{head}.{body}.{b64(signature)}"


CONFUSED = {
    "none-unsigned": forge({"alg": "none", "typ": "JWT"}, signature=b""),
    "none-signed": forge({"alg": "none", "typ": "JWT"}),
    "None-case": forge({"alg": "None"}, signature=b""),
    "NONE-case": forge({"alg": "NONE"}, signature=b""),
    "RS256-hmac-with-secret": forge({"alg": "RS256", "typ": "JWT"}),
    "ES256-hmac-with-secret": forge({"alg": "ES256"}),
    "PS256-hmac-with-secret": forge({"alg": "PS256"}),
    "HS512": forge({"alg": "HS512"}, digest=hashlib.sha512),
    "HS384": forge({"alg": "HS384"}, digest=hashlib.sha384),
    "HS512-pyjwt": pyjwt.encode({"aud": MSP_ID, "iat": NOW}, KEY * 2, algorithm="HS512"),
    "missing-alg": forge({"typ": "JWT"}),
    "null-alg": forge({"alg": None}),
    "lowercase-hs256": forge({"alg": "hs256"}),
    "mixed-case-Hs256": forge({"alg": "Hs256"}),
    "padded-alg": forge({"alg": "HS256 "}),
    "list-alg": forge({"alg": ["HS256"]}),
    "header-not-object": forge(["HS256"]),
    "crit-header": forge({"alg": "HS256", "crit": ["exp"]}),
    "empty-key": forge({"alg": "HS256"}, key=b""),
    "other-secret": forge({"alg": "HS256"}, key=b"another-msp-secret-0123456789abc"),
    "secret-not-decoded": forge({"alg": "HS256"}, key=base64.b64encode(KEY)),
    "other-audience": forge({"alg": "HS256"}, {"aud": "another-msp", "iat": NOW}),
    "business-id-audience": forge({"alg": "HS256"}, {"aud": "fake-business-sig", "iat": NOW}),
    "audience-in-iss": forge({"alg": "HS256"}, {"iss": MSP_ID, "iat": NOW}),
    "audience-prefix": forge({"alg": "HS256"}, {"aud": MSP_ID + "-x", "iat": NOW}),
    "claims-not-object": forge({"alg": "HS256"}, [MSP_ID]),
    "expired": forge({"alg": "HS256"}, {"aud": MSP_ID, "iat": NOW, "exp": NOW - 3600}),
    "replayed-old": forge({"alg": "HS256"}, {"aud": MSP_ID, "iat": NOW - 2 * 86400}),
}


@pytest.mark.parametrize("token", CONFUSED.values(), ids=CONFUSED.keys())
def test_confused_or_foreign_tokens_are_refused(token: str) -> None:
    with pytest.raises(SignatureError) as info:
        crypto.verify_jwt(token, KEY, audience=MSP_ID, now=NOW)
    assert info.value.status_hint == 403
    body = (DATA / "apple/text.json").read_bytes()
    with pytest.raises(SignatureError):
        apple().parse(WebhookRequest(headers={"Authorization": f"Bearer {token}"}, body=body))


def test_the_well_formed_token_passes() -> None:
    token = forge({"alg": "HS256", "typ": "JWT"})
    assert crypto.verify_jwt(token, KEY, audience=MSP_ID, now=NOW)["aud"] == MSP_ID


def test_a_token_for_another_msp_is_refused_whatever_the_body() -> None:
    """Apple's JWT binds the audience (our MSP id), not the body: a token minted for another
    MSP — even with a valid signature under that MSP's secret — never passes here."""
    other_key = b"another-msp-secret-0123456789abc"
    mine = crypto.encode_jwt({"aud": MSP_ID, "iat": NOW}, KEY)
    theirs = crypto.encode_jwt({"aud": "another-msp", "iat": NOW}, other_key)
    body = json.dumps({"v": 1, "type": "text", "id": "fake-id", "sourceId": "urn:mbid:fake",
                       "destinationId": "fake-business-sig", "body": "hi"}).encode()
    assert apple().parse(WebhookRequest(headers={"Authorization": f"Bearer {mine}"}, body=body))
    for token in (theirs, crypto.encode_jwt({"aud": "another-msp", "iat": NOW}, KEY)):
        with pytest.raises(SignatureError):
            apple().parse(WebhookRequest(headers={"Authorization": f"Bearer {token}"}, body=body))
