"""``polychat verify``: check a channel's configuration before going live, as a checklist.

Credentials come from environment variables (the names ``polychat send`` and the scale-out
example use); nothing is ever printed but masked values and the platforms' own messages with
every configured secret removed.

WhatsApp (``POLYCHAT_WHATSAPP_TOKEN``, ``_PHONE_NUMBER_ID``, ``_WABA_ID``, ``_APP_ID``,
``_APP_SECRET``) and Messenger (``POLYCHAT_MESSENGER_TOKEN`` — the Page token —, ``_PAGE_ID``,
``_APP_ID``, ``_APP_SECRET``), over the Graph API:

- **app secret**: present (webhooks cannot be verified without it); with the app id, Graph must
  accept the app access token ``APP_ID|APP_SECRET`` (used for ``debug_token``).
- **access token**: ``GET /debug_token?input_token=…`` — ``is_valid``, ``expires_at`` (0 = never;
  under 7 days left is a warning), the app it was issued for; Messenger: a ``PAGE`` token of the
  configured Page (``profile_id``).
- **token scopes**: ``whatsapp_business_messaging`` (``whatsapp_business_management``
  recommended), ``pages_messaging`` (``pages_manage_metadata`` recommended); a WhatsApp granular
  scope that lists target ids must include the WABA.
- **webhook subscription**: ``GET /{waba-id}/subscribed_apps`` / ``GET /{page-id}/subscribed_apps``
  — the app is subscribed; a Page's ``subscribed_fields`` include ``messages`` and
  ``messaging_postbacks`` (the delivery, read, reaction, referral, opt-in and edit fields are
  recommended).
- **phone number**: ``GET /{phone-number-id}?fields=status,quality_rating,…`` — ``status`` must be
  ``CONNECTED``, ``quality_rating`` ``GREEN`` (``YELLOW`` warns, ``RED`` fails),
  ``code_verification_status`` ``VERIFIED`` (else a warning).

The ``debug_token`` and phone-number field names follow Meta's Graph API reference; the project's
platform notes do not cover them (UNCONFIRMED there), so an unexpected answer is reported, never
guessed at.

Apple (``POLYCHAT_APPLE_MSP_ID``, ``_SECRET``, ``_BUSINESS_ID``, optional ``_BASE_URL``): one
request signed like every send — ``GET /v1/preUpload`` with ``Source-Id`` and a 1-byte
``MMCS-Size``. It only asks for an attachment upload slot (nothing is uploaded, no customer is
contacted); 200 means Apple accepted the JWT. UNCONFIRMED: that preUpload has no other effect, and
what Apple answers for an unknown business id (400 or 404 are reported as such).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from . import _safejson
from .errors import AuthError, ConfigurationError, PlatformError

__all__ = [
    "ENV",
    "Check",
    "apple_probe_check",
    "page_subscription_checks",
    "phone_number_checks",
    "token_checks",
    "verify_channel",
    "waba_subscription_check",
]

Status = Literal["ok", "warn", "fail"]

ENV: dict[str, tuple[str, ...]] = {
    "whatsapp": ("POLYCHAT_WHATSAPP_TOKEN", "POLYCHAT_WHATSAPP_PHONE_NUMBER_ID",
                 "POLYCHAT_WHATSAPP_WABA_ID", "POLYCHAT_WHATSAPP_APP_ID",
                 "POLYCHAT_WHATSAPP_APP_SECRET"),
    "messenger": ("POLYCHAT_MESSENGER_TOKEN", "POLYCHAT_MESSENGER_PAGE_ID",
                  "POLYCHAT_MESSENGER_APP_ID", "POLYCHAT_MESSENGER_APP_SECRET"),
    "apple": ("POLYCHAT_APPLE_MSP_ID", "POLYCHAT_APPLE_SECRET", "POLYCHAT_APPLE_BUSINESS_ID",
              "POLYCHAT_APPLE_BASE_URL"),
}
"""The environment variables each channel's checks read."""

SCOPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "whatsapp": (("whatsapp_business_messaging",), ("whatsapp_business_management",)),
    "messenger": (("pages_messaging",), ("pages_manage_metadata",)),
}
"""(needed, recommended) token scopes per channel."""

