"""The WSGI app: routes, statuses, answer-then-dispatch (with the stdlib's wsgiref validator)."""

from __future__ import annotations

import io
import json
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import polychat
from polychat.channels._meta import sign_body

PNID = "106540352242922"
SECRET = "fake-secret"
BODY = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
    {"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PNID},
        "contacts": [{"profile": {"name": "Ada"}, "wa_id": "16505551234"}],
        "messages": [{"from": "16505551234", "id": "wamid.WSGI", "timestamp": "1767000000",
                      "type": "text", "text": {"body": "hi"}}]}}]}]}).encode()


def call(app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
         query: str = "", before_close: Any = None) -> tuple[str, bytes]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                               "SCRIPT_NAME": "",
                               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    for key, value in (headers or {}).items():
        name = key.upper().replace("-", "_")
        environ["CONTENT_TYPE" if name == "CONTENT_TYPE" else f"HTTP_{name}"] = value
    setup_testing_defaults(environ)
    status: list[str] = []
    result = validator(app)(environ, lambda s, h, *a: status.append(s))
    data = b"".join(result)
    if before_close is not None:
        before_close()
    result.close()
    return status[0], data


def test_post_is_answered_then_dispatched() -> None:
    hub = polychat.Hub(polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE",
                                         app_secret=SECRET, verify_token="vt"))
    seen: list[str] = []
    hub.on(polychat.MessageReceived)(lambda event, ctx: seen.append(event.id))
    app = hub.wsgi()
    signed = {"X-Hub-Signature-256": sign_body(BODY, SECRET), "Content-Type": "application/json"}
    answered_before_dispatch: list[bool] = []
    status, body = call(app, "POST", "/webhooks/whatsapp", BODY, signed,
                        before_close=lambda: answered_before_dispatch.append(not seen))
    assert status.startswith("200") and body == b"OK" and seen == ["wamid.WSGI"]
    assert answered_before_dispatch == [True]
    assert call(app, "POST", "/webhooks/whatsapp", BODY,
                {**signed, "X-Hub-Signature-256": "sha256=00"})[0].startswith("401")
    status, body = call(app, "GET", "/webhooks/whatsapp",
                           query="hub.mode=subscribe&hub.verify_token=vt&hub.challenge=42")
    assert status.startswith("200") and body == b"42"
    assert call(app, "GET", "/nowhere")[0].startswith("404")
    assert call(hub.wsgi(max_body=10), "POST", "/webhooks/whatsapp", BODY, signed)[0].startswith("413")
