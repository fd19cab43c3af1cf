"""Pieces both Meta channels (WhatsApp, Messenger) share: the Graph API error envelope, the
``X-Hub-Signature-256`` webhook signature and the GET subscription handshake."""

from __future__ import annotations

from .graph import GRAPH_CODES, ErrorRule, classify_graph_error, parse_graph_error
from .webhooks import (
    check_signature,
    decode_json_body,
    sign_body,
    verify_subscription,
)

__all__ = [
    "GRAPH_CODES",
    "ErrorRule",
    "check_signature",
    "classify_graph_error",
    "decode_json_body",
    "parse_graph_error",
    "sign_body",
    "verify_subscription",
]
