"""Keys and look-ups the hub computes for every inbound event, without building models."""

from __future__ import annotations

from datetime import UTC, datetime

import polychat
from polychat._hubcore import HubCore, conversation_key

WHEN = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def _event(channel: str, account: str, user: str) -> polychat.MessageReceived:
    return polychat.MessageReceived(
        channel=channel, sender=polychat.Address(channel=channel, account=account, user=user),
        recipient=polychat.Address(channel=channel, account=account, user=account),
        id="m-1", timestamp=WHEN, content=polychat.Text("hi"))


def test_conversation_key_is_the_reply_address() -> None:
    event = _event("apple", "biz-1", "urn:mbid:AQAAY/abc=")
    expected = polychat.Address(channel="apple", account="biz-1", user="urn:mbid:AQAAY/abc=")
    assert conversation_key(event) == str(expected) == "apple:biz-1:urn:mbid:AQAAY/abc="
    assert polychat.Address.parse(conversation_key(event)) == expected


def test_followup_picks_the_account_then_the_first_of_the_name() -> None:
    one = polychat.WhatsApp(phone_number_id="111", access_token="EAAG-fake-1")
    two = polychat.WhatsApp(phone_number_id="222", access_token="EAAG-fake-2")
    core = HubCore([one, two], store=None, on_unsupported="degrade", window="check")
    assert core.followup(_event("whatsapp", "222", "1650"))[0] is two
    assert core.followup(_event("whatsapp", "999", "1650"))[0] is one  # unknown account
    assert core.followup(_event("messenger", "333", "psid")) == (None, None)  # no such channel
