"""Hold-out style Messenger webhooks: batches that mix kinds, and the shapes real traffic brings.

The fixtures ``tests/data/messenger/holdout/holdout_*.json`` were written after studying public payloads
(Meta's reference, courier's and bot frameworks' fixtures), not copied from them. Each test pins
the exact events: class, order, ids, parties and the fields that matter (ARCHITECTURE.md,
"Parsing conventions").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

import polychat
from polychat import (
    Address,
    Audio,
    ChoiceSelected,
    Event,
    File,
    Image,
    MalformedPayload,
    MessageEdited,
    MessageReceived,
    MessageStatus,
    OptIn,
    OptOut,
    ReactionReceived,
    Referral,
    RichLink,
    SignatureError,
    Sticker,
    Text,
    UnknownEvent,
    Unsupported,
    Video,
    WebhookRequest,
)
from polychat.channels._meta import sign_body
from polychat.channels.messenger.parse import ECHO, STANDBY, parse_payload

DATA = Path(__file__).resolve().parents[2] / "data" / "messenger" / "holdout"
APP_SECRET = "fake-messenger-app-secret-holdout"
PAGE_ID = "1234567890"
A = "6027343177296541"
B = "7316824590012345"
GUEST = "user_ref:cp-8f2c1e7a-4b3d-4c55-9e1a-0d7b6a5c4e3f"
T = 1764590400000
LIKE = "369239263222822"

PAGE = Address(channel="messenger", account=PAGE_ID, user=PAGE_ID)
ANY_EVENT: TypeAdapter[Any] = TypeAdapter(polychat.AnyEvent)


def mid(tag: str) -> str:
    return "m_" + ("Hq1" + tag).ljust(8, "x") + "Zt9vJ0aGd3kLwQe4Rb7YcNfUo2sPi5Mx8EhTjWl6-Kp1Dr3Vn_Ua"


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def user(psid: str) -> Address:
    return Address(channel="messenger", account=PAGE_ID, user=psid)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"holdout_{name}.json").read_text())
    return data


def parse(name: str) -> list[Any]:
    return parse_payload(load(name))


def items(payload: dict[str, Any]) -> list[Any]:
    return [raw for entry in payload["entry"] for value in entry.values()
            if isinstance(value, list) for raw in value]


NAMES = ["mixed_batch", "referrals", "attachments", "optins", "unmodelled", "standby", "echoes",
         "instagram"]


# -- properties every hold-out fixture keeps ------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_nothing_dropped_and_in_envelope_order(name: str) -> None:
    payload = load(name)
    raws = [e.raw for e in parse_payload(payload)]
    collapsed = [r for i, r in enumerate(raws) if i == 0 or r is not raws[i - 1]]
    assert collapsed == items(payload)


@pytest.mark.parametrize("name", NAMES)
def test_parties_time_and_json_round_trip(name: str) -> None:
    for event in parse(name):
        assert event.channel == "messenger"
        assert event.timestamp.tzinfo is UTC
        assert event.recipient.user == event.recipient.account == event.sender.account
        if name != "instagram":
            assert event.recipient == PAGE
        restored = ANY_EVENT.validate_json(event.model_dump_json())
        assert type(restored) is type(event) and restored == event


@pytest.mark.parametrize("name", NAMES)
def test_echoes_are_never_customer_events(name: str) -> None:
    for event in parse(name):
        message = event.raw.get("message") if isinstance(event.raw, dict) else None
        if isinstance(message, dict) and message.get("is_echo"):
            assert isinstance(event, UnknownEvent)
        if isinstance(event, MessageReceived | ChoiceSelected):
            assert event.sender.user != PAGE_ID


# -- one fixture each ----------------------------------------------------------------------------


def test_mixed_batch() -> None:
    events = parse("mixed_batch")
    assert [type(e) for e in events] == [
        MessageReceived, ChoiceSelected, MessageReceived, MessageReceived, MessageReceived,
        MessageReceived, ReactionReceived, ReactionReceived, MessageStatus, MessageStatus,
        MessageStatus, UnknownEvent, ChoiceSelected, MessageEdited, MessageStatus]
    (text, choice, img1, img2, img3, reply, react, unreact, read, dlv1, dlv2, echo,
     start, edit, dlv_wm) = events
    assert [e.sender for e in events] == [user(A)] * 12 + [user(B)] * 3

    assert text.content == Text(text="hey, do you deliver on sundays?")  # nlp stays in raw
    assert (text.id, text.timestamp, text.reply_to) == (mid("t01"), at(T + 1000), None)

    assert (choice.source, choice.choice_id, choice.title) == (
        "quick_reply", "20251201", "\U0001f44d Yes!!")  # a numeric payload is still a tap
    assert choice.id == mid("q02")

    assert [e.content for e in (img1, img2, img3)] == [
        Image(url=u["payload"]["url"]) for u in img1.raw["message"]["attachments"]]
    assert img1.id == img2.id == img3.id == mid("i03")

    assert reply.reply_to == mid("i03") and reply.content == Text(text="this one")

    assert (react.message_id, react.emoji, react.id) == (mid("o05"), "\u2764", None)
    assert (unreact.message_id, unreact.emoji) == (mid("o05"), None)

    assert (read.status, read.message_id, read.id) == ("read", None, None)
    assert read.timestamp == at(T + 6000)  # a string timestamp
    assert read.watermark == at(T + 5600)

    assert [(d.status, d.message_id, d.id) for d in (dlv1, dlv2)] == [
        ("delivered", mid("o06"), mid("o06")), ("delivered", mid("o07"), mid("o07"))]

    assert echo.type == ECHO and echo.id == mid("o08")

    # Second entry: ids as JSON numbers, entry time as a string.
    assert (start.source, start.choice_id, start.title, start.id) == (
        "postback", "GET_STARTED", "Get Started", mid("p09"))
    ref = start.referral
    assert (ref.source, ref.ref, ref.ad_id, ref.type) == (
        "ADS", "winter_boots", "120214405920330627", "OPEN_THREAD")
    assert ref.headline == "Winter boots -30%"
    assert ref.ads_context["product_id"] == "8421337702391234"
    assert ref.ads_context["video_url"].endswith("ad1_n.mp4")

    assert (edit.message_id, edit.content, edit.edit_count, edit.id) == (
        mid("e10"), Text(text="size 43 please, not 42"), 2, None)
    assert (dlv_wm.status, dlv_wm.message_id, dlv_wm.watermark) == (
        "delivered", None, at(T + 12900))
    assert dlv_wm.recipient == PAGE


def test_referrals() -> None:
    mme, plugin, ad, message, postback = parse("referrals")
    assert isinstance(mme, Referral)
    assert (mme.source, mme.ref, mme.ad_id, mme.sender) == ("SHORTLINK", "spring_promo", None,
                                                           user(A))
    assert isinstance(plugin, Referral)
    assert plugin.sender == user(GUEST)
    assert Address.parse(str(plugin.sender)) == plugin.sender
    assert (plugin.source, plugin.ref) == ("CUSTOMER_CHAT_PLUGIN", "pricing-page")
    assert plugin.referral is not None
    assert plugin.referral.url == "https://shop.example.com/pricing?utm_source=fb"
    assert isinstance(ad, Referral)
    assert (ad.source, ad.ref, ad.ad_id, ad.sender) == (
        "ADS", "boots_ad", "120214405920330628", user(B))  # numeric ad id read as a string
    assert ad.referral is not None and ad.referral.headline == "Boots for every trail"

    assert isinstance(message, MessageReceived)  # a referral WITH a message rides on it
    assert message.content == Text(text="Hi, is this still available?")
    assert message.referral is not None
    assert (message.referral.source, message.referral.ad_id, message.referral.ref) == (
        "ADS", "120214405920330629", None)
    assert message.referral.raw == message.raw["message"]["referral"]

    assert isinstance(postback, ChoiceSelected)
    assert postback.referral is not None
    assert (postback.referral.source, postback.referral.ref) == ("MESSENGER_CODE", "qr_store_door")


def test_attachments() -> None:
    events = parse("attachments")
    assert all(isinstance(e, MessageReceived) for e in events)
    contents = [e.content for e in events]
    raws = [e.raw["message"] for e in events]
    assert contents == [
        Sticker(url=raws[0]["attachments"][0]["payload"]["url"], sticker_id=LIKE),
        Sticker(url=raws[1]["attachments"][0]["payload"]["url"], sticker_id="369239343222814"),
        Audio(url=raws[2]["attachments"][0]["payload"]["url"]),
        Video(url=raws[3]["attachments"][0]["payload"]["url"]),
        Text(text="invoice attached"),
        File(url=raws[5]["attachments"][0]["payload"]["url"]),
        Text(text="https://www.example.com/journal/boot-care"),
        RichLink(url=raws[7]["attachments"][0]["url"], title="How to care for leather boots"),
        Unsupported(type="template"),
        RichLink(url=raws[9]["attachments"][0]["payload"]["url"],
                 title="Unboxing our trail boots"),
        Text(text="/track 4242"),
        Sticker(url=raws[11]["attachments"][1]["payload"]["url"], sticker_id=LIKE),
    ]
    assert [e.id for e in events] == [
        mid("s13"), mid("s14"), mid("v15"), mid("v16"), mid("f17"), mid("f17"), mid("l18"),
        mid("l18"), mid("g19"), mid("x20"), mid("x21"), mid("x22")]


def test_optins() -> None:
    checkbox, marketing, stop, resume, one_time = parse("optins")
    assert isinstance(checkbox, OptIn)
    assert checkbox.sender == user("user_ref:ur-3c9d5e21-77aa-4f0b-b1c2-99e8d7c6b5a4")
    assert (checkbox.ref, checkbox.token) == ("cart-checkbox", None)
    assert isinstance(marketing, OptIn)
    assert (marketing.ref, marketing.token, marketing.topic, marketing.frequency) == (
        "boot_restock", "6853049213378265093", "Restock alerts", "DAILY")
    assert marketing.token_expires == at(T + 180 * 86400000)  # a string epoch-ms
    assert isinstance(stop, OptOut)  # "STOP NOTIFICATIONS", as Meta's reference spells it
    assert (stop.ref, stop.token, stop.sender) == ("boot_restock", "6853049213378265093", user(A))
    assert isinstance(resume, OptIn) and resume.ref == "boot_restock"
    assert isinstance(one_time, OptIn)
    assert (one_time.ref, one_time.token, one_time.sender) == (
        "price_drop_boot_43", "4728194037281940", user(B))


def test_unmodelled_items() -> None:
    events = parse("unmodelled")
    assert all(isinstance(e, UnknownEvent) for e in events)
    assert [e.type for e in events] == [
        "messenger.policy_enforcement", "messenger.account_linking", "messenger.account_linking",
        "messenger.pass_thread_control", "messenger.response_feedback",
        "messenger.messaging_feedback"]
    assert events[0].sender == PAGE  # names no customer
    assert all(e.sender == user(A) for e in events[1:])


def test_standby_of_every_kind() -> None:
    events = parse("standby")
    assert all(isinstance(e, UnknownEvent) and e.type == STANDBY for e in events)
    assert [e.id for e in events] == [mid("y24"), mid("y25"), mid("y26"), mid("o27"), None, None,
                                      None, mid("y28")]
    assert all(e.sender == user(A) for e in events)  # the echo's roles are swapped back


def test_echoes() -> None:
    events = parse("echoes")
    *echoes, answer = events
    assert all(isinstance(e, UnknownEvent) and e.type == ECHO for e in echoes)
    assert [e.id for e in echoes] == [mid(t) for t in ("o29", "o30", "o31", "o32", "o33", "o34")]
    assert [e.sender for e in echoes] == [user(A)] * 4 + [user(GUEST), user(B)]
    assert isinstance(answer, MessageReceived) and answer.sender == user(A)


def test_instagram_object() -> None:
    events = parse("instagram")
    assert all(isinstance(e, UnknownEvent) and e.type == "messenger.object.instagram"
               for e in events)
    ig = Address(channel="messenger", account="17841400008460056", user="17841400008460056")
    assert all(e.recipient == ig for e in events)
    assert all(e.sender.user == "1094283746510923" for e in events)  # echo roles swapped back
    assert [e.id is not None for e in events] == [True, True, False, False]


# -- fixes found by the hold-out audit ------------------------------------------------------------


def _one(body: dict[str, Any], *, sender: Any = None, recipient: Any = None) -> Any:
    raw = {"sender": {"id": A} if sender is None else sender,
           "recipient": {"id": PAGE_ID} if recipient is None else recipient,
           "timestamp": T, **body}
    events = parse_payload({"object": "page", "entry": [{"id": PAGE_ID, "time": T,
                                                         "messaging": [raw]}]})
    assert len(events) == 1, events
    return events[0]


@pytest.mark.parametrize("status", ["STOP_NOTIFICATIONS", "STOP NOTIFICATIONS",
                                    "stop_notifications", " Stop-Notifications "])
def test_stop_spellings_are_opt_outs(status: str) -> None:
    event = _one({"optin": {"type": "notification_messages", "payload": "p",
                            "notification_messages_token": "1",
                            "notification_messages_status": status}})
    assert isinstance(event, OptOut)


@pytest.mark.parametrize("status", ["RESUME_NOTIFICATIONS", "RESUME NOTIFICATIONS", None, 3])
def test_other_statuses_are_opt_ins(status: Any) -> None:
    event = _one({"optin": {"type": "notification_messages", "payload": "p",
                            "notification_messages_status": status}})
    assert isinstance(event, OptIn)


def test_quick_reply_numeric_payload_and_blank_text() -> None:
    event = _one({"message": {"mid": "m_q", "text": " ", "quick_reply": {"payload": 7}}})
    assert isinstance(event, ChoiceSelected)
    assert (event.choice_id, event.title) == ("7", None)


def test_postback_with_referral_next_to_it() -> None:
    event = _one({"postback": {"title": "Get Started", "payload": "GS"},
                  "referral": {"ref": "r1", "source": "SHORTLINK", "type": "OPEN_THREAD"}})
    assert isinstance(event, ChoiceSelected)
    assert event.referral is not None and event.referral.ref == "r1"


@pytest.mark.parametrize(("num_edit", "count"), [(3, 3), ("3", 3), ("x", None), (True, None)])
def test_edit_count(num_edit: Any, count: int | None) -> None:
    event = _one({"message_edit": {"mid": "m_e", "text": "t", "num_edit": num_edit}})
    assert isinstance(event, MessageEdited)
    assert (event.message_id, event.edit_count) == ("m_e", count)


@pytest.mark.parametrize("recipient", [{"user_ref": "guest-1"}, {}])
def test_page_sent_message_without_echo_flag_to_a_guest_is_an_echo(recipient: Any) -> None:
    event = _one({"message": {"mid": "m_p", "text": "hello from the inbox"}},
                 sender={"id": PAGE_ID}, recipient=recipient)
    assert isinstance(event, UnknownEvent)
    assert event.type == ECHO
    assert event.recipient == PAGE
    assert event.sender.user == ("user_ref:guest-1" if recipient else PAGE_ID)  # no customer known


# -- through the channel -------------------------------------------------------------------------


@pytest.fixture
def fb() -> Any:
    return polychat.Messenger(page_id=PAGE_ID, page_access_token="EAAG-FAKE",
                              app_secret=APP_SECRET)


def _request(body: bytes, **headers: str) -> WebhookRequest:
    return WebhookRequest(headers=headers, body=body)


def _body() -> bytes:
    return (DATA / "holdout_mixed_batch.json").read_bytes()


def test_channel_parses_every_holdout_fixture(fb: Any) -> None:
    for name in NAMES:
        body = (DATA / f"holdout_{name}.json").read_bytes()
        events: list[Event] = fb.parse(_request(
            body, **{"X-Hub-Signature-256": sign_body(body, APP_SECRET),
                     "Content-Type": "application/json"}))
        assert events == parse(name)


@pytest.mark.parametrize("content_type", ["application/json; charset=UTF-8", "Application/JSON",
                                          None])
def test_json_content_types_are_accepted(fb: Any, content_type: str | None) -> None:
    headers = {"x-hub-signature-256": sign_body(_body(), APP_SECRET)}
    if content_type is not None:
        headers["content-type"] = content_type
    assert len(fb.parse(_request(_body(), **headers))) == 15


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_other_content_types_are_malformed(fb: Any, content_type: str) -> None:
    with pytest.raises(MalformedPayload):
        fb.parse(_request(_body(), **{"X-Hub-Signature-256": sign_body(_body(), APP_SECRET),
                                      "Content-Type": content_type}))


@pytest.mark.parametrize("body", [b"", b" \n", b"\xef\xbb\xbf", b"null"])
def test_empty_bodies_are_malformed(fb: Any, body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        fb.parse(_request(body, **{"X-Hub-Signature-256": sign_body(body, APP_SECRET)}))


def test_empty_body_without_signature_is_refused(fb: Any) -> None:
    with pytest.raises(SignatureError):
        fb.parse(_request(b"", **{"Content-Type": "application/json"}))


def test_bom_prefixed_body_is_read(fb: Any) -> None:
    body = b"\xef\xbb\xbf" + _body()
    events = fb.parse(_request(body, **{"X-Hub-Signature-256": sign_body(body, APP_SECRET)}))
    assert events == parse("mixed_batch")


def test_uppercase_hex_signature_is_accepted(fb: Any) -> None:
    digest = sign_body(_body(), APP_SECRET).partition("=")[2]
    events = fb.parse(_request(_body(), **{"X-HUB-SIGNATURE-256": f"sha256={digest.upper()}"}))
    assert len(events) == 15


def test_sha1_only_header_is_refused(fb: Any) -> None:
    import hashlib
    import hmac

    sha1 = hmac.new(APP_SECRET.encode(), _body(), hashlib.sha1).hexdigest()
    with pytest.raises(SignatureError):
        fb.parse(_request(_body(), **{"X-Hub-Signature": f"sha1={sha1}"}))
    with pytest.raises(SignatureError):  # a SHA-1 digest in the SHA-256 header is no better
        fb.parse(_request(_body(), **{"X-Hub-Signature-256": f"sha256={sha1}"}))


def test_sha1_next_to_a_good_sha256_is_ignored(fb: Any) -> None:
    headers = {"X-Hub-Signature": "sha1=0000", "X-Hub-Signature-256": sign_body(_body(),
                                                                                APP_SECRET)}
    assert len(fb.parse(_request(_body(), **headers))) == 15