PAGE_FIELDS = (("messages", "messaging_postbacks"),
               ("message_deliveries", "message_reads", "message_reactions", "messaging_referrals",
                "messaging_optins", "message_edits"))
"""(needed, recommended) webhook fields of a Page subscription."""

EXPIRY_WARNING = 7 * 24 * 3600
"""A token expiring sooner than this (seconds) is a warning."""

_TOKEN_FIX = {
    "whatsapp": "create a System User token (Business Settings → System users) with "
                "whatsapp_business_messaging and set POLYCHAT_WHATSAPP_TOKEN",
    "messenger": "get the Page access token (GET /me/accounts with a long-lived user token) and "
                 "set POLYCHAT_MESSENGER_TOKEN",
}


@dataclass(frozen=True)
class Check:
    """One item of the checklist.

    Attributes:
        status: ``"ok"`` (✓), ``"warn"`` (! works, but look at it) or ``"fail"`` (✗ fix before
            going live). name: what was checked. reason: the finding, one line.
        fix: what to do about it (shown unless the item is ok).
    """

    status: Status
    name: str
    reason: str
    fix: str | None = None


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


# -- judging answers (pure) --------------------------------------------------------------------


def token_checks(data: Mapping[str, Any], *, channel: str, now: float,
                 app_id: str | None = None, page_id: str | None = None,
                 waba_id: str | None = None) -> list[Check]:
    """Judge a ``debug_token`` answer's ``data``: validity, expiry, app, token type, scopes."""
    fix = _TOKEN_FIX[channel]
    if not data.get("is_valid"):
        error = data.get("error")
        error = error if isinstance(error, Mapping) else {}
        expires = data.get("expires_at")
        if isinstance(expires, int | float) and 0 < expires <= now:
            why = f"expired on {_when(expires)}"
        else:
            why = str(error.get("message") or "Graph says the token is not valid")
        return [Check("fail", "access token", why, fix)]
    kind = str(data.get("type") or "unknown type")
    expires = data.get("expires_at") or 0
    checks: list[Check] = []
    if not isinstance(expires, int | float) or expires <= 0:
        checks.append(Check("ok", "access token", f"valid {kind} token, never expires"))
    elif expires <= now:
        checks.append(Check("fail", "access token", f"expired on {_when(expires)}", fix))
    elif expires - now < EXPIRY_WARNING:
        checks.append(Check("warn", "access token",
                            f"valid {kind} token, but it expires on {_when(expires)}", fix))
    else:
        checks.append(Check("ok", "access token", f"valid {kind} token until {_when(expires)}"))
    if app_id and data.get("app_id") and str(data["app_id"]) != app_id:
        checks.append(Check("fail", "token app", f"issued for app {data['app_id']}, not "
                            f"POLYCHAT_{channel.upper()}_APP_ID ({app_id})",
                            f"use a token of app {app_id}, or fix POLYCHAT_{channel.upper()}_APP_ID"))
    if channel == "messenger":
        checks.extend(_page_token_checks(data, kind, page_id))
    checks.append(_scope_check(data, channel, waba_id))
    return checks


def _page_token_checks(data: Mapping[str, Any], kind: str, page_id: str | None) -> list[Check]:
    if kind != "PAGE":
        return [Check("fail", "token type", f"a {kind} token: Messenger sends need the Page's token",
                      _TOKEN_FIX["messenger"])]
    profile = data.get("profile_id")
    if page_id and profile and str(profile) != page_id:
        return [Check("fail", "token type", f"the token is Page {profile}'s, not "
                      f"POLYCHAT_MESSENGER_PAGE_ID ({page_id})",
                      "use the token of the Page you configure")]
    return [Check("ok", "token type", "a Page access token" + (f" of Page {profile}" if profile
                                                               else ""))]


