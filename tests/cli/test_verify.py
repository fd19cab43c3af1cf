"""``polychat verify``: the pre-live checklist, against respx fakes of Graph and Apple's gateway."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from polychat._verify import (
    Check,
    apple_probe_check,
    page_subscription_checks,
    phone_number_checks,
    token_checks,
    verify_channel,
    waba_subscription_check,
)
from polychat.cli import main

GRAPH = "https://graph.facebook.com"
NOW = 1_790_000_000.0
TOKEN = "EAAG-FAKE-VERIFY-SYSTEM-TOKEN-0123456789"
PAGE_TOKEN = "EAAG-FAKE-VERIFY-PAGE-TOKEN-9876543210"
APP_ID = "1517776481860111"
APP_SECRET = "fake-verify-app-secret-31337"
PNID = "106540352242922"
WABA = "102290129340398"
PAGE = "108457560940232"
MSP_KEY = b"fake-verify-msp-secret-0123456789"
MSP_SECRET = base64.b64encode(MSP_KEY).decode()
SECRETS = [TOKEN, PAGE_TOKEN, APP_SECRET, MSP_SECRET, MSP_KEY.decode()]

WA_ENV = {"POLYCHAT_WHATSAPP_TOKEN": TOKEN, "POLYCHAT_WHATSAPP_PHONE_NUMBER_ID": PNID,
          "POLYCHAT_WHATSAPP_WABA_ID": WABA, "POLYCHAT_WHATSAPP_APP_ID": APP_ID,
          "POLYCHAT_WHATSAPP_APP_SECRET": APP_SECRET}
FB_ENV = {"POLYCHAT_MESSENGER_TOKEN": PAGE_TOKEN, "POLYCHAT_MESSENGER_PAGE_ID": PAGE,
          "POLYCHAT_MESSENGER_APP_ID": APP_ID, "POLYCHAT_MESSENGER_APP_SECRET": APP_SECRET}
AP_ENV = {"POLYCHAT_APPLE_MSP_ID": "fake-msp-id", "POLYCHAT_APPLE_SECRET": MSP_SECRET,
          "POLYCHAT_APPLE_BUSINESS_ID": "fake-business-0001"}

WA_TOKEN_DATA: dict[str, Any] = {
    "app_id": APP_ID, "type": "SYSTEM_USER", "application": "Lucky Shrub", "expires_at": 0,
    "is_valid": True, "scopes": ["whatsapp_business_messaging", "whatsapp_business_management"],
    "granular_scopes": [{"scope": "whatsapp_business_messaging", "target_ids": [WABA]},
                        {"scope": "whatsapp_business_management", "target_ids": [WABA]}]}
FB_TOKEN_DATA: dict[str, Any] = {
    "app_id": APP_ID, "type": "PAGE", "application": "Lucky Shrub", "expires_at": 0,
    "is_valid": True, "profile_id": PAGE, "scopes": ["pages_messaging", "pages_manage_metadata"]}
ALL_FIELDS = ["messages", "messaging_postbacks", "message_deliveries", "message_reads",
              "message_reactions", "messaging_referrals", "messaging_optins", "message_edits"]
PHONE: dict[str, Any] = {"verified_name": "Lucky Shrub", "display_phone_number": "+1 555-010-0199",
                         "code_verification_status": "VERIFIED", "quality_rating": "GREEN",
                         "status": "CONNECTED", "throughput": {"level": "STANDARD"}, "id": PNID}


def graph_error(code: int, message: str, status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "OAuthException",
                                                  "code": code, "fbtrace_id": "AbCdEfFakeTrace"}})


@pytest.fixture
def graph() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def mock_whatsapp(router: respx.MockRouter, *, token: dict[str, Any] | None = None,
                  apps: Any = None, phone: dict[str, Any] | None = None,
                  app_token: httpx.Response | None = None) -> respx.Route:
    def debug(request: httpx.Request) -> httpx.Response:
        assert request.url.params["input_token"] == TOKEN
        if request.headers["authorization"] == f"Bearer {APP_ID}|{APP_SECRET}" and app_token:
            return app_token
        return httpx.Response(200, json={"data": WA_TOKEN_DATA if token is None else token})

    route = router.get(f"{GRAPH}/v25.0/debug_token").mock(side_effect=debug)
    router.get(f"{GRAPH}/v25.0/{WABA}/subscribed_apps").mock(return_value=httpx.Response(
        200, json=apps if apps is not None else {"data": [{"whatsapp_business_api_data": {
            "id": APP_ID, "link": "https://www.facebook.com/games/?app_id=1", "name": "Lucky Shrub"}}]}))
    router.get(f"{GRAPH}/v25.0/{PNID}").mock(return_value=httpx.Response(
        200, json=PHONE if phone is None else phone))
    return route


def statuses(checks: list[Check]) -> dict[str, str]:
    return {c.name: c.status for c in checks}


# -- WhatsApp ---------------------------------------------------------------------------------


def test_whatsapp_all_good(graph: respx.MockRouter) -> None:
    route = mock_whatsapp(graph)
    checks = verify_channel("whatsapp", WA_ENV, now=NOW)
    assert statuses(checks) == {"configuration": "ok", "app secret": "ok", "access token": "ok",
                                "token scopes": "ok", "webhook subscription": "ok",
                                "phone number": "ok", "quality rating": "ok", "verification": "ok"}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {APP_ID}|{APP_SECRET}"
    phone_call = next(c for c in graph.calls if c.request.url.path.endswith(PNID))
    assert phone_call.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "quality_rating" in phone_call.request.url.params["fields"]
    assert "+1 555-010-0199 Lucky Shrub: CONNECTED, STANDARD throughput" in \
        next(c.reason for c in checks if c.name == "phone number")


def test_whatsapp_expired_token(graph: respx.MockRouter) -> None:
    mock_whatsapp(graph, token={"app_id": APP_ID, "is_valid": False, "expires_at": NOW - 86400,
                                "error": {"code": 190, "message": "Session has expired"}})
    checks = verify_channel("whatsapp", WA_ENV, now=NOW)
    token = next(c for c in checks if c.name == "access token")
    assert token.status == "fail" and token.reason.startswith("expired on ")
    assert "System User token" in (token.fix or "")
    assert "token scopes" not in statuses(checks)


def test_whatsapp_missing_scope_and_wrong_waba_grant(graph: respx.MockRouter) -> None:
    mock_whatsapp(graph, token={**WA_TOKEN_DATA, "scopes": ["whatsapp_business_management"]})
    scopes = next(c for c in verify_channel("whatsapp", WA_ENV, now=NOW) if c.name == "token scopes")
    assert scopes.status == "fail" and scopes.reason == "missing whatsapp_business_messaging"
    graph.reset()
    mock_whatsapp(graph, token={**WA_TOKEN_DATA, "granular_scopes": [
        {"scope": "whatsapp_business_messaging", "target_ids": ["999999999"]}]})
    scopes = next(c for c in verify_channel("whatsapp", WA_ENV, now=NOW) if c.name == "token scopes")
    assert scopes.status == "fail" and f"not on WABA {WABA}" in scopes.reason


def test_whatsapp_not_subscribed(graph: respx.MockRouter) -> None:
    mock_whatsapp(graph, apps={"data": []})
    check = next(c for c in verify_channel("whatsapp", WA_ENV, now=NOW)
             if c.name == "webhook subscription")
    assert check.status == "fail" and "webhooks will not arrive" in check.reason
    assert f"POST /{WABA}/subscribed_apps" in (check.fix or "")


@pytest.mark.parametrize(("phone", "expected"), [
    ({"status": "FLAGGED", "quality_rating": "RED"}, {"phone number": "fail", "quality rating": "fail"}),
    ({"status": "CONNECTED", "quality_rating": "RED"}, {"phone number": "ok", "quality rating": "fail"}),
    ({"status": "CONNECTED", "quality_rating": "YELLOW"}, {"phone number": "ok", "quality rating": "warn"}),
    ({"status": "PENDING", "quality_rating": "UNKNOWN", "code_verification_status": "EXPIRED"},
     {"phone number": "fail", "quality rating": "warn", "verification": "warn"}),
])
def test_whatsapp_phone_number_status_and_quality(graph: respx.MockRouter, phone: dict[str, Any],
                                                  expected: dict[str, str]) -> None:
    mock_whatsapp(graph, phone={**PHONE, **phone})
    found = statuses(verify_channel("whatsapp", WA_ENV, now=NOW))
    assert {k: found[k] for k in expected} == expected


def test_whatsapp_wrong_app_secret_falls_back_to_the_token(graph: respx.MockRouter) -> None:
    mock_whatsapp(graph, app_token=graph_error(190, "Invalid OAuth access token signature."))
    checks = verify_channel("whatsapp", WA_ENV, now=NOW)
    found = statuses(checks)
    assert found["app secret"] == "fail" and found["access token"] == "ok"
    assert next(c for c in checks if c.name == "app secret").reason.startswith(
        f"Graph refused app {APP_ID}'s access token")


def test_whatsapp_without_app_id_or_waba_warns(graph: respx.MockRouter) -> None:
    route = mock_whatsapp(graph)
    env = {k: v for k, v in WA_ENV.items() if k not in ("POLYCHAT_WHATSAPP_APP_ID",
                                                        "POLYCHAT_WHATSAPP_WABA_ID")}
    checks = verify_channel("whatsapp", env, now=NOW)
    found = statuses(checks)
    assert found["app secret"] == "warn" and found["webhook subscription"] == "warn"
    assert route.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "fail" not in found.values()


def test_whatsapp_missing_configuration() -> None:
    checks = verify_channel("whatsapp", {"POLYCHAT_WHATSAPP_TOKEN": TOKEN}, now=NOW)
    assert checks == [Check("fail", "configuration", "not set: POLYCHAT_WHATSAPP_PHONE_NUMBER_ID",
                            "export POLYCHAT_WHATSAPP_PHONE_NUMBER_ID=…")]


def test_token_that_graph_refuses_outright(graph: respx.MockRouter) -> None:
    graph.get(f"{GRAPH}/v25.0/debug_token").mock(return_value=graph_error(
        190, f"Malformed access token {TOKEN}"))
    graph.get(f"{GRAPH}/v25.0/{PNID}").mock(return_value=graph_error(190, "Invalid OAuth"))
    env = {k: v for k, v in WA_ENV.items() if k != "POLYCHAT_WHATSAPP_WABA_ID"}
    env.pop("POLYCHAT_WHATSAPP_APP_ID")
    checks = verify_channel("whatsapp", env, now=NOW)
    token = next(c for c in checks if c.name == "access token")
    assert token.status == "fail" and TOKEN not in token.reason and "[redacted]" in token.reason


# -- Messenger --------------------------------------------------------------------------------


def mock_messenger(router: respx.MockRouter, *, token: dict[str, Any] | None = None,
                   apps: Any = None) -> respx.Route:
    router.get(f"{GRAPH}/v25.0/debug_token").mock(return_value=httpx.Response(
        200, json={"data": FB_TOKEN_DATA if token is None else token}))
    return router.get(f"{GRAPH}/v25.0/{PAGE}/subscribed_apps").mock(return_value=httpx.Response(
        200, json=apps if apps is not None else {"data": [{
            "category": "Business", "link": "https://shop.example", "name": "Lucky Shrub",
            "id": APP_ID, "subscribed_fields": ALL_FIELDS}]}))


def test_messenger_all_good(graph: respx.MockRouter) -> None:
    route = mock_messenger(graph)
    checks = verify_channel("messenger", FB_ENV, now=NOW)
    assert set(statuses(checks).values()) == {"ok"}
    assert [c.name for c in checks] == ["configuration", "app secret", "access token",
                                        "token type", "token scopes", "webhook subscription",
                                        "webhook fields"]
    params = route.calls.last.request.url.params
    assert params["access_token"] == PAGE_TOKEN and "appsecret_proof" in params


@pytest.mark.parametrize(("token", "name", "status"), [
    ({**FB_TOKEN_DATA, "type": "USER"}, "token type", "fail"),
    ({**FB_TOKEN_DATA, "profile_id": "999"}, "token type", "fail"),
    ({**FB_TOKEN_DATA, "scopes": ["pages_show_list"]}, "token scopes", "fail"),
    ({**FB_TOKEN_DATA, "scopes": ["pages_messaging"]}, "token scopes", "warn"),
    ({**FB_TOKEN_DATA, "expires_at": NOW + 3600}, "access token", "warn"),
    ({**FB_TOKEN_DATA, "expires_at": NOW + 90 * 86400}, "access token", "ok"),
    ({**FB_TOKEN_DATA, "app_id": "42"}, "token app", "fail"),
])
def test_messenger_token_problems(graph: respx.MockRouter, token: dict[str, Any], name: str,
                                  status: str) -> None:
    mock_messenger(graph, token=token)
    assert statuses(verify_channel("messenger", FB_ENV, now=NOW))[name] == status


@pytest.mark.parametrize(("apps", "expected"), [
    ({"data": []}, {"webhook subscription": "fail"}),
    ({"data": [{"id": "42", "name": "Other", "subscribed_fields": ALL_FIELDS}]},
     {"webhook subscription": "fail"}),
    ({"data": [{"id": APP_ID, "subscribed_fields": ["message_reads"]}]},
     {"webhook subscription": "ok", "webhook fields": "fail"}),
    ({"data": [{"id": APP_ID, "subscribed_fields": ["messages", "messaging_postbacks"]}]},
     {"webhook subscription": "ok", "webhook fields": "warn"}),
])
def test_messenger_subscription_problems(graph: respx.MockRouter, apps: Any,
                                         expected: dict[str, str]) -> None:
    mock_messenger(graph, apps=apps)
    found = statuses(verify_channel("messenger", FB_ENV, now=NOW))
    assert {k: found.get(k) for k in expected} == expected


# -- Apple ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "expected"), [(200, "ok"), (401, "fail"), (403, "fail"),
                                                   (404, "fail"), (500, "warn")])
def test_apple_signed_probe(graph: respx.MockRouter, status: int, expected: str) -> None:
    route = graph.get("https://mspgw.push.apple.com/v1/preUpload").mock(
        return_value=httpx.Response(status, json={"upload-url": "https://p42-content.icloud.com/u",
                                                  "mmcs-url": "https://x", "mmcs-owner": "o"}
                                    if status == 200 else None))
    checks = verify_channel("apple", AP_ENV, now=NOW)
    assert statuses(checks) == {"configuration": "ok", "MSP credentials": expected}
    request = route.calls.last.request
    assert request.headers["source-id"] == "fake-business-0001"
    assert request.headers["mmcs-size"] == "1"
    token = request.headers["authorization"].removeprefix("Bearer ")
    signed, _, signature = token.rpartition(".")
    good = hmac.new(MSP_KEY, signed.encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "==") == good  # HS256 with the decoded secret
    payload = json.loads(base64.urlsafe_b64decode(signed.split(".")[1] + "=="))
    assert payload["iss"] == "fake-msp-id" and abs(payload["iat"] - time.time()) < 60


def test_apple_secret_that_is_not_base64() -> None:
    checks = verify_channel("apple", {**AP_ENV, "POLYCHAT_APPLE_SECRET": "not base64 !!"})
    assert checks[0].status == "fail" and "Base64" in checks[0].reason


def test_apple_gateway_unreachable(graph: respx.MockRouter) -> None:
    graph.get("https://mspgw.push.apple.com/v1/preUpload").mock(
        side_effect=httpx.ConnectError("refused"))
    check = verify_channel("apple", AP_ENV, now=NOW)[-1]
    assert check.status == "fail" and "no answer" in check.reason


# -- pure judges --------------------------------------------------------------------------------


def test_judges_directly() -> None:
    assert token_checks({"is_valid": False}, channel="whatsapp", now=NOW)[0].reason == \
        "Graph says the token is not valid"
    assert waba_subscription_check({"data": [{"whatsapp_business_api_data": {"id": "7"}}]},
                                   waba_id=WABA, app_id=APP_ID).status == "fail"
    assert page_subscription_checks({}, page_id=PAGE)[0].status == "fail"
    assert phone_number_checks({})[0].status == "warn"
    assert apple_probe_check(None, "ConnectError").reason == "no answer from the gateway: ConnectError"


# -- the command ------------------------------------------------------------------------------


def test_command_exit_codes_checklist_and_no_secret_anywhere(
        graph: respx.MockRouter, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in {**WA_ENV, **FB_ENV, **AP_ENV}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POLYCHAT_PLAIN", "1")
    mock_whatsapp(graph, app_token=graph_error(190, f"Invalid app token {APP_ID}|{APP_SECRET}"))
    mock_messenger(graph)
    graph.get("https://mspgw.push.apple.com/v1/preUpload").mock(return_value=httpx.Response(403))
    assert main(["verify"]) == 1
    out, err = capsys.readouterr()
    assert "polychat verify — whatsapp" in out and "polychat verify — messenger" in out
    assert "polychat verify — apple" in out
    assert "  ✗ MSP credentials" in out and "  ✓ webhook fields" in out
    assert "some items need fixing before going live" in out
    for secret in SECRETS:
        assert secret not in out and secret not in err

    capsys.readouterr()
    assert main(["verify", "--channel", "messenger"]) == 0
    out = capsys.readouterr().out
    assert "ready to go live" in out and "whatsapp" not in out


def test_command_with_rich_table(graph: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("rich")
    import argparse

    from polychat.cli import verify

    for key, value in FB_ENV.items():
        monkeypatch.setenv(key, value)
    mock_messenger(graph, apps={"data": []})
    out = io.StringIO()
    assert verify(argparse.Namespace(channels=["messenger"], plain=False), out) == 1
    text = out.getvalue()
    assert "✗" in text and "webhook subscription" in text and "\x1b[" in text
    assert PAGE_TOKEN not in text and APP_SECRET not in text


def test_command_with_nothing_configured(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import os

    for key in list(os.environ):
        if key.startswith(("POLYCHAT_WHATSAPP_", "POLYCHAT_MESSENGER_", "POLYCHAT_APPLE_")):
            monkeypatch.delenv(key)
    assert main(["verify"]) == 2
    assert "nothing to verify" in capsys.readouterr().out
