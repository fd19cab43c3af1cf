"""The simulator's Apple rules (``polychat.testing._apple_rules``).

A corpus of valid bodies written as Apple's docs and samples write them (apple.md sections 3, 4
and 6) and a corpus of invalid ones, each with the words its refusal must name:

- every valid body is accepted; every invalid body is refused with HTTP 400;
- limits hold exactly at the limit and fail one past it;
- what polychat's own renderer builds is accepted;
- the outbound JWT check agrees with PyJWT and refuses what Apple refuses (401 / 403).
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jwt as pyjwt
import pytest

import polychat
from polychat.channels.apple import crypto
from polychat.channels.apple.limits import BID, LIMITS
from polychat.channels.apple.render import attachment_message, build_message
from polychat.testing._apple_rules import (
    BAD_REQUEST,
    FORBIDDEN,
    UNAUTHORIZED,
    check_authorization,
    check_message,
    interactive_size,
)

Body = dict[str, Any]

MSP_ID = "fake-msp-0000-1111"
KEY = b"fake-msp-secret-bytes-0123456789"
BIZ = "a884eddf-0000-4000-8000-00000000b12a"
USER = "urn:mbid:AQAAYyUbut6E4B3T9FLv5EbG/fake+customer=="
MID = "0c316beb-1d2e-4f3a-8b4c-5d6e7f8a9b0c"
REQ = "5f7a1c2e-0000-4000-8000-000000000001"
NOW = 1_768_467_600.0  # 2026-01-15 09:00 UTC
ALL_DEVICE = frozenset({"QUICK", "LIST", "TIME", "AUTH2", "FORM"})
PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 32).decode()


def headers(body: Mapping[str, Any] | None = None, **extra: str) -> dict[str, str]:
    body = body or {}
    out = {"id": str(body.get("id", MID)), "Source-Id": str(body.get("sourceId", BIZ)),
           "Destination-Id": str(body.get("destinationId", USER)),
           "Content-Type": "application/json"}
    out.update(extra)
    return out


def message(kind: str, **fields: Any) -> Body:
    return {"v": 1, "type": kind, "id": MID, "sourceId": BIZ, "destinationId": USER, **fields}


def interactive(data: Body, **extra: Any) -> Body:
    return message("interactive", interactiveData={
        "bid": BID, "data": {"requestIdentifier": REQ, "version": "1.0", **data}, **extra})


def attachment(**overrides: Any) -> Body:
    return {"name": "photo.png", "mimeType": "image/png", "size": "12345",
            "signature-base64": base64.b64encode(b"\x01" * 21).decode(),
            "url": "https://p42-content.icloud.com/MZabc", "owner": "p42_owner",
            "key": "00" + "0a" * 32, **overrides}


def list_picker(**section: Any) -> Body:
    return {"listPicker": {"sections": [{
        "title": "Fruit", "order": 0, "multipleSelection": True,
        "items": [{"identifier": "1", "order": 0, "style": "default", "title": "Apple",
                   "subtitle": "Red and delicious", "imageIdentifier": "0"},
                  {"identifier": "2", "order": 1, "style": "default", "title": "Pear"}],
        **section}]}, "images": [{"identifier": "0", "data": PNG_B64}]}


def time_picker(*slots: Body, **event: Any) -> Body:
    slots = slots or ({"identifier": "0", "startTime": "2022-07-10T17:00+0000", "duration": 3600},)
    return {"event": {"identifier": "1", "title": "Appointment", "timezoneOffset": -420,
                      "timeslots": list(slots), **event}}


def quick(count: int) -> Body:
    return {"quick-reply": {"summaryText": "What can I help you with?", "items": [
        {"identifier": str(n), "title": f"Choice {n}"} for n in range(count)]}}


def payment(**request: Any) -> Body:
    return {"payment": {
        "paymentRequest": {
            "lineItems": [{"label": "Item", "amount": "10.00", "type": "final"}],
            "total": {"label": "Total", "amount": "10.00", "type": "final"},
            "applePay": {"merchantIdentifier": "merchant.x", "supportedNetworks": ["visa"],
                         "merchantCapabilities": ["supports3DS"]},
            "countryCode": "US", "currencyCode": "USD",
            "requiredBillingContactFields": [], "requiredShippingContactFields": [], **request},
        "merchantSession": {"epochTimestamp": 1},
        "endpoints": {"paymentGatewayUrl": "https://biz.example/paymentGateway"}}}


def authenticate(**oauth: Any) -> Body:
    return {"images": [], "authenticate": {"oauth2": {
        "responseType": "code", "scope": ["openid", "email"], "state": "nonce",
        "redirectURI": "https://biz.example/callback", **oauth}}}


def form() -> Body:
    return {"dynamic": {"template": "messageForms", "version": "1.1", "data": {
        "startPageIdentifier": "0", "showSummary": True, "pages": [
            {"pageIdentifier": "0", "type": "select", "title": "Item condition",
             "subtitle": "Was it defective?", "nextPageIdentifier": "1", "submitForm": False,
             "items": [{"identifier": "101", "title": "Defective", "value": "defective"}]},
            {"pageIdentifier": "1", "type": "input", "title": "Tell us more",
             "submitForm": True}]}}}


def app(**fields: Any) -> Body:
    return message("interactive", interactiveData={
        "appId": 123456789, "appName": "Package Delivery",
        "bid": "com.apple.messages.MSMessageExtensionBalloonPlugin:ABCDE12345:com.example.Ext",
        "URL": "?name=samplepackage&deliveryDate=27-01-2017", "useLiveLayout": True,
        "receivedMessage": {"title": "Package Delivery"}, **fields})


# -- valid bodies ------------------------------------------------------------------------------

VALID: dict[str, Body] = {
    "text": message("text", body="Hi", locale="en_US"),
    "text with attachment": message("text", body="Here's the attachment: \ufffc",
                                    attachments=[attachment()]),
    "two attachments": message("text", body="\ufffc\ufffc",
                               attachments=[attachment(), attachment(name="b.pdf",
                                                                     mimeType="application/pdf")]),
    "attachment at the size limit": message("text", body="\ufffc", attachments=[
        attachment(size=str(LIMITS["attachment.size"]))]),
    "typing_start": message("typing_start"),
    "typing_end": message("typing_end"),
    "rich link": message("richLink", richLinkData={
        "url": "https://example.com/p/1", "title": "Product 1",
        "assets": {"image": {"data": PNG_B64, "mimeType": "image/png"},
                   "video": {"url": "https://example.com/v.mp4", "mimeType": "video/mp4"}}}),
    "rich link without assets": message("richLink", richLinkData={
        "url": "https://example.com", "title": "Example", "assets": {}}),
    "rich link image at 200 kB": message("richLink", richLinkData={
        "url": "https://example.com", "title": "Big", "assets": {"image": {
            "data": base64.b64encode(bytes(LIMITS["rich_link.image"])).decode(),
            "mimeType": "image/jpeg"}}}),
    "list picker": interactive(list_picker(), receivedMessage={
        "title": "Select Produce", "subtitle": "Farm fresh", "imageIdentifier": "0",
        "style": "small"}, replyMessage={"title": "Selected Produce", "style": "small"}),
    "list picker with mspVersion only": message("interactive", interactiveData={
        "bid": BID, "data": {"requestIdentifier": REQ, "mspVersion": "1.0", **list_picker()}}),
    "time picker": interactive(time_picker(), receivedMessage={"title": "Pick a time"}),
    "time picker, customer's timezone": interactive(time_picker(timezoneOffset=0)),
    "quick reply, 2 items": interactive(quick(2)),
    "quick reply, 5 items": interactive(quick(5)),
    "apple pay": interactive(payment(), receivedMessage={"title": "Pay"}),
    "form": interactive(form(), receivedMessage={"title": "Return"}),
    "custom iMessage app": app(),
    "data ref (shape only)": message("interactive", interactiveDataRef={
        "bid": BID, "owner": "o", "url": "https://p42-content.icloud.com/MZ1", "size": 12000,
        "signature": "01ab", "signature-base64": "Aas=", "title": "T", "dataRefSig": "sig"}),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_bodies_are_accepted(name: str) -> None:
    body = VALID[name]
    assert check_message(body, headers(body), business_id=BIZ) == []


def test_authentication_goes_to_its_own_endpoint() -> None:
    body = interactive(authenticate(), receivedMessage={"title": "Sign In"})
    assert check_message(body, headers(body), endpoint="authenticate") == []
    (problem,) = check_message(body, headers(body))
    assert "/v1/authenticate" in problem.details
    picker = VALID["list picker"]
    (problem,) = check_message(picker, headers(picker), endpoint="authenticate")
    assert "only takes authentication" in problem.details
    text = VALID["text"]
    assert check_message(text, headers(text), endpoint="authenticate")


def test_header_names_are_case_insensitive() -> None:
    body = VALID["text"]
    lowered = {k.lower(): v for k, v in headers(body).items()}
    upper = {k.upper(): v for k, v in headers(body).items()}
    assert check_message(body, lowered) == [] and check_message(body, upper) == []


# -- invalid bodies ----------------------------------------------------------------------------


def mutate(body: Body, change: Callable[[Body], None]) -> Body:
    copied = copy.deepcopy(body)
    change(copied)
    return copied


def _data(body: Body) -> Body:
    data: Body = body["interactiveData"]["data"]
    return data


INVALID: dict[str, tuple[Body, str]] = {
    "v 2": (mutate(VALID["text"], lambda b: b.update(v=2)), "v: must be the integer 1"),
    "v true": (mutate(VALID["text"], lambda b: b.update(v=True)), "v: must be the integer 1"),
    "v string": (mutate(VALID["text"], lambda b: b.update(v="1")), "v: must be the integer 1"),
    "no v": (mutate(VALID["text"], lambda b: b.pop("v")), "v: is required"),
    "close": (message("close"), "never send"),
    "unknown type": (message("location"), "type: must be one of"),
    "id not a uuid": (mutate(VALID["text"], lambda b: b.update(id="abc")), "id: must be a UUID"),
    "bad locale": (mutate(VALID["text"], lambda b: b.update(locale="English")), "locale"),
    "unknown key": (mutate(VALID["text"], lambda b: b.update(colour="red")),
                    "colour: unexpected key for a text message"),
    "body on typing": (message("typing_start", body="x"), "body: unexpected key"),
    "text without body": (message("text"), "body: is required"),
    "empty text": (message("text", body=""), "body: must not be empty"),
    "placeholder without attachment": (message("text", body="\ufffc"), "1 \\ufffc placeholder"),
    "attachment without placeholder": (message("text", body="see", attachments=[attachment()]),
                                       "0 \\ufffc placeholder(s) for 1"),
    "attachment size as a number": (message("text", body="\ufffc",
                                            attachments=[attachment(size=12345)]),
                                    "size: must be a string of digits"),
    "attachment over 100 MB": (message("text", body="\ufffc", attachments=[
        attachment(size=str(LIMITS["attachment.size"] + 1))]), "size: must be 1 to"),
    "attachment without key": (message("text", body="\ufffc", attachments=[
        {k: v for k, v in attachment().items() if k != "key"}]), "attachments[0].key: is required"),
    "attachment key without 00": (message("text", body="\ufffc", attachments=[
        attachment(key="0a" * 32)]), "'00' followed by 64 hex"),
    "attachment checksum not base64": (message("text", body="\ufffc", attachments=[
        attachment(**{"signature-base64": "not base64!"})]), "must be Base64"),
    "attachment with a hex signature": (message("text", body="\ufffc", attachments=[
        {**attachment(), "signature": "01ab"}]), "signature: unexpected key"),
    "attachment bad mime": (message("text", body="\ufffc", attachments=[
        attachment(mimeType="png")]), "mimeType"),
    "empty attachments": (message("text", body="x", attachments=[]), "at least 1 needed"),
    "rich link custom scheme": (message("richLink", richLinkData={
        "url": "myapp://p/1", "title": "T", "assets": {}}), "custom URL schemes"),
    "rich link without assets": (message("richLink", richLinkData={
        "url": "https://e.com", "title": "T"}), "richLinkData.assets: is required"),
    "rich link without title": (message("richLink", richLinkData={
        "url": "https://e.com", "assets": {}}), "richLinkData.title: is required"),
    "rich link image over 200 kB": (message("richLink", richLinkData={
        "url": "https://e.com", "title": "T", "assets": {"image": {
            "data": base64.b64encode(bytes(LIMITS["rich_link.image"] + 1)).decode(),
            "mimeType": "image/jpeg"}}}), "rich-link images are at most"),
    "rich link image not an image": (message("richLink", richLinkData={
        "url": "https://e.com", "title": "T", "assets": {"image": {
            "data": PNG_B64, "mimeType": "video/mp4"}}}), "image/* type"),
    "interactive without data": (message("interactive"), "exactly one of interactiveData"),
    "interactive with both": (mutate(VALID["list picker"], lambda b: b.update(
        interactiveDataRef=VALID["data ref (shape only)"]["interactiveDataRef"])), "exactly one"),
    "no bid": (mutate(VALID["list picker"], lambda b: b["interactiveData"].pop("bid")),
               "interactiveData.bid: is required"),
    "no data": (mutate(VALID["list picker"], lambda b: b["interactiveData"].pop("data")),
                "interactiveData.data: is required"),
    "no requestIdentifier": (mutate(VALID["list picker"],
                                    lambda b: _data(b).pop("requestIdentifier")),
                             "requestIdentifier: is required"),
    "no version": (mutate(VALID["quick reply, 2 items"], lambda b: _data(b).pop("version")),
                   "version: is required (or mspVersion)"),
    "no kind": (interactive({}), "needs exactly one of listPicker"),
    "two kinds": (interactive({**quick(2), **time_picker()}), "has event, quick-reply"),
    "unknown image": (mutate(VALID["list picker"], lambda b: _data(b).pop("images")),
                      "'0' is not the identifier of an image"),
    "bad bubble style": (interactive(quick(2), receivedMessage={"title": "T", "style": "huge"}),
                         "style: must be one of"),
    "list without sections": (interactive({"listPicker": {"sections": []}}),
                              "at least 1 needed"),
    "list section without items": (interactive(list_picker(items=[])), "items: has 0 items"),
    "list item without title": (mutate(VALID["list picker"], lambda b: _data(b)["listPicker"][
        "sections"][0]["items"][1].pop("title")), "items[1].title: is required"),
    "list item without identifier": (mutate(VALID["list picker"], lambda b: _data(b)[
        "listPicker"]["sections"][0]["items"][1].pop("identifier")), "identifier: is required"),
    "list duplicate identifiers": (mutate(VALID["list picker"], lambda b: _data(b)["listPicker"][
        "sections"][0]["items"][1].update(identifier="1")), "used twice"),
    "quick reply, 1 item": (interactive(quick(1)), "at least 2 needed"),
    "quick reply, 6 items": (interactive(quick(6)), "at most 5 allowed"),
    "quick reply item without title": (interactive({"quick-reply": {"items": [
        {"identifier": "1"}, {"identifier": "2", "title": "B"}]}}), "title: is required"),
    "slot with seconds": (interactive(time_picker({"identifier": "0", "duration": 60,
                                                   "startTime": "2022-07-10T17:00:00+0000"})),
                          "YYYY-MM-DDTHH:MM+0000"),
    "slot not in UTC": (interactive(time_picker({"identifier": "0", "duration": 60,
                                                 "startTime": "2022-07-10T17:00+0200"})),
                        "YYYY-MM-DDTHH:MM+0000"),
    "slot on 30 February": (interactive(time_picker({"identifier": "0", "duration": 60,
                                                     "startTime": "2026-02-30T17:00+0000"})),
                            "YYYY-MM-DDTHH:MM+0000"),
    "slot duration as a string": (interactive(time_picker({
        "identifier": "0", "duration": "3600", "startTime": "2022-07-10T17:00+0000"})),
        "duration: must be an integer"),
    "slot duration as a float": (interactive(time_picker({
        "identifier": "0", "duration": 1800.5, "startTime": "2022-07-10T17:00+0000"})),
        "duration: must be an integer"),
    "slot duration zero": (interactive(time_picker({
        "identifier": "0", "duration": 0, "startTime": "2022-07-10T17:00+0000"})),
        "duration: must be between 1"),
    "no slots": (interactive({"event": {"title": "T", "timeslots": []}}), "at least 1 needed"),
    "timezone offset as text": (interactive(time_picker(timezoneOffset="-420")),
                                "timezoneOffset: must be an integer"),
    "payment amount as a number": (interactive(payment(total={"label": "Total", "amount": 10})),
                                   "amount: must be a string"),
    "payment amount not decimal": (interactive(payment(total={"label": "Total",
                                                              "amount": "ten"})),
                                   "must be a decimal string"),
    "payment without gateway": (mutate(interactive(payment()), lambda b: _data(b)["payment"][
        "endpoints"].pop("paymentGatewayUrl")), "paymentGatewayUrl: is required"),
    "payment bad currency": (interactive(payment(currencyCode="usd")), "ISO 4217"),
    "payment no networks": (interactive(payment(applePay={
        "merchantIdentifier": "m", "supportedNetworks": [], "merchantCapabilities": ["x"]})),
        "supportedNetworks: has 0 items"),
    "form bad page type": (mutate(interactive(form()), lambda b: _data(b)["dynamic"]["data"][
        "pages"][1].update(type="essay")), "type: must be one of"),
    "form bad start page": (mutate(interactive(form()), lambda b: _data(b)["dynamic"]["data"]
                                   .update(startPageIdentifier="9")), "not a page's"),
    "app URL over 64 KB": (app(URL="?" + "x" * LIMITS["imessage_url"]), "at most 65536"),
    "app without appId": (mutate(app(), lambda b: b["interactiveData"].pop("appId")),
                          "appId: is required"),
    "app bad bid": (app(bid="com.example.whatever"), "MSMessageExtensionBalloonPlugin"),
    "data ref without dataRefSig": (mutate(VALID["data ref (shape only)"], lambda b: b[
        "interactiveDataRef"].pop("dataRefSig")), "dataRefSig: is required"),
    "not an object": ([], "must be a JSON object"),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_bodies_are_refused(name: str) -> None:
    body, words = INVALID[name]
    problems = check_message(body, headers(body if isinstance(body, dict) else None))
    assert problems, f"{name} was accepted"
    assert all(p.code == BAD_REQUEST for p in problems)
    assert any(words in p.details for p in problems), [p.details for p in problems]


def test_headers_must_match_the_body() -> None:
    body = VALID["text"]
    cases = {
        "id": ({**headers(body), "id": "11111111-2222-4333-8444-555555555555"},
               "header id: must equal the body's id"),
        "source": ({**headers(body), "Source-Id": "other"}, "header source-id: must equal"),
        "destination": ({**headers(body), "Destination-Id": "urn:mbid:other"},
                        "header destination-id: must equal"),
        "missing id": ({k: v for k, v in headers(body).items() if k != "id"},
                       "header id: is required"),
        "content type": ({**headers(body), "Content-Type": "text/plain"}, "application/json"),
    }
    for name, (sent, words) in cases.items():
        problems = check_message(body, sent)
        assert any(words in p.details for p in problems), (name, problems)
    other = mutate(body, lambda b: b.update(sourceId="someone-else"))
    (problem,) = check_message(other, headers(other), business_id=BIZ)
    assert "not a business of this MSP" in problem.details


def test_data_refs_must_have_been_issued() -> None:
    body = VALID["data ref (shape only)"]
    ref = body["interactiveDataRef"]
    known = {ref["url"]: interactive(quick(2))["interactiveData"]}

    def resolve(candidate: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return known.get(str(candidate.get("url")))

    assert check_message(body, headers(body), resolve_data_ref=resolve) == []
    forged = mutate(body, lambda b: b["interactiveDataRef"].update(url="https://x.example/MZ9"))
    (problem,) = check_message(forged, headers(forged), resolve_data_ref=resolve)
    assert "not a dataRef this gateway issued" in problem.details
    # a reference to an authentication message goes to /v1/authenticate
    known[ref["url"]] = interactive(authenticate())["interactiveData"]
    (problem,) = check_message(body, headers(body), resolve_data_ref=resolve)
    assert "/v1/authenticate" in problem.details
    assert check_message(body, headers(body), endpoint="authenticate",
                         resolve_data_ref=resolve) == []


def test_interactive_size_is_compact_json_bytes() -> None:
    assert interactive_size({"a": "é"}) == len('{"a":"é"}'.encode())


# -- what polychat renders is accepted -----------------------------------------------------------


RENDERED: dict[str, Any] = {
    "text": polychat.Text(text="Hello"),
    "typing": polychat.Typing(on=False),
    "rich link": polychat.RichLink(url="https://example.com/p/1", title="Product"),
    "list": polychat.ListPicker(text="Pick", button="Open", header="Menu", sections=[
        polychat.ListSection(title="A", items=[polychat.ListItem(id="1", title="One",
                                                                 description="first")]),
        polychat.ListSection(items=[polychat.ListItem(id="2", title="Two")])]),
    "time": polychat.TimePicker(title="When?", timezone="America/Los_Angeles", slots=[
        polychat.TimeSlot(id="a", start=datetime(2026, 7, 1, 17, tzinfo=UTC),
                          duration=timedelta(minutes=45))]),
    "quick": polychat.QuickReplies(text="Choose", replies=[
        polychat.QuickReply(id="y", title="Yes"), polychat.QuickReply(id="n", title="No")]),
    "buttons": polychat.Buttons(text="Track?", buttons=[polychat.Button.reply("y", "Yes"),
                                                        polychat.Button.reply("n", "No")]),
    "payment": polychat.PaymentRequest(
        title="Order", items=[polychat.PaymentItem(label="Hat", amount=Decimal("9.50"))],
        total=Decimal("9.50"), currency="EUR", country="FR",
        merchant={"merchantIdentifier": "merchant.x", "supportedNetworks": ["visa"],
                  "merchantCapabilities": ["supports3DS"]},
        endpoints={"paymentGatewayUrl": "https://biz.example/pay"}),
    "form": polychat.Form(title="Survey", pages=[
        polychat.FormPage(id="p1", type="picker", title="Size", next_page="p2", options=[
            polychat.FormOption(id="s", title="S"), polychat.FormOption(id="m", title="M")]),
        polychat.FormPage(id="p2", type="date", title="When")]),
}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_rendered_bodies_are_accepted(name: str) -> None:
    body = build_message(USER, BIZ, RENDERED[name], message_id=MID, device=ALL_DEVICE)
    assert check_message(body, headers(body), business_id=BIZ) == []


def test_rendered_auth_and_attachments_are_accepted() -> None:
    auth = build_message(USER, BIZ, polychat.AuthRequest(
        title="Sign in", scope=["openid"], state="s", redirect_uri="https://biz.example/cb"),
        message_id=MID, device=ALL_DEVICE)
    assert check_message(auth, headers(auth), endpoint="authenticate") == []
    body = attachment_message(USER, BIZ, [attachment()], message_id=MID, text="Here")
    assert check_message(body, headers(body)) == []


# -- authorization -----------------------------------------------------------------------------


def bearer(claims: Mapping[str, Any], key: bytes = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {crypto.encode_jwt(claims, key)}"}


def auth(found: Mapping[str, str], now: float = NOW) -> Any:
    return check_authorization(found, key=KEY, msp_id=MSP_ID, now=now)


def test_a_good_token_passes_and_pyjwt_agrees() -> None:
    assert auth(bearer({"iss": MSP_ID, "iat": int(NOW)})) is None
    token = pyjwt.encode({"iss": MSP_ID, "iat": int(NOW)}, KEY, algorithm="HS256")
    assert auth({"authorization": f"bearer {token}"}) is None
    ours = crypto.encode_jwt({"iss": MSP_ID, "iat": int(NOW)}, KEY)
    assert pyjwt.decode(ours, KEY, algorithms=["HS256"], issuer=MSP_ID,
                        options={"verify_iat": False})["iss"] == MSP_ID


@pytest.mark.parametrize("found", [{}, {"Authorization": ""}, {"Authorization": "Bearer "},
                                   {"Authorization": "Basic abc"}])
def test_no_usable_header_is_401(found: dict[str, str]) -> None:
    problem = auth(found)
    assert problem is not None and problem.code == UNAUTHORIZED


def test_bad_tokens_are_403() -> None:
    good = crypto.encode_jwt({"iss": MSP_ID, "iat": int(NOW)}, KEY)
    none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    none_alg = f"{none_header}.{good.split('.')[1]}."
    hs512 = pyjwt.encode({"iss": MSP_ID, "iat": int(NOW)}, KEY * 2, algorithm="HS512")
    cases = {
        "wrong key": bearer({"iss": MSP_ID, "iat": int(NOW)}, b"another-key"),
        "wrong iss": bearer({"iss": BIZ, "iat": int(NOW)}),
        "no iss": bearer({"iat": int(NOW)}),
        "no iat": bearer({"iss": MSP_ID}),
        "iat text": bearer({"iss": MSP_ID, "iat": str(int(NOW))}),
        "alg none": {"Authorization": f"Bearer {none_alg}"},
        "alg HS512": {"Authorization": f"Bearer {hs512}"},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "two parts": {"Authorization": "Bearer abc.def"},
    }
    for name, found in cases.items():
        problem = auth(found)
        assert problem is not None and problem.code == FORBIDDEN, name


def test_token_times_hold_at_the_boundaries() -> None:
    leeway, max_age = crypto.DEFAULT_LEEWAY, crypto.DEFAULT_MAX_AGE
    assert auth(bearer({"iss": MSP_ID, "iat": NOW + leeway})) is None
    assert auth(bearer({"iss": MSP_ID, "iat": NOW + leeway + 1})).code == FORBIDDEN
    assert auth(bearer({"iss": MSP_ID, "iat": NOW - max_age - leeway})) is None
    too_old = auth(bearer({"iss": MSP_ID, "iat": NOW - max_age - leeway - 1}))
    assert too_old.code == FORBIDDEN and "too old" in too_old.details
