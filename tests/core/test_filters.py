"""Handler filters: every built-in, the &/|/~ algebra, and hub.on keywords end to end."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import polychat
from polychat import (
    Address,
    AsyncHub,
    ChoiceSelected,
    ConfigurationError,
    Event,
    Hub,
    Image,
    Location,
    MessageReceived,
    MessageStatus,
    Referral,
    ReferralInfo,
    Text,
    TypingChanged,
    filters,
)
from polychat.filters import Filter

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "FAKE-ACCOUNT-1"


def _addresses(channel: str, user: str) -> dict[str, Any]:
    return {"channel": channel,
            "sender": Address(channel=channel, account=ACCOUNT, user=user),
            "recipient": Address(channel=channel, account=ACCOUNT, user=ACCOUNT),
            "timestamp": WHEN}


def said(words: str, *, channel: str = "whatsapp", user: str = "fake-user-1", event_id: str = "m1",
         referral: ReferralInfo | None = None) -> MessageReceived:
    return MessageReceived(id=event_id, content=Text(text=words), referral=referral,
                           **_addresses(channel, user))


def sent(content: Any, *, channel: str = "whatsapp") -> MessageReceived:
    return MessageReceived(id="m-media", content=content, **_addresses(channel, "fake-user-1"))


def tapped(choice: str, title: str | None = None, *, channel: str = "messenger",
           referral: ReferralInfo | None = None) -> ChoiceSelected:
    return ChoiceSelected(id="c1", choice_id=choice, title=title, source="button", referral=referral,
                          **_addresses(channel, "fake-user-2"))


def status(value: str = "read") -> MessageStatus:
    return MessageStatus(id="s1", message_id="fake-out-1", status=value,
                         **_addresses("whatsapp", "fake-user-1"))


def typing() -> TypingChanged:
    return TypingChanged(on=True, **_addresses("apple", "fake-user-3"))


# -- built-ins -----------------------------------------------------------------------------------


def test_channel_account_user() -> None:
    assert filters.channel("whatsapp")(said("hi"))
    assert filters.channel("messenger", "apple")(typing())
    assert not filters.channel("messenger")(said("hi"))
    assert filters.account(ACCOUNT)(said("hi")) and not filters.account("OTHER")(said("hi"))
    assert filters.user("fake-user-1")(said("hi")) and not filters.user("fake-user-9")(said("hi"))
    assert filters.channel("whatsapp").event_types is None


def test_kind_matches_classes_and_subclasses() -> None:
    assert filters.kind(MessageReceived)(said("hi"))
    assert filters.kind(MessageStatus, TypingChanged)(typing())
    assert not filters.kind(ChoiceSelected)(said("hi"))
    assert filters.kind(Event)(status())
    assert filters.kind(MessageReceived).event_types == (MessageReceived,)


def test_text_is_exact_stripped_and_case_insensitive_by_default() -> None:
    yes = filters.text("Yes", "y")
    assert yes(said("  yes ")) and yes(said("Y")) and yes(said("YES"))
    assert not yes(said("yes please"))
    assert yes(tapped("opt-1", "Yes"))
    assert not yes(tapped("yes"))  # a tap without a title: the id is not the text
    assert not yes(sent(Image(url="https://example.invalid/a.png")))
    assert not yes(status())
    strict = filters.text("Yes", ignore_case=False)
    assert strict(said("Yes ")) and not strict(said("yes"))
    assert repr(strict) == "text('Yes', ignore_case=False)"


def test_regex_searches_text_and_titles_and_hands_on_the_match() -> None:
    order = filters.regex(r"order (\d+)")
    data = order.check(said("where is order 42?"))
    assert data is not None and data["match"].group(1) == "42"
    assert order(tapped("o", "Track order 7"))
    assert not order(said("no number"))
    assert not order(typing())
    assert filters.regex("^hello", flags=re.IGNORECASE)(said("HELLO there"))
    assert filters.regex(re.compile("^bye$"))(said("bye"))
    assert repr(filters.regex("^x", flags=re.I)) == "regex('^x', flags=re.IGNORECASE)"


def test_regex_refuses_bad_patterns() -> None:
    with pytest.raises(ConfigurationError, match="not a valid pattern"):
        filters.regex("(unclosed")
    with pytest.raises(ConfigurationError):
        filters.regex(re.compile("x"), flags=re.I)
    with pytest.raises(ConfigurationError, match="bytes"):
        filters.regex(re.compile(b"x"))  # type: ignore[arg-type]


def test_choice_id_and_prefix() -> None:
    assert filters.choice_id("yes", "no")(tapped("no"))
    assert not filters.choice_id("yes")(tapped("maybe"))
    assert not filters.choice_id("yes")(said("yes"))
    prefix = filters.choice_prefix("order:", "order:cancel:")
    assert prefix.check(tapped("order:42")) == {"prefix": "order:", "suffix": "42"}
    assert prefix.check(tapped("order:cancel:7")) == {"prefix": "order:cancel:", "suffix": "7"}
    assert prefix.check(tapped("refund:1")) is None
    assert prefix.check(said("order:42")) is None


def test_content_and_status() -> None:
    image = sent(Image(url="https://example.invalid/a.png"))
    place = sent(Location(latitude=48.85, longitude=2.35))
    assert filters.content(Image)(image) and not filters.content(Image)(place)
    assert filters.content(Image, Location)(place)
    assert not filters.content(Text)(tapped("x", "x"))
    assert filters.status("read", "delivered")(status("read"))
    assert not filters.status("failed")(status("read"))
    assert not filters.status("read")(said("read"))
    with pytest.raises(ConfigurationError, match="unknown statuses"):
        filters.status("seen")


def test_referral_on_messages_taps_and_standalone() -> None:
    ad = ReferralInfo(source="ad", ref="fake-ad-ref")
    data = filters.referral().check(said("hi", referral=ad))
    assert data == {"referral": ad}
    assert filters.referral("ADS")(tapped("x", referral=ReferralInfo(source="ADS")))
    assert not filters.referral("ad")(tapped("x", referral=ReferralInfo(source="ADS")))
    assert not filters.referral()(said("hi"))
    standalone = Referral(source="SHORTLINK", ref="fake-ref", **_addresses("messenger", "fake-user-2"))
    found = filters.referral("SHORTLINK").check(standalone)
    assert found is not None and found["referral"].ref == "fake-ref"
    assert not filters.referral()(status())


def test_always() -> None:
    assert all(filters.always()(e) for e in (said("x"), tapped("x"), status(), typing()))


@pytest.mark.parametrize("make", [
    lambda: filters.channel(), lambda: filters.text(), lambda: filters.choice_id(), lambda: filters.kind(),
    lambda: filters.content(), lambda: filters.status(), lambda: filters.choice_prefix(),
    lambda: filters.channel(42),  # type: ignore[arg-type]
    lambda: filters.kind(str),  # type: ignore[arg-type]
    lambda: filters.content("Image"),  # type: ignore[arg-type]
])
def test_builtins_refuse_bad_arguments(make: Any) -> None:
    with pytest.raises(ConfigurationError):
        make()


# -- composition ---------------------------------------------------------------------------------


def test_and_merges_data_right_wins_and_short_circuits() -> None:
    calls: list[str] = []

    def tracked(name: str, data: dict[str, Any] | None) -> Filter:
        def check(event: Event) -> dict[str, Any] | None:
            calls.append(name)
            return data
        return Filter(check, name=name)

    both = tracked("a", {"x": 1, "k": "a"}) & tracked("b", {"y": 2, "k": "b"})
    assert both.check(said("hi")) == {"x": 1, "y": 2, "k": "b"}
    calls.clear()
    assert (tracked("no", None) & tracked("b", {})).check(said("hi")) is None
    assert calls == ["no"]


def test_or_takes_the_first_match_and_short_circuits() -> None:
    first = filters.regex("(?P<w>a+)") | filters.regex("(?P<w>b+)")
    data = first.check(said("bbb aa"))
    assert data is not None and data["match"].group("w") == "aa"
    assert first.check(said("ccc")) is None
    boom = Filter(lambda e: 1 / 0, name="boom")  # type: ignore[arg-type,return-value]
    assert (filters.always() | boom)(said("x"))


def test_not_inverts_and_hands_no_data() -> None:
    not_wa = ~filters.channel("whatsapp")
    assert not_wa.check(tapped("x")) == {}
    assert not_wa.check(said("x")) is None
    assert (~filters.regex("x")).check(said("y")) == {}
    assert (~~filters.channel("whatsapp"))(said("x"))


def test_plain_callables_compose_on_either_side() -> None:
    def is_vip(event: Event) -> bool:
        return event.sender.user == "fake-user-1"

    assert (is_vip & filters.channel("whatsapp"))(said("hi"))
    assert (filters.channel("apple") | is_vip)(said("hi"))
    assert not (filters.channel("whatsapp") & is_vip)(tapped("x"))
    assert repr(filters.as_filter(is_vip)).endswith("is_vip")


def test_precedence_and_reprs() -> None:
    a, b, c = filters.channel("a"), filters.channel("b"), filters.channel("c")
    expr = a | b & ~c
    assert repr(expr) == "channel('a') | channel('b') & ~channel('c')"
    assert repr((a | b) & c) == "(channel('a') | channel('b')) & channel('c')"
    assert repr(~(a & b)) == "~(channel('a') & channel('b'))"
    assert repr(a & b & c) == "channel('a') & channel('b') & channel('c')"  # flattened


def test_filters_are_not_booleans() -> None:
    with pytest.raises(TypeError, match="combine filters with &"):
        bool(filters.channel("whatsapp"))
    with pytest.raises(TypeError):
        filters.channel("a") and filters.channel("b")


def test_event_types_narrow_and_widen() -> None:
    assert (filters.text("x") & filters.choice_id("y")).event_types == (ChoiceSelected,)
    assert (filters.text("x") & filters.kind(Event)).event_types == (MessageReceived, ChoiceSelected)
    assert (filters.choice_id("y") | filters.status("read")).event_types == (ChoiceSelected, MessageStatus)
    assert (filters.choice_id("y") | filters.channel("a")).event_types is None
    assert (~filters.choice_id("y")).event_types is None
    assert not (filters.text("x") & filters.status("read")).can_match(Event)


def test_as_filter_refuses_non_callables_and_async() -> None:
    async def later(event: Event) -> bool:
        return True

    with pytest.raises(ConfigurationError):
        filters.as_filter("yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="async"):
        filters.as_filter(later)  # type: ignore[arg-type]


@given(st.booleans(), st.booleans())
def test_algebra_agrees_with_python(x: bool, y: bool) -> None:
    event = said("hi")
    a = filters.always() if x else ~filters.always()
    b = Filter(lambda e: {} if y else None, name="b")
    assert (a & b)(event) == (x and y)
    assert (a | b)(event) == (x or y)
    assert (~a)(event) == (not x)
    assert (~(a & b))(event) == ((~a) | (~b))(event)  # De Morgan


# -- hub.on keywords, end to end -----------------------------------------------------------------


def routing_table(hub: Hub, seen: list[tuple[str, Any]]) -> None:
    @hub.on(ChoiceSelected, choice_id=["yes", "no"])
    def answer(event: ChoiceSelected, ctx: polychat.SyncContext) -> None:
        seen.append(("answer", event.choice_id))

    @hub.on(MessageReceived, regex=r"^track (\w+)$")
    def track(event: MessageReceived, ctx: polychat.SyncContext) -> None:
        assert ctx.match is not None
        seen.append(("track", ctx.match.group(1)))

    @hub.on(text=("hi", "hello"), channel="whatsapp")
    def greet(event: Event, ctx: polychat.SyncContext) -> None:
        seen.append(("greet", event.channel))

    @hub.on(MessageStatus, when=filters.status("failed"))
    def failed(event: MessageStatus, ctx: polychat.SyncContext) -> None:
        seen.append(("failed", event.message_id))

    @hub.on(when=filters.choice_prefix("order:"))
    def order(event: Event, ctx: polychat.SyncContext) -> None:
        seen.append(("order", ctx.data["suffix"]))

    @hub.on()
    def fallback(event: Event, ctx: polychat.SyncContext) -> None:
        assert ctx.match is None and dict(ctx.data) == {}
        seen.append(("fallback", type(event).__name__))


def test_sync_hub_routes_by_keywords_first_match_wins() -> None:
    hub, seen = Hub(), list[tuple[str, Any]]()
    routing_table(hub, seen)
    hub.dispatch([
        tapped("yes"), said("track ABC123"), said("Hello"), said("hello", channel="messenger"),
        tapped("x", "hi", channel="whatsapp"), status("failed"), status("read"),
        tapped("order:42"), typing(),
    ])
    assert seen == [
        ("answer", "yes"), ("track", "ABC123"), ("greet", "whatsapp"),
        ("fallback", "MessageReceived"), ("greet", "whatsapp"), ("failed", "fake-out-1"),
        ("fallback", "MessageStatus"), ("order", "42"), ("fallback", "TypingChanged"),
    ]


async def test_async_hub_hands_match_and_data_to_the_context() -> None:
    hub = AsyncHub()
    got: list[Any] = []

    @hub.on(MessageReceived, regex=re.compile(r"^(?P<n>\d+) items?$"),
            when=filters.referral() | filters.channel("apple"))
    async def count(event: MessageReceived, ctx: polychat.Context) -> None:
        assert ctx.match is not None
        got.append((ctx.match["n"], sorted(ctx.data)))

    @hub.on(MessageReceived)
    def plain(event: MessageReceived, ctx: polychat.Context) -> None:  # runs in a thread
        got.append(("plain", ctx.match))

    await hub.dispatch([said("3 items", referral=ReferralInfo(source="ad")), said("3 items"),
                        said("1 item", channel="apple")])
    assert got == [("3", ["match", "referral"]), ("plain", None), ("1", ["match"])]


def test_existing_channel_and_when_keywords_still_work() -> None:
    hub, seen = Hub(), list[str]()
    hub.on(MessageReceived, channel="messenger", when=lambda e: e.content.text == "x")(
        lambda e, ctx: seen.append("lambda"))
    hub.on(MessageReceived, channel=("whatsapp", "apple"))(lambda e, ctx: seen.append("tuple"))
    hub.dispatch([said("x", channel="messenger"), said("x", channel="apple"),
                  said("y", channel="messenger")])
    assert seen == ["lambda", "tuple"]


def test_a_failing_filter_is_logged_and_counts_as_no_match(caplog: pytest.LogCaptureFixture) -> None:
    hub, seen = Hub(), list[str]()

    def fragile(event: Event) -> bool:
        raise RuntimeError("filter bug")

    hub.on(MessageReceived, when=fragile)(lambda e, ctx: seen.append("fragile"))
    hub.on(MessageReceived)(lambda e, ctx: seen.append("next"))
    caplog.set_level(logging.ERROR, logger="polychat.hub")
    hub.dispatch([said("hi")])
    assert seen == ["next"]
    [record] = [r for r in caplog.records if "treated as no match" in r.getMessage()]
    assert record.levelno == logging.ERROR and "fragile" in record.getMessage()
    assert record.exc_info is not None


@pytest.mark.parametrize(("event_type", "keywords", "message"), [
    (MessageReceived, {"choice_id": "yes"}, "choice_id="),
    (MessageStatus, {"text": "hi"}, "text="),
    (MessageStatus, {"regex": "hi"}, "regex="),
    (TypingChanged, {"when": filters.content(Image)}, "when="),
    (Event, {"text": "hi", "when": filters.status("read")}, "never"),
    (MessageReceived, {"channel": 5}, "channel="),
    (MessageReceived, {"text": []}, "text="),
    (MessageReceived, {"regex": b"x"}, "regex="),
    (MessageReceived, {"regex": "(bad"}, "valid pattern"),
    (MessageReceived, {"when": "not callable"}, "callable"),
    (str, {}, "event class"),
])
def test_registration_errors(event_type: Any, keywords: dict[str, Any], message: str) -> None:
    hub = Hub()
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        hub.on(event_type, **keywords)
    assert hub.core.routes == []


def test_text_and_choice_id_are_fine_on_the_base_event_and_choice_selected() -> None:
    hub = Hub()
    hub.on(ChoiceSelected, text="Yes", choice_id="yes")(lambda e, ctx: None)
    hub.on(Event, choice_id="yes")(lambda e, ctx: None)
    assert len(hub.core.routes) == 2


def test_core_match_returns_route_and_data() -> None:
    hub = Hub()
    hub.on(MessageReceived, regex="(h)i")(lambda e, ctx: None)
    found = hub.core.match(said("hi"))
    assert found is not None
    route, data = found
    assert route is hub.core.route_for(said("hi")) and data["match"].group(1) == "h"
    assert hub.core.match(status()) is None


def test_module_all_is_complete_and_documented() -> None:
    public = {n for n, v in vars(filters).items() if not n.startswith("_") and callable(v)
              and getattr(v, "__module__", "") == filters.__name__}
    assert public <= set(filters.__all__)
    for name in filters.__all__:
        assert (getattr(filters, name).__doc__ or "").strip() or name == "Predicate", name