def _scope_check(data: Mapping[str, Any], channel: str, waba_id: str | None) -> Check:
    needed, recommended = SCOPES[channel]
    scopes = {str(s) for s in data.get("scopes") or []}
    granular = {str(g.get("scope")): g for g in data.get("granular_scopes") or []
                if isinstance(g, Mapping)}
    missing = [s for s in needed if s not in scopes]
    if missing:
        return Check("fail", "token scopes", "missing " + ", ".join(missing),
                     "grant " + ", ".join(missing) + " to the token's user or system user, then "
                     "generate a new token")
    targets = granular.get(needed[0], {}).get("target_ids")
    if waba_id and targets and waba_id not in {str(t) for t in targets}:
        return Check("fail", "token scopes", f"{needed[0]} is granted, but not on WABA {waba_id}",
                     "assign the WhatsApp account to the system user (Business Settings → "
                     "System users → Assign assets) and generate a new token")
    extra = [s for s in recommended if s not in scopes]
    if extra:
        return Check("warn", "token scopes", f"has {', '.join(needed)}; missing "
                     f"{', '.join(extra)}", f"grant {', '.join(extra)} (needed to manage the "
                     "webhook subscription and templates)")
    return Check("ok", "token scopes", ", ".join(needed + recommended))


def waba_subscription_check(body: Mapping[str, Any], *, waba_id: str,
                            app_id: str | None = None) -> Check:
    """Judge ``GET /{waba-id}/subscribed_apps``: is the app subscribed to the WABA's webhooks?"""
    fix = (f"POST /{waba_id}/subscribed_apps with the token (or App Dashboard → WhatsApp → "
           "Configuration), and subscribe the messages field")
    apps = [entry.get("whatsapp_business_api_data") or entry for entry in body.get("data") or []
            if isinstance(entry, Mapping)]
    if not apps:
        return Check("fail", "webhook subscription",
                     f"no app is subscribed to WABA {waba_id}: webhooks will not arrive", fix)
    names = ", ".join(str(a.get("name") or a.get("id")) for a in apps)
    if app_id and app_id not in {str(a.get("id")) for a in apps}:
        return Check("fail", "webhook subscription", f"app {app_id} is not subscribed to WABA "
                     f"{waba_id} (subscribed: {names})", fix)
    return Check("ok", "webhook subscription", f"subscribed to WABA {waba_id}: {names}")


def page_subscription_checks(body: Mapping[str, Any], *, page_id: str,
                             app_id: str | None = None) -> list[Check]:
    """Judge ``GET /{page-id}/subscribed_apps``: the app and its webhook fields."""
    needed, recommended = PAGE_FIELDS
    fix = (f"POST /{page_id}/subscribed_apps?subscribed_fields=" + ",".join(needed + recommended)
           + " with the Page token")
    apps = [a for a in body.get("data") or [] if isinstance(a, Mapping)]
    mine = [a for a in apps if not app_id or str(a.get("id")) == app_id]
    if not mine:
        why = (f"app {app_id} is not subscribed to Page {page_id}" if apps and app_id
               else f"no app is subscribed to Page {page_id}: webhooks will not arrive")
        return [Check("fail", "webhook subscription", why, fix)]
    app = mine[0]
    fields = {str(f) for f in app.get("subscribed_fields") or []}
    checks = [Check("ok", "webhook subscription",
                    f"{app.get('name') or app.get('id')} is subscribed to Page {page_id}")]
    missing = [f for f in needed if f not in fields]
    extra = [f for f in recommended if f not in fields]
    if missing:
        checks.append(Check("fail", "webhook fields", "missing " + ", ".join(missing), fix))
    elif extra:
        checks.append(Check("warn", "webhook fields", "missing " + ", ".join(extra)
                            + " (statuses, reactions, referrals… will not arrive)", fix))
    else:
        checks.append(Check("ok", "webhook fields", ", ".join(needed + recommended)))
    return checks


