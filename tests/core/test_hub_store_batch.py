"""The hubs record a webhook's events with one call of the store's batch method (``record`` /
``arecord``), and still work with stores written before it (the single calls, one at a time)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

import polychat
from polychat import AsyncHub, Hub, MemoryStore, WebhookRequest
from polychat.channels._meta import sign_body
from polychat.events import ChoiceSelected, MessageReceived, MessageStatus

PNID = "106540352242922"
SECRET = "fake-app-secret-0000"
ADA, BOB = "16505551234", "16505550000"
NOW = int(datetime.now(UTC).timestamp())
MENU = {"options": [{"n": 1, "id": "small", "title": "Small", "source": "list"},
                    {"n": 2, "id": "large", "title": "Large", "source": "list"}], "at": NOW - 60}

SYNC_METHODS = frozenset({"remember", "forget", "touch_user", "last_user_activity", "conversation",
                          "update_conversation", "acquire", "hold", "release", "get", "put"})
ASYNC_METHODS = frozenset(f"a{name}" for name in SYNC_METHODS)


def make_wa() -> polychat.WhatsApp:
    return polychat.WhatsApp(phone_number_id=PNID, access_token="EAAG-FAKE", app_secret=SECRET)


def webhook(messages: list[tuple[str, str, str]], statuses: list[str] = ()) -> WebhookRequest:  # type: ignore[assignment]
    """One signed WhatsApp body: texts ``(id, from, body)`` and ``delivered`` statuses."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PNID},
        "contacts": [{"profile": {"name": "Ada"}, "wa_id": ADA}, {"profile": {"name": "Bob"}, "wa_id": BOB}],
        "messages": [{"from": sender, "id": mid, "timestamp": str(NOW), "type": "text",
                      "text": {"body": text}} for mid, sender, text in messages],
    }
    if statuses:
        value["statuses"] = [{"id": mid, "status": "delivered", "timestamp": str(NOW),
                              "recipient_id": ADA} for mid in statuses]
    payload = {"object": "whatsapp_business_account",
               "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]}
    raw = json.dumps(payload).encode()
    return WebhookRequest(headers={"X-Hub-Signature-256": sign_body(raw, SECRET)}, body=raw)


BODIES = [
    webhook([("wamid.A1", ADA, "2"), ("wamid.B1", BOB, "hello")], ["wamid.OUT1"]),
    webhook([("wamid.A1", ADA, "2"), ("wamid.B1", BOB, "hello")], ["wamid.OUT1"]),  # re-delivered
    webhook([("wamid.A2", ADA, "Small"), ("wamid.A2", ADA, "Small"), ("wamid.B2", BOB, "1")]),
]


class SyncOnlyStore:
    """A store written against the sync methods only: no async face, no batch method."""

    def __init__(self, methods: frozenset[str] = SYNC_METHODS) -> None:
        self.inner = MemoryStore()
        self.methods = methods
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        if name not in self.methods:
            raise AttributeError(name)
        self.calls.append(name)
        return getattr(self.inner, name)


class OldStore(SyncOnlyStore):
    """A store of the protocol before the batch method: both faces, no ``record``/``arecord``."""

    def __init__(self) -> None:
        super().__init__(SYNC_METHODS | ASYNC_METHODS)


class Watched:
    """A MemoryStore behind a wrapper that logs every method the hub takes from it."""

    def __init__(self, *, with_arecord: bool = True) -> None:
        self.inner = MemoryStore()
        self.with_arecord = with_arecord
        self.calls: list[str] = []

    def record(self, arrivals: list[Any]) -> list[Any]:
        self.calls.append(f"record {len(arrivals)}")
        return self.inner.record(arrivals)

    def __getattr__(self, name: str) -> Any:
        if name == "arecord" and self.with_arecord:
            async def arecord(arrivals: list[Any]) -> list[Any]:
                self.calls.append(f"arecord {len(arrivals)}")
                return await self.inner.arecord(arrivals)
            return arecord
        if name == "arecord":
            raise AttributeError(name)
        self.calls.append(name)
        return getattr(self.inner, name)


def with_menu(store: Any) -> Any:
    inner = getattr(store, "inner", store)
    inner.update_conversation(f"whatsapp:{PNID}:{ADA}", menu=MENU)
    inner.update_conversation(f"whatsapp:{PNID}:{BOB}", menu=MENU)
    return store


async def receive_all(hub: AsyncHub | Hub) -> list[list[polychat.Event]]:
    out = []
    for body in BODIES:
        if isinstance(hub, AsyncHub):
            response, events = await hub.receive("whatsapp", body)
        else:
            response, events = hub.receive("whatsapp", body)
        assert response.status == 200
        out.append(events)
    return out


def kinds(batches: list[list[polychat.Event]]) -> list[list[str]]:
    return [[f"{type(e).__name__} {e.id}" for e in events] for events in batches]


@pytest.mark.parametrize("hub_class", [AsyncHub, Hub])
@pytest.mark.parametrize("old_store", [SyncOnlyStore, OldStore])
async def test_a_store_without_the_batch_method_gets_the_same_events(
        hub_class: type[AsyncHub] | type[Hub], old_store: type[SyncOnlyStore]) -> None:
    batch_hub = hub_class(make_wa(), store=with_menu(MemoryStore()))
    old = with_menu(old_store())
    old_hub = hub_class(make_wa(), store=old)
    expected = await receive_all(batch_hub)
    got = await receive_all(old_hub)
    assert got == expected
    assert kinds(got) == [
        ["ChoiceSelected wamid.A1", "MessageReceived wamid.B1", "MessageStatus wamid.OUT1"],
        [],  # the re-delivery
        ["ChoiceSelected wamid.A2", "ChoiceSelected wamid.B2"],  # one event per message id
    ]
    assert isinstance(got[0][0], ChoiceSelected) and got[0][0].choice_id == "large"
    assert isinstance(got[0][1], MessageReceived) and isinstance(got[0][2], MessageStatus)
    assert got[2][0].choice_id == "small" and got[2][1].choice_id == "small"  # type: ignore[attr-defined]
    assert "remember" in old.calls or "aremember" in old.calls  # the single calls
    assert old.inner.last_user_activity(f"whatsapp:{PNID}:{BOB}") is not None
    for hub in (batch_hub, old_hub):
        if isinstance(hub, AsyncHub):
            await hub.aclose()
        else:
            hub.close()


@pytest.mark.parametrize("with_arecord", [True, False])
async def test_the_async_hub_makes_one_store_call_per_webhook_body(with_arecord: bool) -> None:
    store = Watched(with_arecord=with_arecord)
    hub = AsyncHub(make_wa(), store=store)
    store.calls.clear()
    batches = await receive_all(hub)
    call = "arecord" if with_arecord else "record"  # a store with only the sync batch method
    assert store.calls == [f"{call} 3", f"{call} 3", f"{call} 3"]
    assert [len(events) for events in batches] == [3, 0, 2]
    await hub.aclose()


def test_the_sync_hub_makes_one_store_call_per_webhook_body() -> None:
    store = Watched()
    hub = Hub(make_wa(), store=store)
    store.calls.clear()
    for body in BODIES:
        hub.receive("whatsapp", body)
    assert store.calls == ["record 3", "record 3", "record 3"]
    _, events = hub.receive("whatsapp", WebhookRequest(method="GET", query={}))
    assert events == [] and store.calls == ["record 3"] * 3  # nothing to record: no call
    hub.close()


async def test_a_failing_batch_gives_back_the_keys_and_the_redelivery_is_new() -> None:
    class Failing(MemoryStore):
        fail = True

        def update_conversation(self, address: str, **values: Any) -> None:
            if self.fail:
                self.fail = False
                raise ConnectionError("store unreachable")
            super().update_conversation(address, **values)

    hub = AsyncHub(make_wa(), store=Failing())
    with pytest.raises(ConnectionError):
        await hub.receive("whatsapp", BODIES[0])
    _, events = await hub.receive("whatsapp", BODIES[0])  # the platform re-delivers after the 500
    assert kinds([events]) == [["MessageReceived wamid.A1", "MessageReceived wamid.B1",
                                "MessageStatus wamid.OUT1"]]
    await hub.aclose()
