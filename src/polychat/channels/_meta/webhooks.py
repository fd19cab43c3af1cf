"""Meta webhook verification: ``X-Hub-Signature-256`` and the GET subscription handshake.

Meta signs the raw body with HMAC-SHA256 keyed by the app secret and sends
``X-Hub-Signature-256: sha256=<lowercase hex>``. The check runs over the bytes exactly as received
(Meta escapes non-ASCII as ``\\u00e4``-style sequences; re-serialised JSON would not verify) and compares in
constant time. The same function signs test webhooks (the simulator uses it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from ... import _safejson
from ...errors import MalformedPayload, SignatureError
from ...wire import WebhookRequest

__all__ = ["check_signature", "decode_json_body", "sign_body", "verify_subscription"]

SIGNATURE_HEADER = "X-Hub-Signature-256"


def sign_body(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` header value for ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check_signature(request: WebhookRequest, app_secret: str) -> None:
    """Raise :class:`SignatureError` unless ``request`` carries a valid signature of its body."""
    header = request.header(SIGNATURE_HEADER)
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    scheme, _, received = header.strip().partition("=")
    if scheme.lower() != "sha256" or not received:
        raise SignatureError(f"{SIGNATURE_HEADER} is not of the form sha256=<hex>")
    expected = sign_body(request.body, app_secret).partition("=")[2]
    if not hmac.compare_digest(expected.encode(), received.strip().lower().encode("ascii", "replace")):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")


def decode_json_body(request: WebhookRequest, expected_object: str | None) -> dict[str, Any]:
    """Decode a Meta webhook body and check its ``object`` and ``entry`` list.

    With ``expected_object=None`` any string ``object`` is accepted (the caller routes on it).

    Raises:
        MalformedPayload: not JSON, not an object, another ``object`` value, or no ``entry`` list.
    """
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise MalformedPayload(f"expected an application/json body, got {content_type!r}")
    try:
        data = _safejson.loads(request.body)
    except ValueError as exc:  # UnicodeDecodeError, too deep, NaN… (see polychat._safejson)
        raise MalformedPayload(f"webhook body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MalformedPayload("webhook body is not a JSON object")
    if expected_object is None:
        if not isinstance(data.get("object"), str):
            raise MalformedPayload("webhook body has no 'object' name")
    elif data.get("object") != expected_object:
        raise MalformedPayload(
            f"webhook object is {data.get('object')!r}, expected {expected_object!r}"
        )
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise MalformedPayload("webhook body has no 'entry' list")
    return data


def verify_subscription(query: Mapping[str, str], verify_token: str | None) -> str:
    """Answer Meta's GET handshake: return ``hub.challenge`` unchanged when the token matches.

    Raises:
        SignatureError: no verify token configured, wrong mode, or wrong token (answer 403).
    """
    if not verify_token:
        raise SignatureError("no verify_token is configured for the subscription handshake")
    if query.get("hub.mode") != "subscribe":
        raise SignatureError("hub.mode is not 'subscribe'")
    given = query.get("hub.verify_token") or ""
    # surrogatepass: a query a framework decoded leniently may hold lone surrogates; they must
    # fail the comparison, not raise UnicodeEncodeError.
    if not hmac.compare_digest(given.encode("utf-8", "surrogatepass"), verify_token.encode()):
        raise SignatureError("hub.verify_token does not match")
    challenge = query.get("hub.challenge")
    if challenge is None:
        raise SignatureError("hub.challenge is missing")
    if not challenge.isprintable():  # Meta's is a number; this also refuses lone surrogates
        raise SignatureError("hub.challenge is not printable text")
    return challenge