def phone_number_checks(body: Mapping[str, Any]) -> list[Check]:
    """Judge ``GET /{phone-number-id}?fields=…``: status, quality rating, verification."""
    name = " ".join(str(body[k]) for k in ("display_phone_number", "verified_name") if body.get(k))
    label = f"{name}: " if name else ""
    status = str(body.get("status") or "").upper()
    throughput = (body.get("throughput") or {}).get("level") if isinstance(
        body.get("throughput"), Mapping) else None
    speed = f", {throughput} throughput" if throughput else ""
    checks: list[Check]
    if status == "CONNECTED":
        checks = [Check("ok", "phone number", f"{label}CONNECTED{speed}")]
    elif not status:
        checks = [Check("warn", "phone number", f"{label}Graph did not report a status")]
    elif status == "FLAGGED":
        checks = [Check("fail", "phone number", f"{label}FLAGGED: quality is low and the messaging "
                        "limit may be lowered", "improve message quality (fewer blocks and "
                        "reports) before sending more; see WhatsApp Manager → Insights")]
    else:
        checks = [Check("fail", "phone number", f"{label}{status}",
                        "finish the number's registration in WhatsApp Manager "
                        "(POST /{phone-number-id}/register) or contact Meta support")]
    quality = str(body.get("quality_rating") or "").upper()
    if quality == "GREEN":
        checks.append(Check("ok", "quality rating", "GREEN"))
    elif quality == "YELLOW":
        checks.append(Check("warn", "quality rating", "YELLOW: customers are blocking or "
                            "reporting some messages", "send fewer, more relevant messages"))
    elif quality == "RED":
        checks.append(Check("fail", "quality rating", "RED: the number may be restricted",
                            "pause marketing sends and fix what customers report"))
    else:
        checks.append(Check("warn", "quality rating", f"{quality or 'not'} rated yet",
                            "nothing to do before the first conversations"))
    verification = str(body.get("code_verification_status") or "").upper()
    if verification == "VERIFIED":
        checks.append(Check("ok", "verification", "the number's code is VERIFIED"))
    else:
        checks.append(Check("warn", "verification", f"code verification "
                            f"{verification or 'not reported'}",
                            "verify the number in WhatsApp Manager (test numbers may say EXPIRED)"))
    return checks


def apple_probe_check(status: int | None, detail: str = "") -> Check:
    """Judge the HTTP status of the signed ``GET /v1/preUpload`` probe (None: no answer)."""
    name = "MSP credentials"
    fix = "check POLYCHAT_APPLE_MSP_ID and POLYCHAT_APPLE_SECRET (Apple Business Register)"
    if status is not None and 200 <= status < 300:
        return Check("ok", name, "the MSP gateway accepted a signed request (preUpload; nothing "
                     "was sent)")
    if status == 401:
        return Check("fail", name, "401: Apple did not see a valid Authorization header", fix)
    if status == 403:
        return Check("fail", name, "403: Apple refused the JWT (wrong MSP id or secret, or this "
                     "machine's clock is off)", fix)
    if status in (400, 404):
        return Check("fail", name, f"{status}: Apple refused the request (unknown business id? "
                     "UNCONFIRMED)", "check POLYCHAT_APPLE_BUSINESS_ID")
    if status is None:
        return Check("fail", name, f"no answer from the gateway: {detail}".rstrip(": "),
                     "check the network and POLYCHAT_APPLE_BASE_URL")
    return Check("warn", name, f"{status}: the gateway failed ({detail or 'server error'})",
                 "try again later")


# -- asking the platforms (I/O through polychat's transport) -----------------------------------


class _Asker:
    """Sends GET requests with polychat's transport (no retries) and returns JSON or the error."""

    def __init__(self, channel: Any, transport: Any = None) -> None:
        from ._http import RetryPolicy, SyncTransport

        self.channel = channel
        self.http = SyncTransport(transport=transport, retry=RetryPolicy(attempts=1))

    def get(self, url: str, headers: dict[str, str] | None = None) -> Mapping[str, Any]:
        """The JSON answer of a GET (an empty mapping for a non-JSON body).

        Raises:
            PlatformError: the platform refused (message without secrets), or no answer.
        """
        from .wire import HttpRequest

        response = self.http.send(self.channel, HttpRequest("GET", url, headers or {}))
        try:
            data = _safejson.loads(response.content)
        except ValueError:
            return {}
        return data if isinstance(data, Mapping) else {}

    def close(self) -> None:
        """Close the HTTP client."""
        self.http.close()


def _failed(name: str, error: PlatformError, fix: str | None) -> Check:
    return Check("fail", name, str(error), fix)


def _missing(env: Mapping[str, str], names: Sequence[str]) -> Check | None:
    absent = [n for n in names if not env.get(n)]
    if absent:
        return Check("fail", "configuration", "not set: " + ", ".join(absent),
                     "export " + " ".join(f"{n}=…" for n in absent))
    return None


