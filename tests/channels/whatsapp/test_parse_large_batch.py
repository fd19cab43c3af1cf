"""A large WhatsApp batch: every message finds its own contact (an index, not a scan per item)."""

from __future__ import annotations

from typing import Any

from polychat import MessageReceived
from polychat.channels.whatsapp.parse import parse_payload


def _batch(count: int, contacts: list[dict[str, Any]], messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "15550783881",
                               "phone_number_id": "106540352242922"},
                  "contacts": contacts, "messages": messages}}]}]}


def _message(n: int, **sender: str) -> dict[str, Any]:
    return {**sender, "id": f"wamid.TEST{n:06d}", "timestamp": "1749416383", "type": "text",
            "text": {"body": f"message {n}"}}


def test_each_of_a_thousand_messages_gets_its_own_contacts_name() -> None:
    count = 1000
    contacts = [{"profile": {"name": f"Customer {n}"}, "wa_id": str(16500000000 + n),
                 "user_id": f"US.{10**19 + n}"} for n in range(count)]
    messages = [_message(n, **{"from": str(16500000000 + n)}) for n in range(count)]
    events = parse_payload(_batch(count, contacts, messages))
    assert len(events) == count
    for n, event in enumerate(events):
        assert isinstance(event, MessageReceived)
        assert event.sender.user == str(16500000000 + n)
        assert event.sender_name == f"Customer {n}"


def test_business_scoped_sender_takes_the_wa_id_of_its_contact_in_a_batch() -> None:
    contacts = [{"profile": {"name": f"C{n}"}, "wa_id": f"1650000000{n}", "user_id": f"US.{n}"}
                for n in range(5)]
    messages = [_message(n, from_user_id=f"US.{n}") for n in reversed(range(5))]
    events = parse_payload(_batch(5, contacts, messages))
    assert [e.sender.user for e in events] == [f"1650000000{n}" for n in reversed(range(5))]
    assert [e.sender_name for e in events] == [f"C{n}" for n in reversed(range(5))]


def test_the_first_matching_contact_wins_when_ids_repeat() -> None:
    contacts = [{"profile": {"name": "First"}, "wa_id": "16500000001"},
                {"profile": {"name": "Second"}, "wa_id": "16500000001", "user_id": "US.1"},
                {"profile": {"name": "Third"}, "user_id": "US.1", "wa_id": "16500000009"}]
    messages = [_message(1, **{"from": "16500000001"}), _message(2, from_user_id="US.1")]
    first, second = parse_payload(_batch(2, contacts, messages))
    assert first.sender_name == "First"
    # US.1 first appears on the second contact: its wa_id and that contact's name
    assert second.sender.user == "16500000001"
    assert second.sender_name == "First"  # the earliest contact matching either id
