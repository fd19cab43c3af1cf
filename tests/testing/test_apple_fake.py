"""The simulator's fake Apple MSP gateway: a real AsyncHub with AppleMessages, end to end."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import jwt as pyjwt
import pytest

import polychat
from polychat import AsyncHub, Text
from polychat.channels.apple import crypto
from polychat.channels.apple.channel import AppleMessages
from polychat.testing import Simulator, SimulatorError
from polychat.testing._apple_api import MMCS, FakeApple, mmcs_checksum
from polychat.testing._fake import FakePlatform

MSP_ID = "fake-msp-0000-1111"
SECRET = base64.b64encode(b"fake-msp-secret-bytes-0123456789").decode()
BIZ = "a884eddf-0000-4000-8000-00000000b12a"
CUSTOMER = "urn:mbid:AQAAYyUbut6E4B3T9FLv5EbG/fake+customer=="
GATEWAY = "https://mspgw.push.apple.com"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def make_apple() -> AppleMessages:
    return AppleMessages(msp_id=MSP_ID, secret=SECRET, business_id=BIZ)


def produce() -> polychat.ListPicker:
    return polychat.ListPicker(text="Select Produce", button="Open", sections=[
        polychat.ListSection(title="Fruit", items=[
            polychat.ListItem(id="apple", title="Apple", description="Red and delicious"),
            polychat.ListItem(id="pear", title="Pear")]),
        polychat.ListSection(title="Vegetables", items=[polychat.ListItem(id="leek", title="Leek")]),
    ])


def slots() -> polychat.TimePicker:
    start = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)
    return polychat.TimePicker(title="Appointment", timezone="Europe/Paris", slots=[
        polychat.TimeSlot(id="s1", start=start, duration=timedelta(minutes=30)),
        polychat.TimeSlot(id="s2", start=start + timedelta(hours=1), duration=timedelta(hours=1)),
    ])


class Bot:
    """A hub whose handlers answer commands and keep every event they saw."""

    def __init__(self) -> None:
        self.channel = make_apple()
        self.hub = AsyncHub(self.channel)
        self.events: list[polychat.Event] = []
        self.downloads: list[bytes] = []
        self.hub.on(polychat.MessageReceived)(self.message)
        self.hub.on(polychat.ChoiceSelected)(self.choice)
        self.hub.on(polychat.ConversationClosed)(self.other)

    async def message(self, event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        self.events.append(event)
        content = event.content
        if isinstance(content, polychat.Image):
            self.downloads.append(await ctx.download(content))
            await ctx.reply(Text(text=f"got {len(self.downloads[-1])} bytes"))
            return
        assert isinstance(content, Text)
        commands: dict[str, Any] = {
            "list": produce(),
            "quick": polychat.QuickReplies(text="What can I help you with?", replies=[
                polychat.QuickReply(id="video", title="Watch our video"),
                polychat.QuickReply(id="agent", title="Talk to an agent")]),
            "time": slots(),
            "photo": polychat.Image(data=JPEG, mime_type="image/jpeg", caption="Here it is"),
            "typing": polychat.Typing(on=True),
        }
        await ctx.reply(commands.get(content.text, Text(text=f"You said {content.text}")))

    async def choice(self, event: polychat.ChoiceSelected, ctx: polychat.Context) -> None:
        self.events.append(event)
        await ctx.reply(Text(text=f"{event.source}:{event.choice_id}:{event.title}"))

    async def other(self, event: polychat.Event, ctx: polychat.Context) -> None:
        self.events.append(event)


def apple_fake(sim: Simulator) -> FakeApple:
    fake = sim.fake("apple")
    assert isinstance(fake, FakeApple)
    return fake


def paths(sim: Simulator, since: int = 0) -> list[str]:
    return [f"{r.method} {r.url.host}{r.url.path}" for r in sim.requests[since:]]


def last_webhook(sim: Simulator) -> dict[str, Any]:
    return sim.webhooks[-1][1]


# -- text and the webhooks ---------------------------------------------------------------------


async def test_text_round_trip() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    ada = sim.user("apple", CUSTOMER)
    (reply,) = await ada.says("hi")
    assert reply.view == "You said hi"
    assert reply.user == CUSTOMER and reply.channel == "apple"
    assert reply.body["type"] == "text" and reply.body["body"] == "You said hi"
    assert reply.message_id == reply.body["id"]
    (request,) = sim.requests
    assert request.url == f"{GATEWAY}/v1/message"
    assert request.headers["destination-id"] == CUSTOMER
    assert request.headers["id"] == reply.body["id"]
    (event,) = bot.events
    assert isinstance(event, polychat.MessageReceived)
    assert event.sender.user == CUSTOMER and event.recipient.account == BIZ
    assert event.capabilities == frozenset({"QUICK", "LIST", "TIME", "AUTH2", "FORM"})
    assert event.timestamp == sim.now()
    assert all(answer.status == 200 for _, _, answer in sim.webhooks)


def test_the_webhook_is_what_apple_posts() -> None:
    sim = Simulator(AsyncHub(make_apple()))
    fake = apple_fake(sim)
    fake.set_device(CUSTOMER, ["list", "QUICK"])
    envelope = fake.user_text(CUSTOMER, "Ada", "hello")
    request = fake.webhook_request(envelope)
    assert request.body[:2] == b"\x1f\x8b"
    assert json.loads(gzip.decompress(request.body)) == envelope
    assert envelope["v"] == 1 and envelope["sourceId"] == CUSTOMER
    assert envelope["destinationId"] == BIZ
    headers = request.headers
    assert headers["source-id"] == CUSTOMER and headers["destination-id"] == BIZ
    assert headers["id"] == envelope["id"]
    assert headers["capability-list"] == "QUICK,LIST"
    assert headers["device-agent"] == "iPhone OS"
    assert headers["Content-Encoding"] == "gzip"
    scheme, token = headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    claims = pyjwt.decode(token, base64.b64decode(SECRET), audience=MSP_ID, algorithms=["HS256"],
                          options={"verify_iat": False})
    assert claims == {"aud": MSP_ID, "iat": int(sim.now().timestamp())}
    with pytest.raises(ValueError, match="unknown Apple device capabilities"):
        fake.set_device(CUSTOMER, ["TELEPATHY"])


async def test_the_channel_clock_is_the_simulator_clock() -> None:
    channel = make_apple()
    sim = Simulator(AsyncHub(channel))
    assert channel.clock() == sim.now().timestamp()
    sim.advance(timedelta(days=400))
    assert channel.clock() == sim.now().timestamp()
    # a year later the inbound tokens still verify: both sides use simulated time
    await sim.user("apple", CUSTOMER).says("still there?")
    assert sim.webhooks[-1][2].status == 200


async def test_typing_is_accepted_but_not_recorded() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    assert await sim.user("apple", CUSTOMER).says("typing") == []
    assert paths(sim) == ["POST mspgw.push.apple.com/v1/message"]
    assert json.loads(sim.requests[0].content)["type"] == "typing_start"


# -- list picker, resolved by reference ---------------------------------------------------------


async def test_list_pick_arrives_by_reference_and_is_resolved() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    ada = sim.user("apple", CUSTOMER)
    (picker,) = await ada.says("list")
    assert picker.view == ("[ ☰ Select Produce ]\n  Fruit\n   • Apple — Red and delicious\n"
                           "   • Pear\n  Vegetables\n   • Leek")
    assert picker.choices == [("apple", "Apple", "list"), ("pear", "Pear", "list"),
                              ("leek", "Leek", "list")]
    before = len(sim.requests)
    (answer,) = await ada.taps("Pear")
    assert answer.view == "list:pear:Pear"
    assert paths(sim, before) == [
        "GET mspgw.push.apple.com/v1/preDownload",
        "GET p42-content.icloud.com" + sim.requests[before + 1].url.path,
        "POST mspgw.push.apple.com/v1/decodePayload",
        "POST mspgw.push.apple.com/v1/message",
    ]
    webhook = sim.webhooks[-1][1]
    assert "interactiveData" not in webhook
    ref = webhook["interactiveDataRef"]
    assert set(ref) == {"bid", "url", "owner", "key", "size", "signature", "signature-base64",
                        "title"}
    assert ref["title"] == "Select Produce"
    # what the reference holds: the picker echoed, the chosen item marked
    fake = apple_fake(sim)
    stored = fake.mmcs[ref["url"].removeprefix(MMCS)]
    assert ref["size"] == len(stored.data)
    assert bytes.fromhex(ref["signature"]) == mmcs_checksum(stored.data)
    reply = json.loads(crypto.decrypt(stored.data, crypto.parse_key(ref["key"])))
    items = [i for s in reply["data"]["listPicker"]["sections"] for i in s["items"]]
    assert [i["identifier"] for i in items if i.get("selected")] == ["pear"]
    assert reply["data"]["replyMessage"]["title"] == "Pear"
    assert reply["data"]["requestIdentifier"] == picker.message_id
    choice = bot.events[-1]
    assert isinstance(choice, polychat.ChoiceSelected)
    assert (choice.source, choice.choice_id, choice.title) == ("list", "pear", "Pear")
    assert choice.reply_to == picker.message_id


async def test_a_device_without_list_gets_no_list_picker() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    apple_fake(sim).set_device(CUSTOMER, {"QUICK"})
    (reply,) = await sim.user("apple", CUSTOMER).says("list")
    assert bot.events[-1].capabilities == frozenset({"QUICK"})
    assert reply.body["type"] == "text" and "Pear" in reply.view  # degraded by the hub


# -- quick reply and time picker (inline replies) -----------------------------------------------


async def test_quick_reply_tap() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    ada = sim.user("apple", CUSTOMER)
    (quick,) = await ada.says("quick")
    assert quick.view == "What can I help you with?\n( Watch our video ) ( Talk to an agent )"
    assert [c[2] for c in quick.choices] == ["quick_reply", "quick_reply"]
    (answer,) = await ada.taps("agent")
    assert answer.view == "quick_reply:agent:Talk to an agent"
    data = last_webhook(sim)["interactiveData"]["data"]
    assert data["quick-reply"]["selectedIdentifier"] == "agent"
    assert data["quick-reply"]["selectedIndex"] == 1
    assert data["requestIdentifier"] == quick.message_id


async def test_time_slot_pick() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    ada = sim.user("apple", CUSTOMER)
    (picker,) = await ada.says("time")
    # Europe/Paris in January is UTC+1: the picker pins its times there
    assert picker.choices == [("s1", "Tue 20 Jan 2026 10:00–10:30", "time_slot"),
                              ("s2", "Tue 20 Jan 2026 11:00–12:00", "time_slot")]
    assert picker.view.splitlines() == ["[ 🕒 Appointment ]", "   • Tue 20 Jan 2026 10:00–10:30",
                                        "   • Tue 20 Jan 2026 11:00–12:00",
                                        "  (times in UTC+01:00)"]
    (answer,) = await ada.picks("s2")
    assert answer.view == "time_slot:s2:Tue 20 Jan 2026 11:00–12:00"
    event = last_webhook(sim)["interactiveData"]["data"]["event"]
    assert event["timeslots"] == [{"identifier": "s2", "startTime": "2026-01-20T10:00+0000",
                                   "duration": 3600}]


# -- attachments -------------------------------------------------------------------------------


async def test_user_photo_is_downloaded_and_decrypted() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    ada = sim.user("apple", CUSTOMER)
    (reply,) = await ada.sends_image(JPEG, mime_type="image/jpeg")
    assert reply.view == f"got {len(JPEG)} bytes"
    assert bot.downloads == [JPEG]
    attachment = last_webhook(sim)["attachments"][0]
    assert last_webhook(sim)["body"] == "\ufffc"
    assert attachment["key"].startswith("00") and len(attachment["key"]) == 66
    stored = apple_fake(sim).mmcs[attachment["url"].removeprefix(MMCS)]
    assert stored.data != JPEG and len(stored.data) == len(JPEG)  # encrypted
    assert paths(sim)[:2] == ["GET mspgw.push.apple.com/v1/preDownload",
                              "GET p42-content.icloud.com" + sim.requests[1].url.path]
    pre = sim.requests[0]
    assert base64.b64decode(pre.headers["MMCS-Signature"]) == stored.checksum


async def test_bot_photo_is_uploaded_encrypted_and_sent() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    (photo,) = await sim.user("apple", CUSTOMER).says("photo")
    assert paths(sim) == ["GET mspgw.push.apple.com/v1/preUpload",
                          "POST p42-content.icloud.com" + sim.requests[1].url.path,
                          "POST mspgw.push.apple.com/v1/message"]
    assert photo.view == "Here it is\n[attachment] image.jpg (image/jpeg)"
    (attachment,) = photo.body["attachments"]
    assert photo.body["body"] == "Here it is \ufffc"
    fake = apple_fake(sim)
    object_id = attachment["url"].removeprefix(MMCS)
    ciphertext = fake.mmcs[object_id].data
    assert ciphertext != JPEG
    assert crypto.decrypt(ciphertext, crypto.parse_key(attachment["key"])) == JPEG
    assert fake.media[object_id].data == JPEG and fake.media[object_id].mime == "image/jpeg"
    assert base64.b64decode(attachment["signature-base64"]) == mmcs_checksum(ciphertext)
    assert attachment["size"] == str(len(JPEG))


async def test_attachments_must_point_at_an_upload() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    await sim.user("apple", CUSTOMER).says("hi")
    attachment = {"name": "x.jpg", "mimeType": "image/jpeg", "size": "10",
                  "signature-base64": base64.b64encode(b"\x01" * 21).decode(),
                  "url": MMCS + "MZnothing", "owner": "p42_x", "key": "00" + "ab" * 32}
    raw = polychat.Raw(channel="apple", payload={"type": "text", "body": "\ufffc",
                                                 "attachments": [attachment]})
    with pytest.raises(polychat.PermanentError) as info:
        await bot.hub.send(f"apple:{BIZ}:{CUSTOMER}", raw)
    assert info.value.code == 400
    assert "not a file uploaded to MMCS" in (info.value.details or "")


# -- large interactive messages: dataRef -------------------------------------------------------


def big_picker() -> polychat.ListPicker:
    items = [polychat.ListItem(id=f"item-{n}", title=f"Product number {n}",
                               description="A rather long description of this product " * 2)
             for n in range(80)]
    return polychat.ListPicker(text="Catalogue", button="Open",
                               sections=[polychat.ListSection(title="All", items=items)])


async def test_big_interactive_gets_a_data_ref_that_is_reused() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    ada = sim.user("apple", CUSTOMER)
    await ada.says("hi")
    address = f"apple:{BIZ}:{CUSTOMER}"
    first = len(sim.requests)
    await bot.hub.send(address, big_picker())
    request = sim.requests[first]
    assert request.headers["include-data-ref"] == "true"
    fake = apple_fake(sim)
    (ref, stood_for) = next(iter(fake.data_refs.values()))
    assert set(ref) == {"bid", "owner", "url", "size", "signature", "signature-base64", "title",
                        "dataRefSig"}
    assert ref["title"] == "Catalogue"
    assert stood_for == json.loads(request.content)["interactiveData"]
    reuse = polychat.Raw(channel="apple", payload={"type": "interactive",
                                                   "interactiveDataRef": ref})
    await bot.hub.send(address, reuse)
    again = json.loads(sim.requests[-1].content)
    assert "interactiveData" not in again and again["interactiveDataRef"] == ref
    shown = sim.sent[-1]
    assert shown.view == sim.sent[-2].view and shown.view.startswith("[ ☰ Catalogue ]")
    assert shown.choices == sim.sent[-2].choices
    (answer,) = await ada.taps("item-42")
    assert answer.view == "list:item-42:Product number 42"
    forged = polychat.Raw(channel="apple", payload={"type": "interactive",
                                                    "interactiveDataRef": {**ref, "size": 1}})
    with pytest.raises(polychat.PermanentError) as info:
        await bot.hub.send(address, forged)
    assert "not a dataRef this gateway issued" in (info.value.details or "")


async def test_the_channel_reuses_its_data_ref() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    await sim.user("apple", CUSTOMER).says("hi")
    address = f"apple:{BIZ}:{CUSTOMER}"
    await bot.hub.send(address, big_picker())
    await bot.hub.send(address, big_picker())
    assert "interactiveDataRef" in json.loads(sim.requests[-1].content)


# -- close, unknown customers, bad credentials ---------------------------------------------------


async def test_close_then_send_is_refused() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    ada = sim.user("apple", CUSTOMER)
    await ada.says("hi")
    assert await ada.closes() == []
    assert isinstance(bot.events[-1], polychat.ConversationClosed)
    address = f"apple:{BIZ}:{CUSTOMER}"
    before = len(sim.requests)
    with pytest.raises(polychat.RecipientUnreachable):
        await bot.hub.send(address, Text(text="come back"))
    assert len(sim.requests) == before  # the hub refused it itself
    # a hub that missed the close gets the gateway's 410
    bot.hub.core.store.update_conversation(address, closed=False)
    with pytest.raises(polychat.RecipientUnreachable) as info:
        await bot.hub.send(address, Text(text="come back"))
    assert info.value.code == 410
    # writing again reopens the conversation
    (reply,) = await ada.says("I'm back")
    assert reply.view == "You said I'm back"


async def test_a_customer_who_never_wrote_is_unknown() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    with pytest.raises(polychat.RecipientUnreachable) as info:
        await bot.hub.send(f"apple:{BIZ}:urn:mbid:AQAAnever", Text(text="hello?"))
    assert info.value.code == 404
    assert sim.sent == []


async def test_a_bad_jwt_is_an_auth_error() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    await sim.user("apple", CUSTOMER).says("hi")
    address = f"apple:{BIZ}:{CUSTOMER}"
    bot.channel.msp_id = "somebody-else"  # iss no longer the registered MSP id
    with pytest.raises(polychat.AuthError) as info:
        await bot.hub.send(address, Text(text="x"))
    assert info.value.code == 403 and "iss" in (info.value.details or "")
    bot.channel.msp_id = MSP_ID
    bot.channel.clock = lambda: 0.0  # a token from 1970
    with pytest.raises(polychat.AuthError):
        await bot.hub.send(address, Text(text="x"))


async def test_gateway_checks_authorization_and_old_header_names() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    await sim.user("apple", CUSTOMER).sends_image(JPEG)
    attachment = last_webhook(sim)["attachments"][0]
    client = httpx.AsyncClient(transport=sim)
    no_auth = await client.get(f"{GATEWAY}/v1/preUpload", headers={"Source-Id": BIZ,
                                                                    "MMCS-Size": "10"})
    assert no_auth.status_code == 401
    forged = crypto.encode_jwt({"iss": MSP_ID, "iat": int(sim.now().timestamp())}, b"wrong-key")
    bad = await client.get(f"{GATEWAY}/v1/preUpload", headers={
        "Authorization": f"Bearer {forged}", "Source-Id": BIZ, "MMCS-Size": "10"})
    assert bad.status_code == 403
    auth = {"Authorization": f"Bearer {bot.channel.token()}", "source-id": BIZ}
    old = await client.get(f"{GATEWAY}/v1/preUpload", headers={**auth, "size": "10"})
    assert old.status_code == 200 and set(old.json()) == {"upload-url", "mmcs-url", "mmcs-owner"}
    upload = await client.post(old.json()["upload-url"], content=b"0123456789")
    single = upload.json()["singleFile"]
    assert single["size"] == 10 and single["fileChecksum"] == base64.b64encode(
        mmcs_checksum(b"0123456789")).decode()
    signature = base64.b64encode(bytes.fromhex(attachment["signature"])).decode()
    pre = await client.get(f"{GATEWAY}/v1/preDownload", headers={
        **auth, "url": attachment["url"], "signature": signature, "owner": attachment["owner"]})
    assert pre.status_code == 200
    blob = await client.get(pre.json()["download-url"])
    assert crypto.decrypt(blob.content, crypto.parse_key(attachment["key"])) == JPEG
    wrong = await client.get(f"{GATEWAY}/v1/preDownload", headers={
        **auth, "MMCS-Url": attachment["url"], "MMCS-Signature": signature,
        "MMCS-Owner": "p42_not-the-owner"})
    assert wrong.status_code == 404
    missing = await client.get(f"{GATEWAY}/v1/preUpload", headers=auth)
    assert missing.status_code == 400
    unknown = await client.post(f"{GATEWAY}/v1/decodePayload", headers={**auth, "bid": "x"},
                                content=b"{}")
    assert unknown.status_code == 400
    nowhere = await client.get(f"{GATEWAY}/v2/whatever", headers=auth)
    assert nowhere.status_code == 404


async def test_the_gateway_refuses_what_apple_refuses() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    await sim.user("apple", CUSTOMER).says("hi")
    with pytest.raises(polychat.PermanentError) as info:
        await bot.hub.send(f"apple:{BIZ}:{CUSTOMER}",
                           polychat.Raw(channel="apple", payload={"type": "close"}))
    assert info.value.code == 400 and "close" in (info.value.details or "")


# -- the other interactive kinds, as the iPhone shows them ---------------------------------------


async def test_payment_auth_and_form_views() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    await sim.user("apple", CUSTOMER).says("hi")
    address = f"apple:{BIZ}:{CUSTOMER}"
    await bot.hub.send(address, polychat.PaymentRequest(
        title="Your order", items=[polychat.PaymentItem(label="Hat", amount=Decimal("10.00"))],
        total=Decimal("10.00"), currency="USD", country="US",
        merchant={"merchantIdentifier": "merchant.com.example", "supportedNetworks": ["visa"],
                  "merchantCapabilities": ["supports3DS"]},
        merchant_session={"opaque": "session"},
        endpoints={"paymentGatewayUrl": "https://biz.example/pay"}))
    assert sim.sent[-1].view.splitlines()[-1] == "[Apple Pay] 10.00 USD"
    await bot.hub.send(address, polychat.AuthRequest(
        title="Sign in to Example", scope=["openid"], state="nonce-1",
        redirect_uri="https://biz.example/callback"))
    assert sim.requests[-1].url.path == "/v1/authenticate"
    assert sim.sent[-1].view == "[Sign in] Sign in to Example"
    await bot.hub.send(address, polychat.Form(title="Return an item", pages=[
        polychat.FormPage(id="0", type="select", title="Condition", next_page="1", options=[
            polychat.FormOption(id="d", title="Defective")]),
        polychat.FormPage(id="1", type="input", title="Anything else?")]))
    assert sim.sent[-1].view.startswith("[Form] Return an item (2 pages)")
    await bot.hub.send(address, polychat.RichLink(url="https://example.com/p/1", title="Product 1"))
    assert sim.sent[-1].view == "[rich link] Product 1 https://example.com/p/1"


async def test_rich_link_with_an_image_fetched_from_the_simulated_web() -> None:
    bot = Bot()
    sim = Simulator(bot.hub)
    await sim.user("apple", CUSTOMER).says("hi")
    await bot.hub.send(f"apple:{BIZ}:{CUSTOMER}", polychat.RichLink(
        url="https://example.com/p/1", title="Product 1", image_url="https://example.com/p.png"))
    sent = sim.sent[-1]
    assert sent.view == "[rich link] Product 1 https://example.com/p/1"
    image = sent.body["richLinkData"]["assets"]["image"]
    assert image["mimeType"] == "image/png" and base64.b64decode(image["data"])


def test_what_apple_cannot_simulate() -> None:
    sim = Simulator(AsyncHub(make_apple()))
    with pytest.raises(ValueError, match="tapbacks"):
        apple_fake(sim).user_reaction(CUSTOMER, "Ada", "id", "👍")
    location = apple_fake(sim).user_location(CUSTOMER, "Ada", 48.85, 2.35, "Louvre", None)
    assert location["body"] == "https://maps.apple.com/?ll=48.85,2.35&q=Louvre"


def test_platforms_without_close_say_so() -> None:
    whatsapp = polychat.WhatsApp(phone_number_id="106540352242922", access_token="fake",
                                 app_secret="fake")
    sim = Simulator(AsyncHub(whatsapp))
    fake: FakePlatform = sim.fake("whatsapp")
    with pytest.raises(ValueError, match="whatsapp has no close"):
        fake.user_close("16505551234", "Ada")


async def test_sync_hub_works_too() -> None:
    hub = polychat.Hub(make_apple())

    @hub.on(polychat.MessageReceived)
    def echo(event: polychat.MessageReceived, ctx: polychat.SyncContext) -> None:
        assert isinstance(event.content, Text)
        ctx.reply(Text(text=event.content.text.upper()))

    sim = Simulator(hub)
    (reply,) = await sim.user("apple", CUSTOMER).says("quiet")
    assert reply.view == "QUIET"
    with pytest.raises(SimulatorError):
        await sim.user("apple", CUSTOMER).taps("nothing")