def _debug_token(ask: _Asker, channel: Any, token: str, app_id: str | None,
                 app_secret: str | None, checks: list[Check]) -> Mapping[str, Any] | None:
    """``debug_token`` with the app token when the app is configured (that checks the app secret
    too), else with the token itself; appends the app-secret check; returns ``data`` or None."""
    url = f"{channel.base_url}/{channel.api_version}/debug_token?" + urlencode(
        {"input_token": token})
    prefix = f"POLYCHAT_{channel.name.upper()}_"
    if not app_secret:
        checks.append(Check("fail", "app secret", f"{prefix}APP_SECRET is not set: webhooks "
                            "cannot be verified", f"copy it from App Dashboard → App settings → "
                            f"Basic into {prefix}APP_SECRET"))
    elif not app_id:
        checks.append(Check("warn", "app secret", f"set (not checked: {prefix}APP_ID is not set)",
                            f"set {prefix}APP_ID to check it"))
    if app_id and app_secret:
        try:
            answer = ask.get(url, {"Authorization": f"Bearer {app_id}|{app_secret}"})
        except AuthError as error:
            checks.append(Check("fail", "app secret", f"Graph refused app {app_id}'s access "
                                f"token: {error.message}", f"check {prefix}APP_ID and "
                                f"{prefix}APP_SECRET (App Dashboard → App settings → Basic)"))
        except PlatformError as error:
            checks.append(_failed("app secret", error, None))
            return None
        else:
            checks.append(Check("ok", "app secret", f"Graph accepted app {app_id}'s credentials"))
            data = answer.get("data")
            return data if isinstance(data, Mapping) else {}
    try:
        answer = ask.get(url, {"Authorization": f"Bearer {token}"})
    except PlatformError as error:
        checks.append(_failed("access token", error, _TOKEN_FIX[channel.name]))
        return None
    data = answer.get("data")
    return data if isinstance(data, Mapping) else {}


def _verify_whatsapp(env: Mapping[str, str], now: float, transport: Any) -> list[Check]:
    from .channels.whatsapp import WhatsApp

    missing = _missing(env, ENV["whatsapp"][:2])
    if missing:
        return [missing]
    token, number = env["POLYCHAT_WHATSAPP_TOKEN"], env["POLYCHAT_WHATSAPP_PHONE_NUMBER_ID"]
    waba = env.get("POLYCHAT_WHATSAPP_WABA_ID") or None
    app_id = env.get("POLYCHAT_WHATSAPP_APP_ID") or None
    secret = env.get("POLYCHAT_WHATSAPP_APP_SECRET") or None
    try:
        channel = WhatsApp(phone_number_id=number, access_token=token, app_secret=secret)
    except ConfigurationError as error:
        return [Check("fail", "configuration", str(error), "fix POLYCHAT_WHATSAPP_PHONE_NUMBER_ID")]
    checks = [Check("ok", "configuration", f"phone number {number}"
                    + (f", WABA {waba}" if waba else "") + (f", app {app_id}" if app_id else ""))]
    ask = _Asker(channel, transport)
    bearer = {"Authorization": f"Bearer {token}"}
    try:
        data = _debug_token(ask, channel, token, app_id, secret, checks)
        if data is not None:
            checks.extend(token_checks(data, channel="whatsapp", now=now, app_id=app_id,
                                       waba_id=waba))
        if waba:
            try:
                body = ask.get(channel.graph_url(f"{waba}/subscribed_apps"), bearer)
                checks.append(waba_subscription_check(body, waba_id=waba, app_id=app_id))
            except PlatformError as error:
                checks.append(_failed("webhook subscription", error, "check "
                                      "POLYCHAT_WHATSAPP_WABA_ID and the token's access to it"))
        else:
            checks.append(Check("warn", "webhook subscription", "not checked: "
                                "POLYCHAT_WHATSAPP_WABA_ID is not set",
                                "set POLYCHAT_WHATSAPP_WABA_ID (WhatsApp Manager → Account tools)"))
        fields = "status,quality_rating,verified_name,display_phone_number," \
                 "code_verification_status,name_status,throughput"
        try:
            body = ask.get(channel.graph_url(number) + "?" + urlencode({"fields": fields}), bearer)
            checks.extend(phone_number_checks(body))
        except PlatformError as error:
            checks.append(_failed("phone number", error, "check "
                                  "POLYCHAT_WHATSAPP_PHONE_NUMBER_ID (API Setup page)"))
    finally:
        ask.close()
    return [_redacted(channel, c) for c in checks]


