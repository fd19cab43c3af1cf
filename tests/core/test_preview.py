"""hub.preview: the exact requests and degrade rules of a send, without any I/O."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

import polychat
from polychat import AsyncHub, Button, Buttons, Hub, Image, MemoryStore, Text

PNID = "106540352242922"
PAGE = "1029384756"
USER = f"whatsapp:{PNID}:16505551234"
FB_USER = f"messenger:{PAGE}:5550001112223334"
MESSAGES = f"https://graph.facebook.com/v25.0/{PNID}/messages"
SIZES = [Button.reply(f"size-{s}", s) for s in ("XS", "S", "M", "L", "XL")]


def make_wa() -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-SECRET-TOKEN",
                             app_secret="fake-secret")


def make_fb() -> polychat.Messenger:
    return polychat.Messenger(page_id=PAGE, page_access_token="EAAP-SECRET-TOKEN",
                              app_secret="fake-secret")


@respx.mock(assert_all_mocked=True)
def test_preview_does_no_io_and_shows_the_degraded_request() -> None:
    store = MemoryStore()
    hub = AsyncHub(make_wa(), make_fb(), store=store)
    preview = hub.preview(USER, Buttons("Which size?", SIZES))
    assert preview.degraded[0].startswith("buttons.as_list")
    (request,) = preview.requests
    assert request.method == "POST" and request.url == MESSAGES
    assert request.json["interactive"]["type"] == "list"
    assert request.headers["Authorization"] == "[redacted]"
    assert "EAAG-SECRET-TOKEN" not in str(preview) and "EAAG-SECRET-TOKEN" not in repr(preview)
    assert len(respx.calls) == 0 and len(store) == 0
    assert preview.contents[0].kind == "list"


@respx.mock
async def test_preview_matches_what_send_sends() -> None:
    route = respx.post(MESSAGES).mock(return_value=httpx.Response(200, json={
        "messaging_product": "whatsapp", "messages": [{"id": "wamid.X"}]}))
    hub = AsyncHub(make_wa(), window="ignore")
    content = [Text("Hello " * 1000), Buttons("Which size?", SIZES)]
    preview = hub.preview(USER, content, reply_to="wamid.IN")
    result = await hub.send(USER, content, reply_to="wamid.IN")
    sent = [json.loads(call.request.content) for call in route.calls]
    assert [r.json for r in preview.requests] == sent
    assert preview.degraded == result.degraded
    assert len(sent) == 3  # the long text is split in two, then the list
    await hub.aclose()


def test_preview_masks_the_messenger_token_in_the_url() -> None:
    hub = Hub(make_fb())
    preview = hub.preview(FB_USER, Text("hi"))
    (request,) = preview.requests
    assert "EAAP-SECRET-TOKEN" not in request.url
    assert "access_token=%5Bredacted%5D" in request.url or "access_token=[redacted]" in request.url


def test_preview_of_bytes_shows_the_upload_then_the_placeholder() -> None:
    hub = Hub(make_wa())
    preview = hub.preview(USER, Image(data=b"\x89PNG fake", mime_type="image/png"))
    upload, send = preview.requests
    assert upload.url.endswith("/media")
    assert send.json["image"]["id"] == polychat.channels.whatsapp.channel.UPLOAD_PLACEHOLDER


def test_preview_lists_the_numbered_menu_it_would_remember() -> None:
    hub = Hub(make_wa())
    many = Buttons("Pick", [Button.reply(f"b{n}", f"Option {n}") for n in range(12)])
    preview = hub.preview(USER, many)
    assert preview.degraded[-1].startswith("buttons.as_text")
    assert preview.menu[0] == {"n": "1", "id": "b0", "title": "Option 0", "source": "button"}
    assert len(preview.menu) == 12


def test_raise_mode_names_channel_feature_and_limit() -> None:
    hub = Hub(make_wa(), on_unsupported="raise")
    with pytest.raises(polychat.UnsupportedContent) as info:
        hub.preview(USER, Buttons("Which size?", SIZES))
    error = info.value
    assert error.channel == "whatsapp" and error.feature == "buttons"
    assert error.limit and error.limit.startswith("whatsapp.")
    assert "whatsapp" in str(error) and "buttons" in str(error) and error.limit in str(error)


def test_end_of_ladder_error_names_the_channel_and_feature() -> None:
    hub = Hub(make_wa())
    with pytest.raises(polychat.ContentError) as info:
        hub.preview(USER, Text("https://example.com/" + "x" * 5000))  # one URL longer than a message
    assert info.value.channel == "whatsapp" and info.value.feature == "text"


def test_apple_preview_uses_the_given_device_state() -> None:
    apple = polychat.AppleMessages(msp_id="fake-msp", business_id="fake-biz",
                                   secret="ZmFrZS1tc3Atc2VjcmV0LWZvci10ZXN0cy1vbmx5LTAwMDA=")
    hub = Hub(apple)
    address = "apple:fake-biz:urn:mbid:AQAAY/fake=="
    bare = hub.preview(address, Buttons("Which size?", SIZES[:3]))
    assert bare.degraded and bare.degraded[-1].startswith("buttons.as_text")
    rich = hub.preview(address, Buttons("Which size?", SIZES[:3]), state={"capabilities": ["QUICK"]})
    assert rich.degraded == []
    assert rich.requests[0].headers["Authorization"] == "[redacted]"
