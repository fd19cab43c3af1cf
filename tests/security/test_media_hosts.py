"""SSRF-safe media downloads: only the platforms' own hosts, every redirect re-checked, the token
never sent to a refused host nor carried to another one — checked pure, through both hubs with
respx, and on the Simulator."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
import pytest
import respx

import polychat
from polychat import Address, AsyncHub, Hub
from polychat._http import follows_redirects
from polychat.channels._hosts import HostPolicy, fetch, normalise_hosts
from polychat.channels.apple import crypto
from polychat.testing import Simulator
from polychat.wire import HttpRequest, HttpResponse

PNID = "106540352242922"
PAGE = "108457560940232"
TOKEN = "EAAG-FAKE-MEDIA-TOKEN-0000"
GRAPH = "https://graph.facebook.com/v25.0"
MEDIA_ID = "4490709327384033"
LOOKASIDE = f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={MEDIA_ID}"
APPLE_SECRET = base64.b64encode(b"fake-msp-secret-bytes-0123456789").decode()
BIZ = "fake-business-0000"
GATEWAY = "https://mspgw.push.apple.com"
WA_USER = Address(channel="whatsapp", account=PNID, user="16505551234")
FB_USER = Address(channel="messenger", account=PAGE, user="1254459154682919")
AP_USER = Address(channel="apple", account=BIZ, user="urn:mbid:AQAAY/fake+id=")


def wa(**extra: Any) -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id=PNID, access_token=TOKEN, app_secret="fake-secret",
                             **extra)


def fb(**extra: Any) -> polychat.Messenger:
    return polychat.Messenger(page_id=PAGE, page_access_token=TOKEN, app_secret="fake-secret",
                              **extra)


def apple(**extra: Any) -> polychat.AppleMessages:
    return polychat.AppleMessages(msp_id="fake-msp-id", secret=APPLE_SECRET, business_id=BIZ,
                                  **extra)


# -- the policies, pure -------------------------------------------------------------------------

META_OK = [
    LOOKASIDE,
    "https://mmg.whatsapp.net/v/t62.7118-24/fake.jpg",
    "https://scontent.xx.fbcdn.net/v/t1.15752-9/fake.png",
    "https://video.xx.fbcdn.net/v/fake.mp4",
    "https://cdn.fbsbx.com/v/fake.pdf",
    "https://LOOKASIDE.FBSBX.COM./x",  # case and a trailing dot are the same name
    "https://lookaside.fbsbx.com:8443/x",
    "https://graph.facebook.com/v25.0/x",
]
META_REFUSED = [
    "http://lookaside.fbsbx.com/x",  # not https
    "https://evil.example/x",
    "https://fbsbx.com.evil.example/x",
    "https://evilfbsbx.com/x",
    "https://127.0.0.1/x",
    "https://[::1]/x",
    "https://169.254.169.254/latest/meta-data/",
    "https://2130706433/x",  # 127.0.0.1 in the decimal spelling resolvers accept
    "https://0x7f.1/x",
    "https://157.240.1.1/x",  # even a public IP: only names
    "https://lookaside.fbsbx.com@evil.example/x",
    "https://evil.example\\@lookaside.fbsbx.com/x",
    "https://lookaside.fbsbx.com%2eevil.example/x",
    "https://lookaside.fbsbx.com /x",
    "https://lookaside.fbsbx.com\r\nHost: evil/x",
    "https://lookaside.fbsbx.com:99999/x",
    "file:///etc/passwd",
    "gopher://lookaside.fbsbx.com/x",
    "//lookaside.fbsbx.com/x",
    "",
]


@pytest.mark.parametrize("url", META_OK)
def test_meta_hosts_are_allowed(url: str) -> None:
    for channel in (wa(), fb()):
        assert channel.media_policy.refusal(url) is None


@pytest.mark.parametrize("url", META_REFUSED)
def test_everything_else_is_refused(url: str) -> None:
    for channel in (wa(), fb()):
        reason = channel.media_policy.refusal(url)
        assert reason
        with pytest.raises(polychat.PermanentError) as info:
            channel.media_policy.check(url)
        assert info.value.code == "media_host" and not info.value.retryable
        assert info.value.channel == channel.name
        assert "/x" not in str(info.value) and "meta-data" not in str(info.value)  # host only


def test_the_base_url_origin_is_allowed_with_its_own_scheme() -> None:
    policy = wa(base_url="http://127.0.0.1:8080").media_policy
    assert policy.refusal("http://127.0.0.1:8080/media/1") is None
    for url in ("http://127.0.0.1:8081/media/1", "https://127.0.0.1:8080/media/1",
                "http://localhost:8080/media/1"):
        assert policy.refusal(url)


def test_media_hosts_extend_the_list() -> None:
    policy = wa(media_hosts=["*.media.example.com", "10.0.0.5", "[fd00::5]"]).media_policy
    for url in ("https://media.example.com/a", "https://eu.media.example.com/a",
                "https://10.0.0.5/a", "https://[fd00::5]/a", LOOKASIDE):
        assert policy.refusal(url) is None
    for url in ("http://eu.media.example.com/a", "https://example.com/a", "https://10.0.0.6/a",
                "https://x0.0.5/a"):
        assert policy.refusal(url)


@pytest.mark.parametrize("hosts", [["https://cdn.example.com"], ["cdn.example.com/path"], [""],
                                   ["localhost"], ["cdn.example.com:443"], "cdn.example.com"])
def test_bad_media_hosts_are_a_configuration_error(hosts: Any) -> None:
    with pytest.raises(polychat.ConfigurationError, match="media_hosts"):
        normalise_hosts(hosts)
    with pytest.raises(polychat.ConfigurationError):
        wa(media_hosts=hosts)


def test_apple_mmcs_hosts() -> None:
    policy = apple().media_policy
    assert policy.refusal("https://p42-content.icloud.com/download/x") is None
    assert policy.refusal("https://cvws.icloud-content.com/B/x") is None
    assert policy.refusal(f"{GATEWAY}/v1/x") is None
    for url in ("https://evil.example/x", "http://p42-content.icloud.com/x", "https://10.1.1.1/x"):
        assert policy.refusal(url)


@pytest.mark.parametrize("url", ["https://example.com/a.png", "http://shop.example.test/p.png",
                                 "https://93.184.216.34/a.png", "https://cdn.example.com:8443/a"])
def test_business_urls_may_be_any_public_host(url: str) -> None:
    assert apple().web_policy.refusal(url) is None


@pytest.mark.parametrize("url", [
    "http://localhost/a.png", "http://api.localhost/a.png", "http://127.0.0.1/a.png",
    "http://10.0.0.1/a.png", "http://192.168.1.1/a.png", "http://169.254.169.254/latest/",
    "http://100.64.0.1/a.png", "http://[::1]/a.png", "http://[::ffff:127.0.0.1]/a.png",
    "http://[fe80::1]/a.png", "http://0/a.png", "http://2130706433/a.png", "http://127.1/a.png",
    "http://metadata.google.internal/a.png", "http://printer.local/a.png", "http://intranet/a.png",
    "http://224.0.0.1/a.png", "ftp://example.com/a.png", "http://user@example.com/a.png",
])
def test_business_urls_never_reach_private_addresses(url: str) -> None:
    assert apple().web_policy.refusal(url)
    assert apple(media_hosts=["10.0.0.1"]).web_policy.refusal("http://10.0.0.1/a.png") is None


# -- the redirect-following exchange, pure ------------------------------------------------------

def redirect(location: str, status: int = 302) -> HttpResponse:
    return HttpResponse(status_code=status, headers={"Location": location})


def drive(exchange: Any, answers: list[HttpResponse]) -> tuple[list[HttpRequest], Any]:
    """Run ``exchange`` with canned answers; the requests it made and its result (or error)."""
    sent: list[HttpRequest] = []
    try:
        request = next(exchange)
        for answer in answers:
            sent.append(request)
            request = exchange.send(answer)
        raise AssertionError(f"the exchange wanted more answers: {request!r}")
    except StopIteration as stop:
        return sent, stop.value
    except polychat.PolychatError as error:
        return sent, error


def policy() -> HostPolicy:
    return wa().media_policy


def test_redirects_are_followed_with_the_token_kept_only_on_its_origin() -> None:
    request = HttpRequest("GET", LOOKASIDE, {"Authorization": f"Bearer {TOKEN}"})
    sent, result = drive(fetch(policy(), request), [
        redirect("/whatsapp_business/attachments/?mid=2"),  # same origin: token kept
        redirect("https://mmg.whatsapp.net/d/f.jpg", 307),  # another host: token dropped
        redirect("https://mmg.whatsapp.net/d/g.jpg", 301),
        HttpResponse(status_code=200, content=b"jpeg")])
    assert result.content == b"jpeg"
    assert [r.url for r in sent] == [LOOKASIDE,
                                     "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=2",
                                     "https://mmg.whatsapp.net/d/f.jpg", "https://mmg.whatsapp.net/d/g.jpg"]
    assert [("Authorization" in r.headers) for r in sent] == [True, True, False, False]
    assert all(r.accept >= {301, 302, 303, 307, 308} for r in sent)
    assert not any(follows_redirects(r) for r in sent)


@pytest.mark.parametrize("location", ["http://169.254.169.254/latest/meta-data/",
                                      "https://evil.example/steal", "http://lookaside.fbsbx.com/x",
                                      "https://127.0.0.1/"])
def test_a_redirect_off_the_allowed_hosts_is_refused_before_it_is_followed(location: str) -> None:
    request = HttpRequest("GET", LOOKASIDE, {"Authorization": f"Bearer {TOKEN}"})
    sent, result = drive(fetch(policy(), request), [redirect(location)])
    assert len(sent) == 1
    assert isinstance(result, polychat.PermanentError) and result.code == "media_host"


def test_at_most_five_redirects() -> None:
    request = HttpRequest("GET", LOOKASIDE)
    hops = [redirect(f"https://lookaside.fbsbx.com/{n}") for n in range(6)]
    sent, result = drive(fetch(policy(), request), hops)
    assert len(sent) == 6  # the first request and five redirects
    assert isinstance(result, polychat.PermanentError) and result.code == "too_many_redirects"
    sent, result = drive(fetch(policy(), request), [*hops[:5], HttpResponse(status_code=200)])
    assert result.status_code == 200


def test_a_redirect_without_location_is_an_error() -> None:
    _, result = drive(fetch(policy(), HttpRequest("GET", LOOKASIDE)),
                      [HttpResponse(status_code=302)])
    assert isinstance(result, polychat.PermanentError)


def test_a_303_after_a_post_becomes_a_get_without_body() -> None:
    request = HttpRequest("POST", "https://p42-content.icloud.com/upload/1",
                          {"Content-Type": "application/octet-stream", "Content-Length": "3"},
                          None, b"abc")
    sent, _ = drive(fetch(apple().media_policy, request), [
        redirect("https://p42-content.icloud.com/done", 303), HttpResponse(status_code=200)])
    assert (sent[1].method, sent[1].content, sent[1].headers) == ("GET", None, {})
    sent, _ = drive(fetch(apple().media_policy, request), [
        redirect("https://p43-content.icloud.com/again", 307), HttpResponse(status_code=200)])
    assert (sent[1].method, sent[1].content) == ("POST", b"abc")


def test_a_refused_first_url_raises_before_anything_is_yielded() -> None:
    with pytest.raises(polychat.PermanentError):
        fetch(policy(), HttpRequest("GET", "https://evil.example/"))


# -- through the hubs, with respx ---------------------------------------------------------------

def lookup(url: str) -> httpx.Response:
    return httpx.Response(200, json={"messaging_product": "whatsapp", "url": url,
                                     "mime_type": "image/jpeg", "id": MEDIA_ID})


@respx.mock(assert_all_called=False)
async def test_async_whatsapp_never_sends_its_token_to_a_foreign_host(
        respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{GRAPH}/{MEDIA_ID}").mock(return_value=lookup("https://evil.example/m.jpg"))
    evil = respx_mock.get(host="evil.example").mock(return_value=httpx.Response(200))
    hub = AsyncHub(wa())
    with pytest.raises(polychat.PermanentError, match=re.escape("evil.example")) as info:
        await hub.download(WA_USER, polychat.Image(media_id=MEDIA_ID))
    assert info.value.code == "media_host" and not evil.called
    await hub.aclose()


@respx.mock(assert_all_called=False)
def test_sync_whatsapp_redirects_are_checked_by_polychat_not_httpx(
        respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{GRAPH}/{MEDIA_ID}").mock(return_value=lookup(LOOKASIDE))
    respx_mock.get(LOOKASIDE).mock(return_value=httpx.Response(
        302, headers={"Location": "http://169.254.169.254/latest/meta-data/iam"}))
    metadata = respx_mock.get(host="169.254.169.254").mock(return_value=httpx.Response(200))
    hub = Hub(wa())
    with pytest.raises(polychat.PermanentError, match=re.escape("169.254.169.254")):
        hub.download(WA_USER, polychat.Image(media_id=MEDIA_ID))
    assert not metadata.called


@respx.mock
async def test_whatsapp_download_through_a_cdn_redirect_drops_the_token(
        respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{GRAPH}/{MEDIA_ID}").mock(return_value=lookup(LOOKASIDE))
    first = respx_mock.get(LOOKASIDE).mock(return_value=httpx.Response(
        302, headers={"Location": "https://mmg.whatsapp.net/d/f/fake.jpg"}))
    cdn = respx_mock.get("https://mmg.whatsapp.net/d/f/fake.jpg").mock(
        return_value=httpx.Response(200, content=b"jpeg-bytes", headers={"content-type": "image/jpeg"}))
    for hub in (AsyncHub(wa()), Hub(wa())):
        result = hub.download(WA_USER, polychat.Image(media_id=MEDIA_ID))
        data, mime = await result if isinstance(hub, AsyncHub) else result  # type: ignore[misc]
        assert (data, mime) == (b"jpeg-bytes", "image/jpeg")
    assert first.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in cdn.calls.last.request.headers


@respx.mock(assert_all_called=False)
async def test_messenger_attachment_urls_from_webhooks_are_checked(
        respx_mock: respx.MockRouter) -> None:
    cdn = "https://scontent.xx.fbcdn.net/v/t1.15752-9/fake.png"
    respx_mock.get(cdn).mock(return_value=httpx.Response(200, content=b"png"))
    route = respx_mock.route().mock(return_value=httpx.Response(200, content=b"secret"))
    media = polychat.Image(url="http://169.254.169.254/latest/meta-data/", mime_type="image/png")
    with pytest.raises(polychat.PermanentError, match=re.escape("169.254.169.254")):
        await AsyncHub(fb()).download(FB_USER, media)
    with pytest.raises(polychat.PermanentError):
        Hub(fb()).download(FB_USER, media)
    assert not route.called
    assert Hub(fb()).download(FB_USER, polychat.Image(url=cdn)) == (b"png", "")


def apple_media() -> polychat.Image:
    return polychat.Image(url="https://p42-content.icloud.com/MZfake", mime_type="image/jpeg",
                          size=4, ref={"owner": "p42_fake", "key": "00" + "11" * 32,
                                       "signature": "0a0b0c"})


@respx.mock(assert_all_called=False)
async def test_apple_download_urls_from_the_gateway_are_checked(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{GATEWAY}/v1/preDownload").mock(return_value=httpx.Response(
        200, json={"download-url": "http://10.0.0.7/blob"}))
    internal = respx_mock.get(host="10.0.0.7").mock(return_value=httpx.Response(200))
    with pytest.raises(polychat.PermanentError, match=re.escape("10.0.0.7")):
        await AsyncHub(apple()).download(AP_USER, apple_media())
    assert not internal.called


@respx.mock
async def test_apple_download_from_mmcs_still_works(respx_mock: respx.MockRouter) -> None:
    key = bytes.fromhex("11" * 32)
    respx_mock.get(f"{GATEWAY}/v1/preDownload").mock(return_value=httpx.Response(
        200, json={"download-url": "https://p42-content.icloud.com/download/1"}))
    respx_mock.get("https://p42-content.icloud.com/download/1").mock(
        return_value=httpx.Response(200, content=crypto.encrypt(b"jpeg", key)))
    assert await AsyncHub(apple()).download(AP_USER, apple_media()) == (b"jpeg", "image/jpeg")


@respx.mock(assert_all_called=False)
async def test_apple_rich_link_images_never_reach_private_addresses(
        respx_mock: respx.MockRouter) -> None:
    message = respx_mock.post(f"{GATEWAY}/v1/message").mock(return_value=httpx.Response(200))
    internal = respx_mock.get(host="127.0.0.1").mock(return_value=httpx.Response(200))
    hub = AsyncHub(apple())
    link = polychat.RichLink(url="https://shop.example.com/p/1", title="P",
                             image_url="http://127.0.0.1:9000/admin.png")
    with pytest.raises(polychat.PermanentError, match=re.escape("127.0.0.1")):
        await hub.send(AP_USER, link, window="ignore")
    respx_mock.get("https://shop.example.com/p.png").mock(return_value=httpx.Response(
        302, headers={"Location": "http://127.0.0.1:9000/admin.png"}))
    link = link.model_copy(update={"image_url": "https://shop.example.com/p.png"})
    with pytest.raises(polychat.PermanentError, match=re.escape("127.0.0.1")):
        await hub.send(AP_USER, link, window="ignore")
    assert not internal.called and not message.called


@respx.mock
async def test_apple_rich_link_images_follow_public_redirects(respx_mock: respx.MockRouter) -> None:
    png = _png()
    respx_mock.get("https://shop.example.com/p.png").mock(return_value=httpx.Response(
        301, headers={"Location": "https://cdn.example.net/p.png"}))
    respx_mock.get("https://cdn.example.net/p.png").mock(return_value=httpx.Response(
        200, content=png, headers={"content-type": "image/png"}))
    message = respx_mock.post(f"{GATEWAY}/v1/message").mock(return_value=httpx.Response(200))
    link = polychat.RichLink(url="https://shop.example.com/p/1", title="P",
                             image_url="https://shop.example.com/p.png")
    await AsyncHub(apple()).send(AP_USER, link, window="ignore")
    body = json.loads(message.calls.last.request.content)
    assert body["richLinkData"]["assets"]["image"]["data"] == base64.b64encode(png).decode()


def _png() -> bytes:
    from polychat.testing.simulator import _PLACEHOLDER_PNG

    return _PLACEHOLDER_PNG


@respx.mock(assert_all_called=False)
def test_the_transport_hands_redirects_to_exchanges_that_accept_them(
        respx_mock: respx.MockRouter) -> None:
    from polychat._http import SyncTransport

    respx_mock.get("https://lookaside.fbsbx.com/a").mock(return_value=httpx.Response(
        302, headers={"Location": "https://lookaside.fbsbx.com/b"}))
    after = respx_mock.get("https://lookaside.fbsbx.com/b").mock(return_value=httpx.Response(200))
    transport = SyncTransport()
    answer = transport.send(wa(), HttpRequest("GET", "https://lookaside.fbsbx.com/a",
                                              accept=frozenset({302})))
    assert answer.status_code == 302 and not after.called
    assert transport.send(wa(), HttpRequest("GET", "https://lookaside.fbsbx.com/a")).ok
    assert after.called  # a request that does not accept 3xx is followed by httpx as before
    transport.close()


# -- on the Simulator: the fakes' media hosts pass ------------------------------------------------

@pytest.mark.parametrize("channel", [wa, fb, apple])
async def test_simulated_downloads_still_work(channel: Any) -> None:
    hub = AsyncHub(channel())
    got: list[bytes] = []

    @hub.on(polychat.MessageReceived)
    async def keep(event: polychat.MessageReceived, ctx: polychat.Context) -> None:
        if isinstance(event.content, polychat.Image):
            got.append(await ctx.download(event.content))

    sim = Simulator(hub)
    await sim.user(hub.channels[0].name).sends_image(b"\xff\xd8\xff\xe0fake-jpeg",
                                                     mime_type="image/jpeg")
    assert got == [b"\xff\xd8\xff\xe0fake-jpeg"]