def _verify_messenger(env: Mapping[str, str], now: float, transport: Any) -> list[Check]:
    from .channels.messenger import Messenger

    missing = _missing(env, ENV["messenger"][:2])
    if missing:
        return [missing]
    token, page = env["POLYCHAT_MESSENGER_TOKEN"], env["POLYCHAT_MESSENGER_PAGE_ID"]
    app_id = env.get("POLYCHAT_MESSENGER_APP_ID") or None
    secret = env.get("POLYCHAT_MESSENGER_APP_SECRET") or None
    try:
        channel = Messenger(page_id=page, page_access_token=token, app_secret=secret)
    except ConfigurationError as error:
        return [Check("fail", "configuration", str(error), "fix POLYCHAT_MESSENGER_PAGE_ID")]
    checks = [Check("ok", "configuration", f"Page {page}" + (f", app {app_id}" if app_id else ""))]
    ask = _Asker(channel, transport)
    try:
        data = _debug_token(ask, channel, token, app_id, secret, checks)
        if data is not None:
            checks.extend(token_checks(data, channel="messenger", now=now, app_id=app_id,
                                       page_id=page))
        try:
            body = ask.get(channel.graph_url(f"{page}/subscribed_apps"))
            checks.extend(page_subscription_checks(body, page_id=page, app_id=app_id))
        except PlatformError as error:
            checks.append(_failed("webhook subscription", error,
                                  "check POLYCHAT_MESSENGER_PAGE_ID and the Page token"))
    finally:
        ask.close()
    return [_redacted(channel, c) for c in checks]


def _verify_apple(env: Mapping[str, str], now: float, transport: Any) -> list[Check]:
    from .channels.apple import AppleMessages

    missing = _missing(env, ENV["apple"][:3])
    if missing:
        return [missing]
    options: dict[str, Any] = {"msp_id": env["POLYCHAT_APPLE_MSP_ID"],
                               "secret": env["POLYCHAT_APPLE_SECRET"],
                               "business_id": env["POLYCHAT_APPLE_BUSINESS_ID"]}
    if env.get("POLYCHAT_APPLE_BASE_URL"):
        options["base_url"] = env["POLYCHAT_APPLE_BASE_URL"]
    try:
        channel = AppleMessages(**options)
    except (ConfigurationError, ValueError):
        return [Check("fail", "configuration", "POLYCHAT_APPLE_SECRET is not a Base64 MSP secret "
                      "(or POLYCHAT_APPLE_BUSINESS_ID has a urn:biz: prefix)",
                      "paste the secret exactly as Apple Business Register shows it")]
    checks = [Check("ok", "configuration", f"MSP {channel.msp_id}, business {channel.business_id}")]
    ask = _Asker(channel, transport)
    headers = {"Authorization": f"Bearer {channel.token()}", "Source-Id": channel.business_id,
               "MMCS-Size": "1", "size": "1"}
    try:
        ask.get(f"{channel.base_url}/v1/preUpload", headers)
        checks.append(apple_probe_check(200))
    except PlatformError as error:
        checks.append(apple_probe_check(error.http_status, error.message))
    finally:
        ask.close()
    return [_redacted(channel, c) for c in checks]


def _redacted(channel: Any, check: Check) -> Check:
    """``check`` with the channel's secrets removed from its text (defence in depth)."""
    return Check(check.status, check.name, channel.redact(check.reason),
                 channel.redact(check.fix) if check.fix else None)


_VERIFIERS = {"whatsapp": _verify_whatsapp, "messenger": _verify_messenger, "apple": _verify_apple}


def verify_channel(name: str, env: Mapping[str, str], *, now: float | None = None,
                   transport: Any = None) -> list[Check]:
    """Run every check of channel ``name`` with credentials from ``env``.

    Args:
        name: ``whatsapp``, ``messenger`` or ``apple``.
        env: the environment (``os.environ``).
        now: the current Unix time (default: the clock).
        transport: an httpx transport (tests); default: the network.
    """
    return _VERIFIERS[name](env, time.time() if now is None else now, transport)
